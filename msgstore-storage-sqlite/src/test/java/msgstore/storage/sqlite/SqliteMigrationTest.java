package msgstore.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
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

  @Test
  void versionsFromBeforeSchemaSixShouldKeepTheirOwnReferencesUntilPrunedAndThenHandThemOn(@TempDir Path dir)
      throws Exception { // ADR 0036
    Path file = dir.resolve("v1.db");
    byte[] attachment = "an attachment of the old days".getBytes(StandardCharsets.UTF_8);
    String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(attachment));
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        InputStream in = SqliteSchema.class.getResourceAsStream("/msgstore/storage/sqlite/V1__schema.sql");
        Statement st = c.createStatement()) {
      for (String sql : SqliteSchema.statements(new String(in.readAllBytes(), StandardCharsets.UTF_8))) {
        st.execute(sql);
      }
      String store = "'00000000-0000-0000-0000-000000000001'";
      st.execute("INSERT INTO store VALUES (" + store + ", 'S', 'alice', 1, 0, 3)");
      st.execute("INSERT INTO folder (id, store_guid, parent_id, display_name) VALUES (1, " + store + ", 0, ''),"
          + " (2, " + store + ", 1, 'Inbox')");
      st.execute("INSERT INTO message (id, store_guid, folder_id, cn, deleted, read_flags, local_commit_time) VALUES"
          + " (1, " + store + ", 2, 3, 0, 0, 0)");
      // Three versions written before schema 6: each holds its own reference to the attachment.
      for (int cn = 1; cn <= 3; cn++) {
        st.execute("INSERT INTO message_version (message_id, cn, committed_at, committed_by, kind, based_on_cn, size,"
            + " content) VALUES (1, " + cn + ", 0, 'alice', 'SAVED', " + (cn - 1) + ", 0, x'')");
        st.execute("INSERT INTO version_blob (message_id, cn, sha) VALUES (1, " + cn + ", '" + sha + "')");
        st.execute("INSERT INTO journal (position, store_guid, type, kind, object_id, parent_id, cn, at) VALUES"
            + " (" + cn + ", " + store + ", " + (cn == 1 ? 4 : 16) + ", 0, 1, 2, " + cn + ", 0)");
      }
      st.execute("PRAGMA application_id = " + SqlitePragmas.APPLICATION_ID);
      st.execute("PRAGMA user_version = 1");
    }
    Path blobFile = dir.resolve("v1.db.blobs").resolve(sha.substring(0, 2)).resolve(sha);
    java.nio.file.Files.createDirectories(blobFile.getParent());
    java.nio.file.Files.write(blobFile, attachment);
    msgstore.testkit.MutableClock clock = new msgstore.testkit.MutableClock(java.time.Instant.EPOCH);
    try (SqliteStorage s = SqliteStorage.open(SqliteStorage.Options.defaults(file).withClock(clock)
        .withBlobGrace(java.time.Duration.ZERO))) {
      assertThat(s.options().blobDirectory()).isEqualTo(dir.resolve("v1.db.blobs"));
      assertThat(s.checkIntegrity()).isEmpty();
      // A new version that keeps the attachment writes no row: the message refers to it already.
      s.commit(msgstore.engine.spi.WriteBatch.of("alice", new msgstore.engine.spi.WriteOp.PutMessage(1, 2,
          new msgstore.engine.spi.WriteOp.Expect.AtVersion(3), ctx -> new msgstore.engine.spi.NewVersion(new byte[0],
              new msgstore.engine.spi.NewVersion.Columns("v4", null, null, null, 0, null, null, true), List.of(sha), 0),
          "SAVED", 3, msgstore.api.EventType.OBJECT_MODIFIED, List.of())));
      assertThat(rows(file)).containsExactly("1 " + sha, "2 " + sha, "3 " + sha);
      clock.advance(java.time.Duration.ofDays(1));
      assertThat(s.pruneHistory(clock.instant(), 1)).as("the three old versions").isEqualTo(3);
      assertThat(rows(file)).as("the oldest row passed to the new version").containsExactly("4 " + sha);
      assertThat(s.collectGarbage(clock.instant())).isZero();
      assertThat(blobFile).exists();
      assertThat(s.checkIntegrity()).isEmpty();
    }
  }

  private static List<String> rows(Path file) throws Exception {
    List<String> out = new java.util.ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement st = c.createStatement();
        java.sql.ResultSet rs = st.executeQuery("SELECT cn, sha FROM version_blob ORDER BY cn")) {
      while (rs.next()) {
        out.add(rs.getLong(1) + " " + rs.getString(2));
      }
    }
    return out;
  }
}
