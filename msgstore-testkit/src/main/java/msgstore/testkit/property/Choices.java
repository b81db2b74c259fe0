package msgstore.testkit.property;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The random choices a {@link Gen} makes, recorded so that a value can be made again and shrunk.
 *
 * <p>Every value a generator builds is a function of the sequence of choices it drew. A fresh
 * {@code Choices} draws them from a seeded random source; a replaying one reads them back from a
 * recorded sequence, clamping each to its bound and answering 0 once the sequence is used up. The
 * shrinker edits recorded sequences (deletes spans, lowers values) and replays them, so shrinking
 * works through {@link Gen#map} and any composition without per-type shrinkers. By convention a
 * generator maps choice 0 to its simplest value (the list that ends, the first alternative, the
 * smallest number).
 *
 * <p>{@link #beginSpan}/{@link #endSpan} mark the choices of one list element, so that the shrinker
 * can delete whole elements, one at a time or in chunks.
 */
public final class Choices {
  /** A generator drew more choices than this: the value is too big to be a useful example. */
  static final int MAX_CHOICES = 200_000;

  private final SplittableRandom random;
  private final long[] replay;
  private long[] made = new long[64];
  private int size;
  private final List<int[]> spans = new ArrayList<>();

  private Choices(SplittableRandom random, long[] replay) {
    this.random = random;
    this.replay = replay;
  }

  /** Choices drawn from {@code seed}. */
  static Choices random(long seed) {
    return new Choices(new SplittableRandom(seed), null);
  }

  /** Choices read back from {@code recorded}. */
  static Choices replay(long[] recorded) {
    return new Choices(null, recorded);
  }

  /** A choice in {@code [0, bound)}; 0 is the simplest. */
  public long below(long bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive: " + bound);
    }
    long v;
    if (random != null) {
      v = random.nextLong(bound);
    } else {
      v = size < replay.length ? Math.min(Math.max(replay[size], 0), bound - 1) : 0;
    }
    return record(v);
  }

  /** A choice in {@code [0, bound)}; 0 is the simplest. */
  public int below(int bound) {
    return (int) below((long) bound);
  }

  /**
   * A choice whose value the generator decides while generating ({@code value}); when replaying,
   * the recorded value wins. Lists use it for their "one more element?" flags, so that a list gets
   * the length distribution its generator wants and still shrinks by deleting elements.
   */
  public long decided(long bound, long value) {
    if (random != null) {
      return record(Math.min(Math.max(value, 0), bound - 1));
    }
    return below(bound);
  }

  /**
   * A random number in {@code [0, bound)} that is not recorded: a hint for the generator (such as
   * a target length) that must not matter for the value once the recorded choices are replayed.
   * Replays answer 0.
   */
  public int hint(int bound) {
    return random == null ? 0 : random.nextInt(bound);
  }

  /** Marks the start of the choices of one list element; returns the token for {@link #endSpan}. */
  public int beginSpan() {
    return size;
  }

  /** Marks the end of the choices of one list element begun at {@code start}. */
  public void endSpan(int start) {
    if (size > start) {
      spans.add(new int[] {start, size});
    }
  }

  private long record(long v) {
    if (size == MAX_CHOICES) {
      throw new TooManyChoices();
    }
    if (size == made.length) {
      made = Arrays.copyOf(made, size * 2);
    }
    made[size++] = v;
    return v;
  }

  /** The choices drawn so far. */
  long[] made() {
    return Arrays.copyOf(made, size);
  }

  /** The element spans, each {@code [start, end)}, in the order they ended. */
  List<int[]> spans() {
    return spans;
  }

  /** Thrown when a generator draws more than {@link #MAX_CHOICES}; the runner discards the value. */
  static final class TooManyChoices extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooManyChoices() {
      super("a generator drew more than " + MAX_CHOICES + " choices", null, false, false);
    }
  }
}
