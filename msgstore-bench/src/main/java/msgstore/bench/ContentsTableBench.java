package msgstore.bench;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import msgstore.api.Folder;
import msgstore.api.PropTags;
import msgstore.api.SortOrder;
import msgstore.api.TableRow;
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
 * The first page of a contents table: 50 rows sorted by PR_MESSAGE_DELIVERY_TIME descending,
 * default columns, of the first folder of the prepared store (full run: a folder of 100k messages,
 * in a store of 100k and of 1M). A new table each time, as a client opening the folder would.
 * SampleTime: BenchMain reports p50 and p99 in ms.
 */
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 2, time = 2)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
public class ContentsTableBench {
  static final int PAGE = 50;

  @State(Scope.Benchmark)
  public static class Store {
    /** Messages in the store (full run: 100000 and 1000000). */
    @Param("2000")
    public int storeMessages;

    /** Messages per folder; the table is of the first folder (full run: 100000). */
    @Param("1000")
    public int folderMessages;

    StoreFixture fx;
    Folder folder;

    @Setup(Level.Trial)
    public void setup() {
      fx = StoreFixture.prepared("table", storeMessages, folderMessages);
      folder = fx.folders.get(0);
      check(firstPage(folder));
    }

    /** The page must be the folder's newest 50 messages, newest first. */
    private void check(List<TableRow> rows) {
      int expected = Math.min(PAGE, Math.min(folderMessages, storeMessages));
      if (rows.size() != expected) {
        throw new IllegalStateException("first page has " + rows.size() + " rows, expected " + expected);
      }
      Instant prev = Instant.MAX;
      for (TableRow r : rows) {
        Instant t = r.get(PropTags.MESSAGE_DELIVERY_TIME).orElseThrow().asInstant();
        if (t.isAfter(prev)) {
          throw new IllegalStateException("first page is not sorted by delivery time descending: " + rows);
        }
        prev = t;
      }
      long newest = Math.min(folderMessages, storeMessages) - 1;
      Instant want = TypicalMessage.EPOCH.plusSeconds(newest);
      if (!rows.get(0).get(PropTags.MESSAGE_DELIVERY_TIME).orElseThrow().asInstant().equals(want)) {
        throw new IllegalStateException("first row is not the newest message (" + want + "): " + rows.get(0));
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      fx.close();
    }
  }

  static List<TableRow> firstPage(Folder f) {
    return f.contentsTable().sortBy(List.of(SortOrder.descending(PropTags.MESSAGE_DELIVERY_TIME))).queryRows(0, PAGE);
  }

  /** Open a contents table on the folder and read its first page. */
  @Benchmark
  public List<TableRow> firstPage(Store s) {
    return firstPage(s.folder);
  }
}
