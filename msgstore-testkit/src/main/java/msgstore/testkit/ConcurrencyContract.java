package msgstore.testkit;

import static msgstore.api.PropTags.BODY;
import static msgstore.api.PropTags.SUBJECT;
import static msgstore.api.SaveFlag.KEEP_OPEN_READWRITE;
import static msgstore.testkit.LinearizabilityChecker.op;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import msgstore.api.ChangeNumber;
import msgstore.api.Folder;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.ObjectChangedException;
import msgstore.api.OpenFlag;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.SaveResult;
import msgstore.api.Session;
import msgstore.api.StoreException;
import msgstore.testkit.HistoryRecorder.Kind;
import msgstore.testkit.HistoryRecorder.Operation;
import msgstore.testkit.HistoryRecorder.Outcome;
import msgstore.testkit.LinearizabilityChecker.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Concurrency contract (STYLE habit 17; spec R33, R45, R97): real threads released together by a
 * barrier race saves, deletes and moves on one message, and recorded histories are checked for
 * linearizability against the single-message model ({@link LinearizabilityChecker}). Plugs in like
 * {@link MessageStoreContract}. Rounds are few by default and many with {@code
 * -Dmsgstore.stress=full} ({@link Stress}).
 */
@Tag("concurrency")
public abstract class ConcurrencyContract extends StoreContractBase {

  /** Writers racing on one message. */
  protected static final int THREADS = 16;
  private static final long TIMEOUT_SECONDS = 60;

  private ExecutorService pool;
  private List<Session> sessions;

  @BeforeEach
  protected final void startThreads() {
    pool = Executors.newFixedThreadPool(THREADS + 2);
    sessions = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      sessions.add(fx().openSession(StoreFixture.OWNER));
    }
  }

  @AfterEach
  protected final void stopThreads() throws InterruptedException {
    pool.shutdownNow();
    assertThat(pool.awaitTermination(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("worker threads stopped").isTrue();
  }

  /** What one racing task did: a save result (none for deletes and moves), or the store error it got. */
  private record RaceResult(Optional<SaveResult> saved, Optional<StoreException> error, String token) {
    static RaceResult of(Callable<SaveResult> c, String token) {
      try {
        return new RaceResult(Optional.ofNullable(c.call()), Optional.empty(), token);
      } catch (StoreException e) {
        return new RaceResult(Optional.empty(), Optional.of(e), token);
      } catch (Exception e) {
        throw new AssertionError("unexpected " + e, e);
      }
    }

    MapiError code() {
      return error.map(StoreException::error).orElse(null);
    }
  }

  /** Runs the tasks on the pool, all released at once by a barrier, and returns their results in order. */
  private <T> List<T> race(List<Callable<T>> tasks) throws InterruptedException {
    CyclicBarrier barrier = new CyclicBarrier(tasks.size());
    List<Future<T>> futures = new ArrayList<>();
    for (Callable<T> t : tasks) {
      futures.add(pool.submit(() -> {
        barrier.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return t.call();
      }));
    }
    List<T> results = new ArrayList<>();
    for (Future<T> f : futures) {
      try {
        results.add(f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
      } catch (ExecutionException e) {
        throw new AssertionError("a racing task failed: " + e.getCause(), e.getCause());
      } catch (TimeoutException e) {
        throw new AssertionError("a racing task did not finish within " + TIMEOUT_SECONDS + " s (deadlock?)", e);
      }
    }
    return results;
  }

  private Session session(int i) {
    return sessions.get(i % sessions.size());
  }

  private MessageId createTokenMessage(String token) {
    return createMessage(inbox(), m -> {
      m.set(SUBJECT, token);
      m.set(BODY, token);
    });
  }

  /** Subject and body are always written together; a version where they differ is torn. */
  private static void assertNotTorn(Message m) {
    assertThat(string(m, BODY)).as("body of the same version as the subject").isEqualTo(subject(m));
  }

  @Test
  @DisplayName("R33: sixteen saves from one base at once: exactly one wins, the rest get OBJECT_CHANGED")
  void concurrentSavesShouldLetExactlyOneWinWhenSixteenThreadsSaveFromOneBase() throws Exception {
    int rounds = Stress.scale(5, 50);
    for (int round = 0; round < rounds; round++) {
      MessageId id = createTokenMessage("base " + round);
      ChangeNumber base = currentCn(id);
      List<Message> handles = new ArrayList<>();
      List<Callable<RaceResult>> tasks = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        Message h = session(t).openMessage(id, OpenFlag.MODIFY);
        handles.add(h);
        String token = "round " + round + " writer " + t;
        h.set(SUBJECT, token);
        h.set(BODY, token);
        tasks.add(() -> RaceResult.of(() -> h.saveChanges(KEEP_OPEN_READWRITE), token));
      }
      try {
        assertThat(handles).allSatisfy(h -> assertThat(h.baseChangeNumber()).contains(base));
        List<RaceResult> outcomes = race(tasks);
        List<RaceResult> winners = outcomes.stream().filter(o -> o.saved().isPresent()).toList();
        assertThat(winners).as("round %d: exactly one save wins", round).hasSize(1);
        RaceResult winner = winners.getFirst();
        assertThat(outcomes).filteredOn(o -> o.saved().isEmpty())
            .as("round %d: every loser gets OBJECT_CHANGED (R34: never a silent success)", round)
            .hasSize(THREADS - 1)
            .allSatisfy(o -> {
              assertThat(o.code()).isEqualTo(MapiError.OBJECT_CHANGED);
              assertThat(o.error().orElseThrow()).isInstanceOf(ObjectChangedException.class);
              assertThat(((ObjectChangedException) o.error().orElseThrow()).currentChangeKey())
                  .isEqualTo(winner.saved().orElseThrow().changeKey());
            });
        ChangeNumber now = currentCn(id);
        assertThat(now.value()).as("round %d: the change number moved by exactly one", round).isEqualTo(base.value() + 1);
        assertThat(now).isEqualTo(winner.saved().orElseThrow().changeNumber());
        try (Message m = openRo(id)) {
          assertThat(subject(m)).isEqualTo(winner.token());
          assertNotTorn(m);
        }
        if (fx().has(Capability.HISTORY)) {
          assertThat(owner().versions(id)).hasSize(2);
        }
        for (int t = 0; t < THREADS; t++) {
          RaceResult o = outcomes.get(t);
          if (o.saved().isEmpty()) {
            Message loser = handles.get(t);
            assertThat(loser.isOpen()).isTrue();
            assertThat(subject(loser)).as("R22: the loser keeps its edits").isEqualTo(o.token());
            assertThat(loser.baseChangeNumber()).contains(base);
          }
        }
      } finally {
        handles.forEach(Message::close);
      }
    }
  }

  @Test
  @DisplayName("R45: saves racing a delete: the first commit wins and nothing is lost or torn")
  void savesRacingADeleteShouldNeverLoseOrTearStateWhenTheyRunAtOnce() throws Exception {
    int rounds = Stress.scale(5, 40);
    int savers = THREADS / 2;
    for (int round = 0; round < rounds; round++) {
      MessageId id = createTokenMessage("original " + round);
      List<Message> handles = new ArrayList<>();
      List<Callable<RaceResult>> tasks = new ArrayList<>();
      for (int t = 0; t < savers; t++) {
        Message h = session(t).openMessage(id, OpenFlag.MODIFY);
        handles.add(h);
        String token = "round " + round + " saver " + t;
        h.set(SUBJECT, token);
        h.set(BODY, token);
        tasks.add(() -> RaceResult.of(() -> h.saveChanges(KEEP_OPEN_READWRITE), token));
      }
      Session deleter = session(savers);
      tasks.add(() -> RaceResult.of(() -> {
        deleter.deleteMessage(id);
        return null;
      }, "delete"));
      try {
        List<RaceResult> outcomes = race(tasks);
        RaceResult delete = outcomes.getLast();
        assertThat(delete.error()).as("R41: the delete succeeds").isEmpty();
        List<RaceResult> saves = outcomes.subList(0, savers);
        List<RaceResult> winners = saves.stream().filter(o -> o.saved().isPresent()).toList();
        assertThat(winners).as("round %d: at most one save commits", round).hasSizeLessThanOrEqualTo(1);
        assertThat(saves).filteredOn(o -> o.saved().isEmpty())
            .allSatisfy(o -> assertThat(o.code()).isIn(MapiError.OBJECT_CHANGED, MapiError.OBJECT_DELETED));
        if (saves.stream().anyMatch(o -> o.code() == MapiError.OBJECT_CHANGED)) {
          assertThat(winners).as("round %d: OBJECT_CHANGED means another save committed first", round).hasSize(1);
        }
        assertNotFound(id);
        String expected = winners.isEmpty() ? "original " + round : winners.getFirst().token();
        try (Message soft = owner().openMessage(id, OpenFlag.SHOW_SOFT_DELETES)) {
          assertThat(subject(soft)).as("round %d: the deleted content is the last committed version", round).isEqualTo(expected);
          assertNotTorn(soft);
        }
      } finally {
        handles.forEach(Message::close);
      }
    }
  }

  @Test
  @DisplayName("R43, R45: saves racing a move: a save either lands before the move or gets OBJECT_DELETED")
  void savesRacingAMoveShouldNeverLoseOrTearStateWhenTheyRunAtOnce() throws Exception {
    int rounds = Stress.scale(5, 40);
    int savers = THREADS / 2;
    for (int round = 0; round < rounds; round++) {
      MessageId id = createTokenMessage("original " + round);
      List<Message> handles = new ArrayList<>();
      List<Callable<RaceResult>> tasks = new ArrayList<>();
      for (int t = 0; t < savers; t++) {
        Message h = session(t).openMessage(id, OpenFlag.MODIFY);
        handles.add(h);
        String token = "round " + round + " saver " + t;
        h.set(SUBJECT, token);
        h.set(BODY, token);
        tasks.add(() -> RaceResult.of(() -> h.saveChanges(KEEP_OPEN_READWRITE), token));
      }
      Session mover = session(savers);
      Map<String, MessageId> moved = new ConcurrentHashMap<>();
      tasks.add(() -> RaceResult.of(() -> {
        moved.put("id", mover.moveMessage(id, drafts().id()));
        return null;
      }, "move"));
      try {
        List<RaceResult> outcomes = race(tasks);
        assertThat(outcomes.getLast().error()).as("the move succeeds").isEmpty();
        List<RaceResult> saves = outcomes.subList(0, savers);
        List<RaceResult> winners = saves.stream().filter(o -> o.saved().isPresent()).toList();
        assertThat(winners).hasSizeLessThanOrEqualTo(1);
        assertThat(saves).filteredOn(o -> o.saved().isEmpty())
            .allSatisfy(o -> assertThat(o.code()).isIn(MapiError.OBJECT_CHANGED, MapiError.OBJECT_DELETED));
        assertNotFound(id);
        MessageId newId = moved.get("id");
        String expected = winners.isEmpty() ? "original " + round : winners.getFirst().token();
        try (Message m = openRo(newId)) {
          assertThat(subject(m)).as("round %d: the moved message holds the last committed version", round).isEqualTo(expected);
          assertNotTorn(m);
          assertThat(m.folderId()).isEqualTo(drafts().id());
        }
      } finally {
        handles.forEach(Message::close);
      }
    }
  }

  @Test
  @DisplayName("R97: many threads on distinct messages all succeed; waiting is never a conflict")
  void savesOnDistinctMessagesShouldAllSucceedWhenManyThreadsWriteAtOnce() throws Exception {
    int savesPerThread = Stress.scale(5, 50);
    List<MessageId> ids = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      ids.add(createTokenMessage("m" + t + " v0"));
    }
    Set<ChangeNumber> allCns = ConcurrentHashMap.newKeySet();
    List<Callable<List<ChangeNumber>>> tasks = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      tasks.add(() -> {
        List<ChangeNumber> mine = new ArrayList<>();
        try (Message h = session(thread).openMessage(ids.get(thread), OpenFlag.MODIFY)) {
          for (int i = 1; i <= savesPerThread; i++) {
            String token = "m" + thread + " v" + i;
            h.set(SUBJECT, token);
            h.set(BODY, token);
            ChangeNumber cn = h.saveChanges(KEEP_OPEN_READWRITE).changeNumber();
            mine.add(cn);
            allCns.add(cn);
          }
        }
        return mine;
      });
    }
    List<List<ChangeNumber>> perThread = race(tasks);
    for (int t = 0; t < THREADS; t++) {
      assertThat(perThread.get(t)).hasSize(savesPerThread).isSorted().doesNotHaveDuplicates();
      try (Message m = openRo(ids.get(t))) {
        assertThat(subject(m)).isEqualTo("m" + t + " v" + savesPerThread);
        assertNotTorn(m);
        assertThat(m.baseChangeNumber()).contains(perThread.get(t).getLast());
      }
    }
    assertThat(allCns).as("R61: change numbers are never reused").hasSize(THREADS * savesPerThread);
  }

  @Test
  @DisplayName("Two sessions setting different properties of one folder at once never lose either value")
  void folderPropsShouldKeepBothValuesWhenTwoSessionsSetDifferentPropertiesAtOnce() throws Exception {
    int rounds = Stress.scale(40, 400);
    Folder folder = inbox().createFolder("Shared settings");
    PropTag other = PropTags.ORIGINAL_SUBJECT;
    Folder viaA = session(0).openFolder(folder.id());
    Folder viaB = session(1).openFolder(folder.id());
    List<String> lost = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      String comment = "comment " + round;
      String subject = "subject " + round;
      race(List.<Callable<Void>>of(
          () -> {
            viaA.setProp(PropValue.of(PropTags.COMMENT, comment));
            return null;
          },
          () -> {
            viaB.setProp(PropValue.of(other, subject));
            return null;
          }));
      Folder fresh = session(2).openFolder(folder.id());
      Optional<PropValue> c = fresh.getProp(PropTags.COMMENT);
      Optional<PropValue> o = fresh.getProp(other);
      if (!c.equals(Optional.of(PropValue.of(PropTags.COMMENT, comment)))
          || !o.equals(Optional.of(PropValue.of(other, subject)))) {
        lost.add("round " + round + ": comment " + c.map(PropValue::rawValue).orElse(null) + ", original subject "
            + o.map(PropValue::rawValue).orElse(null));
      }
    }
    assertThat(lost).as("rounds (of %d) where an acknowledged folder property was overwritten by an older value",
        rounds).isEmpty();
  }

  @Test
  @DisplayName("R15: readers never see a torn version while writers commit")
  void readersShouldNeverSeeATornVersionWhenWritersCommit() throws Exception {
    MessageId id = createTokenMessage("v0");
    int writes = Stress.scale(30, 300);
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger reads = new AtomicInteger();
    List<Callable<Integer>> tasks = new ArrayList<>();
    for (int w = 0; w < 2; w++) {
      int writer = w;
      tasks.add(() -> {
        int committed = 0;
        try {
          for (int i = 0; i < writes; i++) {
            try (Message h = session(writer).openMessage(id, OpenFlag.MODIFY)) {
              String token = "w" + writer + " " + i;
              h.set(SUBJECT, token);
              h.set(BODY, token);
              addRecipients(h, to("R" + i));
              h.saveChanges(KEEP_OPEN_READWRITE);
              committed++;
            } catch (StoreException e) {
              assertThat(e.error()).isEqualTo(MapiError.OBJECT_CHANGED);
            }
          }
        } finally {
          writing.set(false);
        }
        return committed;
      });
    }
    for (int r = 0; r < 4; r++) {
      int reader = r;
      tasks.add(() -> {
        int n = 0;
        do {
          try (Message m = session(reader).openMessage(id)) {
            var s = m.snapshot();
            String subject = string(s, SUBJECT);
            assertThat(string(s, BODY)).as("torn read").isEqualTo(subject);
            n++;
          }
        } while (writing.get());
        reads.addAndGet(n);
        return n;
      });
    }
    List<Integer> results = race(tasks);
    assertThat(results.get(0) + results.get(1)).as("commits").isPositive();
    assertThat(reads.get()).isPositive();
  }

  @Test
  @DisplayName("R33, R45: histories of concurrent opens, saves and a delete on one message are linearizable")
  void historiesShouldBeLinearizableWhenThreadsOpenSaveAndDeleteConcurrently() throws Exception {
    int rounds = Stress.scale(3, 30);
    int clients = 4;
    int iterations = Stress.scale(5, 8);
    for (int round = 0; round < rounds; round++) {
      MessageId id = createTokenMessage("lin " + round);
      long initial = currentCn(id).value();
      HistoryRecorder recorder = new HistoryRecorder();
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int client = c;
        int deleteAt = round % 2 == 0 && client == 0 ? iterations / 2 : -1;
        tasks.add(() -> {
          runClient(recorder, client, id, iterations, deleteAt);
          return null;
        });
      }
      race(tasks);
      List<Operation> history = recorder.history();
      Result r = LinearizabilityChecker.check(history, initial);
      assertThat(r.linearizable()).as("round %d: %s", round, r.explanation()).isTrue();
    }
  }

  private void runClient(HistoryRecorder rec, int client, MessageId id, int iterations, int deleteAt) {
    Session s = session(client);
    for (int i = 0; i < iterations; i++) {
      if (i == deleteAt) {
        HistoryRecorder.Call del = rec.invoke(client, Kind.DELETE, 0);
        s.deleteMessage(id);
        del.ok(0);
        continue;
      }
      HistoryRecorder.Call open = rec.invoke(client, Kind.OPEN, 0);
      Message h;
      try {
        h = s.openMessage(id, OpenFlag.MODIFY);
      } catch (StoreException e) {
        assertThat(e.error()).isEqualTo(MapiError.NOT_FOUND);
        open.fail(Outcome.NOT_FOUND);
        return;
      }
      long base = h.baseChangeNumber().orElseThrow().value();
      open.ok(base);
      try {
        String token = "c" + client + " i" + i;
        h.set(SUBJECT, token);
        h.set(BODY, token);
        HistoryRecorder.Call save = rec.invoke(client, Kind.SAVE, base);
        try {
          save.ok(h.saveChanges(KEEP_OPEN_READWRITE).changeNumber().value());
        } catch (StoreException e) {
          switch (e.error()) {
            case OBJECT_CHANGED -> save.fail(Outcome.CHANGED);
            case OBJECT_DELETED -> save.fail(Outcome.DELETED);
            default -> throw e;
          }
        }
      } finally {
        h.close();
      }
    }
  }

  /** The checker itself must reject what is not linearizable: these histories are made by hand. */
  @Nested
  @DisplayName("LinearizabilityChecker self-check")
  class CheckerSelfCheck {

    @Test
    @DisplayName("Two saves from the same base that both succeed are rejected, even when concurrent")
    void checkerShouldRejectTheHistoryWhenTwoSavesFromTheSameBaseBothSucceed() {
      List<Operation> h = List.of(
          op(1, Kind.SAVE, 5, 0, 10, Outcome.OK, 6),
          op(2, Kind.SAVE, 5, 1, 11, Outcome.OK, 7));
      Result r = LinearizabilityChecker.check(h, 5);
      assertThat(r.linearizable()).as(r.explanation()).isFalse();
      assertThat(r.explanation()).contains("not linearizable");
    }

    @Test
    @DisplayName("One winner and one OBJECT_CHANGED loser from the same base are accepted in either real-time order")
    void checkerShouldAcceptTheHistoryWhenOneSaveWinsAndOneGetsChanged() {
      List<Operation> concurrent = List.of(
          op(1, Kind.SAVE, 5, 0, 10, Outcome.CHANGED, 0),
          op(2, Kind.SAVE, 5, 1, 11, Outcome.OK, 6));
      assertThat(LinearizabilityChecker.check(concurrent, 5).linearizable()).isTrue();
      List<Operation> sequential = List.of(
          op(1, Kind.SAVE, 5, 0, 1, Outcome.OK, 6),
          op(2, Kind.SAVE, 5, 2, 3, Outcome.CHANGED, 0));
      assertThat(LinearizabilityChecker.check(sequential, 5).linearizable()).isTrue();
    }

    @Test
    @DisplayName("A loser that completed before the winner started is rejected (it could not have seen the winner)")
    void checkerShouldRejectTheHistoryWhenAChangedSavePrecedesEveryWriter() {
      List<Operation> h = List.of(
          op(1, Kind.SAVE, 5, 0, 1, Outcome.CHANGED, 0),
          op(2, Kind.SAVE, 5, 2, 3, Outcome.OK, 6));
      assertThat(LinearizabilityChecker.check(h, 5).linearizable()).isFalse();
    }

    @Test
    @DisplayName("An open that returns a version older than a completed save is rejected (stale read)")
    void checkerShouldRejectTheHistoryWhenAnOpenReturnsAStaleVersion() {
      List<Operation> h = List.of(
          op(1, Kind.SAVE, 5, 0, 1, Outcome.OK, 6),
          op(2, Kind.OPEN, 0, 2, 3, Outcome.OK, 5));
      assertThat(LinearizabilityChecker.check(h, 5).linearizable()).isFalse();
      List<Operation> overlapping = List.of(
          op(1, Kind.SAVE, 5, 0, 3, Outcome.OK, 6),
          op(2, Kind.OPEN, 0, 1, 2, Outcome.OK, 5));
      assertThat(LinearizabilityChecker.check(overlapping, 5).linearizable()).isTrue();
    }

    @Test
    @DisplayName("A save that succeeds after a completed delete is rejected; OBJECT_DELETED is accepted")
    void checkerShouldRejectTheHistoryWhenASaveSucceedsAfterADelete() {
      List<Operation> lost = List.of(
          op(1, Kind.DELETE, 0, 0, 1, Outcome.OK, 0),
          op(2, Kind.SAVE, 5, 2, 3, Outcome.OK, 6));
      assertThat(LinearizabilityChecker.check(lost, 5).linearizable()).isFalse();
      List<Operation> refused = List.of(
          op(1, Kind.DELETE, 0, 0, 1, Outcome.OK, 0),
          op(2, Kind.SAVE, 5, 2, 3, Outcome.DELETED, 0),
          op(3, Kind.OPEN, 0, 4, 5, Outcome.NOT_FOUND, 0));
      assertThat(LinearizabilityChecker.check(refused, 5).linearizable()).isTrue();
    }

    @Test
    @DisplayName("A long interleaved legal history is accepted and its witness order is legal")
    void checkerShouldAcceptTheHistoryWhenItIsAChainOfOverlappingSaves() {
      List<Operation> h = new ArrayList<>();
      long cn = 10;
      for (int i = 0; i < 60; i++) {
        h.add(op(2 * i + 1, Kind.OPEN, 0, 10L * i, 10L * i + 3, Outcome.OK, cn));
        h.add(op(2 * i + 2, Kind.SAVE, cn, 10L * i + 2, 10L * i + 12, Outcome.OK, cn + 1));
        cn++;
      }
      Collections.shuffle(h, new java.util.Random(1));
      Result r = LinearizabilityChecker.check(h, 10);
      assertThat(r.linearizable()).as(r.explanation()).isTrue();
      assertThat(r.order()).hasSize(h.size());
    }
  }
}
