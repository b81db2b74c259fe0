package msgstore.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import msgstore.api.PropTag;
import msgstore.api.PropValue;

/** Property lists as handles show them: sorted by tag, one value a tag. */
public final class Props {
  private Props() {}

  /** The values sorted by tag; of two values with the same tag the last wins. */
  public static List<PropValue> sorted(Collection<PropValue> values) {
    TreeMap<PropTag, PropValue> m = new TreeMap<>();
    for (PropValue p : values) {
      m.put(p.tag(), p);
    }
    return new ArrayList<>(m.values());
  }

  public static Optional<PropValue> find(List<PropValue> props, PropTag tag) {
    for (PropValue p : props) {
      if (p.tag().equals(tag)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
