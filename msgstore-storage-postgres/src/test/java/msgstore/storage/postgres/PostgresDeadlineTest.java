package msgstore.storage.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import msgstore.engine.spi.StorageDeadline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The thread's storage deadline (ADR 0030) bounds what the PostgreSQL backend waits for: a
 * connection of the pool and a statement's answer, so that a request's waits add up to one
 * deadline however many there are; work past its deadline still runs while the database is well.
 */
class PostgresDeadlineTest {
  @TempDir Path dir;

  private PostgresStorage open(int poolSize) {
    return PostgresStorage.open(TestPostgres.options(TestPostgres.databaseFor(dir)).withPoolSize(poolSize));
  }

  @Test
  void aConnectionWaitShouldEndAtTheDeadlineNotAtTheConnectionTimeoutWhenThePoolIsExhausted() throws SQLException {
    try (PostgresStorage storage = open(2);
        Connection a = storage.dataSource().getConnection();
        Connection b = storage.dataSource().getConnection()) {
      assertThat(a.isValid(1) && b.isValid(1)).as("both connections of the pool held").isTrue();
      long t0 = System.nanoTime();
      StorageDeadline d = StorageDeadline.start(Duration.ofMillis(300));
      try {
        assertThatThrownBy(storage::journalHead).isInstanceOfSatisfying(StoreException.class,
            e -> assertThat(e.error()).isEqualTo(MapiError.BUSY));
      } finally {
        d.close();
      }
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(millis).as("the wait, with a connection timeout of "
          + storage.options().connectTimeout().toMillis() + " ms").isBetween(250L, 900L);
    }
  }

  @Test
  void aConnectionShouldStillBeLentPastTheDeadlineWhenOneIsFree() {
    try (PostgresStorage storage = open(2)) {
      StorageDeadline d = StorageDeadline.start(Duration.ZERO);
      try {
        assertThat(storage.journalHead()).isZero();
      } finally {
        d.close();
      }
    }
  }

  @Test
  void aStatementShouldBeAnsweredWithinTheDeadlineOrFailWithAConnectionError() throws SQLException {
    try (PostgresStorage storage = open(2)) {
      long t0 = System.nanoTime();
      StorageDeadline d = StorageDeadline.start(Duration.ofMillis(1_500));
      try (Connection c = storage.dataSource().getConnection(); Statement s = c.createStatement()) {
        assertThatThrownBy(() -> s.execute("SELECT pg_sleep(30)")).isInstanceOfSatisfying(SQLException.class,
            e -> assertThat(PostgresErrors.unavailable(e)).as(e.getSQLState() + " " + e).isTrue());
      } finally {
        d.close();
      }
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(millis).as("a statement that would take 30 s, under a deadline of 1.5 s").isBetween(1_000L, 5_000L);
      assertThat(storage.journalHead()).as("the pool lends a sound connection afterwards").isZero();
    }
  }
}
