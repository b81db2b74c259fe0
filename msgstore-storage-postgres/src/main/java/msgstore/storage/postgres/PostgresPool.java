package msgstore.storage.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.SQLException;
import javax.sql.DataSource;
import msgstore.api.MapiError;
import msgstore.api.StoreException;

/** The connection pool (HikariCP) of one open storage; connections are lent as {@link PostgresTx}. */
final class PostgresPool implements AutoCloseable {
  private final HikariDataSource ds;
  private final String name;
  private volatile boolean closed;

  PostgresPool(PostgresStorage.Options o) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(o.jdbcUrl());
    config.setUsername(o.user());
    if (o.password() != null) {
      config.setPassword(o.password());
    }
    config.setMaximumPoolSize(o.poolSize());
    config.setMinimumIdle(Math.min(2, o.poolSize()));
    config.setPoolName("msgstore-pg");
    // Fail fast while the database is down: a request waits at most this long for a connection.
    config.setConnectionTimeout(o.connectTimeout().toMillis());
    // A borrowed idle connection is validated first; when the database just went away each dead one
    // may take this long to fail, so keep it at Hikari's minimum (a live one answers in microseconds).
    config.setValidationTimeout(250);
    config.setInitializationFailTimeout(o.connectTimeout().toMillis());
    config.addDataSourceProperty("connectTimeout", Math.max(1, o.connectTimeout().toSeconds()));
    config.addDataSourceProperty("tcpKeepAlive", true);
    config.addDataSourceProperty("ApplicationName", "msgstore");
    this.name = o.redactedUrl();
    try {
      this.ds = new HikariDataSource(config);
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() instanceof SQLException s ? s : e;
      throw new StoreException(MapiError.BUSY, "cannot connect to " + name + ": " + cause.getMessage(), e);
    }
  }

  DataSource dataSource() {
    return ds;
  }

  /** A connection in auto-commit mode; {@code operation} names the caller in errors. */
  PostgresTx borrow(String operation) throws SQLException {
    if (closed) {
      throw new StoreException(MapiError.CALL_FAILED, operation + " failed: storage " + name + " is closed");
    }
    return new PostgresTx(ds.getConnection());
  }

  /** Work inside one transaction of a borrowed connection. */
  @FunctionalInterface
  interface Work<T> {
    T run(PostgresTx c) throws SQLException;
  }

  /** Runs {@code work} in one transaction: committed when it returns, rolled back when it throws. */
  <T> T inTransaction(String operation, Work<T> work) throws SQLException {
    try (PostgresTx c = borrow(operation)) {
      c.jdbc().setAutoCommit(false);
      T result;
      try {
        result = work.run(c);
      } catch (SQLException | RuntimeException | Error e) {
        endTransaction(c, false, e);
        throw e;
      }
      endTransaction(c, true, null);
      return result;
    }
  }

  /**
   * Commits (or rolls back) and returns the connection to auto-commit. With {@code failure} given,
   * the transaction is rolled back and any error of that is added to it as suppressed rather than
   * thrown: when the connection broke, the first error says why (a closed connection only says
   * that it is closed).
   */
  static void endTransaction(PostgresTx c, boolean commit, Throwable failure) throws SQLException {
    try {
      if (commit) {
        c.jdbc().commit();
      } else {
        c.jdbc().rollback();
      }
      c.jdbc().setAutoCommit(true);
    } catch (SQLException e) {
      if (failure == null) {
        throw e;
      }
      failure.addSuppressed(e);
    }
  }

  String name() {
    return name;
  }

  @Override
  public void close() {
    closed = true;
    ds.close();
  }
}
