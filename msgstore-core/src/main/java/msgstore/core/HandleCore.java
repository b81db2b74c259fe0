package msgstore.core;

import java.util.List;
import java.util.Optional;
import msgstore.api.AccessLevel;
import msgstore.api.PropTag;
import msgstore.api.PropValue;

/** What message and attachment handles share: their state, their lock and the reads of it. */
abstract class HandleCore {
  protected final HandleState st;

  @SuppressWarnings("this-escape") // what() is asked only when a message is built, after construction
  HandleCore(AccessLevel access, Runnable outerCheck) {
    this.st = new HandleState(access, false, this::what, outerCheck);
  }

  /** The object in messages. */
  protected abstract String what();

  /** The monitor calls on this handle hold (R97). */
  protected Object lock() {
    return this;
  }

  public abstract List<PropValue> getProps();

  public final AccessLevel accessLevel() {
    synchronized (lock()) {
      return st.access();
    }
  }

  public final boolean isOpen() {
    synchronized (lock()) {
      return st.isOpen();
    }
  }

  public final Optional<PropValue> getProp(PropTag tag) {
    return Props.find(getProps(), tag);
  }

  @Override
  public String toString() {
    return "handle on " + what();
  }
}
