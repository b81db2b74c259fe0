package msgstore.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import msgstore.api.Message;
import msgstore.api.PropTags;
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
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Opening the typical message (read-only, as a reader would), reading its subject and closing
 * it, on a message picked at random from the whole store; in two modes: opens/s (Throughput)
 * and the latency distribution (SampleTime: BenchMain reports p50 and p99).
 *
 * <p>The store is a copy of the prepared store (full run: 100k and 1M messages), reopened, so
 * the page cache is warm only as far as the copy and the warm-up make it.
 */
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 2, time = 2)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
public class OpenBench {

  @State(Scope.Benchmark)
  public static class Store {
    /** Messages in the store (full run: 100000 and 1000000). */
    @Param("2000")
    public int storeMessages;

    /** Messages per folder of the prepared store (full run: 100000). */
    @Param("1000")
    public int folderMessages;

    StoreFixture fx;

    @Setup(Level.Trial)
    public void setup() {
      fx = StoreFixture.prepared("open", storeMessages, folderMessages);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      fx.close();
    }
  }

  @State(Scope.Thread)
  public static class Reader {
    Session session;
    long[] ids;
    SplittableRandom random;

    @Setup(Level.Trial)
    public void setup(Store s, ThreadParams tp) {
      session = s.fx.store.openSession(PreparedStore.USER);
      ids = s.fx.ids;
      random = new SplittableRandom(1234 + tp.getThreadIndex());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      session.close();
    }
  }

  /** Open a random message, read one property, close. */
  @Benchmark
  public void open(Reader r, Blackhole bh) {
    try (Message m = r.session.openMessage(msgstore.api.MessageId.of(r.ids[r.random.nextInt(r.ids.length)]))) {
      bh.consume(m.getProp(PropTags.SUBJECT));
    }
  }
}
