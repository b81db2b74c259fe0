package msgstore.storage.sqlite;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import msgstore.api.EventType;
import msgstore.api.MapiError;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.engine.spi.BlobReference;
import msgstore.engine.spi.FolderPage;
import msgstore.engine.spi.IndexedColumn;
import msgstore.engine.spi.NamedPropRow;
import msgstore.engine.spi.Storage;
import msgstore.engine.spi.StorageDeadline;
import msgstore.engine.spi.StoredFolder;
import msgstore.engine.spi.StoredMessage;
import msgstore.engine.spi.StoredStore;
import msgstore.engine.spi.VersionRecord;
import msgstore.storage.jdbc.JdbcRows;

/**
 * The read side: a fixed pool of query-only connections, each lent to one caller for one read.
 * In WAL mode readers never wait for the writer and see only committed transactions. Safe from
 * platform and virtual threads.
 */
final class SqliteReader implements AutoCloseable {
  @FunctionalInterface
  interface Query<T> {
    T run(SqliteConnection c) throws SQLException;
  }

  private static final System.Logger LOG = System.getLogger(SqliteReader.class.getName());
  /** What the current thread is scanning while a {@link #scanFolder} sink runs; null otherwise. */
  private static final ThreadLocal<String> SCANNING = new ThreadLocal<>();
  /** Commits the writer has made since the start ({@link #committed}). */
  private final AtomicLong commits = new AtomicLong();
  /** How long one wait for a free reader connection lasts before the loop checks for close and the deadline. */
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /** The least a read waits for a reader connection, even past its deadline (as the PostgreSQL pool, ADR 0030). */
  private static final long MIN_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  private final Path file;
  private final int size;
  private final BlockingQueue<SqliteConnection> idle;
  private volatile boolean closed;

  private SqliteReader(Path file, List<SqliteConnection> connections) {
    this.file = file;
    this.size = connections.size();
    this.idle = new ArrayBlockingQueue<>(connections.size(), false, connections);
  }

  static SqliteReader open(Path file, int connections) throws SQLException {
    List<SqliteConnection> opened = new ArrayList<>();
    try {
      for (int i = 0; i < connections; i++) {
        opened.add(openConnection(file));
      }
    } catch (SQLException | RuntimeException e) {
      opened.forEach(SqliteConnection::close);
      throw e;
    }
    return new SqliteReader(file, opened);
  }

  private static SqliteConnection openConnection(Path file) throws SQLException {
    SqliteConnection c = SqliteConnection.open(file);
    try {
      SqlitePragmas.apply(c.jdbc(), SqlitePragmas.reader());
      // Manual-commit mode keeps the driver out of our read transactions; end the one it opens.
      c.jdbc().setAutoCommit(false);
      c.execute("COMMIT");
    } catch (SQLException | RuntimeException e) {
      c.close();
      throw e;
    }
    return c;
  }

  /** Runs {@code query} on a pooled connection; {@code operation} names it in errors. */
  <T> T read(String operation, Query<T> query) {
    if (SCANNING.get() != null) {
      throw new StoreException(MapiError.CALL_FAILED, operation + " called from the sink of a scan of "
          + SCANNING.get() + ": a sink must not read the storage (it holds a reader connection of " + file + ")");
    }
    SqliteConnection c = acquire(operation);
    try {
      snapshot(c);
      return query.run(c);
    } catch (SQLException e) {
      c = recover(c);
      throw SqliteErrorTranslator.translate(e, operation);
    } finally {
      if (c != null) {
        release(c);
      }
    }
  }

  /**
   * Puts {@code c} in a read transaction that has seen every commit the writer has counted: the
   * one it holds when no commit came since it began (no locking at all: a read of an unchanged
   * database costs no system call), else a new one. A transaction begins at its first read, after
   * the count was taken, so it can only be newer than its count says, never older. The writer
   * counts a commit right after it (before it answers its callers or publishes the events), so a
   * read that follows a commit, in any thread, sees it.
   */
  private void snapshot(SqliteConnection c) throws SQLException {
    long now = commits.get();
    if (c.snapshot == now) {
      return;
    }
    if (c.snapshot >= 0) {
      c.execute("COMMIT");
      c.snapshot = -1;
    }
    c.execute("BEGIN");
    c.snapshot = now;
  }

  /**
   * Called by the writer right after each COMMIT: later reads begin a new read transaction
   * ({@link #snapshot}), and the idle connections' older ones end now.
   */
  void committed() {
    commits.incrementAndGet();
    endIdleSnapshots();
  }

  /**
   * Called by the writer before each write transaction: ends the read transactions of the idle
   * connections, so that none keeps the writer from starting the WAL over once a checkpoint has
   * copied all of it back (SQLite restarts the WAL only when no reader holds a part of it; a WAL
   * that cannot restart grows, and past the auto-checkpoint size every commit checkpoints).
   */
  void endIdleSnapshots() {
    for (int i = 0, n = idle.size(); i < n; i++) {
      SqliteConnection c = idle.poll();
      if (c == null) {
        return;
      }
      if (c.snapshot >= 0) {
        try {
          c.execute("COMMIT");
          c.snapshot = -1;
        } catch (SQLException e) {
          c = recover(c);
        }
      }
      if (c != null) {
        putBack(c);
      }
    }
  }

  /**
   * Empties the page cache of every idle connection unused for {@code unusedForNanos} or more
   * ({@code PRAGMA shrink_memory}): a pool that served a burst keeps 16 MiB of pages per
   * connection otherwise (issue 11: a quiet server gives its memory back). The next read on such
   * a connection reads its pages from the file again.
   */
  void releaseUnusedMemory(long unusedForNanos) {
    long now = System.nanoTime();
    for (int i = 0, n = idle.size(); i < n; i++) {
      SqliteConnection c = idle.poll();
      if (c == null) {
        return;
      }
      if (now - c.releasedAt >= unusedForNanos) {
        try {
          SqlitePragmas.execute(c.jdbc(), "PRAGMA shrink_memory");
        } catch (SQLException e) {
          c = recover(c);
        }
      }
      if (c != null) {
        putBack(c); // not release(): shrinking is no use of the connection
      }
    }
  }

  /**
   * After an error: drops the connection's statements (the driver may have finalized them) and
   * ends any transaction left open, so that the next reader does not see an old snapshot. A
   * connection that cannot be reset is replaced; returns the one to put back, or null.
   */
  private SqliteConnection recover(SqliteConnection c) {
    c.forgetStatements();
    c.snapshot = -1;
    try {
      if (!c.jdbc().getAutoCommit()) {
        c.execute("ROLLBACK");
      }
      return c;
    } catch (SQLException e) {
      if (e.getMessage() != null && e.getMessage().contains("no transaction is active")) {
        return c;
      }
      c.close();
      try {
        return openConnection(file);
      } catch (SQLException again) {
        LOG.log(System.Logger.Level.WARNING, "could not replace a reader connection of " + file, again);
        return null;
      }
    }
  }

  /**
   * A reader connection, waiting while all are in use: at most until the thread's {@link
   * StorageDeadline}, but at least {@link #MIN_WAIT_NANOS} (so work that outlives its deadline, an
   * answer streamed to a slow client, still gets one when one comes free soon), and not at all in
   * work that must not wait ({@link StorageDeadline#startWithoutWaiting}). BUSY when none came free.
   */
  private SqliteConnection acquire(String operation) {
    try {
      SqliteConnection c = idle.poll();
      if (c != null) {
        return c;
      }
      if (!StorageDeadline.waitingAllowed()) {
        throw new StoreException(MapiError.BUSY, operation + ": every reader connection of " + file
            + " is in use, and this work may not wait for one");
      }
      long left = StorageDeadline.remainingNanos();
      long until = left == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + Math.max(left, MIN_WAIT_NANOS);
      while (true) {
        if (closed) {
          throw new StoreException(MapiError.CALL_FAILED, operation + " failed: storage " + file + " is closed");
        }
        long wait = until == Long.MAX_VALUE ? POLL_NANOS : Math.min(POLL_NANOS, until - System.nanoTime());
        if (wait <= 0) {
          throw new StoreException(MapiError.BUSY, operation + ": every reader connection of " + file
              + " stayed in use until the request's storage deadline");
        }
        c = idle.poll(wait, TimeUnit.NANOSECONDS);
        if (c != null) {
          return c;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(MapiError.CALL_FAILED, operation + " interrupted while waiting for a reader connection");
    }
  }

  private void release(SqliteConnection c) {
    c.releasedAt = System.nanoTime();
    putBack(c);
  }

  /** Returns {@code c} to the pool, or closes it when the pool is closed. */
  private void putBack(SqliteConnection c) {
    if (closed) {
      c.close();
    } else {
      idle.add(c);
      if (closed && idle.remove(c)) {
        c.close();
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    SqliteConnection c;
    while ((c = idle.poll()) != null) {
      c.close();
    }
  }

  int size() {
    return size;
  }

  // ---- stores, folders, rights

  Optional<StoredStore> findStore(UUID guid) {
    return read("find store " + guid, c -> {
      PreparedStatement ps = c.prepare("SELECT " + JdbcRows.STORE_COLUMNS + " FROM store WHERE guid = ?");
      ps.setString(1, guid.toString());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(JdbcRows.store(rs)) : Optional.empty();
      }
    });
  }

  List<StoredStore> storesVisibleTo(String user) {
    return read("list stores visible to " + user, c -> {
      PreparedStatement ps = c.prepare("SELECT " + JdbcRows.STORE_COLUMNS + " FROM store WHERE owner = ?"
          + " OR guid IN (SELECT f.store_guid FROM folder_rights r JOIN folder f ON f.id = r.folder_id WHERE r.user = ?"
          + " AND r.rights <> 'NONE' AND f.deleted = 0)"
          + " ORDER BY created_at, guid");
      ps.setString(1, user);
      ps.setString(2, user);
      List<StoredStore> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(JdbcRows.store(rs));
        }
      }
      return out;
    });
  }

  Optional<StoredFolder> findFolder(long folderId) {
    return read("find folder " + folderId, c -> {
      PreparedStatement ps = c.prepare("SELECT " + JdbcRows.FOLDER_COLUMNS + " FROM folder f WHERE f.id = ?");
      ps.setLong(1, folderId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(JdbcRows.folder(rs)) : Optional.empty();
      }
    });
  }

  List<StoredFolder> childFolders(long parentId) {
    return read("list child folders of " + parentId, c -> {
      PreparedStatement ps = c.prepare("SELECT " + JdbcRows.FOLDER_COLUMNS
          + " FROM folder f WHERE f.parent_id = ? AND f.deleted = 0 ORDER BY f.display_name COLLATE NOCASE, f.id");
      ps.setLong(1, parentId);
      List<StoredFolder> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(JdbcRows.folder(rs));
        }
      }
      return out;
    });
  }

  Optional<String> rightsRow(long folderId, String user) {
    return read("read rights of " + user + " on folder " + folderId, c -> {
      PreparedStatement ps = c.prepare("SELECT rights FROM folder_rights WHERE folder_id = ? AND user = ?");
      ps.setLong(1, folderId);
      ps.setString(2, user);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    });
  }

  // ---- messages

  /** The message with its current version's content, or ({@code withContent} false) its row alone, content empty. */
  Optional<StoredMessage> findMessage(long messageId, boolean withContent) {
    return read("find message " + messageId, c -> {
      PreparedStatement ps = c.prepare(withContent
          ? "SELECT " + JdbcRows.MESSAGE_COLUMNS + " FROM " + JdbcRows.MESSAGE_WITH_CONTENT + " WHERE m.id = ?"
          : "SELECT " + JdbcRows.MESSAGE_ROW_COLUMNS + " FROM message m WHERE m.id = ?");
      ps.setLong(1, messageId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(JdbcRows.message(rs)) : Optional.empty();
      }
    });
  }

  /** The ORDER BY term of a column: text compares case-insensitively (ASCII), rows without a value last. */
  static String sortTerm(IndexedColumn column, boolean descending) {
    String expression = switch (column) {
      case DELIVERY_TIME -> "m.delivery_time";
      case LAST_MODIFICATION_TIME -> "m.last_mod_time";
      case SUBJECT -> "m.subject COLLATE NOCASE";
      case SENDER_NAME -> "m.sender_name COLLATE NOCASE";
      case MESSAGE_SIZE -> "m.size";
      case IMPORTANCE -> "m.importance";
      case MESSAGE_CLASS -> "m.message_class COLLATE NOCASE";
      case IMAP_UID -> "m.uid";
      case IMAP_MODSEQ -> "m.modseq";
    };
    return expression + (descending ? " DESC" : " ASC") + " NULLS LAST";
  }

  /** The page and the folder's live count in one read transaction (one snapshot in WAL mode). */
  FolderPage pageFolder(long folderId, List<Storage.SortKey> sort, int offset, int limit) {
    JdbcRows.checkPage(folderId, sort, offset, limit);
    return read("page folder " + folderId, // one read transaction: one snapshot in WAL mode
        c -> JdbcRows.folderPage(c::prepare, folderId, sort, SqliteReader::sortTerm, offset, limit));
  }

  /**
   * Feeds every live message of a folder to {@code sink} in id order from one snapshot: one
   * statement, stepped row by row, is one read transaction in WAL mode, so commits that land
   * while it runs are not seen (no message twice, none missed, no mix of versions) and memory
   * stays one row. The connection is held until the last row; the sink must be quick and must
   * not read the storage (it would wait for a second connection of the pool).
   */
  void scanFolder(long folderId, Consumer<StoredMessage> sink) {
    read("scan folder " + folderId, c -> {
      PreparedStatement ps = c.prepare("SELECT " + JdbcRows.MESSAGE_COLUMNS + " FROM " + JdbcRows.MESSAGE_WITH_CONTENT
          + " WHERE m.folder_id = ? AND m.deleted = 0 ORDER BY m.id");
      ps.setLong(1, folderId);
      try (ResultSet rs = ps.executeQuery()) {
        SCANNING.set("folder " + folderId);
        while (rs.next()) {
          sink.accept(JdbcRows.message(rs));
        }
      } finally {
        SCANNING.remove();
      }
      return null;
    });
  }

  List<Long> softDeletedInFolder(long folderId) {
    return read("list soft-deleted messages of folder " + folderId, c -> {
      PreparedStatement ps = c.prepare("SELECT id FROM message WHERE folder_id = ? AND deleted = 1 ORDER BY id");
      ps.setLong(1, folderId);
      List<Long> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getLong(1));
        }
      }
      return out;
    });
  }

  // ---- history

  List<VersionRecord> versions(long messageId) {
    return read("list versions of message " + messageId, c -> {
      PreparedStatement ps = c.prepare(
          "SELECT " + JdbcRows.VERSION_COLUMNS + " FROM message_version WHERE message_id = ? ORDER BY cn DESC");
      ps.setLong(1, messageId);
      List<VersionRecord> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(JdbcRows.version(rs, false));
        }
      }
      return out;
    });
  }

  Optional<VersionRecord> version(long messageId, long cn) {
    return read("read version " + cn + " of message " + messageId, c -> {
      PreparedStatement ps = c.prepare(
          "SELECT " + JdbcRows.VERSION_COLUMNS + ", content FROM message_version WHERE message_id = ? AND cn = ?");
      ps.setLong(1, messageId);
      ps.setLong(2, cn);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(JdbcRows.version(rs, true)) : Optional.empty();
      }
    });
  }

  // ---- journal

  List<StoreEvent> readJournal(UUID storeGuid, long afterPosition, int limit) {
    if (limit <= 0) {
      return List.of();
    }
    return read("read the journal of store " + storeGuid, c -> {
      PreparedStatement ps = c.prepare("SELECT " + JdbcRows.JOURNAL_COLUMNS
          + " FROM journal WHERE store_guid = ? AND position > ? ORDER BY position LIMIT ?");
      ps.setString(1, storeGuid.toString());
      ps.setLong(2, afterPosition);
      ps.setInt(3, limit);
      return events(ps);
    });
  }

  List<StoreEvent> readJournal(long afterPosition, int limit) {
    if (limit <= 0) {
      return List.of();
    }
    return read("read the journal", c -> {
      PreparedStatement ps = c.prepare(
          "SELECT " + JdbcRows.JOURNAL_COLUMNS + " FROM journal WHERE position > ? ORDER BY position LIMIT ?");
      ps.setLong(1, afterPosition);
      ps.setInt(2, limit);
      return events(ps);
    });
  }

  private static List<StoreEvent> events(PreparedStatement ps) throws SQLException {
    List<StoreEvent> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(JdbcRows.event(rs));
      }
    }
    return out;
  }

  static final String LAST_DELETION_OR_MOVE = "SELECT " + JdbcRows.JOURNAL_COLUMNS + " FROM journal"
      + " WHERE object_id = ? AND type = " + JdbcRows.typeCode(EventType.OBJECT_DELETED)
      + " AND kind = " + JdbcRows.KIND_MESSAGE
      + " UNION ALL SELECT " + JdbcRows.JOURNAL_COLUMNS + " FROM journal"
      + " WHERE old_id = ? AND old_id IS NOT NULL AND type = " + JdbcRows.typeCode(EventType.OBJECT_MOVED)
      + " AND kind = " + JdbcRows.KIND_MESSAGE
      + " ORDER BY position DESC LIMIT 1";

  /**
   * The newest OBJECT_DELETED of the message or OBJECT_MOVED away from it; each half of the union
   * is served by its partial index (V3: the literal type and kind terms must match the index's
   * WHERE clause for SQLite to use it, so they are not bound parameters).
   */
  Optional<StoreEvent> lastDeletionOrMove(long messageId) {
    return read("read the deletion or move of message " + messageId, c -> {
      PreparedStatement ps = c.prepare(LAST_DELETION_OR_MOVE);
      ps.setLong(1, messageId);
      ps.setLong(2, messageId);
      List<StoreEvent> e = events(ps);
      return e.isEmpty() ? Optional.<StoreEvent>empty() : Optional.of(e.get(0));
    });
  }

  long journalHead(UUID storeGuid) {
    return read("read the journal head of store " + storeGuid, c -> {
      PreparedStatement ps = c.prepare("SELECT max(position) FROM journal WHERE store_guid = ?");
      ps.setString(1, storeGuid.toString());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0L;
      }
    });
  }

  long journalHead() {
    return read("read the journal head", c -> {
      try (ResultSet rs = c.prepare("SELECT max(position) FROM journal").executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0L;
      }
    });
  }

  // ---- named properties

  Optional<Integer> findNamedProp(UUID storeGuid, UUID guid, String name, Integer lid) {
    return read("find named property " + guid + "/" + (name != null ? name : lid) + " of store " + storeGuid, c -> {
      PreparedStatement ps = c.prepare(
          "SELECT prop_id FROM named_prop WHERE store_guid = ? AND guid = ? AND name IS ? AND lid IS ?");
      ps.setString(1, storeGuid.toString());
      ps.setString(2, guid.toString());
      ps.setString(3, name);
      JdbcRows.setLongOrNull(ps, 4, lid == null ? null : lid.longValue());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getInt(1)) : Optional.empty();
      }
    });
  }

  Optional<NamedPropRow> namedPropById(UUID storeGuid, int propId) {
    return read("find named property 0x" + Integer.toHexString(propId) + " of store " + storeGuid, c -> {
      PreparedStatement ps = c.prepare("SELECT guid, name, lid FROM named_prop WHERE store_guid = ? AND prop_id = ?");
      ps.setString(1, storeGuid.toString());
      ps.setInt(2, propId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        Long lid = JdbcRows.longOrNull(rs, 3);
        return Optional.of(new NamedPropRow(
            propId, UUID.fromString(rs.getString(1)), rs.getString(2), lid == null ? null : lid.intValue()));
      }
    });
  }

  // ---- blobs

  /** The content of an inline blob (ADR 0022), or null when {@code sha} is not stored inline. */
  byte[] inlineBlob(String sha) {
    return read("read inline blob " + sha, c -> {
      PreparedStatement ps = c.prepare("SELECT data FROM inline_blob WHERE sha = ?");
      ps.setString(1, sha);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getBytes(1) : null;
      }
    });
  }

  boolean isBlobReferenced(String sha) {
    return read("look up references to blob " + sha, c -> {
      PreparedStatement ps = c.prepare("SELECT 1 FROM version_blob WHERE sha = ? LIMIT 1");
      ps.setString(1, sha);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    });
  }

  /** Served by version_blob_by_sha and the message primary key (SqliteBlobTest checks the plan). */
  static final String BLOB_REFERENCES = "SELECT DISTINCT m.id, m.store_guid, m.folder_id, m.deleted "
      + "FROM version_blob vb JOIN message m ON m.id = vb.message_id WHERE vb.sha = ? ORDER BY m.id";

  /**
   * The messages referring to a blob (version_blob_by_sha, then message by primary key), each
   * once, ordered by id.
   */
  List<BlobReference> blobReferences(String sha) {
    return read("look up the messages referring to blob " + sha, c -> {
      PreparedStatement ps = c.prepare(BLOB_REFERENCES);
      ps.setString(1, sha);
      List<BlobReference> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new BlobReference(rs.getLong(1), UUID.fromString(rs.getString(2)), rs.getLong(3), rs.getInt(4) != 0));
        }
      }
      return out;
    });
  }
}
