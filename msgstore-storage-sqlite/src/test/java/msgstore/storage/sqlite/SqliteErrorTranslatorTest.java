package msgstore.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.sql.SQLException;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import org.junit.jupiter.api.Test;

class SqliteErrorTranslatorTest {
  static MapiError errorFor(int sqliteCode) {
    return SqliteErrorTranslator.translate(new SQLException("boom", null, sqliteCode), "op").error();
  }

  @Test
  void translateShouldMapSqliteResultCodesToMapiErrors() {
    assertThat(errorFor(13)).isEqualTo(MapiError.NOT_ENOUGH_DISK); // SQLITE_FULL
    assertThat(errorFor(11)).isEqualTo(MapiError.CORRUPT_DATA); // SQLITE_CORRUPT
    assertThat(errorFor(26)).isEqualTo(MapiError.CORRUPT_DATA); // SQLITE_NOTADB
    assertThat(errorFor(5)).isEqualTo(MapiError.BUSY); // SQLITE_BUSY
    assertThat(errorFor(6)).isEqualTo(MapiError.BUSY); // SQLITE_LOCKED
    assertThat(errorFor(517)).isEqualTo(MapiError.BUSY); // SQLITE_BUSY_SNAPSHOT (extended)
    assertThat(errorFor(10)).isEqualTo(MapiError.CALL_FAILED); // SQLITE_IOERR
    assertThat(errorFor(19)).isEqualTo(MapiError.CALL_FAILED); // SQLITE_CONSTRAINT
  }

  @Test
  void translateShouldNameTheOperationAndKeepTheCause() {
    SQLException cause = new SQLException("[SQLITE_FULL] database or disk is full", null, 13);
    StoreException e = SqliteErrorTranslator.translate(cause, "commit of 3 batches");
    assertThat(e.getMessage()).contains("commit of 3 batches failed").contains("database or disk is full");
    assertThat(e.getCause()).isSameAs(cause);
  }

  @Test
  void failsTransactionShouldHoldForDiskIoAndCorruptionErrorsOnly() {
    for (int code : new int[] {13, 10, 11, 26, 7, 266}) {
      assertThat(SqliteErrorTranslator.failsTransaction(new SQLException("x", null, code))).as("code %d", code).isTrue();
    }
    for (int code : new int[] {19, 1, 5}) {
      assertThat(SqliteErrorTranslator.failsTransaction(new SQLException("x", null, code))).as("code %d", code).isFalse();
    }
  }

  @Test
  void translateShouldMapFileErrors() {
    assertThat(SqliteErrorTranslator.translate(new IOException("No space left on device"), "put").error())
        .isEqualTo(MapiError.NOT_ENOUGH_DISK);
    assertThat(SqliteErrorTranslator.translate(new NoSuchFileException("/x"), "open").error())
        .isEqualTo(MapiError.NOT_FOUND);
    assertThat(SqliteErrorTranslator.translate(new IOException("Input/output error"), "put").error())
        .isEqualTo(MapiError.DISK_ERROR);
  }
}
