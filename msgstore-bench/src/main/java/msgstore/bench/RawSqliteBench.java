package msgstore.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * The limit: what SQLite itself does for a durable conditional update of a row the size of a
 * typical message, with the store's durability (WAL, synchronous=FULL) and the same sqlite-jdbc.
 *
 * <pre>
 * CREATE TABLE t (id INTEGER PRIMARY KEY, cn INTEGER NOT NULL, body BLOB NOT NULL)
 * UPDATE t SET cn = cn + 1, body = ? WHERE id = ? AND cn = ?     -- must update exactly one row
 * </pre>
 *
 * <ul>
 *   <li>{@link #autocommit}: one update per transaction (one fsync each), one thread: what a
 *       single writer can at best get.
 *   <li>{@link #batched}: {@code batch} updates per transaction on one connection: what group
 *       commit can at best get. One JMH operation is one transaction; the {@code updates}
 *       secondary result is the per-update rate that the ratios use.
 * </ul>
 */
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 2, time = 2)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class RawSqliteBench {

  /** The table, in a fresh directory. */
  @State(Scope.Thread)
  public static class Db {
    /** Rows in the table (the full run uses the store size of the save benchmark). */
    @Param("1000")
    public int rows;

    /** Bytes of the blob of each row (BenchMain passes the typical message's encoded size). */
    @Param("2048")
    public int rowBytes;

    Path dir;
    Connection c;
    PreparedStatement update;
    long[] cn;
    byte[] body;
    long seq;
    SplittableRandom random = new SplittableRandom(42);

    @Setup(Level.Trial)
    public void setup() throws SQLException {
      dir = BenchPaths.freshDir("raw");
      c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("raw.db"));
      try (Statement s = c.createStatement()) {
        // The store's writer pragmas (SqlitePragmas.writer with Durability.FULL).
        s.execute("PRAGMA journal_mode = WAL");
        s.execute("PRAGMA synchronous = FULL");
        s.execute("PRAGMA busy_timeout = 5000");
        s.execute("PRAGMA temp_store = MEMORY");
        s.execute("PRAGMA cache_size = -65536");
        s.execute("PRAGMA journal_size_limit = 67108864");
        s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, cn INTEGER NOT NULL, body BLOB NOT NULL)");
      }
      body = new byte[rowBytes];
      random.nextBytes(body);
      cn = new long[rows + 1];
      c.setAutoCommit(false);
      try (PreparedStatement ins = c.prepareStatement("INSERT INTO t (id, cn, body) VALUES (?, 1, ?)")) {
        for (int id = 1; id <= rows; id++) {
          ins.setInt(1, id);
          ins.setBytes(2, body);
          ins.executeUpdate();
          cn[id] = 1;
        }
      }
      c.commit();
      c.setAutoCommit(true);
      update = c.prepareStatement("UPDATE t SET cn = cn + 1, body = ? WHERE id = ? AND cn = ?");
    }

    /** One conditional update of a random row with a changed body; fails unless exactly one row changed. */
    void updateOne() throws SQLException {
      int id = 1 + random.nextInt(rows);
      long v = ++seq;
      for (int i = 0; i < 8 && i < rowBytes; i++) {
        body[i] = (byte) (v >>> (8 * i));
      }
      update.setBytes(1, body);
      update.setInt(2, id);
      update.setLong(3, cn[id]);
      if (update.executeUpdate() != 1) {
        throw new IllegalStateException("conditional update of row " + id + " at cn " + cn[id] + " changed no row");
      }
      cn[id]++;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws SQLException {
      try {
        update.close();
        c.close();
      } finally {
        BenchPaths.deleteTree(dir);
      }
    }
  }

  /** Updates per transaction for {@link #batched}. */
  @State(Scope.Thread)
  public static class Batch {
    @Param({"16", "64"})
    public int batch;
  }

  /** Per-update counter of {@link #batched} (JMH reports it as the {@code updates} rate). */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Updates {
    public long updates;

    @Setup(Level.Iteration)
    public void reset() {
      updates = 0;
    }
  }

  /** One durable update in its own transaction. */
  @Benchmark
  public void autocommit(Db db) throws SQLException {
    db.updateOne();
  }

  /** One durable transaction of {@code batch} updates. */
  @Benchmark
  public void batched(Db db, Batch b, Updates u) throws SQLException {
    db.c.setAutoCommit(false);
    try {
      for (int i = 0; i < b.batch; i++) {
        db.updateOne();
      }
      db.c.commit();
    } catch (SQLException | RuntimeException e) {
      db.c.rollback();
      throw e;
    } finally {
      db.c.setAutoCommit(true);
    }
    u.updates += b.batch;
  }
}
