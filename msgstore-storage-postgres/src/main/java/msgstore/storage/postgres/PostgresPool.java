package msgstore.storage.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.pool.HikariPool;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.sql.DataSource;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import msgstore.engine.spi.StorageDeadline;

/**
 * The connection pool (HikariCP) of one open storage; connections are lent as {@link PostgresTx},
 * and to the accounts and Flyway through {@link #dataSource}.
 *
 * <p>Waits are bounded by the borrowing thread's {@link StorageDeadline} (ADR 0030): a connection
 * is waited for at most the connection timeout and at most until the deadline, and a connection
 * lent under a deadline answers each statement within what is left of it (its network timeout),
 * so a request costs one bounded wait in all while the database is down or not answering, however
 * many connections and statements it needs. Work that outlives its deadline with the database
 * well (a long download) still gets {@link #LEAST_WAIT_MILLIS} and {@link #LEAST_NETWORK_TIMEOUT_MILLIS}.
 */
final class PostgresPool implements AutoCloseable {
  /** The least wait for a connection under a deadline that is (nearly) over: HikariCP's own minimum. */
  static final long LEAST_WAIT_MILLIS = 250;
  /** The least network timeout of a connection lent under a deadline that is (nearly) over. */
  static final int LEAST_NETWORK_TIMEOUT_MILLIS = 1_000;

  private final HikariPool hikari;
  private final long connectTimeoutMillis;
  private final DataSource dataSource = new Lender();
  /** Run on each new connection: raises {@code synchronous_commit = off} to {@code on} for msgstore's sessions. */
  static final String DURABLE_COMMITS = "SELECT set_config('synchronous_commit', 'on', false)"
      + " WHERE current_setting('synchronous_commit') = 'off'";

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
    // A save is acknowledged after its COMMIT: that COMMIT must have flushed its WAL, whatever the
    // server, role or database says (a stronger setting, remote_apply or on, is kept).
    config.setConnectionInitSql(DURABLE_COMMITS);
    this.name = o.redactedUrl();
    this.connectTimeoutMillis = o.connectTimeout().toMillis();
    try {
      config.validate();
      this.hikari = new HikariPool(config);
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() instanceof SQLException s ? s : e;
      throw new StoreException(MapiError.BUSY, "cannot connect to " + name + ": " + cause.getMessage(), e);
    }
  }

  /** The pool as a DataSource (for the accounts and Flyway): its connections are lent as {@link #borrow}'s. */
  DataSource dataSource() {
    return dataSource;
  }

  /** A connection in auto-commit mode; {@code operation} names the caller in errors. */
  PostgresTx borrow(String operation) throws SQLException {
    return new PostgresTx(connection(operation));
  }

  /** A pooled connection, waited for and answering within the thread's deadline (see the class comment). */
  private Connection connection(String operation) throws SQLException {
    if (closed) {
      throw new StoreException(MapiError.CALL_FAILED, operation + " failed: storage " + name + " is closed");
    }
    long remaining = StorageDeadline.remainingNanos();
    if (remaining == Long.MAX_VALUE) {
      return hikari.getConnection();
    }
    long left = TimeUnit.NANOSECONDS.toMillis(remaining);
    Connection c = hikari.getConnection(Math.max(LEAST_WAIT_MILLIS, Math.min(connectTimeoutMillis, left)));
    try {
      c.setNetworkTimeout(Runnable::run, (int) Math.max(LEAST_NETWORK_TIMEOUT_MILLIS, Math.min(left, Integer.MAX_VALUE)));
    } catch (SQLException e) {
      try {
        c.close();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    return c; // Hikari restores the network timeout when the connection comes back
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
    try {
      hikari.shutdown();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@link #dataSource}: lends the pool's connections; credentials and logging are the pool's. */
  private final class Lender implements DataSource {
    @Override
    public Connection getConnection() throws SQLException {
      return connection("a connection to " + name);
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
      throw new SQLFeatureNotSupportedException("the pool of " + name + " lends connections of its own user only");
    }

    @Override
    public PrintWriter getLogWriter() {
      return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
      // the pool logs through SLF4J
    }

    @Override
    public void setLoginTimeout(int seconds) {
      // the pool's connection timeout applies
    }

    @Override
    public int getLoginTimeout() {
      return (int) TimeUnit.MILLISECONDS.toSeconds(connectTimeoutMillis);
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      throw new SQLFeatureNotSupportedException("the pool logs through SLF4J");
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
      if (type.isInstance(this)) {
        return type.cast(this);
      }
      throw new SQLException("the pool of " + name + " is not a " + type.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> type) {
      return type.isInstance(this);
    }
  }
}
