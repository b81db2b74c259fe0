package msgstore.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The worker threads of {@code msgstore import}: each message is imported by one of a few threads,
 * so that several durable saves are in flight at once and the SQLite store's group commit makes
 * them durable with one fsync (docs/BENCHMARKS.md, "Import against Dovecot": one thread waits for
 * its own fsyncs, ~3 per message, and does little else).
 *
 * <p>What stays as with one thread: the tally (updated under its lock, so progress and summary
 * are exact), the failures listed in source order (each carries its sequence number), duplicate
 * skipping (see {@link #claim}), and a lost server stops everything ({@link #fatal}). The order in
 * which messages are created is not the source order; nothing depends on it (a message's delivery
 * time comes from its own headers).
 */
final class ImportPool implements AutoCloseable {
  private final MailTransfer tally;
  private final ExecutorService workers;
  private final Semaphore slots;
  private final int permits;
  private final AtomicReference<RuntimeException> fatal = new AtomicReference<>();
  private final List<Failure> failures = new ArrayList<>();
  private final AtomicInteger threadNo = new AtomicInteger();
  private long seq;

  private record Failure(long seq, String origin, String reason) {}

  /** One message's work on a worker thread; {@code seq} orders its failure in the summary. */
  interface Task {
    void run(long seq);
  }

  ImportPool(int threads, MailTransfer tally) {
    this.tally = tally;
    this.permits = threads * 2; // a little queue so a worker never waits for the reader
    this.slots = new Semaphore(permits);
    this.workers = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "msgstore-import-" + threadNo.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** Runs {@code task} on a worker; blocks while all workers are busy and their queue is full. */
  void submit(Task task) {
    rethrowFatal();
    slots.acquireUninterruptibly();
    long mine = seq++;
    try {
      workers.execute(() -> {
        try {
          if (fatal.get() == null) {
            task.run(mine);
          }
        } catch (RuntimeException e) {
          fatal.compareAndSet(null, e);
        } finally {
          slots.release();
        }
      });
    } catch (RuntimeException e) {
      slots.release();
      throw e;
    }
  }

  /** Waits until every submitted message is done (before a source is closed, and at the end). */
  void drain() {
    slots.acquireUninterruptibly(permits);
    slots.release(permits);
    rethrowFatal();
  }

  /** A failure to report in the summary; the next sequence number when not from a task. */
  void failed(long seq, String origin, String reason) {
    synchronized (tally) {
      failures.add(new Failure(seq, origin, reason));
      tally.failed(origin, reason);
    }
  }

  /** A failure outside any task (a source that cannot be read): after every message before it. */
  void failed(String origin, String reason) {
    failed(seq++, origin, reason);
  }

  /** Stops the import: the tasks not started yet do nothing, and submit/drain throw {@code e}. */
  void fatal(RuntimeException e) {
    fatal.compareAndSet(null, e);
  }

  private void rethrowFatal() {
    RuntimeException e = fatal.get();
    if (e != null) {
      throw e;
    }
  }

  /**
   * Claims the import of the message with SHA-256 {@code sha} in a folder whose claims are {@code
   * claims} (the messages already there are completed with {@code true}). Returns null when the
   * message is already there or another worker imported it (skip it); otherwise a future that the
   * caller completes with {@code true} when the import worked, or with {@code false} after removing
   * it when the import failed. A message whose twin is being imported waits for that outcome, so a
   * duplicate is skipped exactly when one thread would have skipped it.
   */
  static CompletableFuture<Boolean> claim(Map<String, CompletableFuture<Boolean>> claims, String sha) {
    CompletableFuture<Boolean> mine = new CompletableFuture<>();
    for (;;) {
      CompletableFuture<Boolean> prior = claims.putIfAbsent(sha, mine);
      if (prior == null) {
        return mine;
      }
      if (prior.join()) {
        return null;
      }
      claims.remove(sha, prior); // the earlier twin failed: try again ourselves
    }
  }

  /** A fresh claim map for a folder. */
  static Map<String, CompletableFuture<Boolean>> claims() {
    return new ConcurrentHashMap<>();
  }

  /** Puts the failures in source order (workers finish out of order); call after {@link #drain}. */
  void sortFailures() {
    synchronized (tally) {
      failures.sort(Comparator.comparingLong(Failure::seq));
      tally.failures.clear();
      for (Failure f : failures) {
        tally.failures.add(f.origin() + ": " + f.reason());
      }
    }
  }

  @Override
  public void close() {
    workers.shutdownNow();
  }
}
