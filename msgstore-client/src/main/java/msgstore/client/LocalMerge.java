package msgstore.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
import msgstore.api.MergeMode;
import msgstore.api.MergeReport;
import msgstore.api.MergeReport.Outcome;
import msgstore.api.MergeReport.Side;
import msgstore.api.MergeReport.UnitChange;
import msgstore.api.MessageSnapshot;
import msgstore.api.MessageSnapshot.AttachmentSnapshot;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Recipient;

/**
 * previewMerge of a handle that has no current version to merge with (a new or an embedded
 * message): as in the engine, a merge with the base itself, so every unit the handle changed is
 * reported as changed by OURS.
 */
final class LocalMerge {
  private LocalMerge() {}

  static MergeReport oursOnly(MessageSnapshot base, MessageSnapshot ours, MergeMode mode) {
    List<UnitChange> changes = new ArrayList<>();
    units(base.props(), ours.props(), PropValue::tag, MergeReport.PropertyUnit::new,
        t -> PropTags.COMPUTED_FROM_ROW.contains(t) || PropTags.COMPUTED_BY_COMMIT.contains(t), changes);
    units(base.recipients(), ours.recipients(), Recipient::rowId, MergeReport.RecipientUnit::new, k -> false, changes);
    units(base.attachments(), ours.attachments(), AttachmentSnapshot::attachNum, MergeReport.AttachmentUnit::new,
        k -> false, changes);
    return new MergeReport(mode, changes);
  }

  private static <K extends Comparable<K>, V> void units(List<V> base, List<V> ours, Function<V, K> key,
      Function<K, MergeReport.Unit> unit, Predicate<K> skip, List<UnitChange> out) {
    TreeMap<K, V> b = new TreeMap<>();
    base.forEach(v -> b.put(key.apply(v), v));
    TreeMap<K, V> o = new TreeMap<>();
    ours.forEach(v -> o.put(key.apply(v), v));
    TreeSet<K> keys = new TreeSet<>(b.keySet());
    keys.addAll(o.keySet());
    for (K k : keys) {
      if (skip.test(k) || Objects.equals(b.get(k), o.get(k))) {
        continue;
      }
      out.add(new UnitChange(unit.apply(k), Side.OURS, b.get(k), o.get(k), b.get(k), Outcome.OURS));
    }
  }

  static boolean isComputed(PropTag t) {
    return PropTags.COMPUTED_FROM_ROW.contains(t) || PropTags.COMPUTED_BY_COMMIT.contains(t);
  }
}
