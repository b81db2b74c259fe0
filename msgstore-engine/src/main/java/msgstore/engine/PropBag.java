package msgstore.engine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import msgstore.api.MapiError;
import msgstore.api.PropProblem;
import msgstore.api.PropTag;
import msgstore.api.PropValue;
import msgstore.api.StoreException;
import msgstore.api.StoreLimits;

/**
 * The pending properties of a handle (R10): a sorted map keyed by tag, where a property id holds
 * one value whatever its type. SetProps and DeleteProps validate everything first, so a failing
 * call changes nothing; read-only properties go to the problem array (R32).
 */
final class PropBag {
  private final TreeMap<PropTag, PropValue> map = new TreeMap<>();

  PropBag(Collection<PropValue> initial) {
    for (PropValue p : initial) {
      map.put(p.tag(), p);
    }
  }

  List<PropValue> values() {
    return new ArrayList<>(map.values());
  }

  Optional<PropValue> get(PropTag tag) {
    return Optional.ofNullable(map.get(tag));
  }

  /** Sets values; {@code problem} says which tags may not be set, and why. */
  List<PropProblem> set(Collection<PropValue> values, StoreLimits limits, Function<PropTag, Optional<MapiError>> problem,
      String object) {
    for (PropValue v : values) {
      checkSize(v, limits, object);
    }
    List<PropProblem> problems = new ArrayList<>();
    for (PropValue v : values) {
      Optional<MapiError> p = problem.apply(v.tag());
      if (p.isPresent()) {
        problems.add(new PropProblem(v.tag(), p.get()));
        continue;
      }
      removeId(v.tag().id());
      map.put(v.tag(), v);
    }
    return problems;
  }

  /** Puts a value the store itself computed (no checks). */
  void put(PropValue v) {
    removeId(v.tag().id());
    map.put(v.tag(), v);
  }

  List<PropProblem> delete(Collection<PropTag> tags, Function<PropTag, Optional<MapiError>> problem) {
    List<PropProblem> problems = new ArrayList<>();
    for (PropTag t : tags) {
      Optional<MapiError> p = problem.apply(t);
      if (p.isPresent()) {
        problems.add(new PropProblem(t, p.get()));
      } else {
        removeId(t.id());
      }
    }
    return problems;
  }

  void remove(PropTag tag) {
    removeId(tag.id());
  }

  private void removeId(int id) {
    map.keySet().removeIf(k -> k.id() == id);
  }

  /** Rejects a value over the per-property limit with TOO_BIG, naming the property and the limit. */
  static void checkSize(PropValue v, StoreLimits limits, String object) {
    long size = size(v.rawValue());
    if (size > limits.maxPropertyBytes()) {
      throw new StoreException(MapiError.TOO_BIG, "property " + v.tag().displayName() + " of " + object + " is "
          + size + " bytes, over the limit of " + limits.maxPropertyBytes() + " bytes");
    }
  }

  private static long size(Object o) {
    if (o instanceof String s) {
      return utf8Length(s);
    }
    if (o instanceof byte[] b) {
      return b.length;
    }
    if (o instanceof List<?> l) {
      long n = 0;
      for (Object e : l) {
        n += size(e) + 4;
      }
      return n;
    }
    return 16;
  }

  private static long utf8Length(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }
}
