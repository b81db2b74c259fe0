package msgstore.engine.spi;

import java.time.Duration;

/**
 * The time by which the current thread's work must stop waiting for its storage: one deadline
 * for a whole request, not a timeout per step (ADR 0030). The HTTP server starts one for each API
 * request; a storage backend that waits for something outside the process (a pooled database
 * connection, a statement's answer) waits at most until then and fails BUSY after it, so a
 * request that would wait several times while the database is down still answers in time.
 *
 * <p>Per thread and not inherited: work handed to another thread runs without one. Without one
 * (maintenance, tools, event streams), a backend uses its own timeouts only.
 */
public final class StorageDeadline implements AutoCloseable {
  private static final ThreadLocal<StorageDeadline> CURRENT = new ThreadLocal<>();

  private final long deadlineNanos;
  private final StorageDeadline outer;
  private final boolean noWaiting;

  private StorageDeadline(long deadlineNanos, StorageDeadline outer, boolean noWaiting) {
    this.deadlineNanos = deadlineNanos;
    this.outer = outer;
    this.noWaiting = noWaiting;
  }

  /**
   * Starts a deadline {@code budget} from now on this thread, until {@link #close}. A deadline
   * already running that ends earlier stays in force.
   *
   * @throws IllegalArgumentException when {@code budget} is null or negative
   */
  public static StorageDeadline start(Duration budget) {
    if (budget == null || budget.isNegative()) {
      throw new IllegalArgumentException("a storage deadline needs a budget of zero or more, got " + budget);
    }
    StorageDeadline outer = CURRENT.get();
    long at = System.nanoTime() + budget.toNanos();
    if (outer != null && outer.deadlineNanos - at < 0) {
      at = outer.deadlineNanos;
    }
    StorageDeadline d = new StorageDeadline(at, outer, outer != null && outer.noWaiting);
    CURRENT.set(d);
    return d;
  }

  /**
   * Starts, until {@link #close}, work that must not wait for its storage at all: a backend takes
   * what is free at once (a pooled connection) or fails BUSY, without the least wait it may grant
   * work whose deadline has passed. For a request tried on the HTTP selector thread (ADR 0037),
   * which starts again on a request thread when something is not free.
   */
  public static StorageDeadline startWithoutWaiting() {
    StorageDeadline d = new StorageDeadline(System.nanoTime(), CURRENT.get(), true);
    CURRENT.set(d);
    return d;
  }

  /** False inside {@link #startWithoutWaiting}: the current thread's work must not wait for its storage. */
  public static boolean waitingAllowed() {
    StorageDeadline d = CURRENT.get();
    return d == null || !d.noWaiting;
  }

  /** Nanoseconds left before this thread's deadline (zero or negative once passed); {@link Long#MAX_VALUE} without one. */
  public static long remainingNanos() {
    StorageDeadline d = CURRENT.get();
    return d == null ? Long.MAX_VALUE : d.deadlineNanos - System.nanoTime();
  }

  /** Ends this deadline; the one it was started in (if any) is in force again. */
  @Override
  public void close() {
    if (CURRENT.get() == this) {
      if (outer == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(outer);
      }
    }
  }
}
