package msgstore.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.PropTags;
import msgstore.api.SaveResult;
import msgstore.api.Session;
import msgstore.api.StoreInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R33 across processes: two JVMs open the same message through the server and save from the same
 * base when told to (a stdin line, sent to both at once): exactly one wins, the other gets
 * MAPI_E_OBJECT_CHANGED, and the message holds the winner's subject. Several rounds.
 */
class TwoProcessRaceTest {
  private static final int ROUNDS = 5;
  private ServedStore store;
  private final List<Process> processes = new ArrayList<>();

  @BeforeEach
  void startServer(@TempDir Path dir) {
    store = ServedStore.open(dir);
  }

  @AfterEach
  void stopAll() {
    for (Process p : processes) {
      p.destroyForcibly();
    }
    if (store != null) {
      assertThat(ServedStore.integrityProblems(store)).isEmpty();
      store.close();
    }
  }

  /** One child JVM and its pipes. */
  private final class Child {
    final Process process;
    final Writer in;
    final BufferedReader out;

    Child(String name, MessageId id) throws IOException {
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      ProcessBuilder pb = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
          RaceClient.class.getName(), store.server().baseUri().toString(), "alice", ServedStore.PASSWORD,
          id.toString(), name);
      pb.redirectError(ProcessBuilder.Redirect.INHERIT);
      process = pb.start();
      processes.add(process);
      in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    void send(String line) throws IOException {
      in.write(line + "\n");
      in.flush();
    }

    String answer() throws IOException {
      String line = out.readLine();
      assertThat(line).as("answer of the child process").isNotNull();
      return line;
    }
  }

  @Test
  @DisplayName("R33: two processes saving from the same base: exactly one wins, the other gets OBJECT_CHANGED")
  void exactlyOneSaveShouldWinWhenTwoProcessesSaveFromTheSameBase() throws Exception {
    MessageId id;
    try (Session alice = store.openSession("alice")) {
      StoreInfo mailbox = alice.createStore("Mailbox - alice");
      try (Message m = alice.rootFolder(mailbox.id()).subfolder("Inbox").orElseThrow().createMessage()) {
        m.set(PropTags.SUBJECT, "start");
        SaveResult r = m.saveChanges();
        id = r.messageId();
      }
    }
    Child a = new Child("A", id);
    Child b = new Child("B", id);
    for (int round = 1; round <= ROUNDS; round++) {
      a.send("open " + round);
      b.send("open " + round);
      String readyA = a.answer();
      String readyB = b.answer();
      assertThat(readyA).startsWith("ready ");
      assertThat(readyB).as("both opened the same base").isEqualTo(readyA);
      a.send("save");
      b.send("save");
      String ra = a.answer();
      String rb = b.answer();
      List<String> results = List.of(ra, rb);
      assertThat(results).as("round " + round + ": one winner").filteredOn(s -> s.startsWith("won ")).hasSize(1);
      assertThat(results).as("round " + round + ": one loser with OBJECT_CHANGED")
          .filteredOn(s -> s.equals("lost MAPI_E_OBJECT_CHANGED")).hasSize(1);
      String winner = ra.startsWith("won ") ? "A" : "B";
      try (Session alice = store.openSession("alice"); Message m = alice.openMessage(id)) {
        assertThat(m.getProp(PropTags.SUBJECT).orElseThrow().asString()).isEqualTo(winner + " round " + round);
        String won = ra.startsWith("won ") ? ra : rb;
        assertThat(m.baseChangeNumber().orElseThrow().value()).isEqualTo(Long.parseLong(won.substring(4)));
      }
    }
    a.send("quit");
    b.send("quit");
    assertThat(a.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(b.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(a.process.exitValue()).isZero();
    assertThat(b.process.exitValue()).isZero();
  }
}
