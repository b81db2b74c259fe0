package msgstore.engine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import msgstore.api.MapiError;
import msgstore.api.PropProblem;
import msgstore.api.PropTag;
import msgstore.api.PropValue;
import msgstore.api.StoreLimits;

/**
 * The pending properties of a handle (R10): a sorted map keyed by tag, where a property id holds
 * one value whatever its type. SetProps and DeleteProps validate everything first, so a failing
 * call changes nothing; read-only properties go to the problem array (R32).
 */
final class PropBag {
  private final TreeMap<PropTag, PropValue> map = new TreeMap<>();
  /** The tag each property id holds now: replacing a value of another type is O(log n), not a scan. */
  private final HashMap<Integer, PropTag> byId = new HashMap<>();

  PropBag(Collection<PropValue> initial) {
    for (PropValue p : initial) {
      putValue(p);
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
    Set<Integer> added = new HashSet<>();
    for (PropValue v : values) {
      limits.checkProperty(v, object);
      if (!byId.containsKey(v.tag().id())) {
        added.add(v.tag().id());
      }
    }
    limits.checkPropertyCount(map.size() + added.size(), object);
    List<PropProblem> problems = new ArrayList<>();
    for (PropValue v : values) {
      Optional<MapiError> p = problem.apply(v.tag());
      if (p.isPresent()) {
        problems.add(new PropProblem(v.tag(), p.get()));
        continue;
      }
      putValue(v);
    }
    return problems;
  }

  /** Puts a value the store itself computed (no checks). */
  void put(PropValue v) {
    putValue(v);
  }

  private void putValue(PropValue v) {
    removeId(v.tag().id());
    map.put(v.tag(), v);
    byId.put(v.tag().id(), v.tag());
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
    PropTag old = byId.remove(id);
    if (old != null) {
      map.remove(old);
    }
  }
}
