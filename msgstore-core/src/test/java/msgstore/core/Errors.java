package msgstore.core;

import msgstore.api.MapiError;
import msgstore.api.StoreException;

/** The MAPI error a call fails with, for assertions. */
final class Errors {
  private Errors() {}

  /** The error {@code call} throws, or null when it returns normally. */
  static MapiError code(Runnable call) {
    try {
      call.run();
    } catch (StoreException e) {
      return e.error();
    }
    return null;
  }
}
