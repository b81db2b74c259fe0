package msgstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Random;
import msgstore.api.Attachment;
import msgstore.api.Folder;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.OpenFlag;
import msgstore.api.PropTags;
import msgstore.api.Session;
import msgstore.api.StoreEvent;
import msgstore.api.StoreInfo;
import msgstore.api.VersionInfo;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.server.ServerConfig;
import msgstore.server.auth.Accounts;
import msgstore.server.auth.PasswordHasher;
import msgstore.storage.postgres.PostgresMessageStore;
import msgstore.storage.postgres.PostgresStorage;
import msgstore.storage.postgres.PostgresUrl;
import msgstore.storage.sqlite.SqliteMessageStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** msgstore migrate --from DATA_DIR --to postgresql://...: a SQLite installation with history and attachments, verified. */
class MigrateCommandTest {
  private static EmbeddedPostgres postgres;
  private static int databases;

  @TempDir Path dir;

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = EmbeddedPostgres.builder().setServerConfig("fsync", "off").start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    postgres.close();
  }

  private String database() throws Exception {
    String name = "migrate" + (++databases);
    try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    }
    return "postgresql://postgres@localhost:" + postgres.getPort() + "/" + name;
  }

  @Test
  void migrateShouldKeepIdsChangeNumbersHistoryJournalBlobsAndAccountsAndVerifyThem() throws Exception {
    Path data = dir.resolve("data");
    byte[] big = new byte[700_000];
    new Random(3).nextBytes(big);
    MessageId id;
    List<VersionInfo> history;
    List<StoreEvent> journal;
    StoreInfo mailbox;
    try (EmbeddedMessageStore store = SqliteMessageStore.open(data.resolve(ServerConfig.STORE_FILE));
        Session s = store.openSession("alice")) {
      mailbox = s.createStore("Mailbox - alice");
      Folder inbox = s.rootFolder(mailbox.id()).subfolder("Inbox").orElseThrow();
      Message m = inbox.createMessage();
      m.set(PropTags.SUBJECT, "v1");
      Attachment small = m.createAttachment();
      small.writeContent(new ByteArrayInputStream("small, stored inline".getBytes()));
      small.saveChanges();
      Attachment large = m.createAttachment();
      large.writeContent(new ByteArrayInputStream(big)); // over 256 KiB: a blob file
      large.saveChanges();
      id = m.saveChanges().messageId();
      m.close();
      for (int v = 2; v <= 3; v++) {
        try (Message h = s.openMessage(id, OpenFlag.MODIFY)) {
          h.set(PropTags.SUBJECT, "v" + v);
          h.saveChanges();
        }
      }
      Message gone = inbox.createMessage();
      gone.set(PropTags.SUBJECT, "soft-deleted");
      MessageId goneId = gone.saveChanges().messageId();
      gone.close();
      s.deleteMessage(goneId);
      history = s.versions(id);
      journal = s.readJournal(mailbox.id(), 0, 1000);
    }
    try (Accounts a = Accounts.open(data.resolve(ServerConfig.ACCOUNTS_FILE), PasswordHasher.of(64, 1, 1))) {
      a.addUser("alice", "pw".toCharArray(), false);
      a.createToken("alice", "laptop");
    }
    String url = database();

    CliRun run = CliRun.run(Map.of(), "", null, "migrate", "--from", data.toString(), "--to", url);

    assertThat(run.code()).as(run.toString()).isZero();
    assertThat(run.out()).contains("1 stores", "2 messages", "blobs", "1 users", "verified");
    try (EmbeddedMessageStore pg = PostgresMessageStore.open(PostgresUrl.options(url, n -> null));
        Session s = pg.openSession("alice")) {
      assertThat(s.versions(id)).as("history, change numbers and change keys kept").isEqualTo(history);
      assertThat(s.readJournal(mailbox.id(), 0, 1000)).as("journal positions kept").isEqualTo(journal);
      try (Message m = s.openMessage(id)) {
        assertThat(m.getString(PropTags.SUBJECT)).contains("v3");
        assertThat(m.baseChangeKey()).as("so the ETag too").contains(history.getFirst().changeKey());
        try (Attachment a = m.openAttachment(1); InputStream in = a.openContent().orElseThrow()) {
          assertThat(in.readAllBytes()).isEqualTo(big);
        }
      }
      assertThat(pg.checkIntegrity()).isEmpty();
      try (Message next = s.rootFolder(mailbox.id()).subfolder("Inbox").orElseThrow().createMessage()) {
        next.set(PropTags.SUBJECT, "after the migration");
        assertThat(next.saveChanges().messageId().value()).as("ids go on after the copied ones")
            .isGreaterThan(id.value() + 1);
      }
    }
    try (PostgresStorage storage = PostgresStorage.open(PostgresUrl.options(url, n -> null));
        Accounts a = Accounts.openShared(storage.dataSource(), "pg", PasswordHasher.of(64, 1, 1),
            java.time.Clock.systemUTC(), Accounts.HashingLimit.UNBOUNDED_WAIT)) {
      assertThat(a.users()).containsExactly("alice");
      assertThat(a.tokens("alice")).hasSize(1);
    }

    CliRun again = CliRun.run(Map.of(), "", null, "migrate", "--from", data.toString(), "--to", url);
    assertThat(again.code()).as("a database with msgstore data is refused").isEqualTo(Main.EXIT_USAGE);
    assertThat(again.err()).contains("--force");
    CliRun forced = CliRun.run(Map.of(), "", null, "migrate", "--from", data.toString(), "--to", url, "--force");
    assertThat(forced.code()).as(forced.toString()).isZero();
  }
}
