package msgstore.storage.jdbc;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiFunction;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import msgstore.engine.spi.StorageDeadline;

/**
 * Group commit, the queueing half that both JDBC backends share: one platform thread, fed by a
 * queue, hands the batches waiting for it to a {@link GroupWriter} as one group, so that one
 * transaction (one lock hold, one WAL flush or fsync) serves every committer that was waiting.
 *
 * <p>Policy. The thread takes the first queued job and drains up to {@link #MAX_GROUP} more.
 * When fewer are queued than the last group had, it waits up to {@link #LINGER_NANOS} for more
 * (the committers of that group are most likely about to submit again); a lone committer (a last
 * group of one) never waits. Consecutive batches form one group; a task ({@link #runTask}) ends
 * the group before it and runs alone, on the same thread.
 *
 * <p>With {@code callerRuns}, a committer that finds nothing queued and nothing being written, and
 * whose last group was of one batch, writes its batch itself, on its own thread, rather than hand
 * it to the thread and wait to be woken (two thread switches saved for each lone commit; for a
 * writer whose resources are not tied to its thread). Whoever writes holds one lock, so groups
 * still go one at a time.
 *
 * <p>Each batch carries its committer's {@link StorageDeadline} (captured at {@link #commit}):
 * the writer may fail a batch whose deadline has passed before its transaction ran. The caller
 * waits for its batch's outcome: what the writer completed it with, or the error of a writer
 * that threw (every batch of the group it did not complete fails with it).
 *
 * <p>Shutdown: {@link #close} stops accepting jobs, lets the thread finish every job queued
 * before, and then runs the writer's {@code onStop}. The read/write lock orders "enqueue"
 * against "stop" so that no job is queued after the stop marker. A job submitted by the writing
 * thread itself (an event listener or a version factory calling back) is refused: it would wait
 * for itself.
 *
 * @param <B> a batch (what a commit writes)
 * @param <R> its result
 */
public final class GroupCommitter<B, R> implements AutoCloseable {
  /** The most batches in one group. */
  public static final int MAX_GROUP = 512;
  /** How long a short group waits for more batches; well below one flush. */
  public static final long LINGER_NANOS = 200_000;

  /** Writes groups of batches, on the committer's thread. */
  public interface GroupWriter<B, R> {
    /**
     * Writes {@code group} (in submission order, at least one batch) and completes every batch
     * of it, or throws: then each batch it did not complete fails with the translated error.
     * Right after its COMMIT, before completing any batch, it tells {@code committed} how many
     * batches the transaction carried (failed ones included).
     */
    void writeGroup(List<Pending<B, R>> group, IntConsumer committed) throws Exception;
  }

  /** One batch waiting for its group, with its committer's deadline and outcome. */
  public static final class Pending<B, R> {
    private final B batch;
    private final long deadlineNanos;
    private final boolean hasDeadline;
    private final CompletableFuture<R> done = new CompletableFuture<>();

    private Pending(B batch, long remainingNanos) {
      this.batch = batch;
      this.hasDeadline = remainingNanos != Long.MAX_VALUE;
      this.deadlineNanos = hasDeadline ? System.nanoTime() + remainingNanos : 0;
    }

    public B batch() {
      return batch;
    }

    /** Nanoseconds left of the committer's {@link StorageDeadline}; {@link Long#MAX_VALUE} without one. */
    public long remainingNanos() {
      return hasDeadline ? deadlineNanos - System.nanoTime() : Long.MAX_VALUE;
    }

    public void complete(R result) {
      done.complete(result);
    }

    public void fail(RuntimeException error) {
      done.completeExceptionally(error);
    }

    public boolean isDone() {
      return done.isDone();
    }
  }

  private sealed interface Job permits BatchJob, TaskJob, Stop {}

  private record BatchJob(Pending<?, ?> pending) implements Job {}

  private record TaskJob(Supplier<?> task, CompletableFuture<Object> done) implements Job {}

  private record Stop() implements Job {}

  private final String name;
  private final GroupWriter<B, R> writer;
  private final BiFunction<Throwable, String, StoreException> errors;
  private final Runnable onStop;
  private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
  private final ReadWriteLock gate = new ReentrantReadWriteLock();
  private final Thread thread;
  private final boolean callerRuns;
  /** Held by whoever writes a group or runs a task: the thread, or a lone committer. */
  private final ReentrantLock writing = new ReentrantLock();
  private boolean accepting = true;
  private volatile int lastGroupSize;
  /** Jobs the thread has taken and holds while it waits for a lone committer to finish. */
  private volatile int waiting;
  private volatile long groupsCommitted; // written by the thread only
  private volatile long batchesCommitted;

  /**
   * A committer whose thread is not started yet ({@link #start}).
   *
   * @param name what is written to, for messages ("storage NAME is closed")
   * @param threadName the thread's name
   * @param writer writes the groups
   * @param errors translates what the writer or a task threw, with the operation's description
   * @param onStop runs on the thread when it ends (closes the writer's resources)
   * @param callerRuns whether a lone committer writes its batch on its own thread (see the class comment)
   */
  public GroupCommitter(String name, String threadName, GroupWriter<B, R> writer,
      BiFunction<Throwable, String, StoreException> errors, Runnable onStop, boolean callerRuns) {
    this.name = name;
    this.writer = writer;
    this.errors = errors;
    this.onStop = onStop;
    this.callerRuns = callerRuns;
    this.thread = new Thread(this::run, threadName);
    this.thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  /** Commits {@code batch} with the next group; returns its result once the group's transaction is durable. */
  public R commit(B batch) {
    Pending<B, R> pending = new Pending<>(batch, StorageDeadline.remainingNanos());
    if (callerRuns && lastGroupSize <= 1 && queue.isEmpty() && writeAlone(pending)) {
      return await(pending.done);
    }
    submit(new BatchJob(pending), "commit");
    return await(pending.done);
  }

  /** Runs {@code task} on the thread between two groups; what it throws is translated by the committer's {@code errors}. */
  @SuppressWarnings("unchecked")
  public <T> T runTask(String operation, Supplier<T> task) {
    CompletableFuture<Object> done = new CompletableFuture<>();
    submit(new TaskJob(task, done), operation);
    return (T) await(done);
  }

  /** Jobs waiting for the thread, the stop marker included (tests, diagnostics). */
  public int queued() {
    return queue.size() + waiting;
  }

  /** Transactions committed by groups so far. */
  public long groupsCommitted() {
    return groupsCommitted;
  }

  /** Batches those transactions carried, failed ones included. */
  public long batchesCommitted() {
    return batchesCommitted;
  }

  /** Whether the caller is writing a group: the committer's thread, or a lone committer. */
  public boolean onThread() {
    return Thread.currentThread() == thread || writing.isHeldByCurrentThread();
  }

  /** Writes {@code pending} as a group of one on the caller's thread, when nobody writes; false when somebody does. */
  private boolean writeAlone(Pending<B, R> pending) {
    if (onThread()) {
      return false; // submit refuses it
    }
    gate.readLock().lock();
    try {
      if (!accepting || !writing.tryLock()) {
        return false; // submit refuses it, or it queues behind the group being written
      }
    } finally {
      gate.readLock().unlock();
    }
    try {
      List<Pending<B, R>> group = new ArrayList<>(1);
      group.add(pending);
      runGroup(group);
    } finally {
      writing.unlock();
    }
    return true;
  }

  private void submit(Job job, String operation) {
    if (onThread()) {
      throw new StoreException(MapiError.CALL_FAILED, operation + " called on the writer thread of " + name
          + " (from an onCommitted listener or a version factory) would wait for itself");
    }
    gate.readLock().lock();
    try {
      if (!accepting) {
        throw new StoreException(MapiError.CALL_FAILED, operation + " failed: storage " + name + " is closed");
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
    if (onThread()) {
      return; // closed from the writer itself: the thread stops after the current job
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

  // ---- the thread

  @SuppressWarnings("unchecked")
  private void run() {
    List<Job> jobs = new ArrayList<>(MAX_GROUP);
    List<Pending<B, R>> group = new ArrayList<>(MAX_GROUP);
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
        waiting = jobs.size();
        writing.lock();
        try {
          queue.drainTo(jobs, MAX_GROUP - jobs.size()); // what came while a lone committer wrote
          waiting = 0;
          for (Job job : jobs) {
            switch (job) {
              case BatchJob b -> group.add((Pending<B, R>) b.pending());
              case TaskJob t -> {
                runGroup(group);
                runTask(t);
              }
              case Stop s -> stop = true;
            }
          }
          runGroup(group);
        } finally {
          writing.unlock();
        }
      }
    } finally {
      refuseQueuedJobs();
      writing.lock(); // a lone committer still writing finishes first
      try {
        onStop.run();
      } finally {
        writing.unlock();
      }
    }
  }

  /**
   * When fewer jobs are queued than the last group had, the committers of that group are most
   * likely about to submit again: wait up to {@link #LINGER_NANOS} for them, so that one flush
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
    StoreException stopped = new StoreException(MapiError.CALL_FAILED, "the writer of " + name + " has stopped");
    Job job;
    while ((job = queue.poll()) != null) {
      switch (job) {
        case BatchJob b -> b.pending().done.completeExceptionally(stopped);
        case TaskJob t -> t.done().completeExceptionally(stopped);
        case Stop s -> {}
      }
    }
  }

  private void runGroup(List<Pending<B, R>> group) {
    if (group.isEmpty()) {
      return;
    }
    lastGroupSize = group.size();
    try {
      writer.writeGroup(group, this::committed);
      for (Pending<B, R> p : group) {
        if (!p.done.isDone()) { // none, unless the writer has a bug (not built otherwise: a stack trace a group)
          p.done.completeExceptionally(new StoreException(MapiError.CALL_FAILED,
              "the writer of " + name + " left a batch of its group without an outcome"));
        }
      }
    } catch (Throwable t) {
      StoreException e = errors.apply(t, "commit of " + group.size() + " batch(es) to " + name);
      for (Pending<B, R> p : group) {
        p.done.completeExceptionally(e);
      }
      if (t instanceof VirtualMachineError vme && !(vme instanceof OutOfMemoryError)) {
        throw vme;
      }
    } finally {
      group.clear();
    }
  }

  private void committed(int batches) {
    groupsCommitted++;
    batchesCommitted += batches;
  }

  private void runTask(TaskJob t) {
    try {
      t.done().complete(t.task().get());
    } catch (Throwable e) {
      t.done().completeExceptionally(e instanceof RuntimeException r ? r : errors.apply(e, "a task on " + name));
      if (e instanceof VirtualMachineError vme && !(vme instanceof OutOfMemoryError)) {
        throw vme;
      }
    }
  }
}
