package msgstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import msgstore.api.Folder;
import msgstore.api.Message;
import msgstore.api.PropTags;
import msgstore.api.Session;
import msgstore.api.StoreInfo;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.storage.sqlite.SqliteMessageStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code msgstore backup} and {@code restore-backup}: what they refuse, with which exit code (docs/cli.md). */
class BackupCommandTest {
  private static final Editor NO_EDITOR = (file, interactive, log) -> {
    throw new AssertionError("no editor expected");
  };

  @TempDir
  Path dir;

  Path data;

  @BeforeEach
  void dataFolderWithOneMessage() {
    data = dir.resolve("data");
    try (EmbeddedMessageStore store = SqliteMessageStore.open(data.resolve("msgstore.db"));
        Session s = store.openSession("alice")) {
      StoreInfo info = s.createStore("Alice");
      Folder inbox = s.rootFolder(info.id()).subfolder("Inbox").orElseThrow();
      Message m = inbox.createMessage();
      m.set(PropTags.SUBJECT, "kept");
      m.saveChanges();
    }
  }

  private static CliRun msgstore(String... args) {
    return CliRun.run(Map.of(), "", NO_EDITOR, args);
  }

  @Test
  void backupOfAPostgresStoreShouldBeRefusedPointingToPgDump() {
    CliRun backup = msgstore("backup", "--db", "postgresql://msg@db/mail", dir.resolve("b").toString());
    assertThat(backup.code()).as(backup.toString()).isEqualTo(Main.EXIT_USAGE);
    assertThat(backup.err()).contains("pg_dump");
    assertThat(dir.resolve("b")).doesNotExist();
  }

  @Test
  void backupShouldRefuseMsgstoreDbFromTheEnvironmentRatherThanBackUpADataFolder() {
    CliRun backup = CliRun.run(Map.of("MSGSTORE_DB", "postgresql://msg@db/mail", "MSGSTORE_DATA", data.toString()), "",
        NO_EDITOR, "backup", dir.resolve("b").toString());
    assertThat(backup.code()).as(backup.toString()).isEqualTo(Main.EXIT_USAGE);
    assertThat(backup.err()).contains("pg_dump", "MSGSTORE_DB", "--data");
    assertThat(dir.resolve("b")).doesNotExist();
  }

  @Test
  void backupShouldRefuseBothDataAndDb() {
    CliRun backup = msgstore("backup", "--data", data.toString(), "--db", "postgresql://msg@db/mail",
        dir.resolve("b").toString());
    assertThat(backup.code()).as(backup.toString()).isEqualTo(Main.EXIT_USAGE);
    assertThat(backup.err()).contains("one of --data and --db");
    assertThat(dir.resolve("b")).doesNotExist();
  }

  @Test
  void backupWithDataShouldIgnoreMsgstoreDbInTheEnvironment() {
    CliRun backup = CliRun.run(Map.of("MSGSTORE_DB", "postgresql://msg@db/mail"), "", NO_EDITOR, "backup", "--data",
        data.toString(), dir.resolve("b").toString());
    assertThat(backup.code()).as(backup.toString()).isZero();
    assertThat(dir.resolve("b/MANIFEST")).exists();
  }

  @Test
  void restoreBackupIntoPostgresShouldBeRefusedPointingToMigrateAndPgRestore() {
    assertThat(msgstore("backup", "--data", data.toString(), dir.resolve("b").toString()).code()).isZero();
    CliRun restore = msgstore("restore-backup", dir.resolve("b").toString(), "--db", "postgresql://msg@db/mail");
    assertThat(restore.code()).as(restore.toString()).isEqualTo(Main.EXIT_USAGE);
    assertThat(restore.err()).contains("msgstore migrate --from NEWDIR --to postgresql://msg@db/mail", "pg_restore");
  }

  @Test
  void restoreBackupShouldNeedData() {
    assertThat(msgstore("backup", "--data", data.toString(), dir.resolve("b").toString()).code()).isZero();
    CliRun restore = msgstore("restore-backup", dir.resolve("b").toString());
    assertThat(restore.code()).as(restore.toString()).isEqualTo(Main.EXIT_USAGE);
    assertThat(restore.err()).contains("needs --data NEWDIR");
  }

  @Test
  void aBackupShouldBeAnOwnerOnlyDataFolderWithAManifestThatRestoresAndReads() throws IOException {
    CliRun backup = msgstore("backup", "--data", data.toString(), dir.resolve("b").toString());
    assertThat(backup.code()).as(backup.toString()).isZero();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("b")))).isEqualTo("rwx------");
    assertThat(Files.readString(dir.resolve("b/MANIFEST"))).contains("format=msgstore-backup 1", "messages=1",
        "accounts=false");

    CliRun restore = msgstore("restore-backup", dir.resolve("b").toString(), "--data", dir.resolve("r").toString());
    assertThat(restore.code()).as(restore.toString()).isZero();
    assertThat(restore.out()).contains("integrity check passed", "msgstore serve --data " + dir.resolve("r"));
    CliRun ls = msgstore("ls", "--store", dir.resolve("r/msgstore.db").toString(), "--user", "alice", "/Inbox");
    assertThat(ls.out()).as(ls.toString()).contains("kept");
  }

  @Test
  void restoreShouldRefuseANonEmptyFolderWithExitThreeAndTouchNothing() throws IOException {
    assertThat(msgstore("backup", "--data", data.toString(), dir.resolve("b").toString()).code()).isZero();
    Files.createDirectories(dir.resolve("busy"));
    Files.writeString(dir.resolve("busy/notes.txt"), "mine");

    CliRun r = msgstore("restore-backup", dir.resolve("b").toString(), "--data", dir.resolve("busy").toString());

    assertThat(r.code()).as(r.toString()).isEqualTo(Main.EXIT_IO);
    assertThat(r.err()).contains("msgstore: " + dir.resolve("busy") + " is not empty", "nothing was written");
    try (var entries = Files.list(dir.resolve("busy"))) {
      assertThat(entries.map(p -> p.getFileName().toString()).toList()).containsExactly("notes.txt");
    }
  }

  @Test
  void backupShouldRefuseANonEmptyTargetAndAMissingStoreWithExitThree() throws IOException {
    Files.createDirectories(dir.resolve("full"));
    Files.writeString(dir.resolve("full/x"), "x");
    CliRun intoFull = msgstore("backup", "--data", data.toString(), dir.resolve("full").toString());
    assertThat(intoFull.code()).as(intoFull.toString()).isEqualTo(Main.EXIT_IO);
    assertThat(intoFull.err()).contains("is not empty");

    CliRun noStore = msgstore("backup", "--data", dir.resolve("nothing").toString(), dir.resolve("b").toString());
    assertThat(noStore.code()).as(noStore.toString()).isEqualTo(Main.EXIT_IO);
    assertThat(noStore.err()).contains("no store file " + dir.resolve("nothing/msgstore.db"));
    assertThat(dir.resolve("b")).doesNotExist();
  }

  @Test
  void restoreShouldRefuseAnUnfinishedBackup() throws IOException {
    assertThat(msgstore("backup", "--data", data.toString(), dir.resolve("b").toString()).code()).isZero();
    Files.delete(dir.resolve("b/MANIFEST")); // as a backup interrupted before its last step

    CliRun r = msgstore("restore-backup", dir.resolve("b").toString(), "--data", dir.resolve("r").toString());

    assertThat(r.code()).as(r.toString()).isEqualTo(Main.EXIT_IO);
    assertThat(r.err()).contains("not a finished msgstore backup");
    assertThat(dir.resolve("r")).doesNotExist();
  }

  @Test
  void restoreShouldFailTheIntegrityCheckOfADamagedStoreAndLeaveNothing() throws IOException {
    assertThat(msgstore("backup", "--data", data.toString(), dir.resolve("b").toString()).code()).isZero();
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("b/msgstore.db"));
        var st = c.createStatement()) {
      st.executeUpdate("UPDATE folder SET content_count = content_count + 7"); // kept counts now lie
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }

    CliRun r = msgstore("restore-backup", dir.resolve("b").toString(), "--data", dir.resolve("r").toString());

    assertThat(r.code()).as(r.toString()).isEqualTo(Main.EXIT_MAPI);
    assertThat(r.err()).contains("MAPI_E_CORRUPT_DATA", "integrity check", "kept counts");
    assertThat(dir.resolve("r")).doesNotExist();
  }
}
