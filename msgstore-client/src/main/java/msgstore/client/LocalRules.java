package msgstore.client;

import static msgstore.api.PropTags.*;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import msgstore.api.AccessLevel;
import msgstore.api.MapiError;
import msgstore.api.MessageSnapshot;
import msgstore.api.MessageSnapshot.AttachmentSnapshot;
import msgstore.api.PropProblem;
import msgstore.api.PropTag;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.SaveFlag;
import msgstore.api.SaveOptions;
import msgstore.api.StoreException;
import msgstore.api.StoreLimits;

/**
 * The engine's immediate checks, mirrored so that a remote handle fails in the same call an
 * embedded one would (X5): which properties are computed or read-only (R32), size limits, the
 * SaveChanges flag rules (R16-R21) and the computed columns of a handle's view. These mirror
 * msgstore.engine's Computed, PropBag and SaveFlagRules; the server still decides every rule again
 * when it replays the ops.
 */
final class LocalRules {
  /** Row properties: from the message row and the handle, never part of a version. */
  static final Set<PropTag> ROW = Set.of(ENTRYID, PARENT_ENTRYID, STORE_ENTRYID, MID, FOLDER_ID, ACCESS, ACCESS_LEVEL,
      OBJECT_TYPE, RECORD_KEY, LOCAL_COMMIT_TIME, MESSAGE_STATUS, READ);

  /** Written by every commit. */
  static final Set<PropTag> COMMIT = Set.of(CHANGE_KEY, PREDECESSOR_CHANGE_LIST, CHANGE_NUMBER, LAST_MODIFICATION_TIME,
      CREATION_TIME, LAST_MODIFIER_NAME, MESSAGE_SIZE, HAS_ATTACHMENTS, DISPLAY_TO, DISPLAY_CC, DISPLAY_BCC,
      MESSAGE_FLAGS);

  private static final Set<PropTag> ALWAYS_READ_ONLY = Set.of(CHANGE_KEY, PREDECESSOR_CHANGE_LIST, CHANGE_NUMBER,
      MESSAGE_SIZE, HAS_ATTACHMENTS, DISPLAY_TO, DISPLAY_CC, DISPLAY_BCC, LAST_MODIFIER_NAME, LAST_MODIFIER_ENTRYID,
      CREATION_TIME, ENTRYID, PARENT_ENTRYID, STORE_ENTRYID, MID, FOLDER_ID, ACCESS, ACCESS_LEVEL, OBJECT_TYPE,
      RECORD_KEY, LOCAL_COMMIT_TIME, MESSAGE_STATUS, READ, ATTACH_NUM, ATTACH_SIZE, ROWID, MESSAGE_RECIPIENTS,
      MESSAGE_ATTACHMENTS);

  private static final Set<PropTag> READ_ONLY_AFTER_FIRST_SAVE = Set.of(LAST_MODIFICATION_TIME, MESSAGE_FLAGS);

  /** MAPI_MESSAGE, the PR_OBJECT_TYPE of a message. */
  static final int MAPI_MESSAGE = 5;

  private LocalRules() {}

  /** The problem SetProps or DeleteProps reports for {@code tag} (R32). */
  static Optional<MapiError> problem(PropTag tag, boolean saved) {
    for (PropTag ro : ALWAYS_READ_ONLY) {
      if (ro.id() == tag.id()) {
        return Optional.of(MapiError.COMPUTED);
      }
    }
    if (saved) {
      for (PropTag ro : READ_ONLY_AFTER_FIRST_SAVE) {
        if (ro.id() == tag.id()) {
          return Optional.of(MapiError.NO_ACCESS);
        }
      }
    }
    return Optional.empty();
  }

  /** SetProps on a pending property map: validates all first, so a failing call changes nothing. */
  static List<PropProblem> set(TreeMap<PropTag, PropValue> map, Collection<PropValue> values, StoreLimits limits,
      Function<PropTag, Optional<MapiError>> problem, String object) {
    for (PropValue v : values) {
      checkSize(v, limits, object);
    }
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
        map.keySet().removeIf(k -> k.id() == t.id());
      }
    }
    return problems;
  }

  /** Puts a value, replacing any value of the same property id whatever its type. */
  static void put(TreeMap<PropTag, PropValue> map, PropValue v) {
    map.keySet().removeIf(k -> k.id() == v.tag().id());
    map.put(v.tag(), v);
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

  /** Rejects a value over the per-property limit with TOO_BIG. */
  static void checkSize(PropValue v, StoreLimits limits, String object) {
    long size = size(v.rawValue());
    if (size > limits.maxPropertyBytes()) {
      throw new StoreException(MapiError.TOO_BIG, "property " + v.tag().displayName() + " of " + object + " is "
          + size + " bytes, over the limit of " + limits.maxPropertyBytes() + " bytes");
    }
  }

  private static long size(Object o) {
    if (o instanceof String s) {
      long n = 0;
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c < 0x80) {
          n++;
        } else if (c < 0x800) {
          n += 2;
        } else if (Character.isHighSurrogate(c)) {
          n += 4;
          i++;
        } else {
          n += 3;
        }
      }
      return n;
    }
    if (o instanceof byte[] b) {
      return b.length;
    }
    if (o instanceof List<?> l) {
      long n = 0;
      for (Object e : l) {
        n += size(e) + 4;
      }
      return n;
    }
    return 16;
  }

  // ---- SaveChanges flags (R16-R21)

  static void checkFlags(SaveOptions o, String object) {
    if (o.has(SaveFlag.KEEP_OPEN_READONLY) && o.has(SaveFlag.KEEP_OPEN_READWRITE)) {
      throw new StoreException(MapiError.INVALID_PARAMETER,
          "KEEP_OPEN_READONLY and KEEP_OPEN_READWRITE together are not allowed (saving " + object + ")");
    }
  }

  /** The access after a successful save; empty: the handle closes (R18). */
  static Optional<AccessLevel> accessAfterSave(SaveOptions o) {
    if (o.has(SaveFlag.KEEP_OPEN_READWRITE)) {
      return Optional.of(AccessLevel.MODIFY);
    }
    if (o.has(SaveFlag.KEEP_OPEN_READONLY)) {
      return Optional.of(AccessLevel.READ_ONLY);
    }
    return o.has(SaveFlag.FORCE_SAVE) ? Optional.of(AccessLevel.MODIFY) : Optional.empty();
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
      n += 8 + size(p.rawValue());
    }
    for (Recipient r : m.recipients()) {
      n += 8;
      for (PropValue p : r.props()) {
        n += 8 + size(p.rawValue());
      }
    }
    for (AttachmentSnapshot a : m.attachments()) {
      n += 8;
      for (PropValue p : a.props()) {
        n += 8 + size(p.rawValue());
      }
      n += a.content().map(c -> c.size()).orElse(0L);
      n += a.embedded().map(LocalRules::embeddedSize).orElse(0L);
    }
    return n;
  }
}
