package msgstore.server;

import static msgstore.testkit.LinearizabilityChecker.op;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import msgstore.testkit.HistoryRecorder;
import msgstore.testkit.HistoryRecorder.Kind;
import msgstore.testkit.HistoryRecorder.Operation;
import msgstore.testkit.HistoryRecorder.Outcome;
import msgstore.testkit.LinearizabilityChecker;
import msgstore.testkit.LinearizabilityChecker.Result;
import msgstore.testkit.Stress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Linearizability over HTTP (issue 7): concurrent HTTP clients on a real port race reads (GET),
 * conditional saves ({@code If-Match: "<etag>"} from the version they read), forced saves ({@code
 * If-Match: *}) and deletes on a few hot messages; each message's recorded history (real-time
 * invocation and response of every request) is checked with the testkit's {@link
 * LinearizabilityChecker} against the compare-and-set model (spec R27, R28, R33, R41, R45, X2).
 *
 * <p>Over HTTP a save on a deleted message may answer 410 OBJECT_DELETED or 404; both mean "the
 * save did not happen because the message is gone" and are recorded as DELETED (which of the two is
 * the right status is tested with the save rules, not here). Rounds: 3 by default, 30 with {@code
 * -Dmsgstore.stress=full}.
 */
class HttpLinearizabilityTest {
  private static final int CLIENTS = 8;
  private static final int HOT = 3;

  @TempDir Path dir;
  private TestServer t;
  private String store;
  private String inbox;

  @BeforeEach
  void start() {
    t = TestServer.start(dir);
    store = t.mailbox("alice");
    inbox = t.folder("alice", store, "Inbox");
  }

  @AfterEach
  void stop() {
    t.close();
  }

  @Test
  void historiesOfConcurrentHttpClientsShouldBeLinearizableOnHotMessages() throws Exception {
    int rounds = Stress.scale(3, 30);
    int opsPerClient = Stress.scale(12, 40);
    int checked = 0;
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    try {
      for (int round = 0; round < rounds; round++) {
        String[] ids = new String[HOT];
        long[] initial = new long[HOT];
        HistoryRecorder[] rec = new HistoryRecorder[HOT];
        for (int m = 0; m < HOT; m++) {
          TestServer.Resp c = t.post("alice", "/stores/" + store + "/folders/" + inbox + "/messages",
              TestServer.message("hot " + round + "/" + m));
          assertThat(c.status()).as(c.toString()).isEqualTo(201);
          ids[m] = c.json().get("messageId").asText();
          initial[m] = c.json().get("changeNumber").asLong();
          rec[m] = new HistoryRecorder();
        }
        // In odd rounds one client deletes the last hot message half-way through.
        boolean withDelete = round % 2 == 1;
        CyclicBarrier go = new CyclicBarrier(CLIENTS);
        List<Future<?>> done = new ArrayList<>();
        long seed = round * 1_000_003L;
        for (int c = 0; c < CLIENTS; c++) {
          int client = c;
          done.add(pool.submit(() -> {
            go.await();
            runClient(client, new SplittableRandom(seed + client), ids, rec, opsPerClient,
                withDelete && client == 0 ? opsPerClient / 2 : -1);
            return null;
          }));
        }
        for (Future<?> f : done) {
          f.get(120, TimeUnit.SECONDS);
        }
        for (int m = 0; m < HOT; m++) {
          List<Operation> history = rec[m].history();
          Result r = LinearizabilityChecker.check(history, initial[m]);
          assertThat(r.linearizable()).as("round %d, message %s (%d operations): %s", round, ids[m], history.size(),
              r.explanation()).isTrue();
          assertThat(history).as("the history of %s has saves that won", ids[m])
              .anyMatch(o -> o.kind() != Kind.OPEN && o.kind() != Kind.DELETE && o.outcome() == Outcome.OK);
          checked += history.size();
        }
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.printf("[http-linearizability] %d rounds, %d clients, %d client steps on %d hot messages per round:"
        + " %d operations checked, all linearizable%n", rounds, CLIENTS, CLIENTS * opsPerClient, HOT, checked);
  }

  private void runClient(int client, SplittableRandom rnd, String[] ids, HistoryRecorder[] rec, int ops,
      int deleteAt) {
    for (int i = 0; i < ops; i++) {
      if (i == deleteAt) {
        HistoryRecorder.Call del = rec[HOT - 1].invoke(client, Kind.DELETE, 0);
        TestServer.Resp r = t.delete("alice", "/stores/" + store + "/messages/" + ids[HOT - 1]);
        record(del, Kind.DELETE, r);
        continue;
      }
      int m = rnd.nextInt(HOT);
      String path = "/stores/" + store + "/messages/" + ids[m];
      String token = "c" + client + " i" + i;
      int p = rnd.nextInt(100);
      if (p < 60) { // read, then (mostly) a conditional save from what was read
        HistoryRecorder.Call read = rec[m].invoke(client, Kind.OPEN, 0);
        TestServer.Resp r = t.get("alice", path);
        record(read, Kind.OPEN, r);
        if (r.status() != 200 || p >= 45) {
          continue;
        }
        long base = r.json().get("changeNumber").asLong();
        HistoryRecorder.Call save = rec[m].invoke(client, Kind.SAVE, base);
        record(save, Kind.SAVE, t.patch("alice", path, TestServer.props("PidTagSubject", token), r.etag()));
      } else if (p < 90) {
        HistoryRecorder.Call save = rec[m].invoke(client, Kind.FORCE_SAVE, 0);
        record(save, Kind.FORCE_SAVE, t.patch("alice", path, TestServer.props("PidTagSubject", token), "*"));
      } else {
        HistoryRecorder.Call save = rec[m].invoke(client, Kind.FORCE_SAVE, 0);
        record(save, Kind.FORCE_SAVE, t.put("alice", path, TestServer.message(token), "*"));
      }
    }
  }

  /** Records the answer of an HTTP request as the model's outcome; an answer the model does not know fails. */
  private static void record(HistoryRecorder.Call call, Kind kind, TestServer.Resp r) {
    boolean save = kind == Kind.SAVE || kind == Kind.FORCE_SAVE;
    switch (r.status()) {
      case 200 -> call.ok(r.json().get("changeNumber").asLong());
      case 204 -> call.ok(0);
      case 412 -> call.fail(Outcome.CHANGED);
      case 404, 410 -> call.fail(save ? Outcome.DELETED : Outcome.NOT_FOUND);
      default -> throw new AssertionError("unexpected answer to " + kind + ": " + r);
    }
  }

  // ---- the checker's forced saves can fail: planted histories

  @Test
  void checkerShouldRejectAnOpenThatMissesACompletedForcedSave() {
    List<Operation> h = List.of(
        op(1, Kind.FORCE_SAVE, 0, 0, 1, Outcome.OK, 6),
        op(2, Kind.OPEN, 0, 2, 3, Outcome.OK, 5));
    assertThat(LinearizabilityChecker.check(h, 5).linearizable()).isFalse();
  }

  @Test
  void checkerShouldRejectAForcedSaveThatSucceedsAfterACompletedDelete() {
    List<Operation> lost = List.of(
        op(1, Kind.DELETE, 0, 0, 1, Outcome.OK, 0),
        op(2, Kind.FORCE_SAVE, 0, 2, 3, Outcome.OK, 6));
    assertThat(LinearizabilityChecker.check(lost, 5).linearizable()).isFalse();
    List<Operation> refused = List.of(
        op(1, Kind.DELETE, 0, 0, 1, Outcome.OK, 0),
        op(2, Kind.FORCE_SAVE, 0, 2, 3, Outcome.DELETED, 0));
    assertThat(LinearizabilityChecker.check(refused, 5).linearizable()).isTrue();
  }

  @Test
  void checkerShouldAcceptAForcedSaveOverAStaleBaseButRejectAConditionalOne() {
    List<Operation> forced = List.of(
        op(1, Kind.SAVE, 5, 0, 1, Outcome.OK, 6),
        op(2, Kind.FORCE_SAVE, 0, 2, 3, Outcome.OK, 7),
        op(3, Kind.OPEN, 0, 4, 5, Outcome.OK, 7));
    assertThat(LinearizabilityChecker.check(forced, 5).linearizable()).isTrue();
    List<Operation> conditional = List.of(
        op(1, Kind.SAVE, 5, 0, 1, Outcome.OK, 6),
        op(2, Kind.SAVE, 5, 2, 3, Outcome.OK, 7));
    assertThat(LinearizabilityChecker.check(conditional, 5).linearizable()).isFalse();
  }
}
