package msgstore.storage.sqlite;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import msgstore.api.MapiError;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.engine.spi.PreconditionFailedException;
import msgstore.engine.spi.CommitResult;
import msgstore.engine.spi.WriteBatch;
import msgstore.storage.jdbc.JdbcRows;

/**
 * The single writer: one platform thread owning the only write connection, fed by a queue.
 *
 * <p>Group commit. The thread takes the first queued job and drains up to {@link #MAX_GROUP}
 * more. Consecutive batches form one group, written in one {@code BEGIN IMMEDIATE} transaction:
 * each batch runs inside its own {@code SAVEPOINT}; its operations check their preconditions
 * with SQL as they go, so a batch sees the effects of the batches before it in the group exactly
 * as if each had committed alone. A batch whose precondition fails (or which throws any other
 * per-batch error) is rolled back to its savepoint and fails alone; the counters it advanced are
 * restored ({@link SqliteCounters}). The change numbers of the group are written to {@code
 * store.last_cn}, then one {@code COMMIT} makes the whole group durable with one fsync.
 *
 * <p>If the transaction fails as a whole (disk full, I/O error, corruption, or an error at
 * COMMIT), it is rolled back, every batch of the group fails with the translated exception and
 * the counters are reloaded from the database: nothing is committed and no change number is
 * used up (R99).
 *
 * <p>Only after COMMIT returns are the callers' futures completed and then the {@link
 * #onCommitted} listener called, on this thread, with the journal entries of the group's
 * successful batches in position order (R79). Maintenance tasks ({@link #runTask}) run on this
 * thread between groups, each in its own transaction.
 *
 * <p>Shutdown: {@link #close} stops accepting jobs, lets the thread finish every job queued
 * before, and closes the connection. The read/write lock orders "enqueue" against "stop" so that
 * no job is queued after the stop marker.
 */
final class SqliteWriter implements AutoCloseable {
  static final int MAX_GROUP = 512;
  /** How long a short group waits for more batches; well below one fsync. */
  static final long LINGER_NANOS = 200_000;
  static final String THREAD_NAME = "msgstore-sqlite-writer";

  private static final System.Logger LOG = System.getLogger(SqliteWriter.class.getName());

  @FunctionalInterface
  interface Task<T> {
    T run(SqliteConnection c, Instant now) throws SQLException;
  }

  private sealed interface Job permits BatchJob, TaskJob, Stop {}

  private record BatchJob(WriteBatch batch, CompletableFuture<CommitResult> done) implements Job {}

  private record TaskJob(String operation, Task<?> task, CompletableFuture<Object> done) implements Job {}

  private record Stop() implements Job {}

  private sealed interface Outcome permits Committed, Failed {}

  private record Committed(CommitResult result, List<StoreEvent> events, List<SqliteStaging.Written> written)
      implements Outcome {}

  private record Failed(StoreException error) implements Outcome {}

  private final Path file;
  private final SqliteConnection c;
  private final Clock clock;
  private final SqliteCounters counters = new SqliteCounters();
  private final SqliteWriteOps ops;
  private final SqliteStaging staging;
  private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
  private final ReadWriteLock gate = new ReentrantReadWriteLock();
  private final Thread thread;
  private boolean accepting = true;
  private int lastGroupSize;
  private volatile long groupsCommitted; // written by the writer thread only
  private volatile long batchesCommitted;
  private volatile Consumer<List<StoreEvent>> listener = events -> {};

  /** Takes ownership of {@code c}, which must be in JDBC manual-commit mode with no transaction open. */
  SqliteWriter(Path file, SqliteConnection c, Clock clock, SqliteStaging staging) {
    this.file = file;
    this.c = c;
    this.clock = clock;
    this.staging = staging;
    this.ops = new SqliteWriteOps(c, counters, staging);
    this.thread = new Thread(this::run, THREAD_NAME);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  void onCommitted(Consumer<List<StoreEvent>> l) {
    this.listener = l == null ? events -> {} : l;
  }

  /** Commits a batch; returns once it is durable. */
  CommitResult commit(WriteBatch batch) {
    if (batch == null) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "commit needs a batch");
    }
    CompletableFuture<CommitResult> done = new CompletableFuture<>();
    submit(new BatchJob(batch, done), "commit");
    return await(done);
  }

  /** Runs a maintenance task on the writer thread in its own transaction. */
  @SuppressWarnings("unchecked")
  <T> T runTask(String operation, Task<T> task) {
    CompletableFuture<Object> done = new CompletableFuture<>();
    submit(new TaskJob(operation, task, done), operation);
    return (T) await(done);
  }

  /** Jobs waiting for the writer thread (for tests and diagnostics). */
  int queued() {
    return queue.size();
  }

  /** Transactions committed by {@link #commit} so far (one fsync each). */
  long groupsCommitted() {
    return groupsCommitted;
  }

  /** Batches those transactions carried, failed ones included. */
  long batchesCommitted() {
    return batchesCommitted;
  }

  private void submit(Job job, String operation) {
    if (Thread.currentThread() == thread) {
      throw new StoreException(MapiError.CALL_FAILED, operation + " called on the writer thread of " + file
          + " (from an onCommitted listener or a version factory) would wait for itself");
    }
    gate.readLock().lock();
    try {
      if (!accepting) {
        throw new StoreException(MapiError.CALL_FAILED, operation + " failed: storage " + file + " is closed");
      }
      queue.add(job);
    } finally {
      gate.readLock().unlock();
    }
  }

  private static <T> T await(CompletableFuture<T> done) {
    try {
      return done.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  @Override
  public void close() {
    gate.writeLock().lock();
    try {
      if (!accepting) {
        return;
      }
      accepting = false;
      queue.add(new Stop());
    } finally {
      gate.writeLock().unlock();
    }
    if (Thread.currentThread() == thread) {
      return; // closed from the listener: the thread stops after the current job
    }
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- the writer thread

  private void run() {
    List<Job> jobs = new ArrayList<>(MAX_GROUP);
    List<BatchJob> group = new ArrayList<>(MAX_GROUP);
    boolean stop = false;
    try {
      while (!stop) {
        jobs.clear();
        try {
          jobs.add(queue.take());
        } catch (InterruptedException e) {
          continue; // nobody interrupts this thread on purpose; keep serving until Stop
        }
        queue.drainTo(jobs, MAX_GROUP - 1);
        linger(jobs);
        for (Job job : jobs) {
          switch (job) {
            case BatchJob b -> group.add(b);
            case TaskJob t -> {
              runGroup(group);
              runTask(t);
            }
            case Stop s -> stop = true;
          }
        }
        runGroup(group);
      }
    } finally {
      refuseQueuedJobs();
      try {
        SqlitePragmas.execute(c.jdbc(), "PRAGMA optimize");
      } catch (SQLException e) {
        LOG.log(Level.DEBUG, "PRAGMA optimize failed on close of " + file, e);
      }
      c.close();
    }
  }

  /**
   * When fewer jobs are queued than the last group had, the committers of that group are most
   * likely about to submit again: wait up to {@link #LINGER_NANOS} for them, so that one fsync
   * serves them all. A lone committer (last group of one) never waits.
   */
  private void linger(List<Job> jobs) {
    int target = Math.min(lastGroupSize, MAX_GROUP);
    long deadline = System.nanoTime() + LINGER_NANOS;
    try {
      while (jobs.size() < target) {
        long left = deadline - System.nanoTime();
        Job more = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
        if (more == null) {
          return;
        }
        jobs.add(more);
        queue.drainTo(jobs, MAX_GROUP - jobs.size());
      }
    } catch (InterruptedException e) {
      // serve what is there
    }
  }

  /** When the thread ends, for whatever reason: no job may wait for it forever. */
  private void refuseQueuedJobs() {
    gate.writeLock().lock();
    try {
      accepting = false;
    } finally {
      gate.writeLock().unlock();
    }
    StoreException stopped = new StoreException(MapiError.CALL_FAILED, "the writer of " + file + " has stopped");
    Job job;
    while ((job = queue.poll()) != null) {
      switch (job) {
        case BatchJob b -> b.done().completeExceptionally(stopped);
        case TaskJob t -> t.done().completeExceptionally(stopped);
        case Stop s -> {}
      }
    }
  }

  private void runGroup(List<BatchJob> group) {
    if (group.isEmpty()) {
      return;
    }
    lastGroupSize = group.size();
    try {
      Outcome[] outcomes = writeGroup(group);
      List<StoreEvent> events = new ArrayList<>();
      for (Outcome o : outcomes) {
        if (o instanceof Committed ok && !ok.written().isEmpty()) {
          staging.written(ok.written()); // durable now: readers find it inline
        }
      }
      for (int i = 0; i < outcomes.length; i++) {
        switch (outcomes[i]) {
          case Committed ok -> {
            group.get(i).done().complete(ok.result());
            events.addAll(ok.events());
          }
          case Failed f -> group.get(i).done().completeExceptionally(f.error());
        }
      }
      notifyListener(events);
    } catch (Throwable t) {
      StoreException e = asStoreException(t, "commit of " + group.size() + " batch(es) to " + file);
      for (BatchJob job : group) {
        job.done().completeExceptionally(e);
      }
      if (t instanceof VirtualMachineError vme && !(vme instanceof OutOfMemoryError)) {
        throw vme;
      }
    } finally {
      group.clear();
    }
  }

  /** Writes one group in one transaction; throws when the transaction as a whole failed. */
  private Outcome[] writeGroup(List<BatchJob> group) throws SQLException {
    Instant now = JdbcRows.truncate(clock.instant());
    Outcome[] outcomes = new Outcome[group.size()];
    try {
      c.execute("BEGIN IMMEDIATE");
      for (int i = 0; i < outcomes.length; i++) {
        outcomes[i] = writeBatch(group.get(i).batch(), now);
      }
      counters.flush(c);
      c.execute("COMMIT");
    } catch (SQLException | RuntimeException | Error e) {
      abort(e);
      throw e;
    }
    counters.committed();
    groupsCommitted++;
    batchesCommitted += outcomes.length;
    return outcomes;
  }

  private Outcome writeBatch(WriteBatch batch, Instant now) throws SQLException {
    counters.beginBatch();
    ops.beginBatch();
    c.execute("SAVEPOINT batch");
    List<StoreEvent> events = new ArrayList<>();
    List<SqliteStaging.Written> written = new ArrayList<>();
    try {
      CommitResult result = ops.apply(batch, now, events, written);
      c.execute("RELEASE batch");
      return new Committed(result, events, written);
    } catch (SQLException e) {
      if (SqliteErrorTranslator.failsTransaction(e)) {
        throw e;
      }
      rollbackBatch();
      return new Failed(SqliteErrorTranslator.translate(e, "commit of a batch by '" + batch.actor() + "'"));
    } catch (PreconditionFailedException e) {
      // A failed check (the common loser of a race on one message): no SQL failed, so the
      // prepared statements and the caches of what is still true stay.
      c.execute("ROLLBACK TO batch");
      c.execute("RELEASE batch");
      counters.rollbackBatch();
      ops.rollbackBatch();
      return new Failed(e);
    } catch (RuntimeException e) {
      rollbackBatch();
      return new Failed(asStoreException(e, "commit of a batch by '" + batch.actor() + "'"));
    }
  }

  private void rollbackBatch() throws SQLException {
    c.forgetStatements();
    c.execute("ROLLBACK TO batch");
    c.execute("RELEASE batch");
    counters.rollbackBatch();
    ops.forgetCaches();
  }

  /** Rolls the whole transaction back and forgets every in-memory allocation. */
  private void abort(Throwable cause) {
    counters.forget();
    ops.forgetCaches();
    c.forgetStatements();
    try {
      c.execute("ROLLBACK");
    } catch (SQLException e) {
      // SQLite may have rolled back already (disk full, I/O error): then there is nothing to undo.
      cause.addSuppressed(e);
    }
  }

  private void runTask(TaskJob t) {
    Instant now = JdbcRows.truncate(clock.instant());
    try {
      Object result;
      try {
        c.execute("BEGIN IMMEDIATE");
        result = t.task().run(c, now);
        c.execute("COMMIT");
      } catch (SQLException | RuntimeException | Error e) {
        abort(e);
        throw e;
      }
      t.done().complete(result);
    } catch (Throwable e) {
      t.done().completeExceptionally(asStoreException(e, t.operation() + " on " + file));
    }
  }

  private void notifyListener(List<StoreEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    try {
      listener.accept(List.copyOf(events));
    } catch (VirtualMachineError e) {
      throw e;
    } catch (RuntimeException | Error e) {
      LOG.log(Level.WARNING, "the onCommitted listener of " + file + " threw; the commit stands", e);
    }
  }

  private static StoreException asStoreException(Throwable t, String operation) {
    return switch (t) {
      case StoreException s -> s;
      case SQLException s -> SqliteErrorTranslator.translate(s, operation);
      case OutOfMemoryError oom -> new StoreException(MapiError.NOT_ENOUGH_MEMORY, operation + " failed: " + oom, oom);
      default -> new StoreException(MapiError.CALL_FAILED, operation + " failed: " + t, t);
    };
  }
}
