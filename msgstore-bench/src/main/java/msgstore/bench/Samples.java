package msgstore.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * Latencies in nanoseconds, kept in full and sorted for percentiles. At the sizes of the HTTP
 * benchmark (at most a few million samples per point) this is exact and cheap enough, so no
 * histogram library is needed. Not thread-safe: each virtual user keeps its own and they are
 * merged after the point.
 */
final class Samples {
  private long[] values = new long[1024];
  private int size;
  private boolean sorted = true;

  void add(long nanos) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = nanos;
    sorted = false;
  }

  void addAll(Samples other) {
    if (size + other.size > values.length) {
      values = Arrays.copyOf(values, Math.max(values.length * 2, size + other.size));
    }
    System.arraycopy(other.values, 0, values, size, other.size);
    size += other.size;
    sorted = false;
  }

  int size() {
    return size;
  }

  /** The nearest-rank percentile ({@code q} in 0..100) in milliseconds; NaN when empty. */
  double percentileMillis(double q) {
    if (size == 0) {
      return Double.NaN;
    }
    sort();
    int rank = (int) Math.ceil(q / 100.0 * size);
    return values[Math.min(size, Math.max(1, rank)) - 1] / 1e6;
  }

  double maxMillis() {
    if (size == 0) {
      return Double.NaN;
    }
    sort();
    return values[size - 1] / 1e6;
  }

  /** "p50 1.23 ms, p99 4.56 ms" (or "no samples"). */
  String p50p99() {
    if (size == 0) {
      return "no samples";
    }
    return String.format(Locale.ROOT, "p50 %s ms, p99 %s ms", ms(percentileMillis(50)), ms(percentileMillis(99)));
  }

  /** A latency in milliseconds with 3 significant digits or so. */
  static String ms(double v) {
    if (Double.isNaN(v)) {
      return "n/a";
    }
    return String.format(Locale.ROOT, v < 1 ? "%.3f" : v < 10 ? "%.2f" : v < 100 ? "%.1f" : "%.0f", v);
  }

  private void sort() {
    if (!sorted) {
      Arrays.sort(values, 0, size);
      sorted = true;
    }
  }
}
