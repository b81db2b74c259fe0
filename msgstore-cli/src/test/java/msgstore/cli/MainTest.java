package msgstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import msgstore.api.Folder;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.MessageSnapshot;
import msgstore.api.MessageStore;
import msgstore.api.StoreLimits;
import msgstore.api.OpenFlag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.RecipientOp;
import msgstore.api.Session;
import msgstore.api.StoreInfo;
import msgstore.api.VersionInfo;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.storage.sqlite.SqliteMessageStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The msgstore command against an embedded store file, run in-process. */
class MainTest {
  private static final Editor NO_EDITOR = (file, interactive, log) -> {
    throw new AssertionError("no editor expected");
  };

  @TempDir
  Path dir;

  Path file;
  EmbeddedMessageStore store;
  Session alice;
  StoreInfo info;
  Folder inbox;
  Folder work;
  MessageId first;
  MessageId second;

  @BeforeEach
  void createStoreWithTwoMessages() {
    file = dir.resolve("mail.db");
    store = SqliteMessageStore.open(file);
    alice = store.openSession("alice");
    info = alice.createStore("Alice");
    inbox = alice.rootFolder(info.id()).subfolder("Inbox").orElseThrow();
    work = inbox.createFolder("Work");
    first = save(inbox, "Quarterly report", "Bob", "Numbers go here.", Instant.parse("2026-11-20T09:00:00Z"));
    second = save(inbox, "Lunch?", "Carol", "At noon.", Instant.parse("2026-11-21T12:00:00Z"));
  }

  @AfterEach
  void closeStore() {
    alice.close();
    store.close();
  }

  private static MessageId save(Folder f, String subject, String from, String body, Instant received) {
    Message m = f.createMessage();
    m.setProps(PropValue.of(PropTags.SUBJECT, subject), PropValue.of(PropTags.SENDER_NAME, from),
        PropValue.of(PropTags.BODY, body), PropValue.of(PropTags.MESSAGE_DELIVERY_TIME, received),
        PropValue.of(PropTags.IMPORTANCE, 1));
    m.modifyRecipients(RecipientOp.ADD, List.of(Recipient.of(PropTags.MAPI_TO, "Alice", "alice@example.org")));
    return m.saveChanges().messageId();
  }

  private CliRun cli(String... args) {
    return cli("", NO_EDITOR, args);
  }

  private CliRun cli(String stdin, Editor editor, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    if (!all.isEmpty() && !all.contains("--store") && !all.contains("--server")) {
      all.addAll(List.of("--store", file.toString(), "--user", "alice"));
    }
    return CliRun.run(Map.of("USER", "nobody"), stdin, editor, this::openShared, all.toArray(String[]::new));
  }

  /** The CLI shares the test's open store (a SQLite store file has one owner process at a time). */
  private MessageStore openShared(Path path) {
    if (!path.equals(file)) {
      return SqliteMessageStore.open(path);
    }
    return new MessageStore() {
      @Override
      public Session openSession(String user) {
        return store.openSession(user);
      }

      @Override
      public StoreLimits limits() {
        return store.limits();
      }

      @Override
      public void close() {}
    };
  }

  private String subject(MessageId id) {
    try (Message m = alice.openMessage(id)) {
      return m.getProp(PropTags.SUBJECT).map(PropValue::asString).orElse(null);
    }
  }

  private String body(MessageId id) {
    try (Message m = alice.openMessage(id)) {
      return m.getProp(PropTags.BODY).map(PropValue::asString).orElse(null);
    }
  }

  // ---- ls

  @Test
  void lsShouldListStoresWithTheirFolderTreeAndCounts() {
    CliRun r = cli("ls");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("Alice  " + info.id() + "  (owner alice)")
        .containsPattern(inbox.id() + "\\s+/Inbox\\s+2\\s+2 unread")
        .containsPattern(work.id() + "\\s+/Inbox/Work\\s+0");
  }

  @Test
  void lsOfAFolderPathShouldListItsMessagesNewestFirst() {
    CliRun r = cli("ls", "/Inbox");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("2 messages, 2 unread").contains("ID").contains("RECEIVED").contains("FROM")
        .contains("SUBJECT").contains(first.toString()).contains("Quarterly report").contains("Bob");
    assertThat(r.out().indexOf("Lunch?")).isLessThan(r.out().indexOf("Quarterly report"));
  }

  @Test
  void lsShouldSortByTheGivenKeyAndHonourTheLimit() {
    CliRun r = cli("ls", inbox.id().toString(), "--sort", "subject", "--limit", "1");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("Lunch?").doesNotContain("Quarterly report").contains("showing 1");
    CliRun bad = cli("ls", "/Inbox", "--sort", "nonsense");
    assertThat(bad.code()).isEqualTo(2);
  }

  @Test
  void lsOfAnUnknownFolderShouldFailWithNotFound() {
    CliRun r = cli("ls", "/Inbox/Nope");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("msgstore: MAPI_E_NOT_FOUND: no folder /Inbox/Nope").contains("Work")
        .doesNotContain("\tat ");
  }

  // ---- show

  @Test
  void showShouldPrintPropertiesByCanonicalNameRecipientsAndTheBody() {
    CliRun r = cli("show", first.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains(first + " in /Inbox (" + inbox.id() + ")").containsPattern("PidTagSubject\\s+Quarterly report")
        .containsPattern("PidTagImportance\\s+1").containsPattern("PidTagBody\\s+Numbers go here.")
        .contains("Recipients:").contains("To  Alice <alice@example.org>");
  }

  @Test
  void showJsonShouldUseTheHttpApiMessageShape() throws IOException {
    CliRun r = cli("show", "--json", first.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json.get("id").asText()).isEqualTo(first.toString());
    assertThat(json.get("folderId").asText()).isEqualTo(inbox.id().toString());
    assertThat(json.at("/properties/PidTagSubject/value").asText()).isEqualTo("Quarterly report");
    assertThat(json.at("/properties/PidTagSubject/tag").asText()).isEqualTo("0x0037001F");
    assertThat(json.at("/properties/PidTagMessageDeliveryTime/value").asText()).isEqualTo("2026-11-20T09:00:00Z");
    assertThat(json.at("/recipients/0/properties/PidTagSmtpAddress/value").asText()).isEqualTo("alice@example.org");
  }

  // ---- rm, undelete, mv

  @Test
  void rmShouldSoftDeleteAndUndeleteShouldBringTheMessageBack() {
    CliRun r = cli("rm", first.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("deleted " + first);
    assertThat(inbox.softDeletedMessages()).contains(first);
    assertThat(cli("ls", "/Inbox").out()).doesNotContain("Quarterly report");
    assertThat(cli("undelete", first.toString()).code()).isZero();
    assertThat(subject(first)).isEqualTo("Quarterly report");
  }

  @Test
  void rmHardShouldRemoveTheMessageForGood() {
    assertThat(cli("rm", "--hard", first.toString()).code()).isZero();
    assertThat(inbox.softDeletedMessages()).doesNotContain(first);
    CliRun again = cli("show", first.toString());
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err()).startsWith("msgstore: MAPI_E_");
  }

  @Test
  void mvShouldMoveToAFolderPathAndPrintTheNewId() {
    CliRun r = cli("mv", first.toString(), "/Inbox/Work");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("moved " + first + " to /Inbox/Work (" + work.id() + "); it is now m-");
    MessageId moved = MessageId.parse(r.out().substring(r.out().lastIndexOf("m-")).strip());
    assertThat(subject(moved)).isEqualTo("Quarterly report");
    assertThat(cli("ls", "/Inbox/Work").out()).contains(moved.toString());
  }

  // ---- history, restore

  @Test
  void historyShouldListVersionsAndRestoreShouldBringAnOldOneBack() {
    try (Message m = alice.openMessage(first, OpenFlag.MODIFY)) {
      m.set(PropTags.SUBJECT, "Quarterly report v2");
      m.saveChanges();
    }
    List<VersionInfo> versions = alice.versions(first);
    long old = versions.get(1).changeNumber().value();
    CliRun h = cli("history", first.toString());
    assertThat(h.code()).as(h.toString()).isZero();
    assertThat(h.out()).contains("VERSION").contains("*" + versions.get(0).changeNumber().value())
        .contains("Quarterly report v2").contains("CREATED").contains("alice")
        .contains("msgstore restore " + first + " " + old);
    CliRun r = cli("restore", first.toString(), Long.toString(old));
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("restored " + first + " version " + old + " as the new version");
    assertThat(subject(first)).isEqualTo("Quarterly report");
    assertThat(alice.versions(first).get(0).kind()).isEqualTo(VersionInfo.VersionKind.RESTORED);
  }

  // ---- events

  @Test
  void eventsShouldPrintTheJournalOnePerLine() {
    CliRun r = cli("events");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("OBJECT_CREATED " + first + " in " + inbox.id())
        .contains("OBJECT_CREATED " + second);
    String[] lines = r.out().split("\n");
    long lastPos = Long.parseLong(lines[lines.length - 1].split(" ")[0]);
    CliRun after = cli("events", "--after", Long.toString(lastPos));
    assertThat(after.out()).isEmpty();
    try (Message m = alice.openMessage(first, OpenFlag.MODIFY)) {
      m.set(PropTags.SUBJECT, "changed");
      m.saveChanges();
    }
    assertThat(cli("events", "--after", Long.toString(lastPos)).out()).contains("OBJECT_MODIFIED " + first)
        .contains("changed=PidTagSubject");
  }

  @Test
  void eventsFollowShouldCatchUpThenPrintLiveEvents() throws Exception {
    long pos = alice.journalPosition(info.id());
    int before = store.subscriberCount();
    Thread writer = new Thread(() -> {
      // Commit only once the command has subscribed, so the second event arrives live.
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
      while (store.subscriberCount() <= before && System.nanoTime() < deadline) {
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
      try (Message m = alice.openMessage(second, OpenFlag.MODIFY)) {
        m.set(PropTags.SUBJECT, "Lunch at one?");
        m.saveChanges();
      }
    });
    writer.start();
    CliRun r = cli("events", "--follow", "--after", Long.toString(pos - 1), "--count", "2");
    writer.join();
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out().strip().split("\n")).hasSize(2);
    assertThat(r.out()).contains("OBJECT_MODIFIED " + second);
  }

  // ---- mkstore, mkdir, new

  @Test
  void mkstoreMkdirAndNewShouldBuildAStoreFromScratch() {
    Path fresh = dir.resolve("fresh/new.db");
    String[] target = {"--store", fresh.toString(), "--user", "dave"};
    assertThat(CliRun.run(Map.of(), "", NO_EDITOR, concat(new String[] {"ls"}, target)).code()).isEqualTo(3);
    CliRun mk = CliRun.run(Map.of(), "", NO_EDITOR, concat(new String[] {"mkstore", "Dave"}, target));
    assertThat(mk.code()).as(mk.toString()).isZero();
    assertThat(mk.out()).contains("created store Dave");
    assertThat(CliRun.run(Map.of(), "", NO_EDITOR, concat(new String[] {"mkdir", "/Inbox/Projects"}, target)).code())
        .isZero();
    CliRun created = CliRun.run(Map.of(), "line one\nline two\n", NO_EDITOR, concat(new String[] {"new",
        "/Inbox/Projects", "--subject", "Kick-off", "--to", "erin@example.org", "--body", "-",
        "--set", "PidTagImportance=2"}, target));
    assertThat(created.code()).as(created.toString()).isZero();
    String id = created.out().strip();
    CliRun show = CliRun.run(Map.of(), "", NO_EDITOR, concat(new String[] {"show", id}, target));
    assertThat(show.out()).containsPattern("PidTagSubject\\s+Kick-off").containsPattern("PidTagImportance\\s+2")
        .contains("line one\\nline two").contains("erin@example.org");
  }

  private static String[] concat(String[] a, String[] b) {
    String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  // ---- edit

  /** An editor that rewrites the file with {@code change}, as a user would. */
  private static Editor editing(java.util.function.UnaryOperator<String> change) {
    return (f, interactive, log) -> {
      try {
        Files.writeString(f, change.apply(Files.readString(f, StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }

  /** Like {@link #editing}, and another client saves {@code theirSubject} while the editor is open. */
  private Editor editingWhileSomeoneElseSaves(java.util.function.UnaryOperator<String> change, String theirSubject) {
    Editor mine = editing(change);
    return (f, interactive, log) -> {
      mine.edit(f, interactive, log);
      try (Session phone = store.openSession("alice"); Message m = phone.openMessage(first, OpenFlag.MODIFY)) {
        m.set(PropTags.SUBJECT, theirSubject);
        m.saveChanges();
      }
    };
  }

  @Test
  void editShouldRunEditorFromTheEnvironmentAndSaveTheChangedProperties() throws IOException {
    Path script = dir.resolve("ed.sh");
    Files.writeString(script, "#!/bin/sh\nsed -i -e 's/^PidTagSubject: .*/PidTagSubject: Edited by sed/' "
        + "-e '/^PidTagImportance:/d' -e 's/Numbers go here./New numbers./' \"$1\"\n"
        + "echo 'PidTagSensitivity: 2' > \"$1.h\"\nsed -i \"1r $1.h\" \"$1\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    Map<String, String> env = Map.of("EDITOR", script.toString(), "USER", "alice");
    closeStore(); // the command opens the file itself, as from a shell
    CliRun r = CliRun.run(env, "", Editor.process(env), "edit", first.toString(), "--store", file.toString());
    store = SqliteMessageStore.open(file);
    alice = store.openSession("alice");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("saved " + first + " as version");
    try (Message m = alice.openMessage(first)) {
      assertThat(m.getProp(PropTags.SUBJECT).orElseThrow().asString()).isEqualTo("Edited by sed");
      assertThat(m.getProp(PropTags.BODY).orElseThrow().asString()).isEqualTo("New numbers.");
      assertThat(m.getProp(PropTags.IMPORTANCE)).isEmpty();
      assertThat(m.getProp(PropTags.SENSITIVITY).orElseThrow().asInt()).isEqualTo(2);
    }
  }

  @Test
  void editWithoutChangesShouldSaveNothing() {
    CliRun r = cli("", editing(s -> s), "edit", first.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("no changes to " + first);
    assertThat(alice.versions(first)).hasSize(1);
  }

  @Test
  void editWithAMalformedLineShouldFailAsUsageAndKeepTheEdit() {
    CliRun r = cli("", editing(s -> s.replace("PidTagSubject:", "PidTagSubject")), "edit", first.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("expected \"Name: value\"").contains("your edit is in");
  }

  @Test
  void editConflictAnsweredMergeShouldKeepBothEdits() {
    CliRun r = cli("m\n", editingWhileSomeoneElseSaves(s -> s.replace("Numbers go here.", "My numbers."),
        "Their subject"), "edit", first.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.err()).contains("MAPI_E_OBJECT_CHANGED").contains("Their changes:")
        .contains("PidTagSubject: \"Quarterly report\" -> \"Their subject\"").contains("Your changes:")
        .contains("PidTagBody: \"Numbers go here.\" -> \"My numbers.\"").contains("[k]eep original");
    assertThat(r.out()).contains("merged: saved " + first);
    assertThat(subject(first)).isEqualTo("Their subject");
    assertThat(body(first)).isEqualTo("My numbers.");
  }

  @Test
  void editConflictAnsweredOverwriteShouldReplaceAndKeepTheReplacedVersionInHistory() {
    CliRun r = cli("o\n", editingWhileSomeoneElseSaves(s -> s.replace("Numbers go here.", "My numbers."),
        "Their subject"), "edit", first.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("overwrote: saved " + first).contains("stays in history");
    assertThat(subject(first)).isEqualTo("Quarterly report");
    assertThat(body(first)).isEqualTo("My numbers.");
    List<VersionInfo> versions = alice.versions(first);
    assertThat(versions.get(0).kind()).isEqualTo(VersionInfo.VersionKind.FORCED);
    MessageSnapshot replaced = alice.readVersion(first, versions.get(1).changeNumber());
    assertThat(replaced.get(PropTags.SUBJECT).orElseThrow().asString()).isEqualTo("Their subject");
  }

  @Test
  void editConflictAnsweredKeepShouldLeaveTheMessageAndExitWithUserCancel() {
    CliRun r = cli("k\n", editingWhileSomeoneElseSaves(s -> s.replace("Numbers go here.", "My numbers."),
        "Their subject"), "edit", first.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("msgstore: MAPI_E_USER_CANCEL: kept the original of " + first);
    assertThat(subject(first)).isEqualTo("Their subject");
    assertThat(body(first)).isEqualTo("Numbers go here.");
  }

  @Test
  void editConflictAnsweredCopyShouldSaveTheEditAsANewMessageInTheChosenFolder() {
    CliRun r = cli("x\nc\n/Inbox/Work\n", editingWhileSomeoneElseSaves(
        s -> s.replace("Numbers go here.", "My numbers."), "Their subject"), "edit", first.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.err()).contains("please answer k, o, c or m").contains("copy to which folder");
    assertThat(r.out()).contains("saved your version as m-").contains("in /Inbox/Work");
    assertThat(subject(first)).isEqualTo("Their subject");
    List<msgstore.api.TableRow> rows = work.contentsTable().queryRows(0, 10);
    assertThat(rows).hasSize(1);
    assertThat(body(rows.get(0).messageId())).isEqualTo("My numbers.");
  }

  @Test
  void aStoreFileInUseShouldFailWithBusyAndSuggestTheServer() {
    CliRun r = CliRun.run(Map.of(), "", NO_EDITOR, "ls", "--store", file.toString(), "--user", "alice");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("msgstore: MAPI_E_BUSY: ").contains("--server http://127.0.0.1:8080");
  }

  // ---- exit codes

  @Test
  void exitCodesShouldBeTwoForUsageOneForMapiErrorsAndThreeForAMissingStore() {
    CliRun usage = cli("ls", "--no-such-option");
    assertThat(usage.code()).isEqualTo(2);
    assertThat(usage.err()).contains("Unknown option");
    assertThat(cli("show").code()).isEqualTo(2);
    CliRun notFound = cli("show", "m-999999");
    assertThat(notFound.code()).isEqualTo(1);
    assertThat(notFound.err()).startsWith("msgstore: MAPI_E_NOT_FOUND: ").doesNotContain("Exception");
    CliRun badId = cli("show", "x-1");
    assertThat(badId.code()).isEqualTo(1);
    assertThat(badId.err()).startsWith("msgstore: MAPI_E_INVALID_ENTRYID: ");
    CliRun missing = CliRun.run(Map.of(), "", NO_EDITOR, "ls", "--store", dir.resolve("nope.db").toString(),
        "--user", "alice");
    assertThat(missing.code()).isEqualTo(3);
    assertThat(missing.err()).startsWith("msgstore: no store file at");
    assertThat(Files.exists(dir.resolve("nope.db"))).isFalse();
    CliRun both = cli("ls", "--store", file.toString(), "--server", "http://127.0.0.1:1", "--user", "alice");
    assertThat(both.code()).isEqualTo(2);
    CliRun help = cli("--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("serve").contains("edit").contains("Exit codes");
  }
}
