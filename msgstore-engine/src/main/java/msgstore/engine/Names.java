package msgstore.engine;

import msgstore.api.MapiError;
import msgstore.api.StoreException;
import msgstore.api.StoreLimits;

final class Names {
  private Names() {}

  static void check(String name, String what, StoreLimits limits) {
    if (name == null || name.isBlank()) {
      throw new StoreException(MapiError.INVALID_PARAMETER, what + " must not be empty");
    }
    if (name.length() > limits.maxNameLength()) {
      throw new StoreException(MapiError.TOO_BIG, what + " '" + name.substring(0, 32) + "...' is " + name.length()
          + " characters, over the limit of " + limits.maxNameLength());
    }
    if (name.chars().anyMatch(c -> c < 0x20)) {
      throw new StoreException(MapiError.INVALID_PARAMETER, what + " '" + name + "' contains control characters");
    }
  }
}
