package msgstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import msgstore.api.Folder;
import msgstore.api.Message;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Session;
import msgstore.api.TableRow;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.storage.sqlite.SqliteMessageStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code msgstore import --threads N} (ImportPool): the same messages as one thread, every
 * duplicate inside one mbox skipped exactly once even when its twin is in flight, failures listed
 * in source order, exit code 4 unchanged.
 */
class ImportThreadsTest {
  private static final Editor NO_EDITOR = (file, interactive, log) -> {
    throw new AssertionError("no editor expected");
  };

  @TempDir
  Path dir;

  private Path newStore(String name) {
    Path p = dir.resolve(name);
    try (EmbeddedMessageStore store = SqliteMessageStore.open(p); Session s = store.openSession("alice")) {
      s.createStore("Alice");
    }
    return p;
  }

  /**
   * 300 messages: message i is sent twice (byte-identical) when i % 10 == 0, right after itself so
   * that both copies are in flight at once; every 50th is over
   * the --max-size of the test (fails with TOO_BIG).
   */
  private Path mbox() throws IOException {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 300; i++) {
      String msg = "Message-ID: <t" + i + "@example.com>\nSubject: message " + i + "\nFrom: a@example.com\n"
          + "Date: Tue, 14 Nov 2023 22:13:20 +0000\n\nbody " + i + "\n" + (i % 50 == 7 ? "x".repeat(500) + "\n" : "");
      int copies = i % 10 == 0 ? 2 : 1;
      for (int c = 0; c < copies; c++) {
        b.append("From a@example.com Tue Nov 14 22:13:20 2023\n").append(msg).append('\n');
      }
    }
    Path p = dir.resolve("t.mbox");
    Files.writeString(p, b, UTF_8);
    return p;
  }

  private static CliRun msgstore(String... args) {
    return CliRun.run(Map.of("USER", "alice"), "", NO_EDITOR, args);
  }

  private static List<String> subjects(Path db) {
    List<String> out = new ArrayList<>();
    try (EmbeddedMessageStore store = SqliteMessageStore.open(db); Session s = store.openSession("alice")) {
      Folder f = s.rootFolder(s.stores().get(0).id()).subfolder("In").orElseThrow();
      for (TableRow r : f.contentsTable().queryRows(0, 10_000)) {
        try (Message m = s.openMessage(r.messageId())) {
          out.add(m.getProp(PropTags.SUBJECT).map(PropValue::asString).orElse(""));
        }
      }
    }
    out.sort(null);
    return out;
  }

  @Test
  void eightThreadsShouldImportWhatOneThreadImportsSkipEachTwinOnceAndListFailuresInSourceOrder() throws IOException {
    Path mbox = mbox();
    Path one = newStore("one.db");
    Path eight = newStore("eight.db");

    CliRun serial = msgstore("import", "--max-size", "400", "--threads", "1", "--store", one.toString(), "--folder", "/In", mbox.toString());
    CliRun parallel = msgstore("import", "--max-size", "400", "--threads", "8", "--store", eight.toString(), "--folder", "/In", mbox.toString());

    for (CliRun r : List.of(serial, parallel)) {
      assertThat(r.code()).as(r.toString()).isEqualTo(MailTransfer.EXIT_SOME_FAILED);
      assertThat(r.out()).as(r.toString()).contains("imported 294 messages", "30 skipped as already present", "6 failed");
    }
    List<String> failures = parallel.out().lines().filter(l -> l.startsWith("  failed: ")).toList();
    assertThat(failures).hasSize(6).allMatch(l -> l.contains("MAPI_E_TOO_BIG")).isEqualTo(serial.out().lines().filter(l -> l.startsWith("  failed: ")).toList());
    assertThat(subjects(eight)).hasSize(294).doesNotHaveDuplicates().isEqualTo(subjects(one));

    CliRun again = msgstore("import", "--max-size", "400", "--threads", "8", "--store", eight.toString(), "--folder", "/In", mbox.toString());
    assertThat(again.out()).as(again.toString()).contains("imported 0 messages", "324 skipped as already present");
    assertThat(subjects(eight)).hasSize(294);
  }

  @Test
  void threadsOutsideOneToSixtyFourShouldBeAUsageError() throws IOException {
    Path db = newStore("a.db");
    CliRun r = msgstore("import", "--threads", "0", "--store", db.toString(), mbox().toString());
    assertThat(r.code()).as(r.toString()).isEqualTo(Main.EXIT_USAGE);
    assertThat(r.err()).contains("--threads must be 1 to 64, got 0");
  }
}
