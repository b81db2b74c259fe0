package msgstore.storage.sqlite;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import msgstore.api.EventType;
import msgstore.api.MapiError;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.engine.spi.CommitResult;
import msgstore.engine.spi.NewVersion;
import msgstore.engine.spi.PreconditionFailedException;
import msgstore.engine.spi.VersionFactory;
import msgstore.engine.spi.WriteBatch;
import msgstore.engine.spi.WriteOp;
import msgstore.engine.spi.WriteOp.Expect;
import msgstore.storage.sqlite.SqliteStorage.Options;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteGroupCommitTest {
  @TempDir Path dir;
  SqliteStorage storage;
  final UUID store = UUID.randomUUID();
  long inbox;

  @BeforeEach
  void open() {
    storage = SqliteStorage.open(Options.defaults(dir.resolve("store.db")));
    long root = storage.commit(WriteBatch.of("alice", new WriteOp.CreateStore(store, "Alice", "alice",
        List.of("Inbox")))).get(0).id();
    inbox = storage.childFolders(root).get(0).id();
  }

  @AfterEach
  void close() {
    assertThat(storage.checkIntegrity()).isEmpty();
    storage.close();
  }

  static VersionFactory text(String text) {
    return ctx -> {
      byte[] b = text.getBytes(UTF_8);
      return new NewVersion(b, new NewVersion.Columns(text, null, null, ctx.commitTime(), b.length, null, null, false),
          List.of(), 0);
    };
  }

  static WriteOp.PutMessage create(long folder, String text) {
    return new WriteOp.PutMessage(0, folder, new Expect.New(), text(text), "CREATED", 0, EventType.OBJECT_CREATED,
        List.of());
  }

  static WriteOp.PutMessage save(long id, long folder, long base, VersionFactory factory) {
    return new WriteOp.PutMessage(id, folder, new Expect.AtVersion(base), factory, "SAVED", base,
        EventType.OBJECT_MODIFIED, List.of());
  }

  CommitResult.OpResult commit(WriteOp op) {
    return storage.commit(WriteBatch.of("alice", op)).get(0);
  }

  /** Holds the writer thread inside a factory until released, so that later batches queue up. */
  final class WriterGate implements AutoCloseable {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final Future<CommitResult.OpResult> holder;
    final ExecutorService pool = Executors.newCachedThreadPool();

    WriterGate(long messageId, long base) throws Exception {
      holder = pool.submit(() -> commit(save(messageId, inbox, base, ctx -> {
        entered.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
        return text("holder").build(ctx);
      })));
      while (!entered.await(10, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        if (holder.isDone()) {
          holder.get(); // the held save failed before reaching its factory: fail the test, don't hang
          throw new AssertionError("the held save completed without calling its factory");
        }
      }
    }

    /** Submits a batch from another thread; it queues behind the held one. */
    CompletableFuture<CommitResult.OpResult> submit(WriteOp op) {
      return CompletableFuture.supplyAsync(() -> commit(op), pool);
    }

    /** Releases the writer once {@code n} jobs are queued, so they form one group. */
    void releaseWhenQueued(int n) throws Exception {
      while (storage.queuedWrites() < n) {
        Thread.onSpinWait();
      }
      release.countDown();
      holder.get();
    }

    @Override
    public void close() {
      release.countDown();
      pool.close();
    }
  }

  @Test
  void concurrentCommitsOnDistinctMessagesShouldAllSucceedWithUniqueGapFreeChangeNumbers() throws Exception {
    int threads = 32;
    int saves = 40;
    List<Long> cns = Collections.synchronizedList(new ArrayList<>());
    CyclicBarrier start = new CyclicBarrier(threads);
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          start.await();
          CommitResult.OpResult created = commit(create(inbox, "t" + thread));
          cns.add(created.cn());
          long base = created.cn();
          for (int i = 0; i < saves; i++) {
            CommitResult.OpResult r = commit(save(created.id(), inbox, base, text("t" + thread + " v" + i)));
            assertThat(r.previousCn()).isEqualTo(base);
            cns.add(r.cn());
            base = r.cn();
          }
          assertThat(storage.findMessage(created.id()).orElseThrow().cn()).isEqualTo(base);
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    }
    int total = threads * (saves + 1);
    assertThat(cns).hasSize(total).doesNotHaveDuplicates();
    assertThat(cns).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
    assertThat(storage.findStore(store)).isPresent();
  }

  @Test
  void racingSavesFromTheSameBaseShouldLetExactlyOneWinPerChangeNumber() throws Exception {
    int threads = 16;
    int rounds = 25;
    long id = commit(create(inbox, "start")).id();
    AtomicInteger[] wins = new AtomicInteger[rounds];
    ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
    CyclicBarrier based = new CyclicBarrier(threads);
    CyclicBarrier finished = new CyclicBarrier(threads);
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      List<Future<?>> done = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        wins[r] = new AtomicInteger();
      }
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          for (int r = 0; r < rounds; r++) {
            long base = storage.findMessage(id).orElseThrow().cn();
            based.await();
            try {
              CommitResult.OpResult won = commit(save(id, inbox, base, text("r" + r + " t" + thread)));
              wins[r].incrementAndGet();
              if (won.previousCn() != base) {
                unexpected.add("winner replaced " + won.previousCn() + ", not its base " + base);
              }
            } catch (PreconditionFailedException e) {
              if (e.reason() != PreconditionFailedException.Reason.CHANGED || e.currentCn() <= base) {
                unexpected.add(e.getMessage());
              }
            }
            finished.await();
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    }
    assertThat(unexpected).isEmpty();
    assertThat(wins).allSatisfy(w -> assertThat(w.get()).isEqualTo(1));
    assertThat(storage.findMessage(id).orElseThrow().cn()).isEqualTo(1 + rounds);
    assertThat(storage.versions(id)).hasSize(1 + rounds);
  }

  @Test
  void aFailedBatchShouldFailAloneAndLeaveNoGapInItsGroup() throws Exception {
    long held = commit(create(inbox, "held")).id();
    long other = commit(create(inbox, "other")).id();
    CompletableFuture<List<StoreEvent>> groupEvents = new CompletableFuture<>();
    storage.onCommitted(events -> {
      if (events.stream().anyMatch(e -> e.changeNumber().orElseThrow().value() == 7)) {
        groupEvents.complete(events);
      }
    });
    CompletableFuture<CommitResult.OpResult> a;
    CompletableFuture<CommitResult.OpResult> stale;
    CompletableFuture<CommitResult.OpResult> c;
    try (WriterGate gate = new WriterGate(held, 1)) {
      a = gate.submit(create(inbox, "a"));
      gate.releaseWhenQueued(1);
    }
    // a fresh gate: queue three batches behind it, the middle one stale
    try (WriterGate gate = new WriterGate(held, 3)) {
      CompletableFuture<CommitResult.OpResult> first = gate.submit(create(inbox, "first"));
      while (storage.queuedWrites() < 1) {
        Thread.onSpinWait();
      }
      stale = gate.submit(save(other, inbox, 1_000, text("stale")));
      while (storage.queuedWrites() < 2) {
        Thread.onSpinWait();
      }
      c = gate.submit(create(inbox, "c"));
      gate.releaseWhenQueued(3);
      assertThat(first.get().cn()).isEqualTo(6);
      assertThat(c.get().cn()).isEqualTo(7);
    }
    assertThat(a.get().cn()).isEqualTo(4);
    assertThatThrownBy(stale::join).cause().isInstanceOfSatisfying(PreconditionFailedException.class, e -> {
      assertThat(e.reason()).isEqualTo(PreconditionFailedException.Reason.CHANGED);
      assertThat(e.currentCn()).isEqualTo(2);
    });
    // the listener got the group's two successful batches in one call, in order
    assertThat(groupEvents.get()).extracting(e -> e.changeNumber().orElseThrow().value()).containsExactly(6L, 7L);
  }

  @Test
  void aTransactionFailureShouldFailEveryBatchOfTheGroupAndUseNoChangeNumber() throws Exception {
    long held = commit(create(inbox, "held")).id();
    long pages = storage.onWriter("read page count", (c, now) -> SqlitePragmas.queryLong(c.jdbc(), "PRAGMA page_count"));
    long journalHead = storage.journalHead();
    CompletableFuture<CommitResult.OpResult> small;
    CompletableFuture<CommitResult.OpResult> big;
    try (WriterGate gate = new WriterGate(held, 1)) {
      // disk full: the database may not grow any more (set on the writer connection, behind the gate)
      CompletableFuture<Long> full = CompletableFuture.supplyAsync(() -> storage.onWriter("limit the database size",
          (c, now) -> SqlitePragmas.queryLong(c.jdbc(), "PRAGMA max_page_count = " + (pages + 8))), gate.pool);
      while (storage.queuedWrites() < 1) {
        Thread.onSpinWait();
      }
      gate.release.countDown();
      gate.holder.get();
      assertThat(full.get()).isEqualTo(pages + 8);
    }
    try (WriterGate gate = new WriterGate(held, 2)) {
      small = gate.submit(create(inbox, "small"));
      while (storage.queuedWrites() < 1) {
        Thread.onSpinWait();
      }
      big = gate.submit(create(inbox, "x".repeat(2_000_000)));
      gate.releaseWhenQueued(2);
    }
    for (CompletableFuture<CommitResult.OpResult> f : List.of(small, big)) {
      assertThatThrownBy(f::join).cause().isInstanceOfSatisfying(StoreException.class,
          e -> assertThat(e.error()).isEqualTo(MapiError.NOT_ENOUGH_DISK));
    }
    assertThat(storage.journalHead()).isEqualTo(journalHead + 2); // only the two gates' own saves
    storage.onWriter("lift the size limit",
        (c, now) -> SqlitePragmas.queryLong(c.jdbc(), "PRAGMA max_page_count = 1073741823"));
    CommitResult.OpResult next = commit(create(inbox, "after"));
    assertThat(next.cn()).isEqualTo(4);
    assertThat(next.position()).isEqualTo(journalHead + 3);
  }

  @Test
  void listenerShouldSeeEntriesInPositionOrderOnceTheirCommitIsVisible() throws Exception {
    int threads = 8;
    int each = 30;
    List<StoreEvent> seen = Collections.synchronizedList(new ArrayList<>());
    ConcurrentLinkedQueue<String> invisible = new ConcurrentLinkedQueue<>();
    CountDownLatch delivered = new CountDownLatch(threads * each);
    storage.onCommitted(events -> {
      for (StoreEvent e : events) {
        long cn = storage.findMessage(e.id()).map(m -> m.cn()).orElse(-1L);
        if (cn < e.changeNumber().orElseThrow().value()) {
          invisible.add("event " + e.position() + " for cn " + e.changeNumber() + " but the reader sees cn " + cn);
        }
      }
      seen.addAll(events);
      events.forEach(e -> delivered.countDown());
    });
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < each; i++) {
            commit(create(inbox, "t" + thread + " " + i));
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    }
    delivered.await(); // the listener runs after the callers' futures complete
    storage.onCommitted(null);
    assertThat(invisible).isEmpty();
    assertThat(seen).hasSize(threads * each);
    assertThat(seen).extracting(StoreEvent::position).isSorted().doesNotHaveDuplicates();
    assertThat(seen).extracting(e -> e.changeNumber().orElseThrow().value()).isSorted();
    assertThat(seen).isEqualTo(storage.readJournal(store, 0, 1000));
  }

  @Test
  void commitFromTheListenerShouldFailInsteadOfWaitingForItself() throws Exception {
    CompletableFuture<Throwable> fromListener = new CompletableFuture<>();
    storage.onCommitted(events -> {
      try {
        commit(create(inbox, "nested"));
        fromListener.complete(null);
      } catch (RuntimeException e) {
        fromListener.complete(e);
      }
    });
    commit(create(inbox, "outer"));
    assertThat(fromListener.get()).isInstanceOfSatisfying(StoreException.class, e -> {
      assertThat(e.error()).isEqualTo(MapiError.CALL_FAILED);
      assertThat(e.getMessage()).contains("writer thread");
    });
    storage.onCommitted(null);
    assertThat(commit(create(inbox, "after")).cn()).isEqualTo(2);
  }

  @Test
  void closeShouldFinishQueuedCommitsAndRefuseLaterOnes() throws Exception {
    long held = commit(create(inbox, "held")).id();
    CompletableFuture<CommitResult.OpResult> queued;
    CompletableFuture<Void> closing;
    try (WriterGate gate = new WriterGate(held, 1)) {
      queued = gate.submit(create(inbox, "queued"));
      while (storage.queuedWrites() < 1) {
        Thread.onSpinWait();
      }
      closing = CompletableFuture.runAsync(storage::close, gate.pool);
      while (storage.queuedWrites() < 2) { // the stop marker
        Thread.onSpinWait();
      }
      assertThatThrownBy(() -> commit(create(inbox, "late")))
          .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.CALL_FAILED));
      gate.release.countDown();
      gate.holder.get();
      closing.get();
    }
    assertThat(queued.get().cn()).isEqualTo(3);
    storage = SqliteStorage.open(Options.defaults(dir.resolve("store.db")));
    assertThat(storage.findMessage(queued.get().id())).isPresent();
  }
}
