package msgstore.engine;

import java.util.Optional;
import msgstore.api.AccessLevel;
import msgstore.api.MapiError;
import msgstore.api.SaveFlag;
import msgstore.api.SaveOptions;
import msgstore.api.StoreException;

/** The SaveChanges flag rules shared by message, embedded-message and attachment handles (R16-R21, R51). */
final class SaveFlagRules {
  private SaveFlagRules() {}

  /** R21: both keep-open flags together are refused before anything is written. */
  static void check(SaveOptions o, String object) {
    if (o.has(SaveFlag.KEEP_OPEN_READONLY) && o.has(SaveFlag.KEEP_OPEN_READWRITE)) {
      throw new StoreException(MapiError.INVALID_PARAMETER,
          "KEEP_OPEN_READONLY and KEEP_OPEN_READWRITE together are not allowed (saving " + object + ")");
    }
  }

  /**
   * The handle's access after a successful save: READ_WRITE keeps it writable (R16), READ_ONLY
   * downgrades it (R17), FORCE_SAVE alone keeps it writable (R19), no flag closes it (R18: empty).
   */
  static Optional<AccessLevel> accessAfterSave(SaveOptions o) {
    if (o.has(SaveFlag.KEEP_OPEN_READWRITE)) {
      return Optional.of(AccessLevel.MODIFY);
    }
    if (o.has(SaveFlag.KEEP_OPEN_READONLY)) {
      return Optional.of(AccessLevel.READ_ONLY);
    }
    return o.has(SaveFlag.FORCE_SAVE) ? Optional.of(AccessLevel.MODIFY) : Optional.empty();
  }
}
