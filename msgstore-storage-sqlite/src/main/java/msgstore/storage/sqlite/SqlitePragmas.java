package msgstore.storage.sqlite;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import msgstore.storage.sqlite.SqliteStorage.Durability;

/**
 * Every PRAGMA msgstore sets, in one place. The writer and the readers share the cache and
 * temp settings; the writer owns the journal mode and durability, readers are query-only.
 */
final class SqlitePragmas {
  /** PRAGMA application_id of a msgstore database: "MSGS". */
  static final int APPLICATION_ID = 0x4D534753;

  static final int BUSY_TIMEOUT_MILLIS = 5000;

  private SqlitePragmas() {}

  /** The writer connection's pragmas, applied outside any transaction. */
  static List<String> writer(Durability durability) {
    return List.of(
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = " + synchronous(durability),
        "PRAGMA busy_timeout = " + BUSY_TIMEOUT_MILLIS,
        "PRAGMA foreign_keys = OFF",
        "PRAGMA temp_store = MEMORY",
        "PRAGMA cache_size = -65536",
        "PRAGMA wal_autocheckpoint = 16384",
        "PRAGMA journal_size_limit = 134217728");
  }

  /** A reader connection's pragmas. */
  static List<String> reader() {
    return List.of(
        "PRAGMA busy_timeout = " + BUSY_TIMEOUT_MILLIS,
        "PRAGMA foreign_keys = OFF",
        "PRAGMA temp_store = MEMORY",
        "PRAGMA cache_size = -16384",
        "PRAGMA query_only = ON");
  }

  /** The value of PRAGMA synchronous for a durability: FULL (2) or NORMAL (1). */
  static String synchronous(Durability durability) {
    return switch (durability) {
      case FULL -> "FULL";
      case RELAXED_MAY_LOSE_RECENT_COMMITS_ON_POWER_LOSS -> "NORMAL";
    };
  }

  static void apply(Connection c, List<String> pragmas) throws SQLException {
    for (String pragma : pragmas) {
      execute(c, pragma);
    }
  }

  /** Runs a statement, consuming any rows it returns (PRAGMA setters return the new value). */
  static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      if (s.execute(sql)) {
        try (ResultSet rs = s.getResultSet()) {
          while (rs.next()) {
            // drain
          }
        }
      }
    }
  }

  /** Reads a pragma (or any single-value query). */
  static long queryLong(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  static String queryString(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }
}
