package msgstore.client;

import static msgstore.api.PropTags.*;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import msgstore.api.MapiError;
import msgstore.api.MessageSnapshot;
import msgstore.api.MessageSnapshot.AttachmentSnapshot;
import msgstore.api.PropProblem;
import msgstore.api.PropTag;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.StoreLimits;

/**
 * The engine's immediate checks, mirrored so that a remote handle fails in the same call an
 * embedded one would (X5): SetProps/DeleteProps on a pending map and the computed columns of a
 * handle's view. The rules themselves (read-only properties, R32; limits; SaveChanges flags,
 * R16-R21) are the API's ({@code PropTags.writeProblem}, {@code StoreLimits.checkProperty},
 * {@code SaveOptions.check}), shared with the engine; the server still decides every rule again
 * when it replays the ops.
 */
final class LocalRules {
  /** MAPI_MESSAGE, the PR_OBJECT_TYPE of a message. */
  static final int MAPI_MESSAGE = 5;

  private LocalRules() {}

  /** SetProps on a pending property map: validates all first, so a failing call changes nothing. */
  static List<PropProblem> set(TreeMap<PropTag, PropValue> map, Collection<PropValue> values, StoreLimits limits,
      Function<PropTag, Optional<MapiError>> problem, String object) {
    java.util.Set<Integer> added = new java.util.HashSet<>();
    java.util.Set<Integer> held = new java.util.HashSet<>();
    map.keySet().forEach(k -> held.add(k.id()));
    for (PropValue v : values) {
      limits.checkProperty(v, object);
      if (!held.contains(v.tag().id())) {
        added.add(v.tag().id());
      }
    }
    limits.checkPropertyCount(held.size() + added.size(), object);
    List<PropProblem> problems = new ArrayList<>();
    for (PropValue v : values) {
      Optional<MapiError> p = problem.apply(v.tag());
      if (p.isPresent()) {
        problems.add(new PropProblem(v.tag(), p.get()));
        continue;
      }
      put(map, v);
    }
    return problems;
  }

  static List<PropProblem> delete(TreeMap<PropTag, PropValue> map, Collection<PropTag> tags,
      Function<PropTag, Optional<MapiError>> problem) {
    List<PropProblem> problems = new ArrayList<>();
    for (PropTag t : tags) {
      Optional<MapiError> p = problem.apply(t);
      if (p.isPresent()) {
        problems.add(new PropProblem(t, p.get()));
      } else {
        removeId(map, t.id());
      }
    }
    return problems;
  }

  /** Puts a value, replacing any value of the same property id whatever its type. */
  static void put(TreeMap<PropTag, PropValue> map, PropValue v) {
    removeId(map, v.tag().id());
    map.put(v.tag(), v);
  }

  /** Removes the value of a property id, whatever its type: one lookup per type, not a scan. */
  private static void removeId(TreeMap<PropTag, PropValue> map, int id) {
    for (msgstore.api.PropType t : msgstore.api.PropType.values()) {
      map.remove(PropTag.of(id, t));
    }
  }

  static TreeMap<PropTag, PropValue> map(Collection<PropValue> props) {
    TreeMap<PropTag, PropValue> m = new TreeMap<>();
    for (PropValue p : props) {
      m.put(p.tag(), p);
    }
    return m;
  }

  static List<PropValue> sorted(Collection<PropValue> props) {
    return new ArrayList<>(map(props).values());
  }

  static Optional<PropValue> find(List<PropValue> props, PropTag tag) {
    for (PropValue p : props) {
      if (p.tag().equals(tag)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  // ---- attachments

  /** The properties of an attachment as its table row and handle show them. */
  static List<PropValue> attachmentViewProps(AttachmentSnapshot a) {
    List<PropValue> out = new ArrayList<>(a.props());
    out.add(PropValue.of(ATTACH_NUM, a.attachNum()));
    long size = a.content().isPresent() ? a.content().get().size()
        : a.embedded().isPresent() ? embeddedSize(a.embedded().get()) : 0;
    out.add(PropValue.of(ATTACH_SIZE, (int) Math.min(Integer.MAX_VALUE, size)));
    if (find(a.props(), ATTACH_METHOD).isEmpty()) {
      out.add(PropValue.of(ATTACH_METHOD, a.embedded().isPresent() ? ATTACH_EMBEDDED_MSG : ATTACH_BY_VALUE));
    }
    return sorted(out);
  }

  /**
   * An estimate of an embedded message's stored size (the engine uses its encoded length, which
   * only the server knows): the property values and recipient rows, plus attachment content.
   */
  static long embeddedSize(MessageSnapshot m) {
    long n = 16;
    for (PropValue p : m.props()) {
      n += 8 + StoreLimits.propertyBytes(p);
    }
    for (Recipient r : m.recipients()) {
      n += 8;
      for (PropValue p : r.props()) {
        n += 8 + StoreLimits.propertyBytes(p);
      }
    }
    for (AttachmentSnapshot a : m.attachments()) {
      n += 8;
      for (PropValue p : a.props()) {
        n += 8 + StoreLimits.propertyBytes(p);
      }
      n += a.content().map(c -> c.size()).orElse(0L);
      n += a.embedded().map(LocalRules::embeddedSize).orElse(0L);
    }
    return n;
  }
}
