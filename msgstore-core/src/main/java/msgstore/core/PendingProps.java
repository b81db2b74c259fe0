package msgstore.core;

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
import msgstore.api.StoreException;
import msgstore.api.StoreLimits;

/**
 * The pending properties of a handle (R10): its base's properties with the handle's SetProps and
 * DeleteProps applied, a sorted map keyed by tag, where a property id holds one value whatever its
 * type. SetProps and DeleteProps validate everything first (size and count limits), so a failing
 * call changes nothing; properties the caller may not write go to the problem array (R32).
 *
 * <p>Not thread-safe: the owning handle serialises calls (R97).
 */
public final class PendingProps {
  private final TreeMap<PropTag, PropValue> map = new TreeMap<>();
  /** The tag each property id holds now: replacing a value of another type is O(log n), not a scan. */
  private final HashMap<Integer, PropTag> byId = new HashMap<>();

  public PendingProps(Collection<PropValue> initial) {
    for (PropValue p : initial) {
      putValue(p);
    }
  }

  public List<PropValue> values() {
    return new ArrayList<>(map.values());
  }

  public Optional<PropValue> get(PropTag tag) {
    return Optional.ofNullable(map.get(tag));
  }

  /** The int value of {@code tag}, 0 when unset (flags). */
  public int intValue(PropTag tag) {
    PropValue v = map.get(tag);
    return v == null ? 0 : v.asInt();
  }

  /**
   * SetProps: sets values; {@code problem} says which tags may not be set, and why (R32).
   *
   * @throws StoreException TOO_BIG (a value or the property count over {@code limits}), naming
   *     {@code object}; nothing is changed then
   */
  public List<PropProblem> set(Collection<PropValue> values, StoreLimits limits, Function<PropTag, Optional<MapiError>> problem,
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
  public void put(PropValue v) {
    putValue(v);
  }

  private void putValue(PropValue v) {
    removeId(v.tag().id());
    map.put(v.tag(), v);
    byId.put(v.tag().id(), v.tag());
  }

  public List<PropProblem> delete(Collection<PropTag> tags, Function<PropTag, Optional<MapiError>> problem) {
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

  public void remove(PropTag tag) {
    removeId(tag.id());
  }

  private void removeId(int id) {
    PropTag old = byId.remove(id);
    if (old != null) {
      map.remove(old);
    }
  }
}
