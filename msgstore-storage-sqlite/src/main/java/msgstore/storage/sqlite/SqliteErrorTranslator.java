package msgstore.storage.sqlite;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.sql.SQLException;
import msgstore.api.MapiError;
import msgstore.api.StoreException;

/** Turns driver and file-system errors into {@link StoreException}s, in this one place. */
final class SqliteErrorTranslator {
  static final int SQLITE_CORRUPT = 11;
  static final int SQLITE_FULL = 13;
  static final int SQLITE_BUSY = 5;
  static final int SQLITE_LOCKED = 6;
  static final int SQLITE_NOMEM = 7;
  static final int SQLITE_IOERR = 10;
  static final int SQLITE_NOTADB = 26;

  private SqliteErrorTranslator() {}

  /** The primary SQLite result code of an exception (extended codes reduced to their primary). */
  static int primaryCode(SQLException e) {
    return e.getErrorCode() & 0xFF;
  }

  static MapiError errorOf(SQLException e) {
    return switch (primaryCode(e)) {
      case SQLITE_FULL -> MapiError.NOT_ENOUGH_DISK;
      case SQLITE_CORRUPT, SQLITE_NOTADB -> MapiError.CORRUPT_DATA;
      case SQLITE_BUSY, SQLITE_LOCKED -> MapiError.BUSY;
      default -> MapiError.CALL_FAILED;
    };
  }

  /** The exception for a failed {@code operation}, for example "commit" or "read message 12". */
  static StoreException translate(SQLException e, String operation) {
    return new StoreException(errorOf(e), operation + " failed: " + e.getMessage(), e);
  }

  /**
   * True when the error leaves the whole transaction unusable (disk full, I/O, corruption, out of
   * memory), so that rolling back one batch is not enough.
   */
  static boolean failsTransaction(SQLException e) {
    return switch (primaryCode(e)) {
      case SQLITE_FULL, SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_NOMEM -> true;
      default -> false;
    };
  }

  static StoreException translate(IOException e, String operation) {
    MapiError error;
    String text = String.valueOf(e.getMessage());
    if (text.contains("No space left on device") || text.contains("Disk quota exceeded")) {
      error = MapiError.NOT_ENOUGH_DISK;
    } else if (e instanceof NoSuchFileException) {
      error = MapiError.NOT_FOUND;
    } else if (e instanceof AccessDeniedException) {
      error = MapiError.NO_ACCESS;
    } else {
      error = MapiError.DISK_ERROR;
    }
    return new StoreException(error, operation + " failed: " + e, e);
  }
}
