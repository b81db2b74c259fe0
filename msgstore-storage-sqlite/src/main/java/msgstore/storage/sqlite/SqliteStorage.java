package msgstore.storage.sqlite;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import msgstore.api.ContentRef;
import msgstore.api.HashedContent;
import msgstore.api.MapiError;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.engine.spi.BlobReference;
import msgstore.engine.spi.CommitResult;
import msgstore.engine.spi.FolderPage;
import msgstore.engine.spi.IndexedColumn;
import msgstore.engine.spi.NamedPropRow;
import msgstore.engine.spi.Storage;
import msgstore.engine.spi.StoredFolder;
import msgstore.engine.spi.StoredMessage;
import msgstore.engine.spi.StoredStore;
import msgstore.engine.spi.VersionRecord;
import msgstore.engine.spi.WriteBatch;

/**
 * The embedded SQLite backend of the storage SPI: one database file in WAL mode, one writer
 * thread doing group commit, a small pool of query-only reader connections, and content-addressed
 * blob files in {@code <file>.blobs/}.
 *
 * <p>One process at a time: {@link #open} takes an exclusive lock on {@code <file>.lock} and fails
 * with {@link MapiError#BUSY} when another process (or another open storage in this one) holds it.
 * Thread-safe; reads may come from platform or virtual threads. {@link #close} finishes the
 * commits already submitted, then releases everything; it is idempotent.
 */
public final class SqliteStorage implements Storage {

  /** How much a returned commit survives. */
  public enum Durability {
    /** WAL + synchronous=FULL: a returned commit survives power loss. */
    FULL,
    /** WAL + synchronous=NORMAL: a returned commit survives a crash of the process, not a power loss. */
    RELAXED_MAY_LOSE_RECENT_COMMITS_ON_POWER_LOSS
  }

  /**
   * How to open a store file.
   *
   * @param file the database file; created with its parent directories when missing
   * @param durability see {@link Durability}
   * @param readerConnections the size of the read pool, 1 to 64
   * @param clock the source of commit times and of blob stored-times
   * @param blobGrace {@link #collectGarbage} never removes a blob stored less than this long ago
   *     by {@code clock}, whatever cut-off it is given, so that a blob put for a commit still in
   *     flight survives; zero or more
   */
  public record Options(Path file, Durability durability, int readerConnections, Clock clock, Duration blobGrace) {
    public static final int MAX_READER_CONNECTIONS = 64;

    public Options {
      if (file == null) {
        throw invalidOption("Options.file must not be null");
      }
      file = file.toAbsolutePath().normalize();
      if (file.getFileName() == null) {
        throw invalidOption("Options.file must name a file, got " + file);
      }
      if (durability == null) {
        throw invalidOption("Options.durability must not be null");
      }
      if (readerConnections < 1 || readerConnections > MAX_READER_CONNECTIONS) {
        throw invalidOption("Options.readerConnections must be between 1 and " + MAX_READER_CONNECTIONS + ", got "
            + readerConnections);
      }
      if (clock == null) {
        throw invalidOption("Options.clock must not be null");
      }
      if (blobGrace == null || blobGrace.isNegative()) {
        throw invalidOption("Options.blobGrace must be zero or more, got " + blobGrace);
      }
    }

    /** FULL durability, 4 readers, the UTC system clock, a blob grace of 1 hour. */
    public static Options defaults(Path file) {
      return new Options(file, Durability.FULL, 4, Clock.systemUTC(), Duration.ofHours(1));
    }

    public Options withDurability(Durability d) {
      return new Options(file, d, readerConnections, clock, blobGrace);
    }

    public Options withReaderConnections(int n) {
      return new Options(file, durability, n, clock, blobGrace);
    }

    public Options withClock(Clock c) {
      return new Options(file, durability, readerConnections, c, blobGrace);
    }

    public Options withBlobGrace(Duration g) {
      return new Options(file, durability, readerConnections, clock, g);
    }

    /** {@code <file>.lock}. */
    public Path lockFile() {
      return file.resolveSibling(file.getFileName() + ".lock");
    }

    /** {@code <file>.blobs}. */
    public Path blobDirectory() {
      return file.resolveSibling(file.getFileName() + ".blobs");
    }

    private static StoreException invalidOption(String message) {
      return new StoreException(MapiError.INVALID_PARAMETER, message);
    }
  }

  private final Options options;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final SqliteReader reader;
  private final SqliteWriter writer;
  private final SqliteBlobs blobs;
  private final SqliteStaging staging;
  private final AtomicBoolean closed = new AtomicBoolean();

  private SqliteStorage(Options options, FileChannel lockChannel, FileLock lock, SqliteReader reader,
      SqliteWriter writer, SqliteBlobs blobs, SqliteStaging staging) {
    this.options = options;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.reader = reader;
    this.writer = writer;
    this.blobs = blobs;
    this.staging = staging;
  }

  /**
   * Opens (creating or migrating when needed) the store file.
   *
   * @throws StoreException BUSY when another process holds the file, CORRUPT_DATA when the file is
   *     not a msgstore database, VERSION when its schema is newer than this code, NOT_ENOUGH_DISK,
   *     DISK_ERROR or CALL_FAILED on I/O problems
   */
  public static SqliteStorage open(Options o) {
    if (o == null) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "SqliteStorage.open needs options");
    }
    Path file = o.file();
    FileChannel lockChannel = null;
    FileLock lock = null;
    SqliteConnection writeConnection = null;
    SqliteReader reader = null;
    try {
      try {
        Files.createDirectories(file.getParent());
        lockChannel = FileChannel.open(o.lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
          lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
          lock = null;
        }
      } catch (IOException e) {
        throw SqliteErrorTranslator.translate(e, "locking " + o.lockFile());
      }
      if (lock == null) {
        throw new StoreException(MapiError.BUSY, "store file " + file + " is in use by another process");
      }
      SqliteBlobs blobs = new SqliteBlobs(o.blobDirectory(), o.clock());
      SqliteSchema.checkFile(file);
      try {
        writeConnection = SqliteConnection.open(file);
        SqliteSchema.checkRecognised(writeConnection.jdbc(), file);
        SqlitePragmas.apply(writeConnection.jdbc(), SqlitePragmas.writer(o.durability()));
        SqliteSchema.migrate(writeConnection.jdbc(), file);
        // Manual-commit mode keeps the driver out of our transactions; end the one it opens.
        writeConnection.jdbc().setAutoCommit(false);
        writeConnection.execute("COMMIT");
        reader = SqliteReader.open(file, o.readerConnections());
      } catch (SQLException e) {
        throw SqliteErrorTranslator.translate(e, "opening " + file);
      }
      blobs.open();
      SqliteStaging staging = new SqliteStaging();
      SqliteWriter writer = new SqliteWriter(file, writeConnection, o.clock(), staging, reader);
      SqliteStorage storage = new SqliteStorage(o, lockChannel, lock, reader, writer, blobs, staging);
      writer.start();
      return storage;
    } catch (RuntimeException | Error e) {
      if (reader != null) {
        reader.close();
      }
      if (writeConnection != null) {
        writeConnection.close();
      }
      release(lock, lockChannel);
      throw e;
    }
  }

  private static void release(FileLock lock, FileChannel channel) {
    try {
      if (lock != null) {
        lock.release();
      }
    } catch (IOException ignored) {
      // closing the channel releases it too
    }
    try {
      if (channel != null) {
        channel.close();
      }
    } catch (IOException ignored) {
      // nothing more to release
    }
  }

  /** The options this storage was opened with. */
  public Options options() {
    return options;
  }

  // ---- stores, folders, rights

  @Override
  public Optional<StoredStore> findStore(UUID storeGuid) {
    return reader.findStore(required(storeGuid, "storeGuid"));
  }

  @Override
  public List<StoredStore> storesVisibleTo(String user) {
    return reader.storesVisibleTo(required(user, "user"));
  }

  @Override
  public Optional<StoredFolder> findFolder(long folderId) {
    return reader.findFolder(folderId);
  }

  @Override
  public List<StoredFolder> childFolders(long parentId) {
    return reader.childFolders(parentId);
  }

  @Override
  public Optional<String> rightsRow(long folderId, String user) {
    return reader.rightsRow(folderId, required(user, "user"));
  }

  // ---- messages

  @Override
  public Optional<StoredMessage> findMessage(long messageId) {
    return reader.findMessage(messageId, true);
  }

  @Override
  public Optional<StoredMessage> findMessageRow(long messageId) {
    return reader.findMessage(messageId, false);
  }

  @Override
  public FolderPage pageFolder(long folderId, List<SortKey> sort, int offset, int limit) {
    return reader.pageFolder(folderId, sort, offset, limit);
  }

  @Override
  public void scanFolder(long folderId, Consumer<StoredMessage> sink) {
    reader.scanFolder(folderId, required(sink, "sink"));
  }

  @Override
  public List<Long> softDeletedInFolder(long folderId) {
    return reader.softDeletedInFolder(folderId);
  }

  // ---- history

  @Override
  public List<VersionRecord> versions(long messageId) {
    return reader.versions(messageId);
  }

  @Override
  public Optional<VersionRecord> version(long messageId, long cn) {
    return reader.version(messageId, cn);
  }

  // ---- journal

  @Override
  public List<StoreEvent> readJournal(UUID storeGuid, long afterPosition, int limit) {
    return reader.readJournal(required(storeGuid, "storeGuid"), afterPosition, limit);
  }

  @Override
  public List<StoreEvent> readJournal(long afterPosition, int limit) {
    return reader.readJournal(afterPosition, limit);
  }

  @Override
  public long journalHead(UUID storeGuid) {
    return reader.journalHead(required(storeGuid, "storeGuid"));
  }

  @Override
  public long journalHead() {
    return reader.journalHead();
  }

  @Override
  public Optional<StoreEvent> lastDeletionOrMove(long messageId) {
    return reader.lastDeletionOrMove(messageId);
  }

  // ---- named properties

  @Override
  public Optional<Integer> findNamedProp(UUID storeGuid, UUID guid, String name, Integer lid) {
    return reader.findNamedProp(required(storeGuid, "storeGuid"), required(guid, "guid"), name, lid);
  }

  @Override
  public Optional<NamedPropRow> namedPropById(UUID storeGuid, int propId) {
    return reader.namedPropById(required(storeGuid, "storeGuid"), propId);
  }

  // ---- blobs

  @Override
  public ContentRef putBlob(InputStream content, long maxBytes) {
    checkOpen("putBlob");
    return blobs.put(content, maxBytes);
  }

  /**
   * Content up to {@link SqliteStaging#MAX_BYTES} is hashed in memory and staged: the commit that
   * first refers to it writes it into the database (ADR 0022), so it costs no blob file and no
   * fsync of its own. Content already stored as a blob file is not stored twice (its stored time
   * is refreshed, as a put does). Larger content is streamed into a blob file, as {@link #putBlob}.
   */
  @Override
  public ContentRef stageBlob(InputStream content, long maxBytes) {
    checkOpen("stageBlob");
    if (content == null || maxBytes < 0) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "stageBlob needs content and maxBytes >= 0, got " + maxBytes);
    }
    byte[] head = content instanceof HashedContent h ? h.untouchedBytes() : null;
    String sha;
    if (head != null && head.length <= SqliteStaging.MAX_BYTES && head.length <= maxBytes) {
      sha = ((HashedContent) content).sha256(); // hashed once by its maker, from these very bytes
      ((HashedContent) content).skip(head.length); // consumed, as a read to the end would leave it
    } else {
      try {
        head = content.readNBytes((int) Math.min(SqliteStaging.MAX_BYTES, maxBytes) + 1);
      } catch (IOException e) {
        throw new StoreException(MapiError.CALL_FAILED, "reading the content of a blob failed: " + e, e);
      }
      if (head.length > SqliteStaging.MAX_BYTES || head.length > maxBytes) {
        return blobs.put(new SequenceInputStream(new ByteArrayInputStream(head), content), maxBytes);
      }
      sha = HashedContent.sha256Hex(head);
    }
    if (!blobs.refreshIfPresent(sha)) {
      List<SqliteStaging.Evicted> over = staging.stage(sha, head);
      if (!over.isEmpty()) { // stored as files before they leave memory: "not staged" means "stored"
        for (SqliteStaging.Evicted e : over) {
          blobs.put(new ByteArrayInputStream(e.bytes()), Long.MAX_VALUE);
        }
        staging.evicted(over);
      }
    }
    return new ContentRef(sha, head.length);
  }

  /** Staged content first, then the database's inline blobs, then the blob files. */
  @Override
  public InputStream openBlob(String sha256) {
    checkOpen("openBlob");
    if (SqliteBlobs.isSha256(sha256)) {
      InputStream staged = staging.open(sha256);
      if (staged != null) {
        return staged;
      }
      byte[] inline = reader.inlineBlob(sha256);
      if (inline != null) {
        return new ByteArrayInputStream(inline);
      }
    }
    return blobs.open(sha256);
  }

  @Override
  public List<BlobReference> blobReferences(String sha256) {
    checkOpen("blobReferences");
    return reader.blobReferences(required(sha256, "sha256"));
  }

  // ---- writes

  @Override
  public CommitResult commit(WriteBatch batch) {
    return writer.commit(batch);
  }

  @Override
  public void onCommitted(Consumer<List<StoreEvent>> listener) {
    writer.onCommitted(listener);
  }

  // ---- maintenance

  @Override
  public int pruneHistory(Instant olderThan, int keepLast) {
    required(olderThan, "olderThan");
    if (keepLast < 0) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "pruneHistory needs keepLast >= 0, got " + keepLast);
    }
    return pruneHistory(olderThan, keepLast, SqliteMaintenance.PruneLimits.DEFAULT);
  }

  /**
   * Prunes in bounded steps, each its own writer transaction queued behind the saves submitted
   * meanwhile, so a prune of a big store never holds the writer for more than one step.
   */
  int pruneHistory(Instant olderThan, int keepLast, SqliteMaintenance.PruneLimits limits) {
    String operation = "prune history before " + olderThan + " keeping " + keepLast;
    SqliteMaintenance.PruneCursor cursor = SqliteMaintenance.PruneCursor.START;
    long removed = 0;
    while (!cursor.done()) {
      SqliteMaintenance.PruneCursor from = cursor;
      SqliteMaintenance.PruneStep step = writer.runTask(operation,
          (c, now) -> SqliteMaintenance.pruneStep(c, olderThan, keepLast, from, limits));
      removed += step.removed();
      cursor = step.next();
    }
    return (int) Math.min(Integer.MAX_VALUE, removed);
  }

  @Override
  public int collectGarbage(Instant storedBefore) {
    required(storedBefore, "storedBefore");
    checkOpen("collectGarbage");
    Instant graceLimit = options.clock().instant().minus(options.blobGrace());
    Instant cutoff = storedBefore.isBefore(graceLimit) ? storedBefore : graceLimit;
    int inline = writer.runTask("collect unreferenced inline blobs stored before " + cutoff,
        (c, now) -> SqliteMaintenance.collectInlineBlobs(c, cutoff));
    return inline + blobs.collect(cutoff, reader::isBlobReferenced);
  }

  @Override
  public List<String> checkIntegrity() {
    return reader.read("check the integrity of " + options.file(), c -> SqliteMaintenance.checkIntegrity(c, blobs));
  }

  @Override
  public void releaseUnusedMemory(long unusedForNanos) {
    reader.releaseUnusedMemory(unusedForNanos);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      writer.close();
    } finally {
      reader.close();
      release(lock, lockChannel);
    }
  }

  /** Jobs waiting for the writer thread (for tests and diagnostics). */
  int queuedWrites() {
    return writer.queued();
  }

  /** Write transactions so far and the batches they carried (diagnostics, tests). */
  long[] groupCommitStats() {
    return new long[] {writer.groupsCommitted(), writer.batchesCommitted()};
  }

  /** Runs {@code task} on the writer thread in its own transaction (maintenance, tests). */
  <T> T onWriter(String operation, SqliteWriter.Task<T> task) {
    return writer.runTask(operation, task);
  }

  private void checkOpen(String operation) {
    if (closed.get()) {
      throw new StoreException(MapiError.CALL_FAILED, operation + " failed: storage " + options.file() + " is closed");
    }
  }

  private static <T> T required(T value, String name) {
    if (value == null) {
      throw new StoreException(MapiError.INVALID_PARAMETER, name + " must not be null");
    }
    return value;
  }

  @Override
  public String toString() {
    return "SqliteStorage[" + options.file() + ", " + options.durability() + "]";
  }
}
