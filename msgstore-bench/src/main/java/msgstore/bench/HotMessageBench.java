package msgstore.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.ObjectChangedException;
import msgstore.api.OpenFlag;
import msgstore.api.PropValue;
import msgstore.api.Session;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * 64 writers on one hot message. One operation: open the message with MODIFY, read the counter
 * property, set it to one more, saveChanges() (which closes the handle). A save that lost the race
 * fails with OBJECT_CHANGED ({@link ObjectChangedException}) and counts as a conflict; any other
 * failure fails the benchmark. JMH reports {@code successes} and {@code conflicts} per second as
 * secondary results.
 *
 * <p>Exactly-one-winner check, after the trial: the message's change number must have risen by
 * exactly the number of successful saves, and the counter property too (a lost update would
 * leave it lower). Change numbers are allocated per store, so the setup first saves the hot
 * message once to make its change number the store's newest; during the trial nothing else
 * writes to the store, and a failed save uses no change number (R61, R99). Otherwise the
 * teardown throws and the benchmark fails.
 */
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 2, time = 2)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(64)
public class HotMessageBench {

  @State(Scope.Benchmark)
  public static class Hot {
    /** Messages in the store (the hot one is the first). */
    @Param("1000")
    public int storeMessages;

    /** Messages per folder of the prepared store (full run: 100000). */
    @Param("1000")
    public int folderMessages;

    StoreFixture fx;
    MessageId hot;
    long cnBefore;
    long counterBefore;
    final LongAdder successes = new LongAdder();
    final LongAdder conflicts = new LongAdder();

    @Setup(Level.Trial)
    public void setup() {
      fx = StoreFixture.prepared("hot", storeMessages, folderMessages);
      hot = fx.id(0);
      // Change numbers count per store, not per message: save the hot message once so that its
      // change number is the store's newest; from here on, only this benchmark's saves commit.
      try (Message m = fx.session.openMessage(hot, OpenFlag.MODIFY)) {
        counterBefore = m.getProp(TypicalMessage.COUNTER).map(PropValue::asLong).orElseThrow() + 1;
        m.setProps(PropValue.of(TypicalMessage.COUNTER, counterBefore));
        cnBefore = m.saveChanges().changeNumber().value();
      }
    }

    @TearDown(Level.Trial)
    public void check() {
      try (Message m = fx.session.openMessage(hot)) {
        long cnAfter = m.baseChangeNumber().orElseThrow().value();
        long counterAfter = m.getProp(TypicalMessage.COUNTER).map(PropValue::asLong).orElseThrow();
        long ok = successes.sum();
        String summary = String.format("successes %d, conflicts %d; change number %d -> %d (+%d); counter %d -> %d (+%d)",
            ok, conflicts.sum(), cnBefore, cnAfter, cnAfter - cnBefore, counterBefore, counterAfter,
            counterAfter - counterBefore);
        if (cnAfter - cnBefore != ok || counterAfter - counterBefore != ok) {
          throw new IllegalStateException("EXACTLY-ONE-WINNER CHECK FAILED: " + summary);
        }
        System.out.println("# msgstore-bench: exactly-one-winner check passed: " + summary);
      } finally {
        fx.close();
      }
    }
  }

  @State(Scope.Thread)
  public static class Client {
    Session session;

    @Setup(Level.Trial)
    public void setup(Hot h) {
      session = h.fx.store.openSession(PreparedStore.USER);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      session.close(); // idempotent; the store's teardown closes every session anyway
    }
  }

  /** Per-thread outcome counts, reported by JMH as rates. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Outcomes {
    public long successes;
    public long conflicts;

    @Setup(Level.Iteration)
    public void reset() {
      successes = 0;
      conflicts = 0;
    }
  }

  /** Open, increment the counter, save; a lost race is a conflict. */
  @Benchmark
  public void openSetSave(Hot h, Client c, Outcomes o) {
    Message m = c.session.openMessage(h.hot, OpenFlag.MODIFY);
    try {
      long v = m.getProp(TypicalMessage.COUNTER).map(PropValue::asLong).orElseThrow();
      m.setProps(PropValue.of(TypicalMessage.COUNTER, v + 1));
      m.saveChanges();
      o.successes++;
      h.successes.increment();
    } catch (ObjectChangedException e) {
      o.conflicts++;
      h.conflicts.increment();
    } finally {
      m.close();
    }
  }
}
