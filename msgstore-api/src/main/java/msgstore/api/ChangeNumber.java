package msgstore.api;

/**
 * A change number: a per-store counter that only increases and never reuses a value (R61). It is
 * 48 bits wide, as the global counter of an XID (R62).
 */
public record ChangeNumber(long value) implements Comparable<ChangeNumber> {
  /** The largest value a 6-byte global counter holds. */
  public static final long MAX = (1L << 48) - 1;

  public ChangeNumber {
    if (value < 1 || value > MAX) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "change number out of range: " + value);
    }
  }

  public static ChangeNumber of(long value) {
    return new ChangeNumber(value);
  }

  /** The next change number; fails once the 48-bit space is exhausted. */
  public ChangeNumber next() {
    if (value == MAX) {
      throw new StoreException(MapiError.CALL_FAILED, "change number space exhausted at " + value);
    }
    return new ChangeNumber(value + 1);
  }

  @Override
  public int compareTo(ChangeNumber o) {
    return Long.compare(value, o.value);
  }

  @Override
  public String toString() {
    return "cn " + value;
  }
}
