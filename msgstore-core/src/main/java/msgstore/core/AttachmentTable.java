package msgstore.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import java.util.function.Supplier;
import msgstore.api.MapiError;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.StoreException;

/**
 * A handle's attachment table (R50-R56): the base's attachments with the handle's
 * CreateAttachment, DeleteAttachment and attachment saves applied. Attachment numbers are given
 * out in order and never again while the handle lives, not even after a save (a handle still
 * open on attachment n keeps meaning that attachment). An attachment handle's SaveChanges puts
 * its state here ({@link #put}), never into the store (R51).
 *
 * <p>{@code A} is how each side holds an attachment (the engine's encoded form, the SDK's
 * snapshot); the table only needs its number and properties.
 *
 * <p>Not thread-safe: the owning handle serialises calls (R97).
 */
public final class AttachmentTable<A> {
  private final ToIntFunction<A> num;
  private final Function<A, List<PropValue>> props;
  private final Supplier<String> what;
  private TreeMap<Integer, A> rows = new TreeMap<>();
  private int nextNum;

  public AttachmentTable(Collection<A> base, ToIntFunction<A> num, Function<A, List<PropValue>> props,
      Supplier<String> what) {
    this.num = num;
    this.props = props;
    this.what = what;
    rebase(base);
  }

  /** Starts again from a (new) base: after a save, the committed attachments (R29). */
  public void rebase(Collection<A> base) {
    rows = new TreeMap<>();
    for (A a : base) {
      rows.put(num.applyAsInt(a), a);
    }
    nextNum = Math.max(nextNum, rows.isEmpty() ? 0 : rows.lastKey() + 1);
  }

  public List<A> rows() {
    return new ArrayList<>(rows.values());
  }

  public int numberOf(A a) {
    return num.applyAsInt(a);
  }

  public int size() {
    return rows.size();
  }

  /** The pending copy of attachment {@code n}, or null. */
  public A get(int n) {
    return rows.get(n);
  }

  public boolean contains(int n) {
    return rows.containsKey(n);
  }

  /** OpenAttachment's lookup: NOT_FOUND naming the message when there is no attachment {@code n}. */
  public A require(int n) {
    A a = rows.get(n);
    if (a == null) {
      throw notFound(n);
    }
    return a;
  }

  /** The number CreateAttachment gives the next attachment (R50); it is used up. */
  public int allocate() {
    return nextNum++;
  }

  /** The number {@link #allocate()} would give now. */
  public int nextNum() {
    return nextNum;
  }

  /** DeleteAttachment (R56). */
  public void delete(int n) {
    if (rows.remove(n) == null) {
      throw notFound(n);
    }
  }

  /** An attachment's SaveChanges lands here (R51); TOO_BIG when a new one is over the limit. */
  public void put(A a, int maxAttachments) {
    int n = num.applyAsInt(a);
    if (!rows.containsKey(n) && rows.size() >= maxAttachments) {
      throw new StoreException(MapiError.TOO_BIG, what.get() + " already has " + rows.size()
          + " attachments, the limit");
    }
    rows.put(n, a);
  }

  /** CopyTo's target side: a copy numbered afresh, without limit checks (as the source held it). */
  public void putCopy(A a) {
    rows.put(num.applyAsInt(a), a);
  }

  /** PR_HASATTACH / MSGFLAG_HASATTACH: does any attachment count (hidden ones do not)? */
  public boolean hasAttachments() {
    for (A a : rows.values()) {
      if (PropTags.countsAsAttachment(props.apply(a))) {
        return true;
      }
    }
    return false;
  }

  private StoreException notFound(int n) {
    return new StoreException(MapiError.NOT_FOUND, "attachment " + n + " not found in " + what.get());
  }
}
