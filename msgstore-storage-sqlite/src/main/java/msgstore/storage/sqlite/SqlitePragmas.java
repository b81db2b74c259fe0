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
        writerCacheSize(0, 4096),
        "PRAGMA wal_autocheckpoint = 16384",
        "PRAGMA journal_size_limit = 134217728");
  }

  /**
   * The writer's page cache while the database is smaller than 1 GiB: 2 MiB. Measured (ADR 0035):
   * B-tree rebalancing renumbers pages through the number of the page holding SQLite's lock byte
   * (offset 1 GiB), and every commit that follows walks the writer's whole page cache to drop
   * pages past the end of a database that is not that large yet; with 64 MiB cached, about 650 µs
   * for one save in nine. A small database's hot pages fit in 2 MiB.
   */
  static final long SMALL_WRITER_CACHE_KIB = 2048;

  /** The writer's page cache from 1 GiB on, where that walk never happens: 64 MiB. */
  static final long LARGE_WRITER_CACHE_KIB = 65536;

  /** Offset of SQLite's lock byte (PENDING_BYTE), on the first page past a smaller database. */
  static final long LOCK_BYTE_OFFSET = 1L << 30;

  /**
   * PRAGMA cache_size for the writer of a database of {@code pageCount} pages of {@code pageSize}
   * bytes: {@link #SMALL_WRITER_CACHE_KIB} while it ends before the lock-byte page, else {@link
   * #LARGE_WRITER_CACHE_KIB}.
   */
  static String writerCacheSize(long pageCount, long pageSize) {
    long lockBytePage = LOCK_BYTE_OFFSET / pageSize + 1;
    return "PRAGMA cache_size = -" + (pageCount < lockBytePage ? SMALL_WRITER_CACHE_KIB : LARGE_WRITER_CACHE_KIB);
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
