package msgstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Random;
import msgstore.api.Folder;
import msgstore.api.Message;
import msgstore.api.PropTags;
import msgstore.api.Session;
import msgstore.cli.campaign.ServeProcess;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.storage.sqlite.SqliteMessageStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged data directory (issue 7): {@code msgstore serve} refuses to start, exits with status 1
 * (a MAPI error, docs/cli.md), and says on standard error in one line which file is damaged and
 * how, without a stack trace. Cases: garbage bytes, a file of zeros, a directory, a truncated store,
 * a corrupt {@code accounts.db}, an unreadable file (chmod 000: only when not root, since root
 * reads it anyway). One case runs as a real process; the others run {@link Main} in-process.
 */
class ServeRefusesDamagedStoreTest {
  private static final Editor NO_EDITOR = (file, interactive, log) -> {
    throw new AssertionError("no editor expected");
  };

  @TempDir Path dir;

  @Test
  void serveProcessShouldExitWithOneNamingTheFileWhenTheStoreIsGarbage() throws Exception {
    Path data = dir.resolve("garbage");
    Path store = data.resolve("msgstore.db");
    Files.createDirectories(data);
    Files.write(store, randomBytes(9000));
    try (ServeProcess p = ServeProcess.start(data, dir.resolve("serve.err"), Map.of())) {
      int code = p.awaitExit(120_000);
      String err = p.stderr();
      assertThat(code).as("exit status; stderr:\n" + err).isEqualTo(1);
      assertThat(err).contains("msgstore: MAPI_E_CORRUPT_DATA: " + store.toAbsolutePath())
          .contains("is not a msgstore database");
      assertNoStackTrace(err + String.join("\n", p.stdout()));
      assertThat(String.join("\n", p.stdout())).doesNotContain("msgstore serving");
    }
  }

  @Test
  void serveShouldRefuseAFileOfZeros() throws Exception {
    Path data = dir.resolve("zeros");
    Files.createDirectories(data);
    Files.write(data.resolve("msgstore.db"), new byte[8192]);
    refused(data, "msgstore.db", "MAPI_E_CORRUPT_DATA", "is not a msgstore database");
  }

  @Test
  void serveShouldRefuseADirectoryInPlaceOfTheStore() throws Exception {
    Path data = dir.resolve("directory");
    Files.createDirectories(data.resolve("msgstore.db"));
    refused(data, "msgstore.db", "MAPI_E_CORRUPT_DATA", "is a directory, not a msgstore database file");
  }

  @Test
  void serveShouldRefuseATruncatedStore() throws Exception {
    Path data = dir.resolve("truncated");
    Path file = data.resolve("msgstore.db");
    Files.createDirectories(data);
    try (EmbeddedMessageStore store = SqliteMessageStore.open(file); Session s = store.openSession("admin")) {
      Folder root = s.openFolder(s.createStore("admin's mailbox").rootFolder());
      for (int i = 0; i < 40; i++) {
        Message m = root.createMessage();
        m.set(PropTags.SUBJECT, "message " + i);
        m.set(PropTags.BODY, "x".repeat(16 * 1024));
        m.saveChanges();
      }
    }
    assertThat(file.resolveSibling("msgstore.db-wal")).as("WAL after a clean close").doesNotExist();
    long size = Files.size(file);
    try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
      c.truncate(size / 2);
    }
    CliRun r = refused(data, "msgstore.db", "MAPI_E_CORRUPT_DATA", "is truncated");
    assertThat(r.err()).contains("but the file has only " + size / 2 + " bytes");
  }

  @Test
  void serveShouldRefuseACorruptAccountsDatabase() throws Exception {
    Path data = dir.resolve("accounts");
    Files.createDirectories(data);
    Files.write(data.resolve("accounts.db"), randomBytes(9000));
    refused(data, "accounts.db", "MAPI_E_CORRUPT_DATA", "not a database");
    // The store file it opened first was released: a second try fails the same way, not with BUSY.
    refused(data, "accounts.db", "MAPI_E_CORRUPT_DATA", "not a database");
  }

  @Test
  void serveShouldRefuseAnUnreadableStoreWhenNotRoot() throws Exception {
    assumeFalse("root".equals(System.getProperty("user.name")), "root reads a chmod 000 file anyway");
    Path data = dir.resolve("unreadable");
    Path file = data.resolve("msgstore.db");
    Files.createDirectories(data);
    try (EmbeddedMessageStore store = SqliteMessageStore.open(file)) {
      assertThat(store).isNotNull();
    }
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
    refused(data, "msgstore.db", "MAPI_E_NO_ACCESS", "cannot be read: permission denied");
  }

  private CliRun refused(Path data, String fileName, String mapiError, String why) {
    CliRun r = CliRun.run(Map.of(), "", NO_EDITOR, "serve", "--data", data.toString(), "--port", "0");
    assertThat(r.code()).as(r.toString()).isEqualTo(Main.EXIT_MAPI);
    assertThat(r.err()).as(r.toString()).startsWith("msgstore: " + mapiError + ": ")
        .contains(data.resolve(fileName).toAbsolutePath().toString()).contains(why);
    assertThat(r.err().strip().lines().count()).as("one line: " + r.err()).isOne();
    assertNoStackTrace(r.err() + r.out());
    assertThat(r.out()).doesNotContain("msgstore serving");
    return r;
  }

  private static void assertNoStackTrace(String text) {
    assertThat(text).doesNotContain("\tat ").doesNotContain("Exception:").doesNotContain("Caused by");
  }

  private static byte[] randomBytes(int n) throws IOException {
    byte[] b = new byte[n];
    new Random(42).nextBytes(b);
    return b;
  }
}
