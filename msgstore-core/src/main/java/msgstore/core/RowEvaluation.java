package msgstore.core;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import msgstore.api.PropTag;
import msgstore.api.PropValue;
import msgstore.api.Restriction;
import msgstore.api.SortOrder;

/**
 * Contents-table evaluation, written once: the order of property values (sorts) and whether a
 * row passes a restriction. Rows are given by a property lookup, so the engine evaluates its
 * stored versions with it and any other side could evaluate its own rows the same way.
 */
public final class RowEvaluation {
  private RowEvaluation() {}

  /**
   * The order {@code sort} gives rows: key by key, a row without a key's property after one with
   * it (whatever the direction); ties are left to the caller ({@code thenComparing} a stable id).
   */
  public static <R> Comparator<R> order(List<SortOrder> sort, BiFunction<R, PropTag, Optional<PropValue>> get) {
    Comparator<R> c = (a, b) -> 0;
    for (SortOrder o : sort) {
      Comparator<R> key = (a, b) -> {
        Optional<PropValue> x = get.apply(a, o.tag());
        Optional<PropValue> y = get.apply(b, o.tag());
        if (x.isEmpty() || y.isEmpty()) {
          return Boolean.compare(x.isEmpty(), y.isEmpty());
        }
        int cmp = compare(x.get().rawValue(), y.get().rawValue());
        return o.descending() ? -cmp : cmp;
      };
      c = c.thenComparing(key);
    }
    return c;
  }

  /** Orders two values of the same property type; strings case-insensitively, binaries unsigned. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static int compare(Object a, Object b) {
    if (a instanceof String x && b instanceof String y) {
      int c = x.compareToIgnoreCase(y);
      return c != 0 ? c : x.compareTo(y);
    }
    if (a instanceof byte[] x && b instanceof byte[] y) {
      return Arrays.compareUnsigned(x, y);
    }
    if (a instanceof Number x && b instanceof Number y) {
      return (x instanceof Float || x instanceof Double || y instanceof Float || y instanceof Double)
          ? Double.compare(x.doubleValue(), y.doubleValue())
          : Long.compare(x.longValue(), y.longValue());
    }
    if (a instanceof List<?> x && b instanceof List<?> y) {
      for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
        int c = compare(x.get(i), y.get(i));
        if (c != 0) {
          return c;
        }
      }
      return Integer.compare(x.size(), y.size());
    }
    if (a instanceof Comparable x && a.getClass() == b.getClass()) {
      return x.compareTo(b);
    }
    return a.getClass().getName().compareTo(b.getClass().getName());
  }

  /** Whether a row, given by a property lookup, passes a restriction. */
  public static boolean matches(Restriction r, Function<PropTag, Optional<PropValue>> row) {
    return switch (r) {
      case Restriction.And a -> a.terms().stream().allMatch(t -> matches(t, row));
      case Restriction.Or o -> o.terms().stream().anyMatch(t -> matches(t, row));
      case Restriction.Not n -> !matches(n.term(), row);
      case Restriction.Exist e -> row.apply(e.tag()).isPresent();
      case Restriction.Property p -> row.apply(p.value().tag())
          .filter(v -> v.tag().type() == p.value().tag().type())
          .map(v -> relop(p.op(), compare(v.rawValue(), p.value().rawValue())))
          .orElse(false);
      case Restriction.Content c -> row.apply(c.tag()).map(v -> content(c, v.rawValue())).orElse(false);
    };
  }

  private static boolean relop(Restriction.Relop op, int c) {
    return switch (op) {
      case LT -> c < 0;
      case LE -> c <= 0;
      case GT -> c > 0;
      case GE -> c >= 0;
      case EQ -> c == 0;
      case NE -> c != 0;
    };
  }

  private static boolean content(Restriction.Content c, Object v) {
    if (v instanceof List<?> l) {
      return l.stream().anyMatch(e -> content(c, e));
    }
    if (v instanceof byte[] b && c.text() != null) {
      return content(c, new String(b, java.nio.charset.StandardCharsets.ISO_8859_1));
    }
    if (!(v instanceof String s)) {
      return false;
    }
    String hay = c.ignoreCase() ? s.toLowerCase(Locale.ROOT) : s;
    String needle = c.ignoreCase() ? c.text().toLowerCase(Locale.ROOT) : c.text();
    return switch (c.match()) {
      case FULLSTRING -> hay.equals(needle);
      case PREFIX -> hay.startsWith(needle);
      case SUBSTRING -> hay.contains(needle);
    };
  }
}
