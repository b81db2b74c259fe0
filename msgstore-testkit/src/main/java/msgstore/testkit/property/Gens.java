package msgstore.testkit.property;

import java.util.List;
import java.util.UUID;

/**
 * Generators of common values. Numbers come with their edge cases (zero, one, minus one, the
 * extremes; for floating point also -0.0, NaN, the infinities and the smallest values) in about
 * one try in eight, and shrink towards zero; strings mix ASCII, the rest of the basic plane and
 * supplementary characters, never lone surrogates.
 */
public final class Gens {
  private static final int[] INT_EDGES = {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE};
  private static final long[] LONG_EDGES = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE,
      Integer.MIN_VALUE, Integer.MAX_VALUE};
  private static final double[] DOUBLE_EDGES = {0.0, 1.0, -1.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY, Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE, -Double.MAX_VALUE};
  private static final float[] FLOAT_EDGES = {0.0f, 1.0f, -1.0f, -0.0f, Float.NaN, Float.POSITIVE_INFINITY,
      Float.NEGATIVE_INFINITY, Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE};

  private Gens() {}

  /** Integers uniform in {@code [min, max]}, shrinking towards {@code min}. */
  public static Gen<Integer> integers(int min, int max) {
    if (max < min) {
      throw new IllegalArgumentException("max < min: " + min + ", " + max);
    }
    return c -> (int) (min + c.below((long) max - min + 1));
  }

  /** Longs uniform in {@code [min, max]} (a range narrower than the whole of long), shrinking towards {@code min}. */
  public static Gen<Long> longs(long min, long max) {
    if (max < min || max - min < 0 || max - min == Long.MAX_VALUE) {
      throw new IllegalArgumentException("the range must be non-empty and narrower than all longs: " + min + ", " + max);
    }
    return c -> min + c.below(max - min + 1);
  }

  /** Any integer, edge cases included. */
  public static Gen<Integer> integers() {
    return c -> c.below(8) == 0 ? INT_EDGES[c.below(INT_EDGES.length)] : (int) signed(c, 1L << 31);
  }

  /** Any long, edge cases included. */
  public static Gen<Long> longs() {
    return c -> c.below(8) == 0 ? LONG_EDGES[c.below(LONG_EDGES.length)] : signed(c, Long.MAX_VALUE);
  }

  /** Any double bit pattern (NaNs, infinities, subnormals), edge cases and small whole numbers often. */
  public static Gen<Double> doubles() {
    return c -> switch (c.below(4)) {
      case 0 -> DOUBLE_EDGES[c.below(DOUBLE_EDGES.length)];
      case 1 -> (double) signed(c, 1000);
      case 2 -> signed(c, 1L << 52) / (double) (1 + c.below(1L << 20));
      default -> Double.longBitsToDouble(c.below(2) == 0 ? c.below(Long.MAX_VALUE) : ~c.below(Long.MAX_VALUE));
    };
  }

  /** Any float bit pattern, edge cases and small whole numbers often. */
  public static Gen<Float> floats() {
    return c -> switch (c.below(4)) {
      case 0 -> FLOAT_EDGES[c.below(FLOAT_EDGES.length)];
      case 1 -> (float) signed(c, 1000);
      case 2 -> signed(c, 1L << 23) / (float) (1 + c.below(1 << 10));
      default -> Float.intBitsToFloat((int) c.below(1L << 32));
    };
  }

  /** false or true (false is simpler). */
  public static Gen<Boolean> booleans() {
    return c -> c.below(2) == 1;
  }

  /** One of {@code values}, uniformly; the first is the simplest. */
  public static <T> Gen<T> of(List<T> values) {
    List<T> copy = List.copyOf(values);
    if (copy.isEmpty()) {
      throw new IllegalArgumentException("no values");
    }
    return c -> copy.get(c.below(copy.size()));
  }

  /** Always {@code value}. */
  public static <T> Gen<T> constant(T value) {
    return c -> value;
  }

  /** A value of one of {@code gens}, chosen uniformly; the first is the simplest. */
  public static <T> Gen<T> oneOf(List<Gen<? extends T>> gens) {
    List<Gen<? extends T>> copy = List.copyOf(gens);
    if (copy.isEmpty()) {
      throw new IllegalArgumentException("no generators");
    }
    return c -> copy.get(c.below(copy.size())).generate(c);
  }

  /** Strings of up to {@code maxLength} code points from all of Unicode except surrogates. */
  public static Gen<String> strings(int maxLength) {
    return codePoints().list(0, maxLength).map(Gens::join);
  }

  /** Strings of up to {@code maxLength} ASCII characters (0 to 127, so control characters too). */
  public static Gen<String> asciiStrings(int maxLength) {
    Gen<Integer> ascii = c -> (c.below(128) + 'a') % 128;
    return ascii.list(0, maxLength).map(Gens::join);
  }

  /** Byte arrays of up to {@code maxLength} bytes. */
  public static Gen<byte[]> bytes(int maxLength) {
    Gen<Byte> b = c -> (byte) c.below(256);
    return b.list(0, maxLength).map(l -> {
      byte[] out = new byte[l.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = l.get(i);
      }
      return out;
    });
  }

  /** Any UUID. */
  public static Gen<UUID> uuids() {
    return c -> new UUID(signed(c, Long.MAX_VALUE), signed(c, Long.MAX_VALUE));
  }

  /** Code points: mostly ASCII letters and punctuation, then the basic plane, then the others; 'a' is simplest. */
  public static Gen<Integer> codePoints() {
    return c -> switch (c.below(4)) {
      case 0, 1 -> (c.below(95) + 'a' - ' ') % 95 + ' ';
      case 2 -> {
        int cp = c.below(0x10000 - 0x80 - 0x800);
        yield cp < 0xD800 - 0x80 ? cp + 0x80 : cp + 0x80 + 0x800;
      }
      default -> 0x10000 + c.below(0x110000 - 0x10000);
    };
  }

  /** A number in {@code (-bound, bound)} (or {@code Long.MIN_VALUE} for the full range) shrinking towards 0. */
  private static long signed(Choices c, long bound) {
    boolean negative = c.below(2) == 1;
    long magnitude = c.below(bound);
    return negative ? -magnitude - (bound == Long.MAX_VALUE ? 1 : 0) : magnitude;
  }

  private static String join(List<Integer> codePoints) {
    StringBuilder b = new StringBuilder(codePoints.size());
    codePoints.forEach(b::appendCodePoint);
    return b.toString();
  }
}
