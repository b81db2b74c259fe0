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
  void aVersionOneDatabaseShouldMigrateWithFolderCountsImapUidsAndModseqsComputedFromItsRows(@TempDir Path dir) throws Exception {
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
      st.execute("INSERT INTO message_version (message_id, cn, committed_at, committed_by, kind, based_on_cn, size,"
          + " content) VALUES (1, 1, 0, 'alice', 'CREATED', 0, 0, x''), (2, 2, 0, 'alice', 'CREATED', 0, 0, x''),"
          + " (3, 3, 0, 'alice', 'CREATED', 0, 0, x'')");
      // Journal: creations at 1-3, a read-state change of message 1 at 4, the delete of 3 at 5.
      st.execute("INSERT INTO journal (position, store_guid, type, kind, object_id, parent_id, cn, at) VALUES"
          + " (1, '00000000-0000-0000-0000-000000000001', 4, 0, 1, 2, 1, 0),"
          + " (2, '00000000-0000-0000-0000-000000000001', 4, 0, 2, 2, 2, 0),"
          + " (3, '00000000-0000-0000-0000-000000000001', 4, 0, 3, 2, 3, 0),"
          + " (4, '00000000-0000-0000-0000-000000000001', 16, 0, 1, 2, NULL, 0),"
          + " (5, '00000000-0000-0000-0000-000000000001', 8, 0, 3, 2, NULL, 0)");
      st.execute("PRAGMA application_id = " + SqlitePragmas.APPLICATION_ID);
      st.execute("PRAGMA user_version = 1");
    }
    try (SqliteStorage s = SqliteStorage.open(SqliteStorage.Options.defaults(file))) {
      StoredFolder inbox = s.findFolder(2).orElseThrow();
      assertThat(inbox.contentCount()).isEqualTo(2);
      assertThat(inbox.unreadCount()).isEqualTo(1);
      assertThat(s.findFolder(1).orElseThrow().childCount()).isEqualTo(1);
      // ADR 0028: UIDs in arrival (id) order, MODSEQ from each message's last journal entry.
      assertThat(s.findMessage(1).orElseThrow().uid()).isEqualTo(1);
      assertThat(s.findMessage(2).orElseThrow().uid()).isEqualTo(2);
      assertThat(s.findMessage(3).orElseThrow().uid()).isEqualTo(3);
      assertThat(s.findMessage(1).orElseThrow().modseq()).isEqualTo(4);
      assertThat(s.findMessage(3).orElseThrow().modseq()).isEqualTo(5);
      assertThat(inbox.uidNext()).isEqualTo(4);
      assertThat(inbox.highestModseq()).isEqualTo(5);
    }
  }
}
