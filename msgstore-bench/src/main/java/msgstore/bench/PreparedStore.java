package msgstore.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import msgstore.api.Folder;
import msgstore.api.FolderId;
import msgstore.api.Message;
import msgstore.api.SaveResult;
import msgstore.api.Session;
import msgstore.api.StoreInfo;
import msgstore.engine.EmbeddedMessageStore;

/**
 * A store of {@code messages} typical messages in folders of {@code folderMessages}, built once
 * through the public API and cached under {@link BenchPaths#cacheRoot()}; every benchmark trial
 * copies it into a fresh directory ({@link StoreFixture#prepared}) so the cached copy is never
 * written by a benchmark.
 *
 * <p>The build uses {@code msgstore.bench.buildThreads} (default 64) writer threads, each saving
 * new messages with its own session, so that group commit can put many creations in one fsync.
 * Its wall time is recorded in {@code build.properties} next to the store and reported by {@link
 * BenchMain}.
 *
 * <p>Cache layout: {@code <cache>/store-m<messages>-f<folderMessages>/} holding {@code store.db}
 * (with its {@code .blobs} directory), {@code ids.bin} (the message ids, in build order) and
 * {@code build.properties}. A directory is only renamed into place once complete, so an
 * interrupted build is simply redone. Delete the directory (or pass {@code --rebuild} to
 * BenchMain) to build again, for example after a schema change.
 */
public final class PreparedStore {
  static final String USER = "bench";
  static final String STORE_NAME = "bench";
  static final String DB_FILE = "store.db";

  /** What is known about a cached store. */
  public record Info(Path dir, int messages, int folderMessages, int buildThreads, double buildSeconds,
      String builtAt, long encodedSize) {
    public Path dbFile() {
      return dir.resolve(DB_FILE);
    }

    public double buildRate() {
      return messages / buildSeconds;
    }
  }

  private PreparedStore() {}

  static String folderName(int i) {
    return String.format("bench-%03d", i);
  }

  static int folderCount(int messages, int folderMessages) {
    return Math.max(1, (messages + folderMessages - 1) / folderMessages);
  }

  public static Path dirFor(int messages, int folderMessages) {
    return BenchPaths.cacheRoot().resolve("store-m" + messages + "-f" + folderMessages);
  }

  /** The cached store, built first when missing. */
  public static synchronized Info ensure(int messages, int folderMessages) {
    if (messages < 1 || folderMessages < 1) {
      throw new IllegalArgumentException("messages and folderMessages must be positive");
    }
    Path dir = dirFor(messages, folderMessages);
    try {
      Files.createDirectories(BenchPaths.cacheRoot());
      try (FileChannel ch = FileChannel.open(BenchPaths.cacheRoot().resolve(".lock"), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE)) {
        FileLock lock = ch.lock(); // another process building the same cache waits here
        try {
          if (!Files.exists(dir.resolve("build.properties"))) {
            build(dir, messages, folderMessages, Integer.getInteger("msgstore.bench.buildThreads", 64));
          }
          return read(dir);
        } finally {
          lock.release();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("preparing the store " + dir, e);
    }
  }

  /** The cached store's info, if it was built. */
  public static java.util.Optional<Info> cached(int messages, int folderMessages) {
    Path dir = dirFor(messages, folderMessages);
    if (!Files.exists(dir.resolve("build.properties"))) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(read(dir));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Info read(Path dir) throws IOException {
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(dir.resolve("build.properties"))) {
      p.load(in);
    }
    return new Info(dir, Integer.parseInt(p.getProperty("messages")), Integer.parseInt(p.getProperty("folderMessages")),
        Integer.parseInt(p.getProperty("buildThreads")), Double.parseDouble(p.getProperty("buildSeconds")),
        p.getProperty("builtAt"), Long.parseLong(p.getProperty("encodedSize")));
  }

  static long[] readIds(Path dir) {
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(dir.resolve("ids.bin"))))) {
      int n = in.readInt();
      long[] ids = new long[n];
      for (int i = 0; i < n; i++) {
        ids[i] = in.readLong();
      }
      return ids;
    } catch (IOException e) {
      throw new UncheckedIOException("reading the message ids of " + dir, e);
    }
  }

  private static void build(Path dir, int messages, int folderMessages, int threads) throws IOException {
    Path work = BenchPaths.cacheRoot().resolve(".building-" + dir.getFileName());
    BenchPaths.deleteTree(work);
    Files.createDirectories(work);
    int folders = folderCount(messages, folderMessages);
    System.out.printf("# msgstore-bench: building a store of %,d messages (%d folder(s) of up to %,d) with %d threads"
        + " into %s%n", messages, folders, folderMessages, threads, dir);
    long[] ids = new long[messages];
    long encodedSize;
    double seconds;
    try (EmbeddedMessageStore store = StoreFixture.openStore(work.resolve(DB_FILE))) {
      List<FolderId> folderIds = new ArrayList<>();
      try (Session s = store.openSession(USER)) {
        StoreInfo info = s.createStore(STORE_NAME);
        Folder root = s.openFolder(info.rootFolder());
        for (int i = 0; i < folders; i++) {
          folderIds.add(root.createFolder(folderName(i)).id());
        }
      }
      AtomicLong next = new AtomicLong();
      AtomicLong done = new AtomicLong();
      long t0 = System.nanoTime();
      ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
        Thread t = new Thread(r, "bench-build");
        t.setDaemon(true);
        return t;
      });
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          futures.add(pool.submit(() -> {
            try (Session s = store.openSession(USER)) {
              List<Folder> fs = new ArrayList<>();
              for (FolderId f : folderIds) {
                fs.add(s.openFolder(f));
              }
              for (long i = next.getAndIncrement(); i < messages; i = next.getAndIncrement()) {
                Message m = fs.get((int) (i / folderMessages)).createMessage();
                TypicalMessage.fill(m, i);
                SaveResult r = m.saveChanges();
                ids[(int) i] = r.messageId().value();
                done.incrementAndGet();
              }
            }
            return null;
          }));
        }
        long lastReport = System.nanoTime();
        for (Future<?> f : futures) {
          while (true) {
            try {
              f.get(5, TimeUnit.SECONDS);
              break;
            } catch (java.util.concurrent.TimeoutException e) {
              long now = System.nanoTime();
              if (now - lastReport > 5_000_000_000L) {
                lastReport = now;
                double el = (now - t0) / 1e9;
                System.out.printf("#   %,d / %,d messages, %.0f s, %,.0f msg/s%n", done.get(), messages, el,
                    done.get() / el);
              }
            }
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while building " + dir, e);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException("building " + dir + " failed", e.getCause());
      } finally {
        pool.shutdownNow();
      }
      seconds = (System.nanoTime() - t0) / 1e9;
      try (Session s = store.openSession(USER)) {
        long total = 0;
        for (FolderId f : folderIds) {
          total += s.openFolder(f).info().contentCount();
        }
        if (total != messages) {
          throw new IllegalStateException("built store holds " + total + " messages, expected " + messages);
        }
        encodedSize = s.versions(msgstore.api.MessageId.of(ids[0])).get(0).size();
      }
    }
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(work.resolve("ids.bin"))))) {
      out.writeInt(messages);
      for (long id : ids) {
        out.writeLong(id);
      }
    }
    Properties p = new Properties();
    p.setProperty("messages", Integer.toString(messages));
    p.setProperty("folderMessages", Integer.toString(folderMessages));
    p.setProperty("buildThreads", Integer.toString(threads));
    p.setProperty("buildSeconds", String.format(java.util.Locale.ROOT, "%.3f", seconds));
    p.setProperty("builtAt", Instant.now().toString());
    p.setProperty("encodedSize", Long.toString(encodedSize));
    p.setProperty("java", System.getProperty("java.version"));
    try (OutputStream out = Files.newOutputStream(work.resolve("build.properties"))) {
      p.store(out, "msgstore-bench prepared store");
    }
    BenchPaths.deleteTree(dir);
    Files.move(work, dir, StandardCopyOption.ATOMIC_MOVE);
    System.out.printf("# msgstore-bench: built %,d messages in %.1f s (%,.0f msg/s), %d bytes encoded each%n",
        messages, seconds, messages / seconds, encodedSize);
  }
}
