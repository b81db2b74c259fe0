package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.engine.EngineOptions;
import msgstore.engine.ServerSupport.ViewKey;
import msgstore.storage.sqlite.SqliteMessageStore;
import msgstore.storage.sqlite.SqliteStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The budget of {@link RenderedBodies} (ADR 0031 addendum): bounded, least recently used out, no huge bodies. */
class RenderedBodiesTest {
  static final UUID STORE = UUID.randomUUID();

  static ViewKey key(long message) {
    return new ViewKey(message, STORE, 1, 1, 0);
  }

  static RenderedBodies.Body body(int bytes) {
    return new RenderedBodies.Body("\"etag\"", new byte[bytes]);
  }

  @Test
  void aBodyOverOneMebibyteShouldNotBeKeptWhateverTheBudget() {
    RenderedBodies bodies = new RenderedBodies(MsgstoreServer.RENDERED_BODIES_BYTES);
    bodies.put(key(1), body((1 << 20) + 1));
    bodies.put(key(2), body(1 << 20));
    assertThat(bodies.get(key(1))).isNull();
    assertThat(bodies.get(key(2))).isNotNull();
  }

  @Test
  void theLeastRecentlyUsedBodiesShouldGoOnceTheBudgetIsFull() {
    RenderedBodies bodies = new RenderedBodies(100_000);
    for (long m = 1; m <= 10; m++) {
      bodies.put(key(m), body(6_000));
    }
    bodies.get(key(1)); // used again: the oldest is now 2
    for (long m = 11; m <= 17; m++) { // 17 x 6,000 bytes: one over the budget
      bodies.put(key(m), body(6_000));
    }
    assertThat(bodies.get(key(2))).isNull();
    assertThat(bodies.get(key(1))).isNotNull();
    assertThat(bodies.get(key(3))).isNotNull();
    assertThat(bodies.get(key(17))).isNotNull();
  }

  @Test
  void theDefaultBudgetShouldHoldTheTwoThousandTypicalMessagesOfThePeerBenchmark() {
    RenderedBodies bodies = new RenderedBodies(MsgstoreServer.RENDERED_BODIES_BYTES);
    for (long m = 1; m <= 2_000; m++) {
      bodies.put(key(m), body(9_500)); // a typical message's JSON (msgstore-bench/mail/gen-mbox.py)
    }
    assertThat(bodies.get(key(1))).as("the first of 2,000 still kept").isNotNull();
  }

  @Test
  void aServerShouldDropTheBodiesNobodyAskedForInAWhile(@TempDir Path dir) throws Exception {
    RenderedBodies bodies = new RenderedBodies(MsgstoreServer.RENDERED_BODIES_BYTES);
    try (EmbeddedMessageStore store = SqliteMessageStore.open(SqliteStorage.Options.defaults(dir.resolve("s.db")),
        EngineOptions.defaults().withMaintenanceInterval(Duration.ZERO))) {
      bodies.put(key(1), body(9_500));
      ScheduledExecutorService sweeper = MsgstoreServer.expireUnusedCaches(bodies, store, Duration.ofMillis(60));
      try {
        // The sweeper's one thread runs its tasks in the order they fall due: the sweep due last
        // before this marker runs at least 190 ms after the body's only use, 60 ms being its time.
        sweeper.schedule(() -> {}, 200, TimeUnit.MILLISECONDS).get();
        assertThat(bodies.size()).as("bodies kept 200 ms after their last use, with 60 ms to live").isZero();
        bodies.put(key(2), body(9_500));
        assertThat(bodies.get(key(2))).as("a body put after the sweep").isNotNull();
      } finally {
        sweeper.shutdownNow();
      }
    }
  }
}
