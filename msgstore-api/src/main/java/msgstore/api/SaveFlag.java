package msgstore.api;

import java.util.EnumSet;
import java.util.Set;

/** SaveChanges flags (R15-R21) with their MAPI bit values. */
public enum SaveFlag {
  KEEP_OPEN_READONLY(0x1),
  KEEP_OPEN_READWRITE(0x2),
  FORCE_SAVE(0x4),
  DEFERRED_ERRORS(0x8);

  private final int bit;

  SaveFlag(int bit) {
    this.bit = bit;
  }

  public int bit() {
    return bit;
  }

  /** The flags set in a MAPI bit mask; unknown bits are ignored (R21). */
  public static Set<SaveFlag> fromBits(int bits) {
    EnumSet<SaveFlag> s = EnumSet.noneOf(SaveFlag.class);
    for (SaveFlag f : values()) {
      if ((bits & f.bit) != 0) {
        s.add(f);
      }
    }
    return s;
  }

  public static int toBits(Set<SaveFlag> flags) {
    int b = 0;
    for (SaveFlag f : flags) {
      b |= f.bit;
    }
    return b;
  }
}
