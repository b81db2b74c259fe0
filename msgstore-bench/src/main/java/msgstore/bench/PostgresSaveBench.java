package msgstore.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import msgstore.api.EventScope;
import msgstore.api.EventType;
import msgstore.api.Folder;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.OpenFlag;
import msgstore.api.Session;
import msgstore.api.StoreEvent;
import msgstore.api.StoreInfo;
import msgstore.api.Subscription;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.storage.postgres.PostgresMessageStore;
import msgstore.storage.postgres.PostgresStorage;
import msgstore.storage.postgres.PostgresUrl;

/**
 * Durable saves on PostgreSQL (issue 12, ADR 0024), one closed-loop run per line, printed as a
 * Markdown table:
 *
 * <ul>
 *   <li>the limit: a raw conditional {@code UPDATE ... WHERE id = ? AND cn = ?} of a row the size of
 *       a typical message (about 2 KB), one connection per writer, autocommit,
 *       {@code synchronous_commit = on}, each writer on its own row;
 *   <li>msgstore saves of typical messages (each writer its own message, one store) through one
 *       node, then through two nodes (two engines with their own pools and journal feeds, in this
 *       JVM), at 1, 4, 16 and 64 writers;
 *   <li>cross-node event latency: a save on node A, its event on node B's subscription, p50/p99.
 * </ul>
 *
 * <p>{@code msgstore-bench/run pg [--db postgresql://USER@HOST:PORT/DB] [--seconds N]}
 * ({@code --writers 16} or {@code --writers 1,16}, {@code --nodes 1} and {@code --no-latency} run a
 * part, for profiling one point; {@code --jit-warmup N}, default 10, the seconds of saves run first
 * and not measured, so that the JIT has compiled the save path before the first point): without
 * {@code --db} it starts an embedded PostgreSQL in a temporary folder, with {@code fsync} and
 * {@code synchronous_commit} on (zonky's defaults turn both off; before 2026-12-07 they did here). The database
 * given must be empty or a msgstore database it may fill.
 */
public final class PostgresSaveBench {
  private static final int[] WRITERS = {1, 4, 16, 64};

  private PostgresSaveBench() {}

  public static void main(String[] args) throws Exception {
    String db = null;
    int seconds = 5;
    int[] writerCounts = WRITERS;
    int maxNodes = 2;
    boolean latency = true;
    int jitWarmup = 10;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--db" -> db = args[++i];
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--writers" -> writerCounts = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--nodes" -> maxNodes = Integer.parseInt(args[++i]);
        case "--no-latency" -> latency = false;
        case "--jit-warmup" -> jitWarmup = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("usage: PostgresSaveBench [--db postgresql://USER@HOST:PORT/DB] [--seconds N]"
              + " [--writers N,N...] [--nodes 1|2] [--no-latency] [--jit-warmup SECONDS]");
          System.exit(2);
        }
      }
    }
    EmbeddedPostgres embedded = null;
    if (db == null) {
      // zonky starts its server with fsync off (postgres -F) and synchronous_commit off, which
      // suits tests and would make every rate here a lie: a later -c overrides both.
      embedded = EmbeddedPostgres.builder().setServerConfig("max_connections", "300")
          .setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on").start();
      db = "postgresql://postgres@localhost:" + embedded.getPort() + "/postgres";
    }
    try {
      PostgresStorage.Options options = PostgresUrl.options(db, System::getenv);
      if (jitWarmup > 0) {
        // Not measured: without it the first points measure the JIT compiling the save path.
        saves(options, 4, 1, jitWarmup);
      }
      System.out.println("| load | writers | saves/s | vs raw |");
      System.out.println("|---|---:|---:|---:|");
      for (int w : writerCounts) {
        double raw = raw(options, w, seconds);
        System.out.printf("| raw conditional UPDATE (2 KB row) | %d | %.0f | 1.00x |%n", w, raw);
        for (int nodes = 1; nodes <= maxNodes; nodes++) {
          double rate = saves(options, w, nodes, seconds);
          System.out.printf("| msgstore save, %d node%s | %d | %.0f | %.2fx |%n", nodes, nodes == 1 ? "" : "s", w, rate,
              rate / raw);
        }
      }
      if (latency) {
        long[] l = crossNodeLatency(options, 500);
        System.out.printf("%ncross-node event latency (save returned on node A -> event on node B), %d saves:"
            + " p50 %.1f ms, p99 %.1f ms%n", l.length, l[l.length / 2] / 1e6, l[(int) (l.length * 0.99)] / 1e6);
      }
    } finally {
      if (embedded != null) {
        embedded.close();
      }
    }
  }

  private static double raw(PostgresStorage.Options o, int writers, int seconds) throws Exception {
    try (Connection c = connect(o); Statement s = c.createStatement()) {
      // Its own schema: msgstore's Flyway refuses a default schema holding tables it did not make.
      s.execute("CREATE SCHEMA IF NOT EXISTS rawbench");
      s.execute("CREATE TABLE IF NOT EXISTS rawbench.bench_raw (id int PRIMARY KEY, cn bigint NOT NULL,"
          + " content bytea NOT NULL)");
      s.execute("TRUNCATE rawbench.bench_raw");
      s.execute("INSERT INTO rawbench.bench_raw SELECT g, 0, '\\x'::bytea FROM generate_series(0, " + (writers - 1) + ") g");
    }
    byte[] content = new byte[2048];
    new Random(1).nextBytes(content);
    return closedLoop(writers, seconds, w -> {
      Connection c = connect(o);
      c.createStatement().execute("SET synchronous_commit = on");
      PreparedStatement ps = c.prepareStatement("UPDATE rawbench.bench_raw SET cn = cn + 1, content = ? WHERE id = ? AND cn = ?");
      long[] cn = {0};
      return new Op() {
        @Override
        public void run() throws Exception {
          ps.setBytes(1, content);
          ps.setInt(2, w);
          ps.setLong(3, cn[0]);
          if (ps.executeUpdate() != 1) {
            throw new IllegalStateException("raw update of row " + w + " at cn " + cn[0] + " matched nothing");
          }
          cn[0]++;
        }

        @Override
        public void close() throws java.sql.SQLException {
          c.close();
        }
      };
    });
  }

  private static double saves(PostgresStorage.Options o, int writers, int nodes, int seconds) throws Exception {
    List<EmbeddedMessageStore> engines = new ArrayList<>();
    try {
      for (int n = 0; n < nodes; n++) {
        engines.add(PostgresMessageStore.open(o.withPoolSize(Math.min(64, Math.max(2, writers / nodes + 2)))));
      }
      Session owner = engines.getFirst().openSession("bench");
      StoreInfo store = owner.createStore("bench " + writers + "x" + nodes + " " + System.nanoTime());
      Folder inbox = owner.rootFolder(store.id()).subfolder("Inbox").orElseThrow();
      List<MessageId> ids = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        try (Message m = inbox.createMessage()) {
          TypicalMessage.fill(m, w);
          ids.add(m.saveChanges().messageId());
        }
      }
      return closedLoop(writers, seconds, w -> {
        Session s = engines.get(w % nodes).openSession("bench");
        long[] count = {0};
        return new Op() {
          @Override
          public void run() {
            try (Message m = s.openMessage(ids.get(w), OpenFlag.MODIFY)) {
              m.set(TypicalMessage.COUNTER, ++count[0]);
              m.saveChanges();
            }
          }

          @Override
          public void close() {
            s.close();
          }
        };
      });
    } finally {
      engines.forEach(EmbeddedMessageStore::close);
    }
  }

  private static long[] crossNodeLatency(PostgresStorage.Options o, int saves) throws Exception {
    try (EmbeddedMessageStore a = PostgresMessageStore.open(o.withPoolSize(4));
        EmbeddedMessageStore b = PostgresMessageStore.open(o.withPoolSize(4))) {
      Session onA = a.openSession("bench");
      StoreInfo store = onA.createStore("latency " + System.nanoTime());
      Folder inbox = onA.rootFolder(store.id()).subfolder("Inbox").orElseThrow();
      MessageId id;
      try (Message m = inbox.createMessage()) {
        TypicalMessage.fill(m, 0);
        id = m.saveChanges().messageId();
      }
      BlockingQueue<Long> arrivals = new LinkedBlockingQueue<>();
      Session onB = b.openSession("bench");
      Subscription sub = onB.subscribe(EventScope.message(id), java.util.Set.of(EventType.OBJECT_MODIFIED),
          (StoreEvent e) -> arrivals.add(System.nanoTime()));
      try {
        long[] out = new long[saves];
        for (int i = 0; i < saves; i++) {
          long returned;
          try (Message m = onA.openMessage(id, OpenFlag.MODIFY)) {
            m.set(TypicalMessage.COUNTER, (long) i);
            m.saveChanges();
            returned = System.nanoTime();
          }
          Long arrived = arrivals.poll(10, TimeUnit.SECONDS);
          if (arrived == null) {
            throw new IllegalStateException("no event on node B for save " + i + " within 10 s");
          }
          out[i] = Math.max(0, arrived - returned);
        }
        Arrays.sort(out);
        return out;
      } finally {
        sub.close();
      }
    }
  }

  private interface Op extends AutoCloseable {
    void run() throws Exception;

    @Override
    void close() throws java.sql.SQLException;
  }

  @FunctionalInterface
  private interface OpFactory {
    Op open(int writer) throws Exception;
  }

  /** {@code writers} threads run their op back to back for {@code seconds} after a one-second warm-up; returns ops/s. */
  private static double closedLoop(int writers, int seconds, OpFactory factory) throws Exception {
    AtomicBoolean counting = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong done = new AtomicLong();
    CountDownLatch finished = new CountDownLatch(writers);
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int w = 0; w < writers; w++) {
      int writer = w;
      Thread t = new Thread(() -> {
        try (Op op = factory.open(writer)) {
          while (!stop.get()) {
            op.run();
            if (counting.get()) {
              done.incrementAndGet();
            }
          }
        } catch (Throwable e) {
          failures.add(e);
        } finally {
          finished.countDown();
        }
      }, "bench-writer-" + w);
      t.setDaemon(true);
      t.start();
    }
    Thread.sleep(1_000); // warm-up, not counted
    long t0 = System.nanoTime();
    counting.set(true);
    Thread.sleep(seconds * 1_000L);
    counting.set(false);
    long elapsed = System.nanoTime() - t0;
    stop.set(true);
    finished.await(60, TimeUnit.SECONDS);
    if (!failures.isEmpty()) {
      throw new IllegalStateException("a writer failed", failures.getFirst());
    }
    return done.get() * 1e9 / elapsed;
  }

  private static Connection connect(PostgresStorage.Options o) throws Exception {
    java.util.Properties p = new java.util.Properties();
    p.setProperty("user", o.user());
    if (o.password() != null) {
      p.setProperty("password", o.password());
    }
    return DriverManager.getConnection(o.jdbcUrl(), p);
  }
}
