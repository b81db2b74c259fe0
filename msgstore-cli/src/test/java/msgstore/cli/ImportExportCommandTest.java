package msgstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import msgstore.api.Folder;
import msgstore.api.FolderInfo;
import msgstore.api.Message;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Session;
import msgstore.api.StoreInfo;
import msgstore.api.TableRow;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.mime.MailExport;
import msgstore.storage.sqlite.SqliteMessageStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code msgstore import} and {@code msgstore export} on an embedded store, with real mail (docs/cli.md). */
class ImportExportCommandTest {
  private static final Editor NO_EDITOR = (file, interactive, log) -> {
    throw new AssertionError("no editor expected");
  };
  private static final String[] TIKA_MBOXES = {"complex.mbox", "headers.mbox", "multiline.mbox", "multiline2.mbox",
      "quoted.mbox", "simple.mbox", "single_mail.mbox", "testMBOX_complex.mbox", "testMBOX_lengthy_x-headers.mbox"};

  @TempDir
  Path dir;

  Path db;
  Path mail;

  @BeforeEach
  void storeAndMail() throws IOException {
    db = newStore("a.db");
    mail = dir.resolve("mail");
    for (String name : TIKA_MBOXES) {
      Files.createDirectories(mail.resolve("tika"));
      try (InputStream in = getClass().getResourceAsStream("/test-documents/" + name)) {
        Files.copy(in, mail.resolve("tika").resolve(name));
      }
    }
    file(mail.resolve("Maildir/cur/1700000001.M1P1.h:2,FS"), "Message-ID: <m1@example.com>\nSubject: seen and flagged\n"
        + "From: Ann <ann@example.com>\nDate: Tue, 14 Nov 2023 22:13:20 +0000\n\nbody one\n");
    file(mail.resolve("Maildir/cur/1700000005.M1P1.h:2,DS"), "Message-ID: <m5@example.com>\nSubject: a draft\n"
        + "From: Ann <ann@example.com>\nDate: Tue, 14 Nov 2023 22:13:24 +0000\n\nnot sent yet\n");
    file(mail.resolve("Maildir/new/1700000002.M1P1.h"), "Message-ID: <m2@example.com>\nSubject: new mail\n"
        + "From: Bob <bob@example.com>\nDate: Tue, 14 Nov 2023 22:13:21 +0000\n\nbody two\n");
    file(mail.resolve("Maildir/.Lists.Java/cur/1700000003.M1P1.h:2,RS"), "Message-ID: <m3@example.com>\n"
        + "Subject: answered\nFrom: Cy <cy@example.com>\nDate: Tue, 14 Nov 2023 22:13:22 +0000\n\nbody three\n");
    file(mail.resolve("loose.eml"), "Message-ID: <m4@example.com>\r\nSubject: =?UTF-8?Q?caf=C3=A9?=\r\n"
        + "From: d@example.com\r\nDate: Tue, 14 Nov 2023 22:13:23 +0000\r\n\r\nbody four\r\n");
    file(mail.resolve("empty.eml"), "");
  }

  private Path newStore(String name) {
    Path p = dir.resolve(name);
    try (EmbeddedMessageStore store = SqliteMessageStore.open(p); Session s = store.openSession("alice")) {
      s.createStore("Alice");
    }
    return p;
  }

  private static void file(Path p, String text) throws IOException {
    Files.createDirectories(p.getParent());
    Files.writeString(p, text, UTF_8);
  }

  private static CliRun msgstore(String... args) {
    return CliRun.run(Map.of("USER", "alice"), "", NO_EDITOR, args);
  }

  /** Every message of the store under {@code top}: "folder path | subject | flags", sorted. */
  private static List<String> contents(Path db, String top) {
    List<String> out = new ArrayList<>();
    try (EmbeddedMessageStore store = SqliteMessageStore.open(db); Session s = store.openSession("alice")) {
      StoreInfo info = s.stores().get(0);
      Folder root = s.rootFolder(info.id());
      Folder start = root;
      for (String seg : top.split("/")) {
        if (!seg.isEmpty()) {
          start = start.subfolder(seg).orElseThrow();
        }
      }
      collect(s, start, "", out);
    }
    out.sort(null);
    return out;
  }

  private static void collect(Session s, Folder f, String path, List<String> out) {
    for (TableRow r : f.contentsTable().queryRows(0, 10_000)) {
      try (Message m = s.openMessage(r.messageId())) {
        String subject = m.getProp(PropTags.SUBJECT).map(PropValue::asString).orElse("");
        out.add(path + " | " + subject + " | " + ExportCommand.flags(m));
      }
    }
    for (FolderInfo child : f.hierarchy(false)) {
      collect(s, s.openFolder(child.id()), path + "/" + child.displayName(), out);
    }
  }

  @Test
  void importShouldFileEveryMessageKeepFlagsReportTheBadOneAndImportNothingTwice() {
    CliRun first = msgstore("import", "--store", db.toString(), "--folder", "/Imported", mail.toString());

    assertThat(first.code()).as(first.toString()).isEqualTo(MailTransfer.EXIT_SOME_FAILED);
    // The 3 Tika mbox messages with an empty header section (a body only) import too: mail readers show them.
    assertThat(first.out()).as(first.toString()).contains("imported 17 messages", "0 skipped as already present",
        "1 failed", "failed: " + mail.resolve("empty.eml") + ": MAPI_E_INVALID_PARAMETER: not an RFC 5322 message");
    List<String> imported = contents(db, "/Imported");
    assertThat(imported).hasSize(17).contains(
        " | café | []",
        "/Maildir | seen and flagged | [READ, FLAGGED]",
        "/Maildir | new mail | []",
        "/Maildir | a draft | [READ, DRAFT]", // D keeps MSGFLAG_UNSENT, and export writes it back
        "/Maildir/Lists/Java | answered | [READ, ANSWERED]");
    assertThat(imported.stream().filter(l -> l.startsWith("/tika/complex |"))).hasSize(3);
    assertThat(imported.stream().filter(l -> l.startsWith("/tika/testMBOX_complex |"))).hasSize(1);

    CliRun again = msgstore("import", "--store", db.toString(), "--folder", "/Imported", mail.toString());
    assertThat(again.out()).as(again.toString()).contains("imported 0 messages", "17 skipped as already present");
    assertThat(contents(db, "/Imported")).isEqualTo(imported);
  }

  @Test
  void importAndExportShouldWorkThroughARunningServerAsThroughAStoreFile() throws IOException {
    Path data = dir.resolve("server-data");
    try (msgstore.server.MsgstoreServer server = msgstore.server.MsgstoreServer.start(
        msgstore.server.ServerConfig.defaults(data, 0),
        msgstore.server.auth.PasswordHasher.of(64, 1, 1))) {
      server.accounts().addUser("alice", "secret-alice".toCharArray(), true);
      String url = server.baseUri().toString();
      Map<String, String> env = Map.of("MSGSTORE_PASSWORD", "secret-alice");
      CliRun in = CliRun.run(env, "", NO_EDITOR, "import", "--server", url, "--user", "alice", "--folder", "/Imported",
          mail.toString());
      assertThat(in.code()).as(in.toString()).isEqualTo(MailTransfer.EXIT_SOME_FAILED);
      assertThat(in.out()).contains("imported 17 messages", "1 failed");
      CliRun again = CliRun.run(env, "", NO_EDITOR, "import", "--server", url, "--user", "alice", "--folder",
          "/Imported", mail.toString());
      assertThat(again.out()).as(again.toString()).contains("imported 0 messages", "17 skipped as already present");
      Path out = dir.resolve("over-http.mbox");
      CliRun export = CliRun.run(env, "", NO_EDITOR, "export", "--server", url, "--user", "alice", "-r", "/Imported",
          "--format", "mbox", "--out", out.toString());
      assertThat(export.code()).as(export.toString()).isZero();
      assertThat(export.out()).contains("exported 17 messages");
      // the unchanged .eml comes back byte for byte, through the server as through a file
      assertThat(Files.readString(out, UTF_8)).contains("Subject: =?UTF-8?Q?caf=C3=A9?=\r\n");
    }
  }

  @Test
  void exportThenImportShouldGiveTheSameMessagesInEveryFormat() throws IOException {
    assertThat(msgstore("import", "--store", db.toString(), "--folder", "/Imported", mail.toString()).code())
        .isEqualTo(MailTransfer.EXIT_SOME_FAILED);
    List<String> imported = contents(db, "/Imported");
    for (String format : List.of("eml", "mbox", "maildir")) {
      Path out = dir.resolve("export-" + format + (format.equals("mbox") ? ".mbox" : ""));
      CliRun export = msgstore("export", "--store", db.toString(), "-r", "/Imported", "--format", format, "--out",
          out.toString());
      assertThat(export.code()).as(export.toString()).isZero();
      assertThat(export.out()).contains("exported 17 messages", "0 failed");

      Path again = newStore("again-" + format + ".db");
      CliRun back = msgstore("import", "--store", again.toString(), "--folder", "/Back", out.toString());
      assertThat(back.code()).as(back.toString()).isZero();
      List<String> roundTrip = contents(again, "/Back");
      if (format.equals("maildir")) {
        assertThat(roundTrip).as(format).isEqualTo(imported);
      } else { // .eml and mbox carry no flags
        assertThat(roundTrip).as(format).isEqualTo(imported.stream().map(l -> l.replaceAll("\\| \\[.*]$", "| []"))
            .sorted().toList());
      }
    }
  }

  @Test
  void anUnchangedImportedMessageShouldExportAsTheBytesThatCameIn() throws IOException {
    assertThat(msgstore("import", "--store", db.toString(), "--folder", "/One", mail.resolve("loose.eml").toString())
        .code()).isZero();
    Path out = dir.resolve("one");
    assertThat(msgstore("export", "--store", db.toString(), "/One", "--format", "eml", "--out", out.toString()).code())
        .isZero();
    assertThat(Files.readAllBytes(out.resolve("000001.eml"))).isEqualTo(Files.readAllBytes(mail.resolve("loose.eml")));
  }

  @Test
  void exportShouldRefuseAnExistingTargetAndImportAMissingPathWithExitThree() throws IOException {
    Files.writeString(dir.resolve("exists.mbox"), "x");
    CliRun export = msgstore("export", "--store", db.toString(), "/Inbox", "--format", "mbox", "--out",
        dir.resolve("exists.mbox").toString());
    assertThat(export.code()).as(export.toString()).isEqualTo(Main.EXIT_IO);
    assertThat(export.err()).contains("exists", "nothing was written");
    assertThat(dir.resolve("exists.mbox")).hasContent("x");

    CliRun missing = msgstore("import", "--store", db.toString(), dir.resolve("nope").toString());
    assertThat(missing.code()).as(missing.toString()).isEqualTo(Main.EXIT_IO);
    assertThat(missing.err()).contains("no such file or directory: " + dir.resolve("nope"));
  }
}
