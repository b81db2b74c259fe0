package msgstore.testkit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Records a concurrent history of operations on one message for {@link LinearizabilityChecker}:
 * each thread calls {@link #invoke} just before an operation and {@link Call#ok} or {@link
 * Call#fail} just after it returns, so every operation carries the real-time interval ({@link
 * System#nanoTime()}) in which it took effect. Thread-safe.
 */
public final class HistoryRecorder {

  /** The operations of the single-message model. */
  public enum Kind {
    /** Open; result: the base change number, or NOT_FOUND. */
    OPEN,
    /** Save from {@code base} (with edits); result: the new change number, or CHANGED / DELETED. */
    SAVE,
    /** Forced save (FORCE_SAVE, {@code If-Match: *}): whatever the base; result: the new change number, or DELETED. */
    FORCE_SAVE,
    /** Delete; OK, or NOT_FOUND. */
    DELETE
  }

  /** How an operation ended. */
  public enum Outcome {
    OK,
    /** OBJECT_CHANGED. */
    CHANGED,
    /** OBJECT_DELETED. */
    DELETED,
    /** NOT_FOUND. */
    NOT_FOUND
  }

  /**
   * One completed operation.
   *
   * @param base the base change number a SAVE was made from (0 otherwise)
   * @param result the change number an OPEN saw or a SAVE created (0 otherwise)
   */
  public record Operation(int id, int client, Kind kind, long base, long invokedAt, long respondedAt, Outcome outcome, long result) {
    public Operation {
      if (respondedAt < invokedAt) {
        throw new IllegalArgumentException("operation " + id + " responded before it was invoked");
      }
    }

    @Override
    public String toString() {
      String in = kind == Kind.SAVE ? "SAVE(base " + base + ")" : kind.name();
      String out = outcome == Outcome.OK && result != 0 ? "OK(" + result + ")" : outcome.name();
      return "#" + id + " c" + client + " " + in + " -> " + out + " [" + invokedAt + ", " + respondedAt + "]";
    }
  }

  private final AtomicInteger ids = new AtomicInteger();
  private final ConcurrentLinkedQueue<Operation> completed = new ConcurrentLinkedQueue<>();

  /** Marks the start of an operation; call right before it. */
  public Call invoke(int client, Kind kind, long base) {
    return new Call(ids.incrementAndGet(), client, kind, base, System.nanoTime());
  }

  /** Every completed operation, by invocation time. */
  public List<Operation> history() {
    List<Operation> h = new ArrayList<>(completed);
    h.sort(Comparator.comparingLong(Operation::invokedAt).thenComparingInt(Operation::id));
    return h;
  }

  /** An operation in flight. */
  public final class Call {
    private final int id;
    private final int client;
    private final Kind kind;
    private final long base;
    private final long invokedAt;

    private Call(int id, int client, Kind kind, long base, long invokedAt) {
      this.id = id;
      this.client = client;
      this.kind = kind;
      this.base = base;
      this.invokedAt = invokedAt;
    }

    /** The operation succeeded with {@code result} (a change number, or 0 for DELETE). */
    public void ok(long result) {
      completed.add(new Operation(id, client, kind, base, invokedAt, System.nanoTime(), Outcome.OK, result));
    }

    /** The operation failed with a code the model knows. */
    public void fail(Outcome outcome) {
      completed.add(new Operation(id, client, kind, base, invokedAt, System.nanoTime(), outcome, 0));
    }
  }
}
