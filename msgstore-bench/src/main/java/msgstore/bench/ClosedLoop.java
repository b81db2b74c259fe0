package msgstore.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * One measured point of a closed-loop load: {@code clients} workers, each running its operation
 * back to back, first for the warm-up and then for the measurement window, with no pause between
 * operations. An operation belongs to the measurement when it <em>starts</em> inside the window;
 * it reports its outcome and latency through the {@link Worker} it is given. Errors are counted
 * over the whole point, warm-up included, since any error means the run is not clean.
 */
final class ClosedLoop {
  private static final int ERROR_SAMPLES = 5;

  private ClosedLoop() {}

  /** One operation of a worker. Exceptions count as errors. */
  @FunctionalInterface
  interface Operation {
    void run(Worker w) throws Exception;

    /** Called once in the worker's thread after its last operation. */
    default void close() {}
  }

  /** A worker's state and counters; used by its own thread only. */
  static final class Worker {
    final int index;
    final SplittableRandom random;
    final Samples latencies = new Samples();
    private final ConcurrentLinkedQueue<String> errorSamples;
    private final AtomicInteger errorSampleCount;
    boolean measuring;
    long ok;
    long conflicts;
    long errors;

    private Worker(int index, ConcurrentLinkedQueue<String> errorSamples, AtomicInteger errorSampleCount) {
      this.index = index;
      this.random = new SplittableRandom(0x5EED_0000L + index);
      this.errorSamples = errorSamples;
      this.errorSampleCount = errorSampleCount;
    }

    void ok(long latencyNanos) {
      if (measuring) {
        ok++;
        latencies.add(latencyNanos);
      }
    }

    void conflict(long latencyNanos) {
      if (measuring) {
        conflicts++;
        latencies.add(latencyNanos);
      }
    }

    void error(String what) {
      errors++;
      if (errorSampleCount.getAndIncrement() < ERROR_SAMPLES) {
        errorSamples.add(what);
      }
    }
  }

  /** What a point measured. Rates are over the measurement window. */
  record Result(int clients, double seconds, long ok, long conflicts, long errors, Samples latencies,
      List<String> errorSamples) {
    double okPerSecond() {
      return seconds > 0 ? ok / seconds : 0;
    }

    double conflictsPerSecond() {
      return seconds > 0 ? conflicts / seconds : 0;
    }
  }

  /**
   * Runs a point and waits for it to end.
   *
   * @param virtual virtual threads (HTTP clients) or platform threads (embedded writers, as JMH)
   * @param operations the operation of worker {@code i}, created in that worker's thread
   */
  static Result run(String label, int clients, Duration warmup, Duration measure, boolean virtual,
      IntFunction<Operation> operations) throws InterruptedException {
    ConcurrentLinkedQueue<String> errorSamples = new ConcurrentLinkedQueue<>();
    AtomicInteger errorSampleCount = new AtomicInteger();
    List<Worker> workers = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    long[] window = new long[2]; // measurement start and end, set before go opens
    Thread.Builder builder = virtual ? Thread.ofVirtual().name(label + "-", 0) : Thread.ofPlatform().name(label + "-", 0);
    for (int i = 0; i < clients; i++) {
      Worker w = new Worker(i, errorSamples, errorSampleCount);
      workers.add(w);
      threads.add(builder.start(() -> {
        Operation op;
        try {
          op = operations.apply(w.index);
        } catch (RuntimeException e) {
          w.error("setup: " + e);
          return;
        }
        try {
          go.await();
          while (true) {
            long t = System.nanoTime();
            if (t >= window[1]) {
              break;
            }
            w.measuring = t >= window[0];
            try {
              op.run(w);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              w.error("interrupted");
              break;
            } catch (Exception e) {
              w.error(String.valueOf(e));
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          op.close();
        }
      }));
    }
    long start = System.nanoTime();
    window[0] = start + warmup.toNanos();
    window[1] = window[0] + measure.toNanos();
    go.countDown(); // happens-before every worker's reads of window
    long deadline = window[1] + Duration.ofSeconds(60).toNanos();
    int hung = 0;
    for (Thread t : threads) {
      long left = deadline - System.nanoTime();
      if (left > 0) {
        t.join(Duration.ofNanos(left));
      }
      if (t.isAlive()) {
        hung++;
        t.interrupt();
      }
    }
    long ok = 0;
    long conflicts = 0;
    long errors = 0;
    Samples all = new Samples();
    for (Worker w : workers) {
      ok += w.ok;
      conflicts += w.conflicts;
      errors += w.errors;
      all.addAll(w.latencies);
    }
    List<String> samples = new ArrayList<>(errorSamples);
    if (hung > 0) {
      errors += hung;
      samples.add(hung + " worker(s) still running 60 s after the end of the point (interrupted)");
    }
    return new Result(clients, measure.toNanos() / 1e9, ok, conflicts, errors, all, samples);
  }
}
