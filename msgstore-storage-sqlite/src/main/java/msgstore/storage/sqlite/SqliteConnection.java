package msgstore.storage.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * One JDBC connection with its prepared statements cached by SQL text. Not thread-safe: the
 * writer thread owns one, and each reader is used by one thread at a time.
 */
final class SqliteConnection implements AutoCloseable {
  private final Connection connection;
  private final Map<String, PreparedStatement> statements = new HashMap<>();
  /**
   * For a reader connection: the writer's commit count its open read transaction began after, or
   * -1 without one ({@link SqliteReader}).
   */
  long snapshot = -1;
  /** For a reader connection: {@link System#nanoTime} when it was last given back to the pool. */
  long releasedAt = System.nanoTime();

  private SqliteConnection(Connection connection) {
    this.connection = connection;
  }

  static SqliteConnection open(Path file) throws SQLException {
    Properties p = new Properties();
    // Else the driver runs "SELECT last_insert_rowid()" (prepared and finalized) after every INSERT.
    p.setProperty("jdbc.get_generated_keys", "false");
    return new SqliteConnection(DriverManager.getConnection("jdbc:sqlite:" + file, p));
  }

  Connection jdbc() {
    return connection;
  }

  /** The cached statement for {@code sql}; its parameters are whatever the last use left. */
  PreparedStatement prepare(String sql) throws SQLException {
    PreparedStatement ps = statements.get(sql);
    if (ps == null) {
      ps = connection.prepareStatement(sql);
      statements.put(sql, ps);
    }
    return ps;
  }

  /** Executes a cached statement that takes no parameters and returns no rows. */
  void execute(String sql) throws SQLException {
    prepare(sql).execute();
  }

  /**
   * Drops every cached statement. Called after any SQL error: the driver finalizes a statement
   * whose step failed (except on BUSY, LOCKED, MISUSE and CONSTRAINT), leaving it unusable.
   */
  void forgetStatements() {
    for (PreparedStatement ps : statements.values()) {
      try {
        ps.close();
      } catch (SQLException ignored) {
        // it is dropped anyway
      }
    }
    statements.clear();
  }

  @Override
  public void close() {
    forgetStatements();
    try {
      connection.close();
    } catch (SQLException ignored) {
      // nothing left to release
    }
  }
}
