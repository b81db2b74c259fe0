package msgstore.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import msgstore.storage.sqlite.SqliteStorage.Durability;
import msgstore.storage.sqlite.SqliteStorage.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqlitePragmasTest {
  @TempDir Path dir;

  @Test
  void writerPragmasShouldSelectWalAndSynchronousPerDurability() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("full.db"))) {
      SqlitePragmas.apply(c, SqlitePragmas.writer(Durability.FULL));
      assertThat(SqlitePragmas.queryString(c, "PRAGMA journal_mode")).isEqualTo("wal");
      assertThat(SqlitePragmas.queryLong(c, "PRAGMA synchronous")).isEqualTo(2);
      assertThat(SqlitePragmas.queryLong(c, "PRAGMA busy_timeout")).isEqualTo(5000);
      assertThat(SqlitePragmas.queryLong(c, "PRAGMA foreign_keys")).isZero();
      assertThat(SqlitePragmas.queryLong(c, "PRAGMA temp_store")).isEqualTo(2);
      assertThat(SqlitePragmas.queryLong(c, "PRAGMA cache_size")).isEqualTo(-2048);
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("relaxed.db"))) {
      SqlitePragmas.apply(c, SqlitePragmas.writer(Durability.RELAXED_MAY_LOSE_RECENT_COMMITS_ON_POWER_LOSS));
      assertThat(SqlitePragmas.queryString(c, "PRAGMA journal_mode")).isEqualTo("wal");
      assertThat(SqlitePragmas.queryLong(c, "PRAGMA synchronous")).isEqualTo(1);
    }
  }

  @Test
  void writerCacheShouldBeSmallWhileTheDatabaseEndsBeforeTheLockBytePage() {
    // The lock byte is at 1 GiB: page 262,145 of 4 KiB pages, page 16,385 of 64 KiB pages.
    assertThat(SqlitePragmas.writerCacheSize(0, 4096)).isEqualTo("PRAGMA cache_size = -2048");
    assertThat(SqlitePragmas.writerCacheSize(262_144, 4096)).isEqualTo("PRAGMA cache_size = -2048");
    assertThat(SqlitePragmas.writerCacheSize(262_145, 4096)).isEqualTo("PRAGMA cache_size = -65536");
    assertThat(SqlitePragmas.writerCacheSize(16_384, 65536)).isEqualTo("PRAGMA cache_size = -2048");
    assertThat(SqlitePragmas.writerCacheSize(16_385, 65536)).isEqualTo("PRAGMA cache_size = -65536");
  }

  @Test
  void anOpenStorageShouldSizeItsWritersCacheForItsDatabase() {
    try (SqliteStorage s = SqliteStorage.open(Options.defaults(dir.resolve("cache.db")))) {
      long cacheSize = s.onWriter("read cache size", (c, now) -> SqlitePragmas.queryLong(c.jdbc(), "PRAGMA cache_size"));
      assertThat(cacheSize).isEqualTo(-SqlitePragmas.SMALL_WRITER_CACHE_KIB);
    }
  }

  @Test
  void readerPragmasShouldMakeTheConnectionQueryOnly() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("r.db"))) {
      SqlitePragmas.execute(c, "CREATE TABLE t (x)");
      SqlitePragmas.apply(c, SqlitePragmas.reader());
      assertThat(SqlitePragmas.queryLong(c, "PRAGMA query_only")).isEqualTo(1);
      assertThat(SqlitePragmas.queryLong(c, "SELECT count(*) FROM t")).isZero();
      assertThatThrownBy(() -> SqlitePragmas.execute(c, "INSERT INTO t VALUES (1)")).isInstanceOf(SQLException.class);
    }
  }

  @Test
  void anOpenStorageShouldRunItsWriterWithTheDurabilityItWasGiven() {
    for (Durability d : Durability.values()) {
      try (SqliteStorage s = SqliteStorage.open(Options.defaults(dir.resolve(d + ".db")).withDurability(d))) {
        long synchronous = s.onWriter("read synchronous", (c, now) -> SqlitePragmas.queryLong(c.jdbc(),
            "PRAGMA synchronous"));
        assertThat(synchronous).isEqualTo(d == Durability.FULL ? 2 : 1);
        String journalMode = s.onWriter("read journal mode", (c, now) -> SqlitePragmas.queryString(c.jdbc(),
            "PRAGMA journal_mode"));
        assertThat(journalMode).isEqualTo("wal");
      }
    }
  }
}
