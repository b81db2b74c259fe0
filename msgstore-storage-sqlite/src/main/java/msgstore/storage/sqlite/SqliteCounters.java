package msgstore.storage.sqlite;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import msgstore.api.ChangeNumber;
import msgstore.api.MapiError;
import msgstore.api.StoreException;

/**
 * The writer's allocators, kept in memory and owned by the writer thread: the last change number
 * of each store, and the last message, folder and journal ids.
 *
 * <p>Change numbers are persisted in {@code store.last_cn} once per group commit ({@link
 * #flush}), in the same transaction as the versions that use them. Ids are inserted explicitly,
 * so SQLite's sqlite_sequence (AUTOINCREMENT) persists them with the rows. A batch that rolls back
 * to its savepoint restores the values it started with ({@link #rollbackBatch}); a transaction that
 * fails as a whole forgets everything ({@link #forget}) and reloads from the database. So no value
 * a client saw is ever reused and no gap is ever committed (R61, R99).
 */
final class SqliteCounters {
  private static final long UNKNOWN = -1;

  private final Map<UUID, Long> lastCn = new HashMap<>();
  private final Set<UUID> toFlush = new LinkedHashSet<>();
  private long lastMessageId = UNKNOWN;
  private long lastFolderId = UNKNOWN;
  private long lastPosition = UNKNOWN;

  private final Map<UUID, Long> cnAtBatchStart = new HashMap<>();
  private long messageIdAtBatchStart;
  private long folderIdAtBatchStart;
  private long positionAtBatchStart;

  void beginBatch() {
    cnAtBatchStart.clear();
    messageIdAtBatchStart = lastMessageId;
    folderIdAtBatchStart = lastFolderId;
    positionAtBatchStart = lastPosition;
  }

  void rollbackBatch() {
    for (Map.Entry<UUID, Long> e : cnAtBatchStart.entrySet()) {
      if (e.getValue() == null) {
        lastCn.remove(e.getKey());
      } else {
        lastCn.put(e.getKey(), e.getValue());
      }
    }
    cnAtBatchStart.clear();
    lastMessageId = messageIdAtBatchStart;
    lastFolderId = folderIdAtBatchStart;
    lastPosition = positionAtBatchStart;
  }

  /** After a failed transaction: everything is reloaded from committed state on next use. */
  void forget() {
    lastCn.clear();
    toFlush.clear();
    cnAtBatchStart.clear();
    lastMessageId = UNKNOWN;
    lastFolderId = UNKNOWN;
    lastPosition = UNKNOWN;
  }

  /** The next change number of {@code store}. @throws StoreException NOT_FOUND when no such store */
  long nextCn(SqliteConnection c, UUID store) throws SQLException {
    Long last = lastCn.get(store);
    if (last == null) {
      PreparedStatement ps = c.prepare("SELECT last_cn FROM store WHERE guid = ?");
      ps.setString(1, store.toString());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new StoreException(MapiError.NOT_FOUND, "no store " + store);
        }
        last = rs.getLong(1);
      }
    }
    if (last >= ChangeNumber.MAX) {
      throw new StoreException(MapiError.CALL_FAILED, "change number space of store " + store + " exhausted at " + last);
    }
    remember(store);
    lastCn.put(store, last + 1);
    toFlush.add(store);
    return last + 1;
  }

  /** A store created in this batch starts at change number 0. */
  void storeCreated(UUID store) {
    remember(store);
    lastCn.put(store, 0L);
  }

  private void remember(UUID store) {
    if (!cnAtBatchStart.containsKey(store)) {
      cnAtBatchStart.put(store, lastCn.get(store));
    }
  }

  long nextMessageId(SqliteConnection c) throws SQLException {
    return lastMessageId = lastMessageId(c) + 1;
  }

  /** The largest message id ever allocated: an absent id at or below it was deleted or moved. */
  long lastMessageId(SqliteConnection c) throws SQLException {
    if (lastMessageId == UNKNOWN) {
      lastMessageId = sequence(c, "message");
    }
    return lastMessageId;
  }

  long nextFolderId(SqliteConnection c) throws SQLException {
    if (lastFolderId == UNKNOWN) {
      lastFolderId = sequence(c, "folder");
    }
    return ++lastFolderId;
  }

  long nextPosition(SqliteConnection c) throws SQLException {
    if (lastPosition == UNKNOWN) {
      lastPosition = sequence(c, "journal");
    }
    return ++lastPosition;
  }

  private static long sequence(SqliteConnection c, String table) throws SQLException {
    PreparedStatement ps = c.prepare("SELECT seq FROM sqlite_sequence WHERE name = ?");
    ps.setString(1, table);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  /** Writes the change numbers allocated in this transaction to {@code store.last_cn}. */
  void flush(SqliteConnection c) throws SQLException {
    if (toFlush.isEmpty()) {
      return;
    }
    PreparedStatement ps = c.prepare("UPDATE store SET last_cn = ? WHERE guid = ?");
    for (UUID store : toFlush) {
      Long last = lastCn.get(store);
      if (last != null) {
        ps.setLong(1, last);
        ps.setString(2, store.toString());
        ps.executeUpdate();
      }
    }
  }

  /** After a successful COMMIT. */
  void committed() {
    toFlush.clear();
  }
}
