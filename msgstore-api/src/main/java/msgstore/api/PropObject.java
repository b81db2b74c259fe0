package msgstore.api;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Property access shared by message and attachment handles. Every read returns the handle's view
 * (base plus its own pending edits, R10); every write changes only the handle's pending state
 * (R10, R11). Calls on a closed handle throw INVALID_OBJECT (R25).
 */
public interface PropObject extends PropReader, AutoCloseable {
  /** The handle's current access (PR_ACCESS_LEVEL, R3). */
  AccessLevel accessLevel();

  /** False once closed (explicitly, or shut down by a save without keep-open flags, R18). */
  boolean isOpen();

  /** One property of the view; the typed getters of {@link PropReader} read through it. */
  @Override
  Optional<PropValue> getProp(PropTag tag);

  /** Every property of the view, sorted by tag, computed ones included. */
  List<PropValue> getProps();

  /**
   * Sets properties in the pending state (R10). Read-only and computed properties are not set;
   * each is reported in the returned problem array (R32). An unknown type or a value over a limit
   * fails the whole call with nothing set.
   *
   * @throws StoreException NO_ACCESS on a read-only handle (R94), TOO_BIG over a size limit
   */
  List<PropProblem> setProps(Collection<PropValue> values);

  default List<PropProblem> setProps(PropValue... values) {
    return setProps(List.of(values));
  }

  /** Sets one property; shorthand for {@code setProps(PropValue.of(tag, value))}. */
  default List<PropProblem> set(PropTag tag, Object value) {
    return setProps(PropValue.of(tag, value));
  }

  /**
   * Deletes properties from the pending state (R10); read-only ones are reported (R32).
   *
   * @throws StoreException NO_ACCESS on a read-only handle (R94)
   */
  List<PropProblem> deleteProps(Collection<PropTag> tags);

  default List<PropProblem> deleteProps(PropTag... tags) {
    return deleteProps(List.of(tags));
  }

  /** Releases the handle; pending edits are discarded (R12). Idempotent. */
  @Override
  void close();
}
