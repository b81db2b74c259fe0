package msgstore.storage.sqlite;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** History pruning (on the writer thread) and the integrity check (on a reader). */
final class SqliteMaintenance {
  private SqliteMaintenance() {}

  /**
   * Deletes versions committed before {@code olderThan} beyond the newest {@code keepLast} of each
   * message, never a message's current version, and purges messages soft-deleted before {@code
   * olderThan} with their whole history. Blob references of removed versions go with them.
   * Returns the number of versions removed.
   */
  static int pruneHistory(SqliteConnection c, Instant olderThan, int keepLast) throws SQLException {
    long cutoff = SqliteRows.micros(olderThan);
    c.execute("CREATE TEMP TABLE IF NOT EXISTS prune_victim (message_id INTEGER NOT NULL, cn INTEGER NOT NULL,"
        + " PRIMARY KEY (message_id, cn)) WITHOUT ROWID");
    c.execute("DELETE FROM temp.prune_victim");
    PreparedStatement old = c.prepare("INSERT INTO temp.prune_victim (message_id, cn)"
        + " SELECT v.message_id, v.cn FROM (SELECT message_id, cn, committed_at,"
        + " row_number() OVER (PARTITION BY message_id ORDER BY cn DESC) AS rank FROM message_version) v"
        + " JOIN message m ON m.id = v.message_id WHERE v.rank > ? AND v.committed_at < ? AND v.cn <> m.cn");
    old.setInt(1, keepLast);
    old.setLong(2, cutoff);
    old.executeUpdate();
    PreparedStatement purged = c.prepare("INSERT OR IGNORE INTO temp.prune_victim (message_id, cn)"
        + " SELECT v.message_id, v.cn FROM message m JOIN message_version v ON v.message_id = m.id"
        + " WHERE m.deleted = 1 AND m.deleted_at < ?");
    purged.setLong(1, cutoff);
    purged.executeUpdate();
    c.execute("DELETE FROM version_blob WHERE (message_id, cn) IN (SELECT message_id, cn FROM temp.prune_victim)");
    int removed = c.prepare(
        "DELETE FROM message_version WHERE (message_id, cn) IN (SELECT message_id, cn FROM temp.prune_victim)")
        .executeUpdate();
    PreparedStatement messages = c.prepare("DELETE FROM message WHERE deleted = 1 AND deleted_at < ?");
    messages.setLong(1, cutoff);
    messages.executeUpdate();
    c.execute("DELETE FROM temp.prune_victim");
    return removed;
  }

  /** The database's problems as readable strings; empty when sound. */
  static List<String> checkIntegrity(SqliteConnection c, SqliteBlobs blobs) throws SQLException {
    List<String> problems = new ArrayList<>();
    Connection jdbc = c.jdbc();
    jdbc.setAutoCommit(false); // one read transaction: every check sees the same snapshot
    try {
      rows(jdbc, "PRAGMA integrity_check", rs -> {
        String row = rs.getString(1);
        if (!"ok".equals(row)) {
          problems.add("integrity_check: " + row);
        }
      });
      rows(jdbc, "SELECT m.id, m.cn FROM message m LEFT JOIN message_version v ON v.message_id = m.id AND v.cn = m.cn"
          + " WHERE v.message_id IS NULL ORDER BY m.id", rs -> problems.add(
              "message " + rs.getLong(1) + ": its current cn " + rs.getLong(2) + " has no message_version row"));
      rows(jdbc, "SELECT m.store_guid, v.cn, group_concat(v.message_id) FROM message_version v"
          + " JOIN message m ON m.id = v.message_id GROUP BY m.store_guid, v.cn HAVING count(*) > 1", rs -> problems.add(
              "store " + rs.getString(1) + ": cn " + rs.getLong(2) + " is used by more than one version (messages "
                  + rs.getString(3) + ")"));
      rows(jdbc, "SELECT store_guid, cn, group_concat(id) FROM message GROUP BY store_guid, cn HAVING count(*) > 1",
          rs -> problems.add("store " + rs.getString(1) + ": cn " + rs.getLong(2) + " is current for more than one"
              + " message (" + rs.getString(3) + ")"));
      rows(jdbc, "SELECT s.guid, s.last_cn, max(v.cn) FROM store s JOIN message m ON m.store_guid = s.guid"
          + " JOIN message_version v ON v.message_id = m.id GROUP BY s.guid HAVING max(v.cn) > s.last_cn", rs ->
              problems.add("store " + rs.getString(1) + ": version cn " + rs.getLong(3) + " is above last_cn "
                  + rs.getLong(2)));
      rows(jdbc, "SELECT m.id, m.cn FROM message m WHERE m.deleted = 0 AND (m.store_guid, m.cn, m.id) NOT IN"
          + " (SELECT store_guid, cn, object_id FROM journal WHERE cn IS NOT NULL) ORDER BY m.id", rs ->
              problems.add("message " + rs.getLong(1) + ": its current cn " + rs.getLong(2) + " has no journal entry"));
      rows(jdbc, "SELECT m.id, m.folder_id FROM message m LEFT JOIN folder f ON f.id = m.folder_id"
          + " WHERE f.id IS NULL ORDER BY m.id", rs -> problems.add(
              "message " + rs.getLong(1) + ": its folder " + rs.getLong(2) + " does not exist"));
      rows(jdbc, "SELECT f.id, f.content_count, f.unread_count, f.child_count,"
          + " (SELECT count(*) FROM message m WHERE m.folder_id = f.id AND m.deleted = 0),"
          + " (SELECT count(*) FROM message m WHERE m.folder_id = f.id AND m.deleted = 0 AND m.read_flags & 1 = 0),"
          + " (SELECT count(*) FROM folder k WHERE k.parent_id = f.id AND k.deleted = 0)"
          + " FROM folder f WHERE f.deleted = 0", rs -> {
            if (rs.getLong(2) != rs.getLong(5) || rs.getLong(3) != rs.getLong(6) || rs.getLong(4) != rs.getLong(7)) {
              problems.add("folder " + rs.getLong(1) + ": kept counts (content " + rs.getLong(2) + ", unread "
                  + rs.getLong(3) + ", children " + rs.getLong(4) + ") differ from the rows (" + rs.getLong(5) + ", "
                  + rs.getLong(6) + ", " + rs.getLong(7) + ")");
            }
          });
      rows(jdbc, "SELECT sha, min(message_id), min(cn) FROM version_blob GROUP BY sha", rs -> {
        String sha = rs.getString(1);
        if (!blobs.exists(sha)) {
          problems.add("blob " + sha + " (referenced by message " + rs.getLong(2) + " cn " + rs.getLong(3)
              + ") is missing from " + blobs.dir());
        }
      });
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
    } finally {
      try {
        jdbc.rollback();
      } finally {
        jdbc.setAutoCommit(true);
      }
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
