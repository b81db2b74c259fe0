package msgstore.client;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import msgstore.api.PropProblem;
import msgstore.api.PropTag;
import msgstore.api.PropValue;
import msgstore.api.StoreLimits;
import msgstore.core.HandleState;
import msgstore.core.PendingProps;
import msgstore.protocol.Op;

/**
 * The pending edits of one message handle and the attachment and embedded-message handles opened
 * through it: the calls they received, in order, as the ops body carries them (docs/http-api.md,
 * "Ops body"). Handle 0 is the message; every other handle gets its number when it is opened
 * (or re-opened, see {@link RemoteAttachment#bind}). A successful save of the message starts a new
 * epoch with an empty log; the server rebuilds its handles from the new base on the next save.
 *
 * <p>The log object is also the lock of its handle tree: every call on a handle of the tree runs
 * while holding it, so calls on one tree are serialised (R97) and the order of the log is the order
 * of the calls.
 */
final class OpLog {
  private final List<Op> ops = new ArrayList<>();
  private int epoch;
  private int next = 1;

  int epoch() {
    return epoch;
  }

  int alloc() {
    return next++;
  }

  void add(Op op) {
    ops.add(op);
  }

  /**
   * SetProps on a handle of the tree, applied to its pending properties and logged: every value's
   * size is checked before the handle is bound ({@code bind}), so a refused call logs nothing.
   */
  List<PropProblem> setProps(IntSupplier bind, PendingProps props, List<PropValue> values, StoreLimits limits,
      HandleState st, String what) {
    for (PropValue v : values) {
      limits.checkProperty(v, what);
    }
    int w = bind.getAsInt();
    List<PropProblem> p = props.set(values, limits, st::writeProblem, what);
    add(new Op.SetProps(w, values));
    return p;
  }

  /** DeleteProps on a handle of the tree ({@code w}), applied to its pending properties and logged. */
  List<PropProblem> deleteProps(int w, PendingProps props, List<PropTag> tags, HandleState st) {
    List<PropProblem> p = props.delete(tags, st::writeProblem);
    add(new Op.DeleteProps(w, tags));
    return p;
  }

  List<Op> ops() {
    return List.copyOf(ops);
  }

  /** After a successful save: the server's handles are gone, the log starts over. */
  void reset() {
    ops.clear();
    epoch++;
    next = 1;
  }
}
