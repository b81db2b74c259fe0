package msgstore.storage.postgres;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import msgstore.storage.jdbc.JdbcRows;

/**
 * History pruning in bounded steps (each its own write transaction) and the integrity check, with
 * the semantics of the SQLite backend's (SqliteMaintenance): see {@link msgstore.engine.spi.Storage#pruneHistory}.
 */
final class PostgresMaintenance {
  static final int PRUNE_SCAN_VERSIONS = 2_000;
  static final int PRUNE_BATCH_VERSIONS = 500;
  static final int PURGE_BATCH_MESSAGES = 100;

  private PostgresMaintenance() {}

  /** Where a prune resumes: purging soft-deleted messages first, then versions of messages after {@code afterMessageId}. */
  record PruneCursor(boolean purging, long afterMessageId, boolean done) {
    static final PruneCursor START = new PruneCursor(true, 0, false);
    static final PruneCursor DONE = new PruneCursor(false, Long.MAX_VALUE, true);

    static PruneCursor after(long messageId) {
      return new PruneCursor(false, messageId, false);
    }
  }

  record PruneStep(int removed, PruneCursor next) {}

  static PruneStep pruneStep(PostgresTx c, Instant olderThan, int keepLast, PruneCursor cursor) throws SQLException {
    long cutoff = JdbcRows.micros(olderThan);
    if (cursor.purging()) {
      PreparedStatement ps = c.prepare("WITH victims AS (SELECT id FROM message WHERE deleted = 1 AND deleted_at < ?"
          + " ORDER BY deleted_at, id LIMIT ?),"
          + " vb AS (DELETE FROM version_blob WHERE message_id IN (SELECT id FROM victims)),"
          + " mv AS (DELETE FROM message_version WHERE message_id IN (SELECT id FROM victims) RETURNING 1),"
          + " m AS (DELETE FROM message WHERE id IN (SELECT id FROM victims) RETURNING 1)"
          + " SELECT (SELECT count(*) FROM mv), (SELECT count(*) FROM m)");
      ps.setLong(1, cutoff);
      ps.setInt(2, PURGE_BATCH_MESSAGES);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        int messages = rs.getInt(2);
        return new PruneStep(rs.getInt(1), messages < PURGE_BATCH_MESSAGES ? PruneCursor.after(0) : PruneCursor.START);
      }
    }
    long after = cursor.afterMessageId();
    PreparedStatement bound = c.prepare(
        "SELECT message_id FROM message_version WHERE message_id > ? ORDER BY message_id, cn LIMIT 1 OFFSET ?");
    bound.setLong(1, after);
    bound.setInt(2, PRUNE_SCAN_VERSIONS - 1);
    long upTo;
    try (ResultSet rs = bound.executeQuery()) {
      upTo = rs.next() ? rs.getLong(1) : Long.MAX_VALUE;
    }
    PreparedStatement pick = c.prepare("SELECT v.message_id, v.cn FROM message_version v"
        + " JOIN message m ON m.id = v.message_id"
        + " WHERE v.message_id > ? AND v.message_id <= ? AND v.committed_at < ? AND v.cn <> m.cn"
        + " AND (?::int = 0 OR v.cn < (SELECT k.cn FROM message_version k WHERE k.message_id = v.message_id"
        + " ORDER BY k.cn DESC LIMIT 1 OFFSET greatest(?::int - 1, 0)))"
        + " ORDER BY v.message_id, v.cn LIMIT ?");
    pick.setLong(1, after);
    pick.setLong(2, upTo);
    pick.setLong(3, cutoff);
    pick.setInt(4, keepLast);
    pick.setInt(5, keepLast);
    pick.setInt(6, PRUNE_BATCH_VERSIONS);
    List<Long> messageIds = new ArrayList<>();
    List<Long> cns = new ArrayList<>();
    try (ResultSet rs = pick.executeQuery()) {
      while (rs.next()) {
        messageIds.add(rs.getLong(1));
        cns.add(rs.getLong(2));
      }
    }
    int removed = messageIds.size();
    if (removed > 0) {
      java.sql.Array ids = c.jdbc().createArrayOf("bigint", messageIds.toArray());
      java.sql.Array versions = c.jdbc().createArrayOf("bigint", cns.toArray());
      String victims = "(SELECT * FROM unnest(?::bigint[], ?::bigint[]) AS p(message_id, cn))";
      PreparedStatement handOver = c.prepare(handOverBlobReferences(victims));
      for (int i = 1; i <= 8; i += 2) {
        handOver.setArray(i, ids);
        handOver.setArray(i + 1, versions);
      }
      handOver.executeUpdate();
      PreparedStatement delete = c.prepare("WITH vb AS (DELETE FROM version_blob WHERE (message_id, cn) IN "
          + victims + ") DELETE FROM message_version WHERE (message_id, cn) IN " + victims);
      delete.setArray(1, ids);
      delete.setArray(2, versions);
      delete.setArray(3, ids);
      delete.setArray(4, versions);
      delete.executeUpdate();
    }
    PruneCursor next;
    if (removed == PRUNE_BATCH_VERSIONS) {
      next = PruneCursor.after(messageIds.get(removed - 1) - 1); // that message may have more victims
    } else {
      next = upTo == Long.MAX_VALUE ? PruneCursor.DONE : PruneCursor.after(upTo);
    }
    return new PruneStep(removed, next);
  }

  /**
   * Before the versions {@code victims} (a subquery of message_id, cn; its parameters bound four
   * times) are deleted: a blob reference row they hold (ADR 0036: one row per message and blob,
   * held by the oldest version that refers to it) passes to the oldest remaining version of the
   * message that lists the blob, unless a remaining version holds a row of its own (written before
   * schema version 5). With several victim rows for one blob (versions from before schema version
   * 5), the oldest one is handed over. Runs in a write transaction (journal_head held): no save of
   * the message interleaves.
   */
  private static String handOverBlobReferences(String victims) {
    String survivor = "FROM message_version v WHERE v.message_id = vb.message_id"
        + " AND (v.message_id, v.cn) NOT IN " + victims
        + " AND vb.sha = ANY (string_to_array(v.blobs, ' '))";
    return "UPDATE version_blob vb SET cn = (SELECT min(v.cn) " + survivor + ")"
        + " WHERE (vb.message_id, vb.cn) IN " + victims
        + " AND vb.cn = (SELECT min(o.cn) FROM version_blob o WHERE o.message_id = vb.message_id AND o.sha = vb.sha)"
        + " AND NOT EXISTS (SELECT 1 FROM version_blob o WHERE o.message_id = vb.message_id AND o.sha = vb.sha"
        + " AND (o.message_id, o.cn) NOT IN " + victims + ")"
        + " AND EXISTS (SELECT 1 " + survivor + ")";
  }

  @FunctionalInterface
  private interface RowHandler {
    void row(ResultSet rs) throws SQLException;
  }

  private static void rows(PostgresTx c, String sql, RowHandler handler) throws SQLException {
    try (ResultSet rs = c.prepare(sql).executeQuery()) {
      while (rs.next()) {
        handler.row(rs);
      }
    }
  }

  /** The storage invariants' violations as readable strings, from one snapshot; empty when sound. */
  static List<String> checkIntegrity(PostgresTx c) throws SQLException {
    List<String> problems = new ArrayList<>();
    JdbcRows.checkRowInvariants((sql, row) -> rows(c, sql, row::accept), ids -> "string_agg(" + ids + "::text, ',')",
        problems);
    rows(c, "SELECT vb.sha, min(vb.message_id), min(vb.cn) FROM version_blob vb"
        + " WHERE NOT EXISTS (SELECT 1 FROM blob b WHERE b.sha = vb.sha) GROUP BY vb.sha", rs -> problems.add(
            "blob " + rs.getString(1) + " (referenced by message " + rs.getLong(2) + " cn " + rs.getLong(3)
                + ") is missing"));
    rows(c, "SELECT v.message_id, v.cn, b.sha FROM message_version v, unnest(string_to_array(v.blobs, ' ')) AS b(sha)"
        + " WHERE NOT EXISTS (SELECT 1 FROM version_blob vb WHERE vb.message_id = v.message_id AND vb.sha = b.sha)"
        + " ORDER BY v.message_id, v.cn, b.sha COLLATE \"C\"",
        rs -> problems.add(JdbcRows.unreferencedBlob(rs.getLong(1), rs.getLong(2), rs.getString(3))));
    problems.addAll(PostgresBlobs.damaged(c));
    rows(c, "SELECT store_guid, position, cn, prev_position, prev_cn FROM (SELECT store_guid, position, cn,"
        + " lag(position) OVER w AS prev_position, lag(cn) OVER w AS prev_cn FROM journal WHERE cn IS NOT NULL"
        + " WINDOW w AS (PARTITION BY store_guid ORDER BY position)) AS j WHERE cn <= prev_cn", rs -> problems.add(
            "journal of store " + rs.getString(1) + ": position " + rs.getLong(2) + " has cn " + rs.getLong(3)
                + ", not above cn " + rs.getLong(5) + " at the earlier position " + rs.getLong(4)));
    rows(c, "SELECT (SELECT coalesce(max(position), 0) FROM journal), (SELECT position FROM journal_head)", rs -> {
      if (rs.getLong(1) > rs.getLong(2)) {
        problems.add("journal: largest position " + rs.getLong(1) + " is above journal_head " + rs.getLong(2));
      }
    });
    for (String table : List.of("message", "folder")) {
      rows(c, "SELECT (SELECT coalesce(max(id), 0) FROM " + table + "),"
          + " (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM " + table + "_id_seq)", rs -> {
            if (rs.getLong(1) > rs.getLong(2)) {
              problems.add(table + ": largest id " + rs.getLong(1) + " is above its sequence " + rs.getLong(2)
                  + " (ids could be reused)");
            }
          });
    }
    return problems;
  }
}
