package msgstore.storage.sqlite;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import msgstore.storage.jdbc.JdbcRows;

/** History pruning (in bounded steps on the writer thread) and the integrity check (on a reader). */
final class SqliteMaintenance {
  private SqliteMaintenance() {}

  /** Versions examined per prune transaction (plus the rest of the last message's versions). */
  static final int PRUNE_SCAN_VERSIONS = 2_000;
  /** Versions removed per prune transaction at most. */
  static final int PRUNE_BATCH_VERSIONS = 500;
  /** Soft-deleted messages purged per prune transaction. */
  static final int PURGE_BATCH_MESSAGES = 100;

  /** The limits of one prune step; tests make them small to exercise resuming. */
  record PruneLimits(int scanVersions, int batchVersions, int purgeMessages) {
    static final PruneLimits DEFAULT = new PruneLimits(PRUNE_SCAN_VERSIONS, PRUNE_BATCH_VERSIONS, PURGE_BATCH_MESSAGES);

    PruneLimits {
      if (scanVersions < 1 || batchVersions < 1 || purgeMessages < 1) {
        throw new IllegalArgumentException("prune limits must be positive: " + scanVersions + ", " + batchVersions
            + ", " + purgeMessages);
      }
    }
  }

  /**
   * Where a prune resumes: first purging soft-deleted messages, then pruning the history of
   * messages with ids above {@code afterMessageId}.
   */
  record PruneCursor(boolean purging, long afterMessageId, boolean done) {
    static final PruneCursor START = new PruneCursor(true, 0, false);
    static final PruneCursor DONE = new PruneCursor(false, Long.MAX_VALUE, true);

    static PruneCursor after(long messageId) {
      return new PruneCursor(false, messageId, false);
    }
  }

  /** What one prune step removed and where the next one resumes. */
  record PruneStep(int removed, PruneCursor next) {}

  /**
   * One bounded step of history pruning (X1, X3), run in its own writer transaction so that saves
   * queued meanwhile commit between steps. Repeating steps from {@link PruneCursor#START} until
   * the cursor is {@link PruneCursor#done} removes exactly what one pass over the whole store
   * would: versions committed before {@code olderThan} beyond the newest {@code keepLast} of their
   * message, never a message's current version, and messages soft-deleted before {@code
   * olderThan} with their whole history. Blob references of removed versions go with them.
   *
   * <p>A step first purges up to {@link PruneLimits#purgeMessages} soft-deleted messages; once
   * none is left, it examines the versions of the messages after the cursor, about {@link
   * PruneLimits#scanVersions} of them, and removes at most {@link PruneLimits#batchVersions}. A
   * version is past "keep last" when its cn is below the {@code keepLast}-th newest cn of its
   * message, which the primary key answers without ranking the whole table; removing old
   * versions never changes which are the newest, so a step may stop inside a message and the next
   * resume there.
   */
  static PruneStep pruneStep(SqliteConnection c, Instant olderThan, int keepLast, PruneCursor cursor, PruneLimits limits)
      throws SQLException {
    if (cursor.done()) {
      return new PruneStep(0, cursor);
    }
    long cutoff = JdbcRows.micros(olderThan);
    return cursor.purging() ? purgeStep(c, cutoff, limits) : pruneVersionsStep(c, cutoff, keepLast, cursor, limits);
  }

  private static PruneStep purgeStep(SqliteConnection c, long cutoff, PruneLimits limits) throws SQLException {
    c.execute("CREATE TEMP TABLE IF NOT EXISTS prune_message (id INTEGER PRIMARY KEY)");
    c.execute("DELETE FROM temp.prune_message");
    PreparedStatement pick = c.prepare("INSERT INTO temp.prune_message (id) SELECT id FROM message"
        + " WHERE deleted = 1 AND deleted_at < ? ORDER BY deleted_at, id LIMIT ?");
    pick.setLong(1, cutoff);
    pick.setInt(2, limits.purgeMessages());
    int messages = pick.executeUpdate();
    c.execute("DELETE FROM version_blob WHERE message_id IN (SELECT id FROM temp.prune_message)");
    int removed = c.prepare("DELETE FROM message_version WHERE message_id IN (SELECT id FROM temp.prune_message)")
        .executeUpdate();
    c.execute("DELETE FROM message WHERE id IN (SELECT id FROM temp.prune_message)");
    c.execute("DELETE FROM temp.prune_message");
    return new PruneStep(removed, messages < limits.purgeMessages() ? PruneCursor.after(0) : PruneCursor.START);
  }

  private static PruneStep pruneVersionsStep(SqliteConnection c, long cutoff, int keepLast, PruneCursor cursor,
      PruneLimits limits) throws SQLException {
    long after = cursor.afterMessageId();
    PreparedStatement bound = c.prepare(
        "SELECT message_id FROM message_version WHERE message_id > ? ORDER BY message_id, cn LIMIT 1 OFFSET ?");
    bound.setLong(1, after);
    bound.setInt(2, limits.scanVersions() - 1);
    long upTo;
    try (ResultSet rs = bound.executeQuery()) {
      upTo = rs.next() ? rs.getLong(1) : Long.MAX_VALUE;
    }
    c.execute("CREATE TEMP TABLE IF NOT EXISTS prune_victim (message_id INTEGER NOT NULL, cn INTEGER NOT NULL,"
        + " PRIMARY KEY (message_id, cn)) WITHOUT ROWID");
    c.execute("DELETE FROM temp.prune_victim");
    PreparedStatement pick = c.prepare("INSERT INTO temp.prune_victim (message_id, cn)"
        + " SELECT v.message_id, v.cn FROM message_version v JOIN message m ON m.id = v.message_id"
        + " WHERE v.message_id > ?1 AND v.message_id <= ?2 AND v.committed_at < ?3 AND v.cn <> m.cn"
        + " AND (?4 = 0 OR v.cn < (SELECT k.cn FROM message_version k WHERE k.message_id = v.message_id"
        + " ORDER BY k.cn DESC LIMIT 1 OFFSET ?4 - 1))"
        + " ORDER BY v.message_id, v.cn LIMIT ?5");
    pick.setLong(1, after);
    pick.setLong(2, upTo);
    pick.setLong(3, cutoff);
    pick.setInt(4, keepLast);
    pick.setInt(5, limits.batchVersions());
    int victims = pick.executeUpdate();
    PruneCursor next;
    if (victims == limits.batchVersions()) {
      long last;
      try (ResultSet rs = c.prepare("SELECT max(message_id) FROM temp.prune_victim").executeQuery()) {
        rs.next();
        last = rs.getLong(1);
      }
      next = PruneCursor.after(last - 1); // that message may have more victims
    } else {
      next = upTo == Long.MAX_VALUE ? PruneCursor.DONE : PruneCursor.after(upTo);
    }
    handOverBlobReferences(c, "temp.prune_victim");
    c.execute("DELETE FROM version_blob WHERE (message_id, cn) IN (SELECT message_id, cn FROM temp.prune_victim)");
    int removed = c.prepare(
        "DELETE FROM message_version WHERE (message_id, cn) IN (SELECT message_id, cn FROM temp.prune_victim)")
        .executeUpdate();
    c.execute("DELETE FROM temp.prune_victim");
    return new PruneStep(removed, next);
  }

  /**
   * Before the versions listed in {@code victims} (a table of message_id, cn) are deleted: a blob
   * reference row they hold (ADR 0036: one row per message and blob, held by the oldest version
   * that refers to it) passes to the oldest remaining version of the message that lists the blob,
   * unless a remaining version holds a row of its own (written before schema version 6). The rows
   * left with the victims are then theirs alone to delete. With several victim rows for one blob
   * (versions from before schema version 6), the oldest one is handed over.
   */
  static void handOverBlobReferences(SqliteConnection c, String victims) throws SQLException {
    String survivor = "FROM message_version v WHERE v.message_id = version_blob.message_id"
        + " AND NOT EXISTS (SELECT 1 FROM " + victims + " p WHERE p.message_id = v.message_id AND p.cn = v.cn)"
        + " AND instr(' ' || v.blobs || ' ', ' ' || version_blob.sha || ' ') > 0";
    c.execute("UPDATE version_blob SET cn = (SELECT min(v.cn) " + survivor + ")"
        + " WHERE (message_id, cn) IN (SELECT message_id, cn FROM " + victims + ")"
        + " AND cn = (SELECT min(o.cn) FROM version_blob o WHERE o.message_id = version_blob.message_id"
        + " AND o.sha = version_blob.sha)"
        + " AND NOT EXISTS (SELECT 1 FROM version_blob o WHERE o.message_id = version_blob.message_id"
        + " AND o.sha = version_blob.sha"
        + " AND NOT EXISTS (SELECT 1 FROM " + victims + " p WHERE p.message_id = o.message_id AND p.cn = o.cn))"
        + " AND EXISTS (SELECT 1 " + survivor + ")");
  }

  /**
   * Deletes the inline blobs (ADR 0022) that no version refers to and that were stored before
   * {@code cutoff}; runs as a writer task, so no commit that refers to one can interleave.
   * Returns the number removed.
   */
  static int collectInlineBlobs(SqliteConnection c, Instant cutoff) throws SQLException {
    PreparedStatement ps = c.prepare("DELETE FROM inline_blob WHERE stored_at < ?"
        + " AND NOT EXISTS (SELECT 1 FROM version_blob vb WHERE vb.sha = inline_blob.sha)");
    ps.setLong(1, JdbcRows.micros(cutoff));
    return ps.executeUpdate();
  }

  /**
   * The database's problems as readable strings; empty when sound. {@code c} is a reader
   * connection in its read transaction ({@link SqliteReader}): every check sees the same snapshot.
   */
  static List<String> checkIntegrity(SqliteConnection c, SqliteBlobs blobs) throws SQLException {
    List<String> problems = new ArrayList<>();
    Connection jdbc = c.jdbc();
    rows(jdbc, "PRAGMA integrity_check", rs -> {
      String row = rs.getString(1);
      if (!"ok".equals(row)) {
        problems.add("integrity_check: " + row);
      }
    });
    JdbcRows.checkRowInvariants((sql, row) -> rows(jdbc, sql, row::accept), ids -> "group_concat(" + ids + ")",
        problems);
    rows(jdbc, "SELECT sha, min(message_id), min(cn) FROM version_blob"
        + " WHERE sha NOT IN (SELECT sha FROM inline_blob) GROUP BY sha", rs -> {
      String sha = rs.getString(1);
      if (!blobs.exists(sha)) {
        problems.add("blob " + sha + " (referenced by message " + rs.getLong(2) + " cn " + rs.getLong(3)
            + ") is missing from " + blobs.dir());
      }
    });
    rows(jdbc, "WITH RECURSIVE listed (message_id, cn, sha, rest) AS ("
        + " SELECT message_id, cn, NULL, blobs || ' ' FROM message_version WHERE blobs IS NOT NULL UNION ALL"
        + " SELECT message_id, cn, substr(rest, 1, instr(rest, ' ') - 1), substr(rest, instr(rest, ' ') + 1)"
        + " FROM listed WHERE rest <> '')"
        + " SELECT message_id, cn, sha FROM listed WHERE sha IS NOT NULL AND NOT EXISTS (SELECT 1 FROM version_blob vb"
        + " WHERE vb.message_id = listed.message_id AND vb.sha = listed.sha) ORDER BY message_id, cn, sha",
        rs -> problems.add(JdbcRows.unreferencedBlob(rs.getLong(1), rs.getLong(2), rs.getString(3))));
    rows(jdbc, "SELECT store_guid, position, cn, prev_position, prev_cn FROM (SELECT store_guid, position, cn,"
        + " lag(position) OVER w AS prev_position, lag(cn) OVER w AS prev_cn FROM journal WHERE cn IS NOT NULL"
        + " WINDOW w AS (PARTITION BY store_guid ORDER BY position)) WHERE cn <= prev_cn", rs -> problems.add(
            "journal of store " + rs.getString(1) + ": position " + rs.getLong(2) + " has cn " + rs.getLong(3)
                + ", not above cn " + rs.getLong(5) + " at the earlier position " + rs.getLong(4)));
    for (String table : List.of("journal", "message", "folder")) {
      String key = table.equals("journal") ? "position" : "id";
      rows(jdbc, "SELECT (SELECT max(" + key + ") FROM " + table + "),"
          + " (SELECT seq FROM sqlite_sequence WHERE name = '" + table + "')", rs -> {
            long max = rs.getLong(1);
            long seq = rs.getLong(2);
            if (max > seq) {
              problems.add(table + ": largest " + key + " " + max + " is above its sequence " + seq
                  + " (ids could be reused)");
            }
          });
    }
    return problems;
  }

  @FunctionalInterface
  private interface RowHandler {
    void row(ResultSet rs) throws SQLException;
  }

  private static void rows(Connection c, String sql, RowHandler handler) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        handler.row(rs);
      }
    }
  }
}
