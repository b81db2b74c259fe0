package msgstore.api;

import java.util.List;
import java.util.Optional;

/** A row of a message handle's attachment table (R50, R53). */
public record AttachmentRow(int attachNum, List<PropValue> props) implements PropReader {
  public AttachmentRow {
    props = List.copyOf(props);
  }

  public Optional<PropValue> get(PropTag tag) {
    return props.stream().filter(p -> p.tag().equals(tag)).findFirst();
  }

  /** The same as {@code get(tag)}, for the typed getters of {@link PropReader}. */
  @Override
  public Optional<PropValue> getProp(PropTag tag) {
    return get(tag);
  }
}
