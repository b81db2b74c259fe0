package msgstore.api;

import java.util.EnumSet;
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
}
