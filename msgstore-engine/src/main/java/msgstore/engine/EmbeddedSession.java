package msgstore.engine;

import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import msgstore.api.AccessLevel;
import msgstore.api.ChangeKey;
import msgstore.api.ChangeNumber;
import msgstore.api.ConflictChoice;
import msgstore.api.ConflictResolver;
import msgstore.api.ContentRef;
import msgstore.api.DeleteMode;
import msgstore.api.EventScope;
import msgstore.api.EventType;
import msgstore.api.FlagChange;
import msgstore.api.FlagResult;
import msgstore.api.Folder;
import msgstore.api.FolderId;
import msgstore.api.FolderRights;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.MessageSnapshot;
import msgstore.api.NamedProperty;
import msgstore.api.OpenFlag;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropType;
import msgstore.api.SaveResult;
import msgstore.api.Session;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.api.StoreId;
import msgstore.api.StoreInfo;
import msgstore.api.Subscription;
import msgstore.api.VersionInfo;
import msgstore.core.SessionHandles;
import msgstore.engine.spi.CommitResult;
import msgstore.engine.spi.PreconditionFailedException;
import msgstore.engine.spi.Storage;
import msgstore.engine.spi.StoredFolder;
import msgstore.engine.spi.StoredMessage;
import msgstore.engine.spi.StoredStore;
import msgstore.engine.spi.VersionRecord;
import msgstore.engine.spi.WriteBatch;
import msgstore.engine.spi.WriteOp;

/** A session of the embedded store: one user; thread-safe. */
final class EmbeddedSession implements Session {
  static final List<String> TOP_FOLDERS = List.of("Inbox", "Drafts", "Sent Items", "Deleted Items");
  final EmbeddedMessageStore store;
  final Storage storage;
  private final String user;
  private final SessionHandles handles;
  private volatile ConflictResolver resolver;

  /** A delivery session (ADR 0019): the first save of each new message journals NEW_MAIL after OBJECT_CREATED. */
  final boolean delivery;

  EmbeddedSession(EmbeddedMessageStore store, String user, boolean delivery) {
    this.store = store;
    this.storage = store.storage;
    this.user = user;
    this.handles = new SessionHandles(user);
    this.delivery = delivery;
  }

  @Override
  public String user() {
    return user;
  }

  // ---- plumbing shared with handles and folders

  void checkOpen() {
    store.checkOpen();
    handles.checkOpen();
  }

  CommitResult commit(WriteOp... ops) {
    checkOpen();
    return storage.commit(new WriteBatch(user, List.of(ops)));
  }

  EngineOptions options() {
    return store.options;
  }

  ConflictResolver resolver() {
    return resolver;
  }

  void track(AutoCloseable handle) {
    handles.track(handle);
  }

  void untrack(AutoCloseable handle) {
    handles.untrack(handle);
  }

  StoredStore storeOf(UUID guid) {
    return store.store(guid).orElseThrow(() -> new StoreException(MapiError.NOT_FOUND, "store " + guid + " not found"));
  }

  /** The caller's rights on a folder: the store owner is OWNER; otherwise the nearest rights row up the tree. */
  FolderRights rights(StoredFolder folder) {
    if (storeOf(folder.storeGuid()).owner().equals(user)) {
      return FolderRights.OWNER;
    }
    StoredFolder f = folder;
    for (int depth = 0; f != null && depth < 1000; depth++) {
      Optional<String> row = storage.rightsRow(f.id(), user);
      if (row.isPresent()) {
        return FolderRights.valueOf(row.get());
      }
      f = f.parentId() == 0 ? null : storage.findFolder(f.parentId()).orElse(null);
    }
    return FolderRights.NONE;
  }

  /** A live folder the caller may read. */
  StoredFolder readableFolder(FolderId id) {
    StoredFolder f = storage.findFolder(id.value()).filter(x -> !x.deleted())
        .orElseThrow(() -> new StoreException(MapiError.NOT_FOUND, "folder " + id + " not found"));
    if (!rights(f).canRead()) {
      // No display name: a caller who may not read the folder must not learn its name (ADR 0009).
      throw new StoreException(MapiError.NO_ACCESS, user + " may not read folder " + id);
    }
    return f;
  }

  /** A live folder the caller may write to. */
  StoredFolder writableFolder(FolderId id) {
    StoredFolder f = readableFolder(id);
    if (!rights(f).canWrite()) {
      throw new StoreException(MapiError.NO_ACCESS, user + " may not modify folder " + id + " ('" + f.displayName() + "')");
    }
    return f;
  }

  StoredMessage liveMessage(MessageId id) {
    StoredMessage m = storage.findMessage(id.value())
        .orElseThrow(() -> new StoreException(MapiError.NOT_FOUND, "message " + id + " not found"));
    if (m.softDeleted()) {
      throw softDeleted(m, id, "is deleted");
    }
    return m;
  }

  /**
   * NOT_FOUND for a soft-deleted message (R4 comes before R5): "is deleted" only to a caller who
   * may read it, else the words of a message that never existed, so that the answer does not tell
   * a stranger that the id was ever used (ADR 0009).
   */
  private StoreException softDeleted(StoredMessage m, MessageId id, String words) {
    return new StoreException(MapiError.NOT_FOUND, "message " + id + " "
        + (rightsOnMessage(m).canRead() ? words : "not found"));
  }

  /** Checks rights on a message's folder; returns them. */
  FolderRights rightsOnMessage(StoredMessage m) {
    if (storeOf(m.storeGuid()).owner().equals(user)) {
      return FolderRights.OWNER; // the common case needs no folder read
    }
    StoredFolder f = storage.findFolder(m.folderId())
        .orElseThrow(() -> new StoreException(MapiError.NOT_FOUND, "folder f-" + m.folderId() + " not found"));
    return rights(f);
  }

  private StoredMessage writableMessage(MessageId id) {
    StoredMessage m = liveMessage(id);
    FolderRights r = rightsOnMessage(m);
    if (!r.canWrite()) {
      throw new StoreException(MapiError.NO_ACCESS, user + " may not modify message " + id + " (rights: " + r + ")");
    }
    return m;
  }

  private StoredMessage readableMessage(MessageId id, boolean includeDeleted) {
    StoredMessage m = storage.findMessage(id.value())
        .orElseThrow(() -> new StoreException(MapiError.NOT_FOUND, "message " + id + " not found"));
    if (m.softDeleted() && !includeDeleted) {
      throw softDeleted(m, id, "is deleted");
    }
    if (!rightsOnMessage(m).canRead()) {
      throw new StoreException(MapiError.NO_ACCESS, user + " may not read message " + id);
    }
    return m;
  }

  /**
   * What a save of message {@code id} answers when the message does not open ({@code notFound}):
   * OBJECT_DELETED (R27, R40, R42-R44) when the message was deleted or moved away from a folder
   * this caller may read, so a client can tell "gone since you read it, save a copy" (R46) from
   * "never existed"; otherwise {@code notFound} itself, so that nobody learns that a message they
   * could not read existed (ADR 0009). The folder it was in is:
   *
   * <ul>
   *   <li>for a soft-deleted row (its own delete or its folder's), the row's folder;
   *   <li>for a hard-deleted or moved message (the row is gone or has a new id), the folder of
   *       the newest journal entry that took it away ({@link Storage#lastDeletionOrMove}): the
   *       folder it was deleted from, or moved from.
   * </ul>
   *
   * The store's owner may read every folder of it, even one deleted since; anyone else needs read
   * rights on that folder now (a folder hard-deleted since took its rights rows with it, so then
   * only the owner gets OBJECT_DELETED). A message whose journal entry was pruned is NOT_FOUND. The
   * NOT_FOUND for a caller who may not read a soft-deleted message does not say "deleted".
   * Opens ({@link #openMessage}) are not changed by this: they stay NOT_FOUND (R4).
   */
  StoreException deletedOrNotFound(MessageId id, StoreException notFound) {
    Optional<StoredMessage> row = storage.findMessageRow(id.value());
    if (row.isPresent()) {
      StoredMessage m = row.get();
      if (!m.softDeleted()) {
        return notFound;
      }
      // A caller who may not read the folder gets the plain answer (as from openMessage).
      return mayReadFolder(m.storeGuid(), m.folderId()) ? objectDeleted(id)
          : new StoreException(MapiError.NOT_FOUND, "message " + id + " not found");
    }
    Optional<StoreEvent> gone = storage.lastDeletionOrMove(id.value());
    if (gone.isEmpty()) {
      return notFound;
    }
    StoreEvent e = gone.get();
    Optional<FolderId> from = e.type() == EventType.OBJECT_MOVED ? e.oldParentId() : e.parentId();
    return from.isPresent() && mayReadFolder(e.storeId().guid(), from.get().value()) ? objectDeleted(id) : notFound;
  }

  private static StoreException objectDeleted(MessageId id) {
    // The same words whether deleted or moved: a move out of a folder shows as a delete to whoever
    // may not read the target (ADR 0009), and the new id is not this caller's to learn here.
    return new StoreException(MapiError.OBJECT_DELETED, "message " + id + " was deleted or moved; it cannot be "
        + "saved any more (save the edits as a new message to keep them)");
  }

  /** Whether the caller may read a folder that may since have been deleted (soft or hard). */
  private boolean mayReadFolder(UUID storeGuid, long folderId) {
    Optional<StoredStore> s = store.store(storeGuid);
    if (s.isEmpty()) {
      return false;
    }
    if (s.get().owner().equals(user)) {
      return true;
    }
    return storage.findFolder(folderId).filter(f -> f.storeGuid().equals(storeGuid))
        .map(f -> rights(f).canRead()).orElse(false);
  }

  /** Maps a precondition failure about a message to the error a client sees. */
  static StoreException messageGone(MessageId id, PreconditionFailedException e) {
    return switch (e.reason()) {
      case NOT_FOUND, DELETED -> new StoreException(MapiError.OBJECT_DELETED,
          "message " + id + " was deleted or moved: " + e.detail());
      default -> e;
    };
  }

  // ---- stores

  @Override
  public StoreInfo createStore(String displayName) {
    checkOpen();
    Names.check(displayName, "store name", options().limits());
    UUID guid = UUID.randomUUID();
    commit(new WriteOp.CreateStore(guid, displayName, user, TOP_FOLDERS));
    return info(storeOf(guid));
  }

  private static StoreInfo info(StoredStore s) {
    return new StoreInfo(new StoreId(s.guid()), s.displayName(), s.owner(), FolderId.of(s.rootFolderId()));
  }

  @Override
  public List<StoreInfo> stores() {
    checkOpen();
    return storage.storesVisibleTo(user).stream().map(EmbeddedSession::info).toList();
  }

  @Override
  public StoreInfo store(StoreId id) {
    checkOpen();
    StoredStore s = store.store(id.guid()).orElseThrow(() -> new StoreException(MapiError.NOT_FOUND, "store " + id + " not found"));
    if (!s.owner().equals(user) && storage.storesVisibleTo(user).stream().noneMatch(x -> x.guid().equals(id.guid()))) {
      throw new StoreException(MapiError.NOT_FOUND, "store " + id + " not found");
    }
    return info(s);
  }

  // ---- folders

  @Override
  public Folder openFolder(FolderId id) {
    checkOpen();
    StoredFolder f = readableFolder(id);
    return new EmbeddedFolder(this, f.id(), new StoreId(f.storeGuid()));
  }

  // ---- messages

  @Override
  public Message openMessage(MessageId id, OpenFlag... flags) {
    checkOpen();
    Set<OpenFlag> f = flags.length == 0 ? Set.of() : Set.of(flags);
    // The row first: when its version is decoded already (opened or saved lately), that is all that
    // is read; else the row again with its content, from one snapshot.
    StoredMessage m = storage.findMessageRow(id.value())
        .orElseThrow(() -> new StoreException(MapiError.NOT_FOUND, "message " + id + " not found"));
    Content content = store.decoded.cached(m.id(), m.cn());
    if (content == null) {
      m = storage.findMessage(id.value())
          .orElseThrow(() -> new StoreException(MapiError.NOT_FOUND, "message " + id + " not found"));
      content = store.decoded.get(m.id(), m.cn(), m.content());
    }
    if (m.softDeleted() && !f.contains(OpenFlag.SHOW_SOFT_DELETES)) {
      throw softDeleted(m, id, "is deleted"); // R4
    }
    FolderRights r = rightsOnMessage(m);
    if (!r.canRead()) {
      throw new StoreException(MapiError.NO_ACCESS, user + " may not read message " + id); // R5
    }
    AccessLevel level = AccessLevel.READ_ONLY;
    if (f.contains(OpenFlag.MODIFY) || f.contains(OpenFlag.BEST_ACCESS)) {
      if (r.canWrite() && !m.softDeleted()) {
        level = AccessLevel.MODIFY;
      } else if (!f.contains(OpenFlag.BEST_ACCESS)) { // R2
        throw new StoreException(MapiError.NO_ACCESS, m.softDeleted()
            ? "message " + id + " is deleted and opens read-only"
            : user + " may not modify message " + id + " (rights: " + r + ")");
      }
    }
    return MessageHandle.open(this, m, content, level, r);
  }

  @Override
  public void deleteMessages(Collection<MessageId> ids, DeleteMode mode) {
    checkOpen();
    List<WriteOp> ops = new ArrayList<>();
    for (MessageId id : ids) {
      StoredMessage m = storage.findMessageRow(id.value())
          .orElseThrow(() -> new StoreException(MapiError.NOT_FOUND, "message " + id + " not found"));
      if (m.softDeleted() && mode == DeleteMode.SOFT) {
        throw softDeleted(m, id, "is already deleted");
      }
      if (!rightsOnMessage(m).canWrite()) {
        throw new StoreException(MapiError.NO_ACCESS, user + " may not delete message " + id);
      }
      ops.add(new WriteOp.DeleteMessage(id.value(), mode == DeleteMode.HARD, 0));
    }
    if (ops.isEmpty()) {
      return;
    }
    try {
      commit(ops.toArray(WriteOp[]::new));
    } catch (PreconditionFailedException e) {
      throw new StoreException(MapiError.NOT_FOUND, "message " + ids.toArray()[e.opIndex()] + " "
          + (e.reason() == PreconditionFailedException.Reason.DELETED ? "is already deleted" : "not found"));
    }
  }

  @Override
  public void undeleteMessage(MessageId id) {
    checkOpen();
    StoredMessage m = readableMessage(id, true);
    if (!m.softDeleted()) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "message " + id + " is not deleted");
    }
    if (!rightsOnMessage(m).canWrite()) {
      throw new StoreException(MapiError.NO_ACCESS, user + " may not restore message " + id);
    }
    commit(new WriteOp.UndeleteMessage(id.value()));
  }

  @Override
  public MessageId moveMessage(MessageId id, FolderId target) {
    return moveOrCopy(id, target, false);
  }

  @Override
  public MessageId copyMessage(MessageId id, FolderId target) {
    return moveOrCopy(id, target, true);
  }

  private MessageId moveOrCopy(MessageId id, FolderId target, boolean copy) {
    checkOpen();
    StoredMessage m = copy ? readableMessage(id, false) : writableMessage(id);
    StoredFolder t = writableFolder(target);
    if (!t.storeGuid().equals(m.storeGuid())) {
      throw new StoreException(MapiError.NO_SUPPORT, "cannot " + (copy ? "copy" : "move") + " message " + id
          + " to folder " + target + " of another store");
    }
    try {
      CommitResult r = commit(new WriteOp.MoveMessage(id.value(), target.value(), copy,
          Versions.moved(new StoreId(m.storeGuid()), user, options().limits().maxMessageBytes())));
      return MessageId.of(r.get(0).id());
    } catch (PreconditionFailedException e) {
      throw switch (e.reason()) {
        case NOT_FOUND, DELETED -> new StoreException(MapiError.NOT_FOUND,
            "cannot " + (copy ? "copy" : "move") + " message " + id + " to folder " + target + ": " + e.detail());
        default -> e;
      };
    }
  }

  @Override
  public void setReadFlag(MessageId id, boolean read) {
    checkOpen();
    readableMessage(id, false);
    setReadState(id, PropTags.MSGFLAG_READ, read ? PropTags.MSGFLAG_READ : 0, 0, 0, PropTags.MESSAGE_FLAGS);
  }

  @Override
  public FlagResult storeFlags(MessageId id, FlagChange change, long unchangedSince) {
    return ImapFlags.store(this, id, change, unchangedSince);
  }

  void setReadState(MessageId id, int flagsMask, int flagsValue, int statusMask, int statusValue, PropTag changed) {
    try {
      commit(new WriteOp.SetReadState(id.value(), flagsMask, flagsValue, statusMask, statusValue, List.of(changed.value())));
    } catch (PreconditionFailedException e) {
      throw new StoreException(MapiError.OBJECT_DELETED, "message " + id + " was deleted or moved");
    }
  }

  // ---- history

  @Override
  public List<VersionInfo> versions(MessageId id) {
    checkOpen();
    StoredMessage m = readableMessage(id, true);
    StoreId s = new StoreId(m.storeGuid());
    return storage.versions(id.value()).stream().map(v -> versionInfo(s, v)).toList();
  }

  private static VersionInfo versionInfo(StoreId s, VersionRecord v) {
    ChangeNumber cn = ChangeNumber.of(v.cn());
    return new VersionInfo(MessageId.of(v.messageId()), cn, ChangeKey.of(s, cn), v.committedAt(), v.committedBy(),
        VersionInfo.VersionKind.valueOf(v.kind()),
        v.basedOnCn() == 0 ? Optional.empty() : Optional.of(ChangeNumber.of(v.basedOnCn())), v.size());
  }

  @Override
  public MessageSnapshot readVersion(MessageId id, ChangeNumber version) {
    checkOpen();
    StoredMessage m = readableMessage(id, true);
    VersionRecord v = storage.version(id.value(), version.value()).orElseThrow(() -> new StoreException(
        MapiError.NOT_FOUND, "message " + id + " has no retained version " + version.value()));
    StoreId s = new StoreId(m.storeGuid());
    return ContentCodec.decode(v.content()).snapshot(new Content.SnapshotIds(id, FolderId.of(m.folderId()), version,
        ChangeKey.of(s, version)));
  }

  @Override
  public SaveResult restoreVersion(MessageId id, ChangeNumber version) {
    checkOpen();
    StoredMessage before = writableMessage(id);
    Content old = ContentCodec.decode(storage.version(id.value(), version.value()).orElseThrow(() -> new StoreException(
        MapiError.NOT_FOUND, "message " + id + " has no retained version " + version.value())).content());
    StoreId s = new StoreId(before.storeGuid());
    for (int attempt = 0; ; attempt++) {
      StoredMessage cur = liveMessage(id);
      Content current = ContentCodec.decode(cur.content());
      Instant created = current.get(PropTags.CREATION_TIME).map(p -> p.asInstant()).orElse(null);
      try {
        CommitResult r = commit(new WriteOp.PutMessage(id.value(), cur.folderId(), new WriteOp.Expect.AtVersion(cur.cn()),
            Versions.factory(s, user, old, created, Versions.pcl(current), options().limits().maxMessageBytes(), null),
            VersionInfo.VersionKind.RESTORED.name(), cur.cn(), EventType.OBJECT_MODIFIED, List.of()));
        ChangeNumber cn = ChangeNumber.of(r.get(0).cn());
        return new SaveResult(id, cn, ChangeKey.of(s, cn), true, Optional.empty(), Optional.empty(), Optional.empty());
      } catch (PreconditionFailedException e) {
        if (e.reason() != PreconditionFailedException.Reason.CHANGED || attempt > 100) {
          throw messageGone(id, e);
        }
      }
    }
  }

  @Override
  public InputStream openContent(ContentRef ref) {
    checkOpen();
    return storage.openBlob(ref.sha256());
  }

  // ---- notifications

  @Override
  public Subscription subscribe(EventScope scope, Set<EventType> mask, long afterPosition, Consumer<StoreEvent> sink) {
    return subscribe(scope, mask, afterPosition, sink, null, false);
  }

  /**
   * {@link #subscribe(EventScope, Set, long, Consumer)} with EventHub's caught-up callback (may be
   * null) and whether the sink is quick (shares its delivery thread, see EventHub).
   */
  Subscription subscribe(EventScope scope, Set<EventType> mask, long afterPosition, Consumer<StoreEvent> sink,
      java.util.function.LongConsumer caughtUp, boolean quick) {
    checkOpen();
    StoreId s = switch (scope) {
      case EventScope.Store st -> store(st.store()).id();
      case EventScope.Folder f -> new StoreId(readableFolder(f.folder()).storeGuid());
      case EventScope.Message mm -> new StoreId(readableMessage(mm.message(), true).storeGuid());
    };
    Subscription sub = store.events.subscribe(s, scope, mask, afterPosition, sink, caughtUp, quick);
    track(sub);
    return sub;
  }

  @Override
  public long journalPosition(StoreId s) {
    checkOpen();
    store(s);
    return storage.journalHead(s.guid());
  }

  @Override
  public List<StoreEvent> readJournal(StoreId s, long afterPosition, int limit) {
    checkOpen();
    store(s);
    return storage.readJournal(s.guid(), afterPosition, Math.max(0, Math.min(limit, 10_000)));
  }

  // ---- named properties

  @Override
  public PropTag namedPropTag(StoreId s, NamedProperty name, PropType type, boolean create) {
    checkOpen();
    store(s);
    if (type == PropType.OBJECT) {
      throw new StoreException(MapiError.INVALID_TYPE, "named property " + name + " cannot have type PT_OBJECT");
    }
    Optional<Integer> id = storage.findNamedProp(s.guid(), name.guid(), name.name(), name.lid());
    if (id.isEmpty()) {
      if (!create) {
        throw new StoreException(MapiError.NOT_FOUND, "named property " + name + " is not mapped in store " + s);
      }
      id = Optional.of((int) commit(new WriteOp.MapNamedProp(s.guid(), name.guid(), name.name(), name.lid())).get(0).id());
    }
    return PropTag.of(id.get(), type);
  }

  @Override
  public NamedProperty propName(StoreId s, PropTag tag) {
    checkOpen();
    store(s);
    return storage.namedPropById(s.guid(), tag.id())
        .map(r -> new NamedProperty(r.guid(), r.name(), r.lid()))
        .orElseThrow(() -> new StoreException(MapiError.NOT_FOUND, "no named property has id " + tag.hex() + " in store " + s));
  }

  /** R86: a folder's PR_RESOLVE_METHOD, when set, chooses a conflict's resolution without asking. */
  Optional<ConflictChoice> resolveMethod(FolderId folder) {
    return storage.findFolder(folder.value())
        .flatMap(f -> Content.find(ContentCodec.decodeProps(f.props()), PropTags.RESOLVE_METHOD))
        .map(p -> p.asInt() == PropTags.RESOLVE_METHOD_LAST_WRITER_WINS ? ConflictChoice.overwrite()
            : ConflictChoice.keepBoth());
  }

  @Override
  public void setConflictResolver(ConflictResolver r) {
    this.resolver = r;
  }

  @Override
  public void close() {
    handles.close();
  }
}
