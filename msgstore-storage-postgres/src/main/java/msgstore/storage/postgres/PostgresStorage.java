package msgstore.storage.postgres;

import java.io.InputStream;
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
import msgstore.api.MapiError;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.engine.spi.BlobReference;
import msgstore.engine.spi.CommitResult;
import msgstore.engine.spi.FolderPage;
import msgstore.engine.spi.NamedPropRow;
import msgstore.engine.spi.Storage;
import msgstore.engine.spi.StorageDeadline;
import msgstore.engine.spi.StoredFolder;
import msgstore.engine.spi.StoredMessage;
import msgstore.engine.spi.StoredStore;
import msgstore.engine.spi.VersionRecord;
import msgstore.engine.spi.WriteBatch;
import msgstore.storage.jdbc.JdbcRows;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;

/**
 * The PostgreSQL backend of the storage SPI (ADR 0024): a HikariCP pool, the schema migrated by
 * Flyway, one ordinary transaction per commit, blobs in chunked bytea rows.
 *
 * <p>Several processes ("nodes") may open the same database at once. Every write transaction
 * first locks the one journal_head row, so write transactions of all nodes apply one after the
 * other: each sees the committed effects of the ones before it, exactly as with the SQLite
 * backend's single writer, and journal positions are committed in order. The commits of one node
 * are grouped as the SQLite writer groups them ({@link PostgresWriter}): one transaction, one
 * lock hold and one WAL flush for every commit waiting. A save is still one conditional {@code
 * UPDATE ... WHERE cn = ?} with the change number allocated in the same transaction: no row is
 * read first. Serialization failures and deadlocks roll the transaction back and are retried; a
 * lost connection is BUSY (the outcome of a COMMIT in flight is then unknown).
 *
 * <p>Events: the {@link #onCommitted} listener is fed in position order by whichever comes first:
 * the node's writer right after a COMMIT (its own entries, read from the journal first when
 * others' came before them), or the node's LISTEN/NOTIFY thread ({@link PostgresJournalFeed})
 * woken by a commit of another node. The feed remembers the last position it delivered, so
 * nothing is lost or repeated.
 */
public final class PostgresStorage implements Storage {
  /** Attempts of a commit that fails with a serialization failure or a deadlock. */
  static final int COMMIT_ATTEMPTS = 5;
  /** The latest schema version this code knows (Flyway's V&lt;n&gt; migrations). */
  static final int LATEST_SCHEMA = 5;

  /**
   * How to open a database.
   *
   * @param jdbcUrl a {@code jdbc:postgresql://} URL
   * @param user the database user
   * @param password its password, or null (pgjdbc then reads none; see docs/configuration.md)
   * @param poolSize connections of this node's pool, 2 to 256
   * @param connectTimeout how long a request waits for a connection before BUSY
   * @param clock the source of commit times and of blob stored-times
   * @param blobGrace {@link #collectGarbage} never removes a blob stored less than this long ago
   */
  public record Options(String jdbcUrl, String user, String password, int poolSize, Duration connectTimeout,
      Clock clock, Duration blobGrace) {
    public Options {
      if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql://")) {
        throw invalid("Options.jdbcUrl must be a jdbc:postgresql:// URL, got " + jdbcUrl);
      }
      if (user == null || user.isBlank()) {
        throw invalid("Options.user must name a database user");
      }
      if (poolSize < 2 || poolSize > 256) {
        throw invalid("Options.poolSize must be between 2 and 256, got " + poolSize);
      }
      if (connectTimeout == null || connectTimeout.toMillis() < 250) {
        throw invalid("Options.connectTimeout must be at least 250 ms, got " + connectTimeout);
      }
      if (clock == null) {
        throw invalid("Options.clock must not be null");
      }
      if (blobGrace == null || blobGrace.isNegative()) {
        throw invalid("Options.blobGrace must be zero or more, got " + blobGrace);
      }
    }

    /**
     * 16 connections, a 1 s connection wait (a request may wait for up to three connections, one
     * after the other, and must be answered within 5 s while the database is down), the UTC system
     * clock, a blob grace of 1 hour.
     */
    public static Options defaults(String jdbcUrl, String user, String password) {
      return new Options(jdbcUrl, user, password, 16, Duration.ofSeconds(1), Clock.systemUTC(), Duration.ofHours(1));
    }

    public Options withPoolSize(int n) {
      return new Options(jdbcUrl, user, password, n, connectTimeout, clock, blobGrace);
    }

    public Options withClock(Clock c) {
      return new Options(jdbcUrl, user, password, poolSize, connectTimeout, c, blobGrace);
    }

    public Options withBlobGrace(Duration g) {
      return new Options(jdbcUrl, user, password, poolSize, connectTimeout, clock, g);
    }

    /** The URL without its query (which may carry credentials), for messages. */
    public String redactedUrl() {
      int q = jdbcUrl.indexOf('?');
      return (q < 0 ? jdbcUrl : jdbcUrl.substring(0, q)) + " as " + user;
    }

    @Override
    public String toString() {
      return "Options[" + redactedUrl() + ", pool " + poolSize + "]";
    }

    private static StoreException invalid(String message) {
      return new StoreException(MapiError.INVALID_PARAMETER, message);
    }
  }

  private final Options options;
  private final PostgresPool pool;
  private final PostgresReader reader;
  private final PostgresBlobs blobs;
  private final PostgresJournalFeed feed;
  private final PostgresWriter writer;
  private final AtomicBoolean closed = new AtomicBoolean();

  private PostgresStorage(Options options, PostgresPool pool) {
    this.options = options;
    this.pool = pool;
    this.reader = new PostgresReader(pool);
    this.blobs = new PostgresBlobs(pool, options.clock());
    this.feed = new PostgresJournalFeed(options, reader);
    this.writer = new PostgresWriter(pool, options.clock(), feed);
  }

  /**
   * Opens the database, migrating its schema when needed (once, whichever node comes first:
   * Flyway holds a PostgreSQL advisory lock while it migrates).
   *
   * @throws StoreException BUSY when the database cannot be reached, VERSION when its schema is
   *     newer than this code, CALL_FAILED on other errors
   */
  public static PostgresStorage open(Options o) {
    if (o == null) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "PostgresStorage.open needs options");
    }
    PostgresPool pool = new PostgresPool(o);
    try {
      migrate(pool, o);
      PostgresStorage storage = new PostgresStorage(o, pool);
      storage.feed.start(storage.reader.journalHead());
      storage.writer.start();
      return storage;
    } catch (RuntimeException | Error e) {
      pool.close();
      throw e;
    }
  }

  private static void migrate(PostgresPool pool, Options o) {
    if (schemaVersion(pool, o) == LATEST_SCHEMA) {
      return; // the common case, every start but the first: no Flyway (a classpath scan and a lock) needed
    }
    Flyway flyway = Flyway.configure(PostgresStorage.class.getClassLoader())
        .dataSource(pool.dataSource())
        .locations("classpath:msgstore/storage/postgres/migration")
        .table("msgstore_schema_history")
        .load();
    try {
      flyway.migrate();
    } catch (RuntimeException e) {
      Throwable cause = e;
      while (cause != null && !(cause instanceof SQLException)) {
        cause = cause.getCause();
      }
      if (cause instanceof SQLException s && PostgresErrors.unavailable(s)) {
        throw PostgresErrors.translate(s, "migrating the schema of " + o.redactedUrl());
      }
      throw new StoreException(MapiError.CALL_FAILED, "migrating the schema of " + o.redactedUrl() + " failed: "
          + e.getMessage(), e);
    }
    MigrationInfo current = flyway.info().current();
    if (current != null && current.getVersion() != null
        && Integer.parseInt(current.getVersion().getVersion().split("\\.")[0]) > LATEST_SCHEMA) {
      throw new StoreException(MapiError.VERSION, o.redactedUrl() + " has schema version " + current.getVersion()
          + " but this msgstore supports versions up to " + LATEST_SCHEMA + "; open it with a newer msgstore");
    }
  }

  /** The schema version recorded by Flyway, 0 when none (an empty database). */
  private static int schemaVersion(PostgresPool pool, Options o) {
    String operation = "reading the schema version of " + o.redactedUrl();
    try (PostgresTx c = pool.borrow(operation)) {
      if (c.queryLong("SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'msgstore_schema_history'"
          + " AND schemaname = current_schema()") == 0) {
        return 0;
      }
      return (int) c.queryLong("SELECT coalesce(max(version::int), 0) FROM msgstore_schema_history WHERE success");
    } catch (SQLException e) {
      throw PostgresErrors.translate(e, operation);
    }
  }

  public Options options() {
    return options;
  }

  /** The pool, for the accounts kept in the same database (V2; {@code Accounts.openShared}). */
  public javax.sql.DataSource dataSource() {
    return pool.dataSource();
  }

  /** The database, for messages: URL without parameters, and user. */
  public String describe() {
    return options.redactedUrl();
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

  @Override
  public InputStream openBlob(String sha256) {
    checkOpen("openBlob");
    return blobs.open(sha256);
  }

  @Override
  public List<BlobReference> blobReferences(String sha256) {
    checkOpen("blobReferences");
    return reader.blobReferences(required(sha256, "sha256"));
  }

  // ---- writes

  @FunctionalInterface
  private interface Work<T> {
    T run(PostgresTx c, Instant now) throws SQLException;
  }

  /**
   * Runs {@code work} in one write transaction holding journal_head, retrying it on a
   * serialization failure or deadlock (nothing was written: the work runs again from the start),
   * unless the thread's {@link StorageDeadline} has passed. Maintenance only: commits go through
   * the group writer.
   */
  private <T> T write(String operation, Work<T> work) {
    checkOpen(operation);
    for (int attempt = 1; ; attempt++) {
      try {
        return pool.inTransaction(operation, c -> {
          c.ids().lockJournal();
          T result = work.run(c, JdbcRows.truncate(options.clock().instant()));
          c.ids().flush("", true); // from no node: this node's feed reads the entries too
          return result;
        });
      } catch (SQLException e) {
        if (PostgresErrors.retryable(e) && attempt < COMMIT_ATTEMPTS && StorageDeadline.remainingNanos() > 0) {
          continue;
        }
        throw PostgresErrors.translate(e, operation + " on " + pool.name());
      }
    }
  }

  /**
   * Commits {@code batch} with the next group of this node's commits ({@link PostgresWriter}):
   * one transaction, one journal lock hold and one WAL flush serve every batch waiting.
   */
  @Override
  public CommitResult commit(WriteBatch batch) {
    if (batch == null) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "commit needs a batch");
    }
    checkOpen("commit");
    return writer.commit(batch);
  }

  /** Write transactions committed by {@link #commit} so far, and the batches they carried (tests, diagnostics). */
  long[] groupCommitStats() {
    return new long[] {writer.groupsCommitted(), writer.batchesCommitted()};
  }

  /** Groups that assumed the numbers of this node's last commit, and those that found them stale (tests). */
  long[] assumptionStats() {
    return writer.assumptionStats();
  }

  /** Commits waiting for this node's writer thread (tests). */
  int queuedWrites() {
    return writer.queued();
  }

  @Override
  public void onCommitted(Consumer<List<StoreEvent>> listener) {
    feed.listener(listener);
  }

  // ---- maintenance

  @Override
  public int pruneHistory(Instant olderThan, int keepLast) {
    required(olderThan, "olderThan");
    if (keepLast < 0) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "pruneHistory needs keepLast >= 0, got " + keepLast);
    }
    String operation = "prune history before " + olderThan + " keeping " + keepLast;
    PostgresMaintenance.PruneCursor cursor = PostgresMaintenance.PruneCursor.START;
    long removed = 0;
    while (!cursor.done()) {
      PostgresMaintenance.PruneCursor from = cursor;
      PostgresMaintenance.PruneStep step = write(operation,
          (c, now) -> PostgresMaintenance.pruneStep(c, olderThan, keepLast, from));
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
    return blobs.collect(storedBefore.isBefore(graceLimit) ? storedBefore : graceLimit);
  }

  @Override
  public List<String> checkIntegrity() {
    return reader.readSnapshot("check the integrity of " + pool.name(), PostgresMaintenance::checkIntegrity);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      writer.close();
      feed.close();
    } finally {
      pool.close();
    }
  }

  private void checkOpen(String operation) {
    if (closed.get()) {
      throw new StoreException(MapiError.CALL_FAILED, operation + " failed: storage " + pool.name() + " is closed");
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
    return "PostgresStorage[" + pool.name() + "]";
  }
}
