package msgstore.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import msgstore.api.EventType;
import msgstore.engine.spi.CommitResult;
import msgstore.engine.spi.NewVersion;
import msgstore.engine.spi.WriteBatch;
import msgstore.engine.spi.WriteOp;
import msgstore.engine.spi.WriteOp.Expect;
import msgstore.storage.sqlite.SqliteStorage.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durable saves of ~2 KB versions from 16 threads on distinct messages: they must share
 * transactions (group commit). Prints the rate; small in CI, {@code -Dmsgstore.stress=full} runs
 * 40,000 saves. No rate is asserted, since shared machines are too noisy for that.
 */
class SqliteThroughputTest {
  @TempDir Path dir;

  @Test
  void durableSavesFromSixteenThreadsShouldShareTransactions() throws Exception {
    int threads = 16;
    int savesEach = "full".equals(System.getProperty("msgstore.stress")) ? 2_500 : 150;
    byte[] content = new byte[2048];
    Arrays.fill(content, (byte) 'x');
    try (SqliteStorage s = SqliteStorage.open(Options.defaults(dir.resolve("bench.db")))) {
      long root = s.commit(WriteBatch.of("a", new WriteOp.CreateStore(UUID.randomUUID(), "A", "a", List.of("Inbox"))))
          .get(0).id();
      long inbox = s.childFolders(root).get(0).id();
      // The counters are read by the barrier's action: after every thread's create, before any of
      // the measured saves (read after the barrier, a fast thread's first saves were missed).
      long[][] before = new long[1][];
      CyclicBarrier start = new CyclicBarrier(threads + 1, () -> before[0] = s.groupCommitStats());
      long elapsed;
      try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          done.add(pool.submit(() -> {
            CommitResult.OpResult m = s.commit(WriteBatch.of("a", put(0, inbox, new Expect.New(), content))).get(0);
            long cn = m.cn();
            start.await();
            for (int i = 0; i < savesEach; i++) {
              cn = s.commit(WriteBatch.of("a", put(m.id(), inbox, new Expect.AtVersion(cn), content))).get(0).cn();
            }
            return null;
          }));
        }
        start.await();
        long t0 = System.nanoTime();
        for (Future<?> f : done) {
          f.get();
        }
        elapsed = System.nanoTime() - t0;
      }
      long[] after = s.groupCommitStats();
      long saves = (long) threads * savesEach;
      long groups = after[0] - before[0][0];
      System.out.printf("SqliteThroughputTest: %d durable saves in %.2f s = %.0f/s, %.1f batches per transaction%n",
          saves, elapsed / 1e9, saves / (elapsed / 1e9), (after[1] - before[0][1]) / (double) groups);
      assertThat(after[1] - before[0][1]).isEqualTo(saves);
      assertThat(groups).as("transactions for %d saves", saves).isLessThan(saves / 2);
      assertThat(s.checkIntegrity()).isEmpty();
    }
  }

  static WriteOp.PutMessage put(long id, long folder, Expect expect, byte[] content) {
    return new WriteOp.PutMessage(id, folder, expect, ctx -> new NewVersion(content, new NewVersion.Columns("subject",
        "sender", ctx.commitTime(), ctx.commitTime(), content.length, 1, "IPM.Note", false), List.of(), 0), "SAVED", 0,
        EventType.OBJECT_MODIFIED, List.of(0x0037001F));
  }
}
