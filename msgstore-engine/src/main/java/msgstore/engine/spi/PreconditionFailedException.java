package msgstore.engine.spi;

import msgstore.api.MapiError;
import msgstore.api.StoreException;

/** A batch failed because a precondition of operation {@code opIndex} did not hold; nothing was written. */
public final class PreconditionFailedException extends StoreException {
  private static final long serialVersionUID = 1L;

  /** Why. */
  public enum Reason {
    NOT_FOUND(MapiError.NOT_FOUND),
    DELETED(MapiError.OBJECT_DELETED),
    CHANGED(MapiError.OBJECT_CHANGED),
    COLLISION(MapiError.COLLISION),
    CYCLE(MapiError.FOLDER_CYCLE);

    private final MapiError error;

    Reason(MapiError error) {
      this.error = error;
    }

    public MapiError error() {
      return error;
    }
  }

  private final int opIndex;
  private final Reason reason;
  private final long currentCn;

  public PreconditionFailedException(int opIndex, Reason reason, long currentCn, String message) {
    super(reason.error(), message);
    this.opIndex = opIndex;
    this.reason = reason;
    this.currentCn = currentCn;
  }

  public int opIndex() {
    return opIndex;
  }

  public Reason reason() {
    return reason;
  }

  /** For CHANGED: the message's current change number. */
  public long currentCn() {
    return currentCn;
  }
}
