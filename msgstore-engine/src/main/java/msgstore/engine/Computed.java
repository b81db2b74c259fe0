package msgstore.engine;

import static msgstore.api.PropTags.*;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import msgstore.api.AccessLevel;
import msgstore.api.ChangeKey;
import msgstore.api.ChangeNumber;
import msgstore.api.MapiError;
import msgstore.api.PredecessorChangeList;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.StoreId;
import msgstore.engine.spi.StoredMessage;

/**
 * Which properties the store computes, and how (R23, R32, R61-R67, R98).
 *
 * <ul>
 *   <li>Row properties are never stored in a version: they come from the message row and the
 *       handle (ids, access, read state, status, local commit time).
 *   <li>Commit properties are written into every new version by the commit itself, once its
 *       change number is known (change key, PCL, times, size, display lists, flags).
 * </ul>
 */
final class Computed {
  /** Derived from the message row or the handle; never part of a version. */
  static final Set<PropTag> ROW = msgstore.api.PropTags.COMPUTED_FROM_ROW;

  /** Written by every commit. */
  static final Set<PropTag> COMMIT = msgstore.api.PropTags.COMPUTED_BY_COMMIT;

  /** Tags left out of the prepared bytes of a save (they are rewritten by the commit or never stored). */
  static final Set<PropTag> NOT_PREPARED;

  static {
    var s = new java.util.HashSet<PropTag>(ROW);
    s.addAll(COMMIT);
    NOT_PREPARED = Set.copyOf(s);
  }

  private Computed() {}

  /**
   * What the commit properties take from the view alone (R61-R67, R98): computed once on the
   * caller's thread before the commit, so that the storage writer only adds what depends on the
   * change number and the commit time ({@link #commitProps}).
   *
   * @param viewModified the client's modification time before the first save (R65, R67), else null
   * @param viewCreated the client's creation time before the first save, else null
   * @param fixed size, attachment flag, flags and display lists, in commit-property order
   */
  record CommitBase(Instant creationTime, Instant viewModified, Instant viewCreated, long size, boolean hasAttachments,
      List<PropValue> fixed) {}

  /**
   * The view's part of the commit properties of a new version.
   *
   * @param view the content being committed (its own flags, client times before the first save)
   * @param preparedSize the encoded size of everything else
   * @param creationTime the message's creation time (null when this commit creates it)
   */
  static CommitBase commitBase(Content view, int preparedSize, Instant creationTime) {
    Instant viewModified = null;
    Instant viewCreated = null;
    if (creationTime == null) {
      viewModified = view.get(LAST_MODIFICATION_TIME).map(PropValue::asInstant).orElse(null);
      viewCreated = view.get(CREATION_TIME).map(PropValue::asInstant).orElse(null);
    }
    boolean hasAttach = view.attachments().stream().anyMatch(a -> PropTags.countsAsAttachment(a.props()));
    long size = Math.min(Integer.MAX_VALUE, preparedSize + view.attachmentBytes() + 200L);
    int flags = view.get(MESSAGE_FLAGS).map(PropValue::asInt).orElse(0);
    flags &= ~(MSGFLAG_UNMODIFIED | MSGFLAG_HASATTACH | MSGFLAG_READ);
    if (hasAttach) {
      flags |= MSGFLAG_HASATTACH;
    }
    List<PropValue> fixed = List.of(
        PropValue.of(MESSAGE_SIZE, (int) size),
        PropValue.of(HAS_ATTACHMENTS, hasAttach),
        PropValue.of(MESSAGE_FLAGS, flags),
        PropValue.of(DISPLAY_TO, displayList(view.recipients(), MAPI_TO)),
        PropValue.of(DISPLAY_CC, displayList(view.recipients(), MAPI_CC)),
        PropValue.of(DISPLAY_BCC, displayList(view.recipients(), MAPI_BCC)));
    return new CommitBase(creationTime, viewModified, viewCreated, size, hasAttach, fixed);
  }

  /** PR_LAST_MODIFICATION_TIME of a commit at {@code now}: R65/R67, before the first save a client may set it. */
  static Instant modificationTime(CommitBase base, Instant now) {
    return base.creationTime() == null && base.viewModified() != null ? base.viewModified() : now;
  }

  /**
   * The commit properties of a new version: the view's part ({@link #commitBase}) and what the
   * commit decides (change key, PCL, change number, times, modifier).
   *
   * @param basePcl the PCL the new version descends from (R63, R64)
   */
  static List<PropValue> commitProps(CommitBase base, StoreId store, ChangeNumber cn, Instant now, String actor,
      PredecessorChangeList basePcl) {
    ChangeKey key = ChangeKey.of(store, cn);
    List<PropValue> out = new ArrayList<>(6 + base.fixed().size());
    out.add(PropValue.of(CHANGE_KEY, key.toBytes()));
    out.add(PropValue.of(PREDECESSOR_CHANGE_LIST, basePcl.merge(List.of(key)).toBytes()));
    out.add(PropValue.of(CHANGE_NUMBER, cn.value()));
    Instant modified = modificationTime(base, now);
    Instant created = base.creationTime() != null ? base.creationTime()
        : base.viewCreated() != null ? base.viewCreated() : modified;
    out.add(PropValue.of(CREATION_TIME, created));
    out.add(PropValue.of(LAST_MODIFICATION_TIME, modified));
    out.add(PropValue.of(LAST_MODIFIER_NAME, actor));
    out.addAll(base.fixed());
    return out;
  }

  /** The "; "-joined display names of the recipients of one type (PR_DISPLAY_TO/CC/BCC). */
  static String displayList(List<Recipient> recipients, int type) {
    StringBuilder sb = new StringBuilder();
    for (Recipient r : recipients) {
      int t = r.get(RECIPIENT_TYPE).map(PropValue::asInt).orElse(MAPI_TO) & 0xF;
      if (t == type) {
        String name = r.get(DISPLAY_NAME).map(PropValue::asString)
            .or(() -> r.get(EMAIL_ADDRESS).map(PropValue::asString)).orElse("");
        if (sb.length() > 0) {
          sb.append("; ");
        }
        sb.append(name);
      }
    }
    return sb.toString();
  }

  /** The row properties of a message view. */
  static List<PropValue> rowProps(UUID store, long mid, long folderId, AccessLevel level, int accessBits,
      Instant localCommitTime, int status, int readFlags, long uid, long modseq) {
    byte[] eid = EntryIds.of(store, EntryIds.MAPI_MESSAGE, mid);
    List<PropValue> out = new ArrayList<>(12);
    out.add(PropValue.of(ENTRYID, eid));
    out.add(PropValue.of(RECORD_KEY, eid));
    out.add(PropValue.of(PARENT_ENTRYID, EntryIds.of(store, EntryIds.MAPI_FOLDER, folderId)));
    out.add(PropValue.of(STORE_ENTRYID, EntryIds.of(store, EntryIds.MAPI_STORE, 0)));
    out.add(PropValue.of(MID, mid));
    out.add(PropValue.of(FOLDER_ID, folderId));
    out.add(PropValue.of(ACCESS_LEVEL, level.value()));
    out.add(PropValue.of(ACCESS, accessBits));
    out.add(PropValue.of(OBJECT_TYPE, EntryIds.MAPI_MESSAGE));
    if (localCommitTime != null) {
      out.add(PropValue.of(LOCAL_COMMIT_TIME, localCommitTime));
    }
    out.add(PropValue.of(MESSAGE_STATUS, status));
    out.add(PropValue.of(READ, (readFlags & MSGFLAG_READ) != 0));
    if (uid > 0) { // known: read from the row (ADR 0028)
      out.add(PropValue.of(PropTags.IMAP_UID, (int) uid));
      out.add(PropValue.of(PropTags.IMAP_MODSEQ, modseq));
    }
    return out;
  }

  /** The properties a reader of a committed message sees: version content plus row state (R3, R71). */
  static List<PropValue> viewProps(StoredMessage m, Content c, AccessLevel level, int accessBits) {
    List<PropValue> out = new ArrayList<>(c.props().size() + 12);
    for (PropValue p : c.props()) {
      if (!p.tag().equals(MESSAGE_FLAGS)) {
        out.add(p);
      }
    }
    int flags = c.get(MESSAGE_FLAGS).map(PropValue::asInt).orElse(0);
    out.add(PropValue.of(MESSAGE_FLAGS, (flags & ~MSGFLAG_READ) | (m.readFlags() & MSGFLAG_READ)));
    out.addAll(Computed.rowProps(m.storeGuid(), m.id(), m.folderId(), level, accessBits, m.localCommitTime(), m.status(),
        m.readFlags(), m.uid(), m.modseq()));
    return Content.sorted(out);
  }

  /** The tags whose values differ between two versions, for the journal (computed ones aside). */
  static List<Integer> changedTags(Content before, Content after) {
    TreeMap<PropTag, PropValue> a = before.propMap();
    TreeMap<PropTag, PropValue> b = after.propMap();
    List<Integer> out = new ArrayList<>();
    for (PropValue p : after.props()) {
      if (!Computed.NOT_PREPARED.contains(p.tag()) && !p.equals(a.get(p.tag()))) {
        out.add(p.tag().value());
      }
    }
    for (PropTag t : a.keySet()) {
      if (!b.containsKey(t) && !Computed.NOT_PREPARED.contains(t)) {
        out.add(t.value());
      }
    }
    return out;
  }

  /** A view to be stored as a new message: times and identity-bound properties start afresh. */
  static Content freshCopy(Content c) {
    List<PropValue> p = new ArrayList<>();
    for (PropValue v : c.props()) {
      if (!Computed.NOT_PREPARED.contains(v.tag()) && !v.tag().equals(SEARCH_KEY)) {
        p.add(v);
      }
    }
    c.get(MESSAGE_FLAGS).ifPresent(p::add);
    return c.withProps(p);
  }
}
