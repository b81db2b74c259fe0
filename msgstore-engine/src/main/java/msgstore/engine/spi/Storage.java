package msgstore.engine.spi;

import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import msgstore.api.ContentRef;
import msgstore.api.StoreEvent;

/**
 * The storage SPI: everything the engine needs from a backend, and nothing that shows JDBC.
 *
 * <p>Reads run on the caller's thread and see committed state only. Writes are {@link WriteBatch}es
 * whose operations carry preconditions; {@link #commit} checks them and applies the batch in one
 * transaction, atomically: either every operation of the batch commits, or none does and a {@link
 * PreconditionFailedException} (or another {@code StoreException}) says why. Change numbers are
 * allocated inside that transaction, per store, with no gaps visible to clients (R61, R99).
 * Journal entries are written in the same transaction as the change they describe (X4), and the
 * {@link #onCommitted} listener sees them, in journal order, only after the transaction is durable
 * (R79).
 *
 * <p>Backends translate their driver errors once: NOT_ENOUGH_DISK, CORRUPT_DATA, BUSY (locked by
 * another process), VERSION (schema newer than the code), CALL_FAILED otherwise.
 *
 * <p>Implementations are thread-safe.
 */
public interface Storage extends AutoCloseable {

  // ---- stores, folders, rights

  Optional<StoredStore> findStore(UUID storeGuid);

  /**
   * Stores owned by {@code user} or with at least one live folder whose rights row gives {@code
   * user} more than NONE (a NONE row, e.g. one withdrawing inherited rights, does not make the
   * store visible).
   */
  List<StoredStore> storesVisibleTo(String user);

  /** A folder, deleted ones included (see {@link StoredFolder#deleted()}). */
  Optional<StoredFolder> findFolder(long folderId);

  /** Live (not deleted) children of a folder, ordered by name. */
  List<StoredFolder> childFolders(long parentId);

  /** The rights row of {@code user} on exactly this folder, if any ({@code FolderRights} name). */
  Optional<String> rightsRow(long folderId, String user);

  // ---- messages

  /** The message with its current version, soft-deleted ones included; empty when hard-deleted or never existed. */
  Optional<StoredMessage> findMessage(long messageId);

  /**
   * The message's row as {@link #findMessage} reads it, but its {@link StoredMessage#content} may be
   * left empty: for callers that need only the row (change number, MODSEQ, folder, state), so that
   * a backend need not read the current version. The default reads the whole message.
   */
  default Optional<StoredMessage> findMessageRow(long messageId) {
    return findMessage(messageId);
  }

  /**
   * A page of the live messages of a folder in the order of one or more indexed columns (each
   * ascending or descending, rows without a value last, text case-insensitive), ties broken by id
   * ascending, with the folder's live message count; both from one snapshot (one read
   * transaction), so the count is that of the rows the page was cut from. The backend sorts on the
   * columns it keeps: no version is decoded.
   */
  FolderPage pageFolder(long folderId, List<SortKey> sort, int offset, int limit);

  /** One key of {@link #pageFolder}. */
  record SortKey(IndexedColumn column, boolean descending) {}

  /** {@link #pageFolder} by one column. */
  default FolderPage pageFolder(long folderId, IndexedColumn sort, boolean descending, int offset, int limit) {
    return pageFolder(folderId, List.of(new SortKey(sort, descending)), offset, limit);
  }

  /**
   * Every live message of a folder, in id order, for restrictions and sorts the index cannot
   * serve. The whole scan reads one consistent snapshot (one read transaction): a commit that
   * lands while it runs is seen entirely or not at all, so no message is seen twice or missed and
   * no count is one that never existed. The sink runs while the snapshot is held: it must be quick
   * and must not call the storage.
   */
  void scanFolder(long folderId, Consumer<StoredMessage> sink);

  /** Ids of soft-deleted messages of a folder. */
  List<Long> softDeletedInFolder(long folderId);

  // ---- history (X1)

  /** Retained versions of a message, newest first, without content. */
  List<VersionRecord> versions(long messageId);

  /** One retained version with content. */
  Optional<VersionRecord> version(long messageId, long cn);

  // ---- journal (X4)

  /** Journal entries of one store after {@code afterPosition}, oldest first. */
  List<StoreEvent> readJournal(UUID storeGuid, long afterPosition, int limit);

  /** Journal entries of all stores after {@code afterPosition}, oldest first. */
  List<StoreEvent> readJournal(long afterPosition, int limit);

  /** The newest journal position of a store (0 when none). */
  long journalHead(UUID storeGuid);

  /** The newest journal position overall (0 when none). */
  long journalHead();

  /**
   * The newest journal entry that took the message {@code messageId} away from its identity: its
   * OBJECT_DELETED (soft or hard delete, or the delete of a folder above it; {@link
   * StoreEvent#parentId()} is the folder it was deleted from), or the OBJECT_MOVED of a move that
   * gave it a new id ({@link StoreEvent#oldId()} is {@code messageId}, {@link
   * StoreEvent#oldParentId()} the folder it was moved from). Copies, folder events and other
   * messages' entries never count. Empty when the message never existed, was never deleted or
   * moved, or its entry is no longer in the journal.
   *
   * <p>Used after a message did not open, to tell "deleted or moved since you read it" (R27, R43)
   * from "never existed"; one indexed lookup per kind of entry (partial indexes, so saves pay
   * nothing for them), not a scan of the journal.
   */
  Optional<StoreEvent> lastDeletionOrMove(long messageId);

  // ---- named properties

  /** The property id a named property has in a store, if mapped. */
  Optional<Integer> findNamedProp(UUID storeGuid, UUID guid, String name, Integer lid);

  /** The named property behind an id of a store. */
  Optional<NamedPropRow> namedPropById(UUID storeGuid, int propId);

  // ---- blobs

  /**
   * Streams content into the blob store, content-addressed by SHA-256, outside any commit. Never
   * holds the content in memory. A blob that no version refers to is collected by {@link
   * #collectGarbage} once older than its grace period.
   *
   * @throws msgstore.api.StoreException TOO_BIG (nothing kept) when over {@code maxBytes}
   */
  ContentRef putBlob(InputStream content, long maxBytes);

  /**
   * Content for a commit yet to come (an attachment handle's content): like {@link #putBlob},
   * content-addressed and readable by {@link #openBlob} at once, but a backend may keep small
   * content in memory and store it in the transaction of the first commit whose version refers
   * to it, durable with that commit (ADR 0022), instead of making it durable on its own first.
   * Content no commit refers to may then be lost in a crash; nothing refers to it. The default
   * is {@link #putBlob}.
   *
   * @throws msgstore.api.StoreException TOO_BIG (nothing kept) when over {@code maxBytes}
   */
  default ContentRef stageBlob(InputStream content, long maxBytes) {
    return putBlob(content, maxBytes);
  }

  /** Streams a blob. @throws msgstore.api.StoreException NOT_FOUND when missing */
  InputStream openBlob(String sha256);

  // ---- blob references (who may read a blob)

  /**
   * The messages, in every store, that refer to a blob from a retained version (current or
   * history), each once, by message id; empty when no version refers to it (uploaded and not yet
   * saved, or no longer referenced). One indexed lookup by digest, not a scan.
   */
  List<BlobReference> blobReferences(String sha256);

  // ---- writes

  /**
   * Applies a batch atomically after checking every precondition in the same transaction.
   * Concurrent callers may be grouped into one transaction (group commit); each batch still
   * commits or fails alone. Returns once the batch is durable.
   *
   * @throws PreconditionFailedException when a precondition does not hold; nothing is written
   */
  CommitResult commit(WriteBatch batch);

  /** Sets the listener called, in journal order, with the entries of each durable transaction. */
  void onCommitted(Consumer<List<StoreEvent>> listener);

  // ---- maintenance

  /**
   * Deletes versions committed before {@code olderThan}, keeping the newest {@code keepLast} of
   * each message and always its current one; purges soft-deleted messages deleted before {@code
   * olderThan} (X1, X3). Returns versions removed. Incremental: the work is done in bounded
   * transactions that let commits submitted meanwhile through, so a prune of a big store never
   * stalls the writer for more than one step; the result equals that of one pass.
   */
  int pruneHistory(Instant olderThan, int keepLast);

  /** Deletes blobs no version refers to and that were stored before {@code storedBefore}. Returns blobs removed. */
  int collectGarbage(Instant storedBefore);

  /** Checks the database and the storage invariants; returns the problems found (empty when sound). */
  List<String> checkIntegrity();

  /**
   * Gives back memory the backend keeps for speed only (page caches of connections unused for
   * {@code unusedForNanos} nanoseconds or more); a server calls it now and then so that a quiet
   * process shrinks. Changes nothing stored. The default keeps everything.
   */
  default void releaseUnusedMemory(long unusedForNanos) {}

  @Override
  void close();
}
