package msgstore.storage.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
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
import msgstore.engine.spi.StoredFolder;
import msgstore.engine.spi.StoredMessage;
import msgstore.engine.spi.StoredStore;
import msgstore.engine.spi.VersionRecord;
import msgstore.storage.jdbc.JdbcRows;

/**
 * The read side: each read borrows a pool connection for one statement (one snapshot, READ
 * COMMITTED) or, where a consistent view of several statements or a streamed result is needed,
 * one read-only REPEATABLE READ transaction. Safe from platform and virtual threads.
 */
final class PostgresReader {
  @FunctionalInterface
  interface Query<T> {
    T run(PostgresTx c) throws SQLException;
  }

  /** What the current thread is scanning while a {@link #scanFolder} sink runs; null otherwise. */
  private static final ThreadLocal<String> SCANNING = new ThreadLocal<>();

  private final PostgresPool pool;

  PostgresReader(PostgresPool pool) {
    this.pool = pool;
  }

  /** Runs {@code query} on a pooled connection; {@code operation} names it in errors. */
  <T> T read(String operation, Query<T> query) {
    if (SCANNING.get() != null) {
      throw new StoreException(MapiError.CALL_FAILED, operation + " called from the sink of a scan of "
          + SCANNING.get() + ": a sink must not read the storage");
    }
    try (PostgresTx c = pool.borrow(operation)) {
      return query.run(c);
    } catch (SQLException e) {
      throw PostgresErrors.translate(e, operation);
    }
  }

  /** Runs {@code query} in one read-only REPEATABLE READ transaction: every statement sees one snapshot. */
  <T> T readSnapshot(String operation, Query<T> query) {
    return read(operation, c -> {
      Connection jdbc = c.jdbc();
      jdbc.setAutoCommit(false);
      T result;
      try {
        c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        result = query.run(c);
      } catch (SQLException | RuntimeException | Error e) {
        PostgresPool.endTransaction(c, false, e); // a broken connection must not hide why it broke
        throw e;
      }
      PostgresPool.endTransaction(c, false, null);
      return result;
    });
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
          + " OR guid IN (SELECT f.store_guid FROM folder_rights r JOIN folder f ON f.id = r.folder_id WHERE r.user_name = ?"
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
          + " FROM folder f WHERE f.parent_id = ? AND f.deleted = 0 ORDER BY lower(f.display_name) COLLATE \"C\", f.id");
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
      PreparedStatement ps = c.prepare("SELECT rights FROM folder_rights WHERE folder_id = ? AND user_name = ?");
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

  /** The ORDER BY term of a column: text compares case-insensitively, bytewise as SQLite does, rows without a value last. */
  static String sortTerm(IndexedColumn column, boolean descending) {
    String expression = switch (column) {
      case DELIVERY_TIME -> "m.delivery_time";
      case LAST_MODIFICATION_TIME -> "m.last_mod_time";
      case SUBJECT -> "lower(m.subject) COLLATE \"C\"";
      case SENDER_NAME -> "lower(m.sender_name) COLLATE \"C\"";
      case MESSAGE_SIZE -> "m.size";
      case IMPORTANCE -> "m.importance";
      case MESSAGE_CLASS -> "lower(m.message_class) COLLATE \"C\"";
      case IMAP_UID -> "m.uid";
      case IMAP_MODSEQ -> "m.modseq";
    };
    return expression + (descending ? " DESC" : " ASC") + " NULLS LAST";
  }

  /** The page and the folder's live count in one read transaction (one snapshot). */
  FolderPage pageFolder(long folderId, List<Storage.SortKey> sort, int offset, int limit) {
    JdbcRows.checkPage(folderId, sort, offset, limit);
    return readSnapshot("page folder " + folderId,
        c -> JdbcRows.folderPage(c::prepare, folderId, sort, PostgresReader::sortTerm, offset, limit));
  }

  /**
   * Feeds every live message of a folder to {@code sink} in id order from one snapshot: one
   * statement in one transaction, fetched {@value #SCAN_FETCH} rows at a time, so commits that
   * land while it runs are not seen (no message twice, none missed, no mix of versions) and
   * memory stays bounded. The connection is held until the last row; the sink must be quick and
   * must not read the storage.
   */
  void scanFolder(long folderId, Consumer<StoredMessage> sink) {
    readSnapshot("scan folder " + folderId, c -> {
      PreparedStatement ps = c.prepare("SELECT " + JdbcRows.MESSAGE_COLUMNS + " FROM " + JdbcRows.MESSAGE_WITH_CONTENT
          + " WHERE m.folder_id = ? AND m.deleted = 0 ORDER BY m.id");
      ps.setLong(1, folderId);
      ps.setFetchSize(SCAN_FETCH);
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

  static final int SCAN_FETCH = 64;

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
   * is served by its partial index (the literal type and kind terms must match the index's WHERE
   * clause for the planner to use it, so they are not bound parameters).
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
          "SELECT prop_id FROM named_prop WHERE store_guid = ? AND guid = ? AND name IS NOT DISTINCT FROM ? AND lid IS NOT DISTINCT FROM ?");
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

  boolean isBlobReferenced(String sha) {
    return read("look up references to blob " + sha, c -> {
      PreparedStatement ps = c.prepare("SELECT 1 FROM version_blob WHERE sha = ? LIMIT 1");
      ps.setString(1, sha);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    });
  }

  /** Served by version_blob_by_sha and the message primary key. */
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
