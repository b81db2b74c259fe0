package msgstore.storage.postgres;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import org.postgresql.util.PSQLException;

/**
 * Translates PostgreSQL errors (by SQLSTATE) into MAPI errors, once, where they leave the backend:
 * the database unreachable, restarting or out of connections is BUSY (try again: the server
 * answers 503); disk full NOT_ENOUGH_DISK; data corruption CORRUPT_DATA; CALL_FAILED otherwise.
 */
final class PostgresErrors {
  static final String SERIALIZATION_FAILURE = "40001";
  static final String DEADLOCK_DETECTED = "40P01";
  static final String NOT_NULL_VIOLATION = "23502";

  private PostgresErrors() {}

  /** A failure that rolled the transaction back and that running it again may cure. */
  static boolean retryable(SQLException e) {
    String state = e.getSQLState();
    return SERIALIZATION_FAILURE.equals(state) || DEADLOCK_DETECTED.equals(state);
  }

  /**
   * A write that assumed the numbers of its node's last commit found that another transaction
   * wrote since (PostgresTx.Ids#assume): its guard set journal_head's position or a store's
   * last_cn to NULL. Nothing was written; the numbers must be read under the lock.
   */
  static boolean guardFailed(SQLException e) {
    String table = notNullViolated(e);
    return "journal_head".equals(table) || "store".equals(table);
  }

  /** The guard of journal_head failed ({@link #guardFailed}), not that of a store. */
  static boolean headGuardFailed(SQLException e) {
    return "journal_head".equals(notNullViolated(e));
  }

  /** The table of a NOT NULL violation, or null. */
  private static String notNullViolated(SQLException e) {
    for (SQLException s = e; s != null; s = s.getNextException()) { // a batch's error comes next
      if (NOT_NULL_VIOLATION.equals(s.getSQLState()) && s instanceof PSQLException p
          && p.getServerErrorMessage() != null) {
        return p.getServerErrorMessage().getTable();
      }
    }
    return null;
  }

  /** The database cannot be reached or is not accepting work right now. */
  static boolean unavailable(SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    // 08: connection exceptions; 57: operator intervention (shutdown, statement canceled by it);
    // 53300: too many connections; 55P03: lock not available.
    return e instanceof SQLTransientConnectionException || state.startsWith("08") || state.startsWith("57")
        || state.equals("53300") || state.equals("55P03");
  }

  static StoreException translate(SQLException e, String operation) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    MapiError error;
    String why;
    if (unavailable(e) || retryable(e)) {
      error = MapiError.BUSY;
      why = "the database is unavailable or busy, try again";
    } else if (state.equals("53100")) {
      error = MapiError.NOT_ENOUGH_DISK;
      why = "the database server is out of disk space";
    } else if (state.equals("53200")) {
      error = MapiError.NOT_ENOUGH_MEMORY;
      why = "the database server is out of memory";
    } else if (state.equals("XX001") || state.equals("XX002")) {
      error = MapiError.CORRUPT_DATA;
      why = "the database reports corrupt data";
    } else {
      error = MapiError.CALL_FAILED;
      why = "database error";
    }
    return new StoreException(error, operation + " failed: " + why + " (SQLSTATE " + state + ": " + e.getMessage() + ")", e);
  }
}
