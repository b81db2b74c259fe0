package msgstore.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import msgstore.api.Message;
import msgstore.api.OpenFlag;
import msgstore.api.PropProblem;
import msgstore.api.PropValue;
import msgstore.api.SaveFlag;
import msgstore.api.SaveResult;
import msgstore.api.Session;
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
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Durable saves/s of the typical message, with as many writers as JMH threads ({@code -t 1, 4,
 * 16, 64}), each on its own message: a writer opens its message once with MODIFY in its own
 * session and keeps the handle; one operation is {@code setProps(one changed property)} plus
 * {@code saveChanges(KEEP_OPEN_READWRITE)}, which returns once the new version is durable.
 *
 * <p>The store is a copy of the prepared store of {@code storeMessages} messages (full run: 10k
 * and 1M). Writers' messages are spread evenly over it.
 */
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 2, time = 2)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class SaveBench {

  @State(Scope.Benchmark)
  public static class Store {
    /** Messages in the store (full run: 10000 and 1000000). */
    @Param("1000")
    public int storeMessages;

    /** Messages per folder of the prepared store (full run: 100000). */
    @Param("1000")
    public int folderMessages;

    StoreFixture fx;

    @Setup(Level.Trial)
    public void setup() {
      fx = StoreFixture.prepared("save", storeMessages, folderMessages);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      fx.close();
    }
  }

  @State(Scope.Thread)
  public static class Writer {
    Session session;
    Message handle;
    long counter;

    @Setup(Level.Trial)
    public void setup(Store s, ThreadParams tp) {
      int n = s.fx.ids.length;
      int threads = tp.getThreadCount();
      if (threads > n) {
        throw new IllegalStateException(threads + " writers need at least as many messages, the store has " + n);
      }
      int index = (int) ((long) tp.getThreadIndex() * n / threads);
      session = s.fx.store.openSession(PreparedStore.USER);
      handle = session.openMessage(s.fx.id(index), OpenFlag.MODIFY);
      counter = handle.getProp(TypicalMessage.COUNTER).map(PropValue::asLong)
          .orElseThrow(() -> new IllegalStateException("the prepared message lacks the counter property"));
      List<PropProblem> problems = handle.setProps(PropValue.of(TypicalMessage.COUNTER, counter));
      if (!problems.isEmpty()) {
        throw new IllegalStateException("the store refuses the benchmark's property: " + problems);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      session.close();
    }
  }

  /** One durable save of one changed property. */
  @Benchmark
  public SaveResult save(Writer w) {
    w.handle.setProps(PropValue.of(TypicalMessage.COUNTER, ++w.counter));
    return w.handle.saveChanges(SaveFlag.KEEP_OPEN_READWRITE);
  }
}
