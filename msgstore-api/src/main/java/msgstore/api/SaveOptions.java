package msgstore.api;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/** The flags and merge mode of one SaveChanges call. */
public record SaveOptions(Set<SaveFlag> flags, MergeMode mergeMode) {
  public SaveOptions {
    flags = flags.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(flags));
    if (mergeMode == null) {
      mergeMode = MergeMode.NONE;
    }
  }

  public static SaveOptions of(SaveFlag... flags) {
    return new SaveOptions(flags.length == 0 ? Set.of() : EnumSet.of(flags[0], flags), MergeMode.NONE);
  }

  public static SaveOptions merge(MergeMode mode, SaveFlag... flags) {
    return new SaveOptions(of(flags).flags(), mode);
  }

  public boolean has(SaveFlag f) {
    return flags.contains(f);
  }

  /** R21: both keep-open flags together are refused before anything is written. */
  public void check(String object) {
    if (has(SaveFlag.KEEP_OPEN_READONLY) && has(SaveFlag.KEEP_OPEN_READWRITE)) {
      throw new StoreException(MapiError.INVALID_PARAMETER,
          "KEEP_OPEN_READONLY and KEEP_OPEN_READWRITE together are not allowed (saving " + object + ")");
    }
  }

  /**
   * A handle's access after a successful save with these options: KEEP_OPEN_READWRITE keeps it
   * writable (R16), KEEP_OPEN_READONLY downgrades it (R17), FORCE_SAVE alone keeps it writable
   * (R19), no flag closes it (R18: empty).
   */
  public Optional<AccessLevel> accessAfterSave() {
    if (has(SaveFlag.KEEP_OPEN_READWRITE)) {
      return Optional.of(AccessLevel.MODIFY);
    }
    if (has(SaveFlag.KEEP_OPEN_READONLY)) {
      return Optional.of(AccessLevel.READ_ONLY);
    }
    return has(SaveFlag.FORCE_SAVE) ? Optional.of(AccessLevel.MODIFY) : Optional.empty();
  }
}
