package msgstore.imap;

import java.util.ArrayList;
import java.util.List;

/**
 * A sequence set (RFC 9051 9, {@code sequence-set}): ranges of message sequence numbers or UIDs,
 * where {@code *} is the largest number in use ({@link #STAR} until {@link #resolve} is given it).
 */
record SequenceSet(List<long[]> ranges) {
  static final long STAR = Long.MAX_VALUE;

  SequenceSet {
    ranges = List.copyOf(ranges);
  }

  /** Parses {@code 1:3,5,7:*}; numbers are 1 to 2^32-1 (nz-number). */
  static SequenceSet parse(String text) {
    if (text.isEmpty()) {
      throw new BadCommand("empty sequence set");
    }
    List<long[]> out = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      int colon = part.indexOf(':');
      long a = number(colon < 0 ? part : part.substring(0, colon));
      long b = colon < 0 ? a : number(part.substring(colon + 1));
      out.add(new long[] {Math.min(a, b), Math.max(a, b)});
    }
    return new SequenceSet(out);
  }

  private static long number(String s) {
    if (s.equals("*")) {
      return STAR;
    }
    if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(c -> c >= '0' && c <= '9') || s.charAt(0) == '0') {
      throw new BadCommand("invalid number '" + s + "' in a sequence set");
    }
    long v = Long.parseLong(s);
    if (v > 0xFFFFFFFFL) {
      throw new BadCommand("number " + s + " in a sequence set is over 4294967295");
    }
    return v;
  }

  /** True when {@code n} is in the set, {@code *} standing for {@code largest}. */
  boolean contains(long n, long largest) {
    for (long[] r : ranges) {
      long a = r[0] == STAR ? largest : r[0];
      long b = r[1] == STAR ? largest : r[1];
      if (n >= Math.min(a, b) && n <= Math.max(a, b)) {
        return true;
      }
    }
    return false;
  }

  /** The set written compactly from sorted distinct numbers ({@code 1:3,5}). */
  static String format(List<Long> sorted) {
    StringBuilder b = new StringBuilder();
    int i = 0;
    while (i < sorted.size()) {
      int j = i;
      while (j + 1 < sorted.size() && sorted.get(j + 1) == sorted.get(j) + 1) {
        j++;
      }
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(sorted.get(i));
      if (j > i) {
        b.append(':').append(sorted.get(j));
      }
      i = j + 1;
    }
    return b.toString();
  }
}
