package msgstore.api;

import java.io.InputStream;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One client of a {@link MessageStore}, acting as one user. Sessions are thread-safe; every
 * message handle opened through a session is its own transaction (R9).
 */
public interface Session extends AutoCloseable {
  /** The user this session acts for (PR_LAST_MODIFIER_NAME of its commits, R65). */
  String user();

  // ---- stores

  /** Creates a store owned by this session's user, with a root folder and an Inbox. */
  StoreInfo createStore(String displayName);

  /** The stores this user owns or has rights in. */
  List<StoreInfo> stores();

  StoreInfo store(StoreId id);

  // ---- folders

  /** @throws StoreException NOT_FOUND for an unknown or deleted folder, NO_ACCESS without read rights */
  Folder openFolder(FolderId id);

  default Folder rootFolder(StoreId store) {
    return openFolder(store(store).rootFolder());
  }

  // ---- messages

  /**
   * OpenMessage (R1-R7): a new handle whose base is the current version.
   *
   * @throws StoreException NOT_FOUND (R4), NO_ACCESS (R2, R5)
   */
  Message openMessage(MessageId id, OpenFlag... flags);

  /** DeleteMessages (R41): succeeds while handles are open; they then fail with OBJECT_DELETED. */
  void deleteMessages(Collection<MessageId> ids, DeleteMode mode);

  default void deleteMessage(MessageId id) {
    deleteMessages(List.of(id), DeleteMode.SOFT);
  }

  /** Restores a soft-deleted message (X3); it keeps its id and history. */
  void undeleteMessage(MessageId id);

  /** Moves a message; it gets a new id and keeps its history (R43, X3). */
  MessageId moveMessage(MessageId id, FolderId target);

  /** Copies a message's current version into {@code target} as a new message. */
  MessageId copyMessage(MessageId id, FolderId target);

  /** SetReadFlag without a handle (R71). */
  void setReadFlag(MessageId id, boolean read);

  /**
   * IMAP STORE (RFC 9051 6.4.6, RFC 7162 3.1.3; ADR 0028): applies {@code change} to a live
   * message in one atomic storage write. The message keeps its UID; its MODSEQ rises. Flag
   * properties make a new version (a new change key, so stale handles get OBJECT_CHANGED, R28);
   * the read state and the deletion mark do not (R71, R74). With {@code unchangedSince} zero or
   * more, the write happens only if the message's MODSEQ is at most that value, checked inside
   * the same storage transaction (a compare-and-set, never a read then a write); a negative value
   * means no condition (the write is forced).
   *
   * @throws StoreException OBJECT_CHANGED (nothing written) when the MODSEQ is above {@code
   *     unchangedSince}, NOT_FOUND / OBJECT_DELETED for a missing or deleted message, NO_ACCESS
   *     without write rights, INVALID_PARAMETER for a property that is not a flag property
   */
  default FlagResult storeFlags(MessageId id, FlagChange change, long unchangedSince) {
    throw new StoreException(MapiError.NO_SUPPORT, "storeFlags is not supported by this implementation");
  }

  // ---- history (X1-X3)

  /** Every retained version, newest first. */
  List<VersionInfo> versions(MessageId id);

  /** One retained version's content. */
  MessageSnapshot readVersion(MessageId id, ChangeNumber version);

  /**
   * Restores an old version: a new commit whose content equals it (X1), with a new change number
   * and an OBJECT_MODIFIED event. Open handles become stale.
   */
  SaveResult restoreVersion(MessageId id, ChangeNumber version);

  /** Streams stored attachment content (of any retained version). */
  InputStream openContent(ContentRef ref);

  // ---- notifications (R75-R80, X4)

  /**
   * Advise: delivers every journal entry after {@code afterPosition} that matches scope and mask,
   * then live ones, in journal order, each once, only after its commit is durable (R79). Pass
   * {@link #journalPosition(StoreId)}, or use {@link #subscribe(EventScope, Set, Consumer)}, to
   * get only new events.
   */
  Subscription subscribe(EventScope scope, Set<EventType> mask, long afterPosition, Consumer<StoreEvent> sink);

  /**
   * Advise from now: delivers only entries after the current journal head of the scope's store, as
   * {@code subscribe(scope, mask, journalPosition(store), sink)} with the store looked up from the
   * scope. {@link Subscription#position()} starts at that head.
   *
   * @throws StoreException NOT_FOUND for an unknown folder or message (or one the user cannot
   *     read), as {@link #subscribe(EventScope, Set, long, Consumer)}
   */
  default Subscription subscribe(EventScope scope, Set<EventType> mask, Consumer<StoreEvent> sink) {
    return subscribe(scope, mask, journalPosition(storeOf(scope)), sink);
  }

  /** Advise from now on every event type: {@code subscribe(scope, EventType.all(), sink)}. */
  default Subscription subscribe(EventScope scope, Consumer<StoreEvent> sink) {
    return subscribe(scope, EventType.all(), sink);
  }

  /** The store a scope's folder or message is in (a soft-deleted message counts, X3). */
  private StoreId storeOf(EventScope scope) {
    return switch (scope) {
      case EventScope.Store s -> s.store();
      case EventScope.Folder f -> openFolder(f.folder()).storeId();
      case EventScope.Message m -> {
        try (Message h = openMessage(m.message(), OpenFlag.SHOW_SOFT_DELETES)) {
          yield h.storeId();
        }
      }
    };
  }

  /** The newest journal position of a store. */
  long journalPosition(StoreId store);

  /** Journal entries of a store after {@code afterPosition}, oldest first, at most {@code limit}. */
  List<StoreEvent> readJournal(StoreId store, long afterPosition, int limit);

  // ---- named properties

  /** GetIDsFromNames: the tag a named property has in {@code store}, created when {@code create}. */
  PropTag namedPropTag(StoreId store, NamedProperty name, PropType type, boolean create);

  /** GetNamesFromIDs. */
  NamedProperty propName(StoreId store, PropTag tag);

  // ---- conflicts (section 12)

  /** Registers the resolver asked on OBJECT_CHANGED (R81); null removes it. */
  void setConflictResolver(ConflictResolver resolver);

  /** Closes the session and every handle it opened. */
  @Override
  void close();
}
