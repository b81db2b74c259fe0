package msgstore.protocol;

import msgstore.api.MapiError;
import msgstore.api.StoreException;

/** Bad input on the wire: a MAPI error plus the JSON field that caused it ({@code properties.PidTagSubject}). */
public final class WireException extends StoreException {
  private static final long serialVersionUID = 1L;
  private final String field;

  public WireException(MapiError error, String field, String message) {
    super(error, field == null || field.isEmpty() ? message : field + ": " + message);
    this.field = field;
  }

  /** The offending field as a dotted path; may be empty. */
  public String field() {
    return field == null ? "" : field;
  }

  /** Re-throws {@code e} with {@code field} named, keeping its error code. */
  public static WireException at(String field, StoreException e) {
    if (e instanceof WireException w) {
      return w;
    }
    return new WireException(e.error() == MapiError.NOT_FOUND ? MapiError.INVALID_PARAMETER : e.error(), field,
        e.detail());
  }
}
