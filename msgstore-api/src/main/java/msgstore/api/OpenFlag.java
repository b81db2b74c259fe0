package msgstore.api;

import java.util.EnumSet;
import java.util.Set;

/** Flags of an open (R2, R4): MAPI_MODIFY, SHOW_SOFT_DELETES, MAPI_BEST_ACCESS. */
public enum OpenFlag {
  MODIFY(0x1),
  SHOW_SOFT_DELETES(0x2),
  BEST_ACCESS(0x10);

  private final int bit;

  OpenFlag(int bit) {
    this.bit = bit;
  }

  public int bit() {
    return bit;
  }

  /** The flags set in a MAPI bit mask; unknown bits are ignored. */
  public static Set<OpenFlag> fromBits(int bits) {
    EnumSet<OpenFlag> s = EnumSet.noneOf(OpenFlag.class);
    for (OpenFlag f : values()) {
      if ((bits & f.bit) != 0) {
        s.add(f);
      }
    }
    return s;
  }
}
