package msgstore.core;

import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import msgstore.api.AccessLevel;
import msgstore.api.MapiError;
import msgstore.api.OpenFlag;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.SaveOptions;
import msgstore.api.StoreException;

/**
 * The life of a handle (R15-R26, R54), the same for a message, an embedded message and an
 * attachment, embedded or remote: open read/write or read-only, saved at least once or never,
 * closed. Every check throws the error the spec names, with a message naming the object
 * ({@code what}, asked only when a message is built).
 *
 * <p>Not thread-safe: the handle that owns it serialises calls (R97).
 */
public final class HandleState {
  private final Supplier<String> what;
  private final Runnable outerCheck;
  private AccessLevel access;
  private boolean savedOnce;
  private boolean closed;

  /**
   * @param what names the object in messages ("message 42", "attachment 0 of handle on ...")
   * @param outerCheck what must also be open for this handle to be usable (the session), run
   *     after this handle's own check
   */
  public HandleState(AccessLevel access, boolean savedOnce, Supplier<String> what, Runnable outerCheck) {
    this.access = access;
    this.savedOnce = savedOnce;
    this.what = what;
    this.outerCheck = outerCheck;
  }

  public String what() {
    return what.get();
  }

  public AccessLevel access() {
    return access;
  }

  public boolean isOpen() {
    return !closed;
  }

  /** Whether the object has been saved (into the store or into its parent) at least once. */
  public boolean savedOnce() {
    return savedOnce;
  }

  public void markSaved() {
    savedOnce = true;
  }

  /** R25: every call on a closed handle fails INVALID_OBJECT. */
  public void checkOpen() {
    if (closed) {
      throw new StoreException(MapiError.INVALID_OBJECT, "the handle on " + what() + " is closed");
    }
    outerCheck.run();
  }

  /** R16-R19: edits on a read-only handle fail NO_ACCESS. */
  public void checkWritable() {
    checkOpen();
    if (access != AccessLevel.MODIFY) {
      throw new StoreException(MapiError.NO_ACCESS, "the handle on " + what() + " is read-only");
    }
  }

  /** R25, R26, R21: what a SaveChanges checks before anything else. */
  public void checkSavable(SaveOptions o) {
    checkOpen();
    if (access != AccessLevel.MODIFY) {
      throw new StoreException(MapiError.NO_ACCESS, "cannot save " + what() + ": the handle is read-only");
    }
    o.check(what());
  }

  /** R32: why {@code tag} may not be set or deleted on this object now, if it may not. */
  public Optional<MapiError> writeProblem(PropTag tag) {
    return PropTags.writeProblem(tag, savedOnce);
  }

  /**
   * R54: the access a child open (attachment, embedded message) gets from its flags and this
   * handle's access; {@code refusal} is the message when writing is asked of a read-only handle.
   */
  public AccessLevel childAccess(Set<OpenFlag> flags, Supplier<String> refusal) {
    boolean wantsWrite = flags.contains(OpenFlag.MODIFY) || flags.contains(OpenFlag.BEST_ACCESS);
    if (!wantsWrite) {
      return AccessLevel.READ_ONLY;
    }
    if (access == AccessLevel.MODIFY) {
      return AccessLevel.MODIFY;
    }
    if (flags.contains(OpenFlag.BEST_ACCESS)) {
      return AccessLevel.READ_ONLY;
    }
    throw new StoreException(MapiError.NO_ACCESS, refusal.get());
  }

  /** R54 for an attachment or embedded message of this handle. */
  public AccessLevel childAccess(Set<OpenFlag> flags, String object) {
    return childAccess(flags, () -> "cannot open " + object + " for writing: the handle is read-only");
  }

  /**
   * R16-R19: after a successful save the handle stays open read/write, read-only, or is closed
   * ({@code close} runs then: the owner's own close, which calls {@link #markClosed}).
   */
  public void afterSave(SaveOptions o, Runnable close) {
    o.accessAfterSave().ifPresentOrElse(a -> access = a, close);
  }

  /** Closes the handle; false when it was closed already (Close is idempotent). */
  public boolean markClosed() {
    if (closed) {
      return false;
    }
    closed = true;
    return true;
  }

  @Override
  public String toString() {
    return (closed ? "closed" : access) + " handle on " + what();
  }
}
