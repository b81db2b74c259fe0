package msgstore.testkit.property;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A generator of random values of {@code T}, built from {@link Choices} so that every value it
 * makes can be replayed and shrunk (see {@link Choices}). Compose generators by calling {@link
 * #generate} on the parts inside a lambda: {@code c -> new Point(xs.generate(c), ys.generate(c))};
 * the static factories are in {@link Gens}.
 */
@FunctionalInterface
public interface Gen<T> {

  /** Makes one value from the choices in {@code c}. */
  T generate(Choices c);

  /** The values of this generator passed through {@code f}; they shrink as this one's do. */
  default <R> Gen<R> map(Function<? super T, ? extends R> f) {
    Objects.requireNonNull(f, "f");
    return c -> f.apply(generate(c));
  }

  /**
   * Lists of {@code min} to {@code max} values of this generator, lengths uniform in that range;
   * they shrink by deleting elements (chunks, then single ones) and by shrinking each element.
   * Every element, even one below {@code min}, starts with its own "one more?" choice, so that
   * deleting any element's span leaves the others aligned.
   */
  default Gen<List<T>> list(int min, int max) {
    if (min < 0 || max < min) {
      throw new IllegalArgumentException("list sizes must be 0 <= min <= max: " + min + ", " + max);
    }
    return c -> {
      int target = min + c.hint(max - min + 1);
      List<T> out = new ArrayList<>();
      while (out.size() < max) {
        int span = c.beginSpan();
        boolean more = c.decided(2, out.size() < target ? 1 : 0) == 1;
        if (!more && out.size() >= min) {
          break;
        }
        out.add(generate(c));
        c.endSpan(span);
      }
      return out;
    };
  }

  /** Lists of up to {@code max} values of this generator. */
  default Gen<List<T>> list(int max) {
    return list(0, max);
  }

  /** This generator's values, or null in about {@code percent} of the tries (null is simplest). */
  default Gen<T> orNull(int percent) {
    if (percent < 0 || percent > 100) {
      throw new IllegalArgumentException("percent must be in [0, 100]: " + percent);
    }
    return c -> c.decided(2, c.hint(100) < percent ? 0 : 1) == 0 ? null : generate(c);
  }
}
