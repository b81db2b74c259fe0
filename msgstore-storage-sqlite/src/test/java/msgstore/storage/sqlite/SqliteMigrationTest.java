package msgstore.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import msgstore.engine.spi.StoredFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteMigrationTest {
  @Test
  void aVersionOneDatabaseShouldMigrateWithFolderCountsComputedFromItsRows(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("v1.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        InputStream in = SqliteSchema.class.getResourceAsStream("/msgstore/storage/sqlite/V1__schema.sql");
        Statement st = c.createStatement()) {
      for (String sql : SqliteSchema.statements(new String(in.readAllBytes(), StandardCharsets.UTF_8))) {
        st.execute(sql);
      }
      st.execute("INSERT INTO store VALUES ('00000000-0000-0000-0000-000000000001', 'S', 'alice', 1, 0, 3)");
      st.execute("INSERT INTO folder (id, store_guid, parent_id, display_name) VALUES"
          + " (1, '00000000-0000-0000-0000-000000000001', 0, ''), (2, '00000000-0000-0000-0000-000000000001', 1, 'Inbox')");
      st.execute("INSERT INTO message (id, store_guid, folder_id, cn, deleted, read_flags, local_commit_time) VALUES"
          + " (1, '00000000-0000-0000-0000-000000000001', 2, 1, 0, 0, 0),"
          + " (2, '00000000-0000-0000-0000-000000000001', 2, 2, 0, 1, 0),"
          + " (3, '00000000-0000-0000-0000-000000000001', 2, 3, 1, 0, 0)");
      st.execute("PRAGMA application_id = " + SqlitePragmas.APPLICATION_ID);
      st.execute("PRAGMA user_version = 1");
    }
    try (SqliteStorage s = SqliteStorage.open(SqliteStorage.Options.defaults(file))) {
      StoredFolder inbox = s.findFolder(2).orElseThrow();
      assertThat(inbox.contentCount()).isEqualTo(2);
      assertThat(inbox.unreadCount()).isEqualTo(1);
      assertThat(s.findFolder(1).orElseThrow().childCount()).isEqualTo(1);
    }
  }
}
