package msgstore.api;

import java.util.Objects;

/**
 * The one unchecked exception of the msgstore API. It carries a {@link MapiError} and a message
 * that names the object and the problem. Callers branch on {@link #error()}; the subclass {@link
 * ObjectChangedException} adds the change keys a client needs to resolve a conflict.
 */
public class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final MapiError error;

  public StoreException(MapiError error, String message) {
    this(error, message, null);
  }

  public StoreException(MapiError error, String message, Throwable cause) {
    super(Objects.requireNonNull(error, "error") + ": " + message, cause);
    this.error = error;
  }

  /** The MAPI error code. */
  public MapiError error() {
    return error;
  }

  /** The message without the leading error name. */
  public String detail() {
    String m = getMessage();
    int i = m.indexOf(": ");
    return i < 0 ? m : m.substring(i + 2);
  }
}
