package msgstore.testkit.property;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Runs a property on random values and shrinks the first counterexample (ADR 0015).
 *
 * <pre>{@code
 * PropertyCheck.forAll(scripts()).named("store agrees with the model").tries(Stress.scale(25, 500))
 *     .check(script -> ...assertions...);
 * }</pre>
 *
 * <p>Each try makes one value from its own seed, drawn from a fresh random master seed, and runs
 * the property on it; the property fails by throwing (an assertion error or any runtime
 * exception). The first failing try is shrunk: its recorded choices are edited (whole list
 * elements deleted, in chunks that halve down to single elements, then each choice lowered
 * towards 0) and replayed, keeping every edit that still fails, until no edit helps or the shrink
 * budget is spent. The error names the try's seed; {@code -Dmsgstore.seed=SEED} (or {@link #seed})
 * runs that one try again, so the same counterexample is found and shrunk the same way.
 */
public final class PropertyCheck<T> {
  /** The system property that replays one try: {@code -Dmsgstore.seed=SEED}. */
  public static final String SEED_PROPERTY = "msgstore.seed";
  /** The system property that bounds the shrinking time in seconds (default 120). */
  public static final String SHRINK_SECONDS_PROPERTY = "msgstore.shrinkSeconds";

  private final Gen<T> gen;
  private String name = "property";
  private int tries = 100;
  private Long seed;
  private int maxShrinkRuns = 5_000;
  private Duration maxShrinkTime;

  private PropertyCheck(Gen<T> gen) {
    this.gen = Objects.requireNonNull(gen, "gen");
  }

  /** A check of values of {@code gen}. */
  public static <T> PropertyCheck<T> forAll(Gen<T> gen) {
    return new PropertyCheck<>(gen);
  }

  /** The name used in the failure report. */
  public PropertyCheck<T> named(String name) {
    this.name = Objects.requireNonNull(name, "name");
    return this;
  }

  /** How many values to try (default 100). */
  public PropertyCheck<T> tries(int tries) {
    if (tries < 1) {
      throw new IllegalArgumentException("tries must be at least 1: " + tries);
    }
    this.tries = tries;
    return this;
  }

  /** Runs only the try of {@code seed}, as {@code -Dmsgstore.seed=SEED} does. */
  public PropertyCheck<T> seed(long seed) {
    this.seed = seed;
    return this;
  }

  /** Bounds shrinking: at most {@code runs} replays of the property and about {@code time}. */
  public PropertyCheck<T> shrinkLimits(int runs, Duration time) {
    if (runs < 0) {
      throw new IllegalArgumentException("runs must not be negative: " + runs);
    }
    this.maxShrinkRuns = runs;
    this.maxShrinkTime = Objects.requireNonNull(time, "time");
    return this;
  }

  /** Runs the property; throws an {@link AssertionError} with the shrunk counterexample if it fails. */
  public void check(Consumer<? super T> property) {
    Optional<Failure<T>> failure = run(property);
    if (failure.isPresent()) {
      throw failure.get().toAssertionError();
    }
  }

  /** Runs the property; the shrunk counterexample if it fails. */
  public Optional<Failure<T>> run(Consumer<? super T> property) {
    Objects.requireNonNull(property, "property");
    Long replay = seed != null ? seed : seedFromSystemProperty();
    if (replay != null) {
      return attempt(replay, 1, 1, property);
    }
    SplittableRandom seeds = new SplittableRandom();
    for (int t = 1; t <= tries; t++) {
      Optional<Failure<T>> failure = attempt(seeds.nextLong(), t, tries, property);
      if (failure.isPresent()) {
        return failure;
      }
    }
    return Optional.empty();
  }

  private Optional<Failure<T>> attempt(long trySeed, int tryNumber, int ofTries, Consumer<? super T> property) {
    Choices c = Choices.random(trySeed);
    T value;
    try {
      value = gen.generate(c);
    } catch (Choices.TooManyChoices e) {
      return Optional.empty();
    }
    Throwable error = failureOf(property, value);
    if (error == null) {
      return Optional.empty();
    }
    Shrinker shrinker = new Shrinker(property, c.made(), c.spans(), value, error);
    long start = System.nanoTime();
    shrinker.shrink(start);
    return Optional.of(new Failure<>(name, trySeed, tryNumber, ofTries, value, error, c.made().length,
        shrinker.bestValue, shrinker.bestError, shrinker.best.length, shrinker.steps, shrinker.runs,
        Duration.ofNanos(System.nanoTime() - start)));
  }

  private static <T> Throwable failureOf(Consumer<? super T> property, T value) {
    try {
      property.accept(value);
      return null;
    } catch (RuntimeException | AssertionError e) {
      return e;
    }
  }

  private static Long seedFromSystemProperty() {
    String s = System.getProperty(SEED_PROPERTY, "").strip();
    if (s.isEmpty()) {
      return null;
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("-D" + SEED_PROPERTY + " must be a whole number (the seed a failure printed), not '" + s + "'", e);
    }
  }

  private Duration shrinkTime() {
    if (maxShrinkTime != null) {
      return maxShrinkTime;
    }
    String s = System.getProperty(SHRINK_SECONDS_PROPERTY, "").strip();
    try {
      return Duration.ofSeconds(s.isEmpty() ? 120 : Long.parseLong(s));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("-D" + SHRINK_SECONDS_PROPERTY + " must be a whole number of seconds, not '" + s + "'", e);
    }
  }

  /** Shrinks one failing choice sequence; see the class comment. */
  private final class Shrinker {
    private final Consumer<? super T> property;
    long[] best;
    private List<int[]> bestSpans;
    T bestValue;
    Throwable bestError;
    int runs;
    int steps;
    private long deadline;

    Shrinker(Consumer<? super T> property, long[] choices, List<int[]> spans, T value, Throwable error) {
      this.property = property;
      this.best = choices;
      this.bestSpans = spans;
      this.bestValue = value;
      this.bestError = error;
    }

    void shrink(long startNanos) {
      deadline = startNanos + shrinkTime().toNanos();
      boolean progress = true;
      while (progress && !spent()) {
        progress = deleteElements();
        progress |= lowerChoices();
      }
    }

    private boolean spent() {
      return runs >= maxShrinkRuns || System.nanoTime() - deadline > 0;
    }

    /** Deletes runs of k adjacent list elements, k halving from half the elements down to 1. */
    private boolean deleteElements() {
      boolean any = false;
      for (int k = Math.max(1, Integer.highestOneBit(bestSpans.size()) / 2); k >= 1 && !spent(); k /= 2) {
        int i = 0;
        while (!spent()) {
          List<int[]> spans = new ArrayList<>(bestSpans);
          spans.sort(Comparator.comparingInt(s -> s[0]));
          if (i >= spans.size()) {
            break;
          }
          Map<Integer, int[]> byStart = new HashMap<>();
          spans.forEach(s -> byStart.putIfAbsent(s[0], s));
          int[] first = spans.get(i);
          int end = first[1];
          int n = 1;
          while (n < k && byStart.containsKey(end)) {
            end = byStart.get(end)[1];
            n++;
          }
          if (n == k && tryCandidate(without(best, first[0], end))) {
            any = true;
          } else {
            i++;
          }
        }
      }
      return any;
    }

    /** Lowers each choice: to 0, else by binary search between 0 and its value. */
    private boolean lowerChoices() {
      boolean any = false;
      for (int i = 0; i < best.length && !spent(); i++) {
        long v = best[i];
        if (v == 0) {
          continue;
        }
        if (tryCandidate(with(best, i, 0))) {
          any = true;
          continue;
        }
        long lo = 0;
        long hi = v;
        for (int probe = 0; probe < 24 && hi - lo > 1 && !spent() && i < best.length; probe++) {
          long mid = lo + (hi - lo) / 2;
          if (tryCandidate(with(best, i, mid))) {
            hi = mid;
            any = true;
          } else {
            lo = mid;
          }
        }
      }
      return any;
    }

    /** Replays {@code candidate}; keeps it when it still fails and is simpler than the best so far. */
    private boolean tryCandidate(long[] candidate) {
      Choices c = Choices.replay(candidate);
      T value;
      try {
        value = gen.generate(c);
      } catch (Choices.TooManyChoices e) {
        return false;
      }
      long[] made = c.made();
      if (!simpler(made, best)) {
        return false;
      }
      runs++;
      Throwable error = failureOf(property, value);
      if (error == null) {
        return false;
      }
      best = made;
      bestSpans = c.spans();
      bestValue = value;
      bestError = error;
      steps++;
      return true;
    }
  }

  /** Shorter first, then smaller at the first difference. */
  static boolean simpler(long[] a, long[] b) {
    if (a.length != b.length) {
      return a.length < b.length;
    }
    for (int i = 0; i < a.length; i++) {
      if (a[i] != b[i]) {
        return a[i] < b[i];
      }
    }
    return false;
  }

  private static long[] without(long[] a, int from, int to) {
    long[] out = new long[a.length - (to - from)];
    System.arraycopy(a, 0, out, 0, from);
    System.arraycopy(a, to, out, from, a.length - to);
    return out;
  }

  private static long[] with(long[] a, int i, long v) {
    long[] out = a.clone();
    out[i] = v;
    return out;
  }

  /**
   * A failed property: the try's seed, the original and the shrunk counterexample with their
   * errors, and what shrinking cost.
   */
  public record Failure<T>(String property, long seed, int tryNumber, int tries, T original, Throwable originalError,
      int originalChoices, T shrunk, Throwable shrunkError, int shrunkChoices, int shrinkSteps, int shrinkRuns,
      Duration shrinkTime) {

    /** The report the failing test prints. */
    public String report() {
      return "Property '" + property + "' failed on try " + tryNumber + " of " + tries + " with seed " + seed
          + " (replay it with -D" + SEED_PROPERTY + "=" + seed + ").\n"
          + "Shrunk counterexample (" + shrunkChoices + " choices, from " + originalChoices + " in " + shrinkSteps
          + " steps, " + shrinkRuns + " runs, " + shrinkTime.toMillis() + " ms):\n  " + shrunk + "\n"
          + "It fails with: " + firstLine(shrunkError) + "\n"
          + "Original counterexample:\n  " + original + "\n"
          + "It failed with: " + firstLine(originalError);
    }

    /** The error {@link PropertyCheck#check} throws: the report, caused by the shrunk counterexample's error. */
    public AssertionError toAssertionError() {
      AssertionError e = new AssertionError(report(), shrunkError);
      if (originalError != shrunkError) {
        e.addSuppressed(originalError);
      }
      return e;
    }

    private static String firstLine(Throwable t) {
      String m = String.valueOf(t.getMessage());
      int nl = m.indexOf('\n');
      return t.getClass().getSimpleName() + ": " + (nl < 0 ? m : m.substring(0, nl));
    }
  }
}
