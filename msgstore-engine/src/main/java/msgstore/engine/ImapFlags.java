package msgstore.engine;

import static msgstore.api.PropTags.MESSAGE_FLAGS;
import static msgstore.api.PropTags.MESSAGE_STATUS;
import static msgstore.api.PropTags.MSGFLAG_READ;
import static msgstore.api.PropTags.MSGFLAG_UNSENT;
import static msgstore.api.PropTags.MSGSTATUS_DELMARKED;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import msgstore.api.ChangeKey;
import msgstore.api.ChangeNumber;
import msgstore.api.FlagChange;
import msgstore.api.FlagResult;
import msgstore.api.MapiError;
import msgstore.api.MessageId;
import msgstore.api.NamedProperty;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.StoreException;
import msgstore.api.StoreId;
import msgstore.api.VersionInfo.VersionKind;
import msgstore.engine.spi.CommitResult;
import msgstore.engine.spi.PreconditionFailedException;
import msgstore.engine.spi.Storage;
import msgstore.engine.spi.StoredMessage;
import msgstore.engine.spi.WriteOp;

/**
 * The IMAP side of a message (ADR 0028): which commits keep a message's UID, and STORE as one
 * compare-and-set write ({@link msgstore.api.Session#storeFlags}).
 */
final class ImapFlags {
  /** Flag properties with fixed tags: a commit that changes only these (and the Keywords) keeps the UID. */
  private static final Set<Integer> FLAG_IDS = Set.of(PropTags.FLAG_STATUS.id(), PropTags.ICON_INDEX.id(),
      PropTags.LAST_VERB_EXECUTED.id(), PropTags.LAST_VERB_EXECUTION_TIME.id(), MESSAGE_FLAGS.id());
  /** Attempts of a STORE whose message got a new version between its read and its write. */
  private static final int ATTEMPTS = 16;

  private ImapFlags() {}

  /** True when a commit changing {@code changedTags} of a message of {@code store} keeps its UID. */
  static boolean keepsUid(Storage storage, UUID store, List<Integer> changedTags) {
    if (changedTags.isEmpty()) {
      return false;
    }
    for (int tag : changedTags) {
      int id = tag >>> 16;
      if (!FLAG_IDS.contains(id) && !(id >= 0x8000 && isKeywords(storage, store, id))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isKeywords(Storage storage, UUID store, int propId) {
    NamedProperty k = NamedProperty.KEYWORDS;
    return storage.findNamedProp(store, k.guid(), k.name(), null).filter(id -> id == propId).isPresent();
  }

  /** STORE: see {@link msgstore.api.Session#storeFlags}. */
  static FlagResult store(EmbeddedSession session, MessageId id, FlagChange change, long unchangedSince) {
    session.checkOpen();
    if (change == null) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "storeFlags of message " + id + " needs a change");
    }
    for (int attempt = 1; ; attempt++) {
      StoredMessage m = session.liveMessage(id);
      var rights = session.rightsOnMessage(m);
      if (!rights.canRead() || change.changesProperties() && !rights.canWrite()) {
        throw new StoreException(rights.canRead() ? MapiError.NO_ACCESS : MapiError.NOT_FOUND,
            session.user() + (rights.canRead() ? " may not change the flags of message " : " cannot find message ") + id);
      }
      checkTags(session.storage, m.storeGuid(), id, change);
      if (unchangedSince >= 0 && m.modseq() > unchangedSince) {
        throw modified(id, m.modseq(), unchangedSince);
      }
      List<WriteOp> ops = ops(session, m, change, unchangedSince);
      if (ops.isEmpty()) {
        return new FlagResult(id, m.uid(), m.modseq(), Optional.empty()); // nothing to change: MODSEQ stays
      }
      try {
        CommitResult r = session.commit(ops.toArray(WriteOp[]::new));
        long modseq = r.results().getLast().position();
        Optional<ChangeKey> key = ops.getLast() instanceof WriteOp.PutMessage
            ? Optional.of(ChangeKey.of(new StoreId(m.storeGuid()), ChangeNumber.of(r.results().getLast().cn())))
            : Optional.empty();
        return new FlagResult(id, m.uid(), modseq, key);
      } catch (PreconditionFailedException e) {
        if (e.reason() != PreconditionFailedException.Reason.CHANGED) {
          throw new StoreException(MapiError.OBJECT_DELETED, "message " + id + " was deleted or moved");
        }
        // Changed between the read and the write: a later MODSEQ fails the condition; otherwise a
        // new version came in (a forced STORE, or one whose MODSEQ still passes): apply it to that.
        StoredMessage now = session.liveMessage(id);
        if (unchangedSince >= 0 && now.modseq() > unchangedSince) {
          throw modified(id, now.modseq(), unchangedSince);
        }
        if (attempt == ATTEMPTS) {
          throw new StoreException(MapiError.BUSY, "message " + id + " kept changing during a flag change; try again");
        }
      }
    }
  }

  private static StoreException modified(MessageId id, long modseq, long unchangedSince) {
    return new StoreException(MapiError.OBJECT_CHANGED, "message " + id + " is at MODSEQ " + modseq
        + ", above UNCHANGEDSINCE " + unchangedSince);
  }

  private static void checkTags(Storage storage, UUID store, MessageId id, FlagChange change) {
    List<PropTag> tags = new ArrayList<>(change.delete());
    change.set().forEach(p -> tags.add(p.tag()));
    for (PropTag t : tags) {
      if (!FLAG_IDS.contains(t.id()) && !(t.id() >= 0x8000 && isKeywords(storage, store, t.id()))
          || t.id() == MESSAGE_FLAGS.id()) {
        throw new StoreException(MapiError.INVALID_PARAMETER, "storeFlags of message " + id + " cannot change "
            + t.displayName() + ": only flag properties (PR_FLAG_STATUS, PR_ICON_INDEX, PR_LAST_VERB_EXECUTED,"
            + " PR_LAST_VERB_EXECUTION_TIME, the Keywords named property)");
      }
    }
  }

  /**
   * The batch: the row state first (it carries the MODSEQ condition), then the flag properties as
   * a new version of exactly the version read (so nothing written meanwhile is overwritten; a
   * newer version fails the batch and the caller tries again on it). Empty when nothing changes.
   */
  private static List<WriteOp> ops(EmbeddedSession session, StoredMessage m, FlagChange change, long unchangedSince) {
    List<WriteOp> ops = new ArrayList<>(2);
    int flagsMask = 0;
    int flagsValue = 0;
    int statusMask = 0;
    int statusValue = 0;
    List<Integer> rowTags = new ArrayList<>(2);
    if (change.read().isPresent() && change.read().get() != ((m.readFlags() & MSGFLAG_READ) != 0)) {
      flagsMask = MSGFLAG_READ;
      flagsValue = change.read().get() ? MSGFLAG_READ : 0;
      rowTags.add(MESSAGE_FLAGS.value());
    }
    if (change.deleteMark().isPresent() && change.deleteMark().get() != ((m.status() & MSGSTATUS_DELMARKED) != 0)) {
      statusMask = MSGSTATUS_DELMARKED;
      statusValue = change.deleteMark().get() ? MSGSTATUS_DELMARKED : 0;
      rowTags.add(MESSAGE_STATUS.value());
    }
    if (!rowTags.isEmpty()) {
      ops.add(new WriteOp.SetReadState(m.id(), flagsMask, flagsValue, statusMask, statusValue, rowTags, unchangedSince));
    }
    Content current = ContentCodec.decode(m.content());
    Content next = apply(current, change);
    List<Integer> changed = new ArrayList<>(Computed.changedTags(current, next));
    int before = current.get(MESSAGE_FLAGS).map(PropValue::asInt).orElse(0);
    int after = next.get(MESSAGE_FLAGS).map(PropValue::asInt).orElse(0);
    if (before != after) {
      changed.add(MESSAGE_FLAGS.value());
    }
    if (!changed.isEmpty()) {
      StoreId store = new StoreId(m.storeGuid());
      Instant created = current.get(PropTags.CREATION_TIME).map(PropValue::asInstant).orElse(null);
      ops.add(new WriteOp.PutMessage(m.id(), m.folderId(), new WriteOp.Expect.AtVersion(m.cn()),
          Versions.factory(store, session.user(), next, created, Versions.pcl(current),
              session.options().limits().maxMessageBytes(), null),
          VersionKind.SAVED.name(), m.cn(), msgstore.api.EventType.OBJECT_MODIFIED, changed, true,
          ops.isEmpty() ? unchangedSince : -1));
    }
    return ops;
  }

  /** The content with the flag properties and the unsent bit of {@code change}. */
  private static Content apply(Content current, FlagChange change) {
    TreeMap<PropTag, PropValue> props = current.propMap();
    Set<Integer> deleted = new HashSet<>();
    change.delete().forEach(t -> deleted.add(t.id()));
    props.keySet().removeIf(t -> deleted.contains(t.id()));
    for (PropValue p : change.set()) {
      props.keySet().removeIf(t -> t.id() == p.tag().id());
      props.put(p.tag(), p);
    }
    if (change.draft().isPresent()) {
      int flags = Optional.ofNullable(props.get(MESSAGE_FLAGS)).map(PropValue::asInt).orElse(0);
      flags = change.draft().get() ? flags | MSGFLAG_UNSENT : flags & ~MSGFLAG_UNSENT;
      props.put(MESSAGE_FLAGS, PropValue.of(MESSAGE_FLAGS, flags));
    }
    return current.withProps(Content.sorted(new ArrayList<>(props.values())));
  }
}
