package msgstore.client;

import java.util.ArrayList;
import java.util.List;
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
