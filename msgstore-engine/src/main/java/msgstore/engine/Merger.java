package msgstore.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Function;
import msgstore.api.MergeMode;
import msgstore.api.MergeReport;
import msgstore.api.MergeReport.Outcome;
import msgstore.api.MergeReport.Side;
import msgstore.api.MergeReport.UnitChange;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Recipient;

/**
 * Three-way merge of a handle's view (ours) onto the current version (theirs) from the handle's
 * base (R87-R93, X6).
 *
 * <p>Units are properties (by tag; store-computed ones are left out, the commit recomputes them),
 * recipient rows (by PR_ROWID) and attachments (by PR_ATTACH_NUM, compared whole). A unit changed
 * by one side takes that side's value; changed by both to different values it is a conflict,
 * settled by the mode: ALWAYS_OVERWRITE and AUTO_RESOLVE take ours, except that AUTO_RESOLVE
 * keeps the more restrictive PR_SENSITIVITY (the EWS example). NEVER_OVERWRITE callers fail the
 * save when {@link MergeReport#hasConflicts()}. A row or attachment that both sides added under
 * the same number is not a conflict: ours is renumbered and both are kept.
 */
final class Merger {
  private Merger() {}

  record Result(MergeReport report, Content merged) {}

  static Result merge(Content base, Content ours, Content theirs, MergeMode mode) {
    List<UnitChange> changes = new ArrayList<>();
    Map<PropTag, PropValue> props = mergeUnits(index(base.props(), PropValue::tag), index(ours.props(), PropValue::tag),
        index(theirs.props(), PropValue::tag), mode, changes, MergeReport.PropertyUnit::new, t -> Computed.NOT_PREPARED.contains(t),
        null);
    Map<Integer, Recipient> recips = mergeUnits(index(base.recipients(), Recipient::rowId),
        index(ours.recipients(), Recipient::rowId), index(theirs.recipients(), Recipient::rowId), mode, changes,
        MergeReport.RecipientUnit::new, k -> false, (r, id) -> r.withRowId(id));
    Map<Integer, Content.Attach> atts = mergeUnits(index(base.attachments(), Content.Attach::num),
        index(ours.attachments(), Content.Attach::num), index(theirs.attachments(), Content.Attach::num), mode, changes,
        MergeReport.AttachmentUnit::new, k -> false, (a, n) -> new Content.Attach(n, a.props(), a.content(), a.embedded()));
    List<PropValue> mergedProps = new ArrayList<>(props.values());
    // Store-computed properties follow the current version; the commit rewrites them anyway.
    for (PropValue p : theirs.props()) {
      if (Computed.NOT_PREPARED.contains(p.tag())) {
        mergedProps.add(p);
      }
    }
    Content merged = new Content(Content.sorted(mergedProps), new ArrayList<>(recips.values()), new ArrayList<>(atts.values()));
    return new Result(new MergeReport(mode, changes), merged);
  }

  private static <K extends Comparable<K>, V> TreeMap<K, V> index(List<V> values, Function<V, K> key) {
    TreeMap<K, V> m = new TreeMap<>();
    for (V v : values) {
      m.put(key.apply(v), v);
    }
    return m;
  }

  private static <K extends Comparable<K>, V> TreeMap<K, V> mergeUnits(TreeMap<K, V> base, TreeMap<K, V> ours,
      TreeMap<K, V> theirs, MergeMode mode, List<UnitChange> changes, Function<K, MergeReport.Unit> unit,
      java.util.function.Predicate<K> skip, BiFunction<V, Integer, V> renumber) {
    TreeMap<K, V> out = new TreeMap<>();
    List<V> renumbered = new ArrayList<>();
    TreeSet<K> keys = new TreeSet<>(base.keySet());
    keys.addAll(ours.keySet());
    keys.addAll(theirs.keySet());
    for (K k : keys) {
      if (skip.test(k)) {
        continue;
      }
      V b = base.get(k);
      V o = ours.get(k);
      V t = theirs.get(k);
      boolean oc = !Objects.equals(b, o);
      boolean tc = !Objects.equals(b, t);
      V result;
      if (!oc && !tc) {
        result = b;
      } else if (oc && !tc) {
        result = o;
        changes.add(new UnitChange(unit.apply(k), Side.OURS, b, o, t, Outcome.OURS));
      } else if (!oc || Objects.equals(o, t)) {
        result = t;
        changes.add(new UnitChange(unit.apply(k), Side.THEIRS, b, o, t, Outcome.THEIRS));
      } else if (b == null && o != null && t != null && renumber != null) {
        // Both sides added a row under the same number: keep both.
        result = t;
        renumbered.add(o);
        changes.add(new UnitChange(unit.apply(k), Side.THEIRS, null, null, t, Outcome.THEIRS));
      } else {
        Outcome win = resolve(mode, k, o, t);
        result = win == Outcome.OURS ? o : t;
        changes.add(new UnitChange(unit.apply(k), Side.BOTH, b, o, t, win));
      }
      if (result != null) {
        out.put(k, result);
      }
    }
    if (!renumbered.isEmpty()) {
      int next = 1 + out.keySet().stream().mapToInt(k -> (Integer) k).max().orElse(0);
      for (V v : renumbered) {
        V moved = renumber.apply(v, next);
        @SuppressWarnings("unchecked")
        K key = (K) Integer.valueOf(next);
        out.put(key, moved);
        changes.add(new UnitChange(unit.apply(key), Side.OURS, null, moved, null, Outcome.OURS));
        next++;
      }
    }
    return out;
  }

  private static Outcome resolve(MergeMode mode, Object key, Object ours, Object theirs) {
    if (mode == MergeMode.AUTO_RESOLVE && PropTags.SENSITIVITY.equals(key) && ours instanceof PropValue o
        && theirs instanceof PropValue t) {
      return t.asInt() > o.asInt() ? Outcome.THEIRS : Outcome.OURS;
    }
    return Outcome.OURS;
  }

  /**
   * R85: the content of a conflict message: the last writer's version (ours, unless theirs was
   * modified after {@code now}) with each competing version attached as an embedded message with
   * PR_IN_CONFLICT, numbered from {@code nextAttachNum} (or after the winner's own attachments).
   */
  static Content keepBoth(Content theirs, Content ours, int nextAttachNum, Instant now) {
    boolean theirsWins = theirs.get(PropTags.LAST_MODIFICATION_TIME).map(PropValue::asInstant).map(t -> t.isAfter(now))
        .orElse(false);
    Content winner = theirsWins ? theirs : ours;
    List<Content.Attach> atts = new ArrayList<>(winner.attachments());
    int next = 1 + Math.max(nextAttachNum - 1, atts.stream().mapToInt(Content.Attach::num).max().orElse(-1));
    for (Content version : List.of(theirs, ours)) {
      List<PropValue> ep = new ArrayList<>(version.props());
      ep.removeIf(p -> p.tag().equals(PropTags.IN_CONFLICT));
      ep.add(PropValue.of(PropTags.IN_CONFLICT, true));
      Content emb = version.withProps(ep);
      String subject = version.get(PropTags.SUBJECT).map(PropValue::asString).orElse("");
      atts.add(new Content.Attach(next++, List.of(PropValue.of(PropTags.ATTACH_METHOD, PropTags.ATTACH_EMBEDDED_MSG),
          PropValue.of(PropTags.DISPLAY_NAME, subject), PropValue.of(PropTags.IN_CONFLICT, true)), null, emb));
    }
    return new Content(winner.props(), winner.recipients(), atts);
  }
}
