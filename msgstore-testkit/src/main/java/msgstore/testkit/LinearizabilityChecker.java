package msgstore.testkit;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import msgstore.testkit.HistoryRecorder.Kind;
import msgstore.testkit.HistoryRecorder.Operation;
import msgstore.testkit.HistoryRecorder.Outcome;

/*
 * Linearizability of one message's history (Wing & Gong's search with the memoisation of Lowe's
 * "WGL" variant).
 *
 * The sequential model is a compare-and-set register: the state is the message's current change
 * number and whether it is deleted. OPEN reads the change number (NOT_FOUND once deleted). SAVE(base)
 * succeeds only when the current change number is its base, and then installs a larger one (R28,
 * R33); it fails with CHANGED when the base is older, and with DELETED once the message is gone (R27,
 * which comes first). FORCE_SAVE (X2) installs a larger change number whatever the current one is,
 * and fails only with DELETED once the message is gone. DELETE succeeds once (R41, R45).
 *
 * A history is linearizable when its operations can be put in one sequence that the model accepts
 * and that respects real time: an operation that responded before another was invoked comes first.
 * The search repeatedly picks a "minimal" pending operation (one invoked no later than the earliest
 * response among the operations not yet placed), applies it to the model, and backtracks on
 * rejection. Pairs (set of placed operations, model state) already explored are remembered, which
 * keeps histories of a few hundred operations cheap.
 */

/** Checks a recorded single-message history against the sequential model of a message (see the block comment). */
public final class LinearizabilityChecker {

  /** The model state: the current change number and whether the message is deleted. */
  public record State(long cn, boolean deleted) {}

  /**
   * The verdict. For a linearizable history, {@code order} is one legal sequential order; otherwise
   * it is the longest legal prefix found and {@code explanation} names the operations that could not
   * follow it.
   */
  public record Result(boolean linearizable, List<Operation> order, String explanation) {}

  private final List<Operation> ops;
  private final Set<Memo> explored = new HashSet<>();
  private List<Operation> longest = List.of();

  private record Memo(BitSet placed, State state) {}

  private LinearizabilityChecker(List<Operation> ops) {
    this.ops = ops;
  }

  /** Checks {@code history} starting from a live message whose current change number is {@code initialCn}. */
  public static Result check(List<Operation> history, long initialCn) {
    LinearizabilityChecker c = new LinearizabilityChecker(List.copyOf(history));
    List<Operation> order = new ArrayList<>();
    if (c.search(new BitSet(c.ops.size()), new State(initialCn, false), order)) {
      return new Result(true, List.copyOf(order), "linearizable: " + order);
    }
    List<Operation> rest = new ArrayList<>(c.ops);
    rest.removeAll(c.longest);
    return new Result(false, c.longest,
        "not linearizable from cn " + initialCn + ". Longest legal order: " + c.longest + "; cannot place any of: " + rest);
  }

  /** One step of the sequential model; empty when {@code op}'s outcome is impossible in {@code s}. */
  public static Optional<State> step(State s, Operation op) {
    return switch (op.kind()) {
      case OPEN -> s.deleted()
          ? (op.outcome() == Outcome.NOT_FOUND ? Optional.of(s) : Optional.empty())
          : (op.outcome() == Outcome.OK && op.result() == s.cn() ? Optional.of(s) : Optional.empty());
      case SAVE -> {
        if (s.deleted()) {
          yield op.outcome() == Outcome.DELETED ? Optional.of(s) : Optional.empty();
        }
        if (s.cn() == op.base()) {
          yield op.outcome() == Outcome.OK && op.result() > s.cn() ? Optional.of(new State(op.result(), false)) : Optional.empty();
        }
        yield op.outcome() == Outcome.CHANGED ? Optional.of(s) : Optional.empty();
      }
      case FORCE_SAVE -> s.deleted()
          ? (op.outcome() == Outcome.DELETED ? Optional.of(s) : Optional.empty())
          : (op.outcome() == Outcome.OK && op.result() > s.cn() ? Optional.of(new State(op.result(), false))
              : Optional.empty());
      case DELETE -> s.deleted()
          ? (op.outcome() == Outcome.NOT_FOUND ? Optional.of(s) : Optional.empty())
          : (op.outcome() == Outcome.OK ? Optional.of(new State(s.cn(), true)) : Optional.empty());
    };
  }

  private boolean search(BitSet placed, State state, List<Operation> order) {
    if (order.size() > longest.size()) {
      longest = List.copyOf(order);
    }
    int n = ops.size();
    if (placed.cardinality() == n) {
      return true;
    }
    long earliestResponse = Long.MAX_VALUE;
    for (int i = placed.nextClearBit(0); i < n; i = placed.nextClearBit(i + 1)) {
      earliestResponse = Math.min(earliestResponse, ops.get(i).respondedAt());
    }
    for (int i = placed.nextClearBit(0); i < n; i = placed.nextClearBit(i + 1)) {
      Operation op = ops.get(i);
      if (op.invokedAt() > earliestResponse) {
        continue;
      }
      Optional<State> next = step(state, op);
      if (next.isEmpty()) {
        continue;
      }
      BitSet p = (BitSet) placed.clone();
      p.set(i);
      if (!explored.add(new Memo(p, next.get()))) {
        continue;
      }
      order.add(op);
      if (search(p, next.get(), order)) {
        return true;
      }
      order.removeLast();
    }
    return false;
  }

  /** Convenience for hand-made histories: an operation with explicit times. */
  public static Operation op(int id, Kind kind, long base, long invokedAt, long respondedAt, Outcome outcome, long result) {
    return new Operation(id, id, kind, base, invokedAt, respondedAt, outcome, result);
  }
}
