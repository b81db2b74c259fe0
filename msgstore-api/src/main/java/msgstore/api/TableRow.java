package msgstore.api;

import java.util.List;
import java.util.Optional;

/** A contents-table row: the message id and the values of the table's columns, in order (null where absent). */
public record TableRow(MessageId messageId, List<PropTag> columns, List<PropValue> values) implements PropReader {
  public TableRow {
    columns = List.copyOf(columns);
    values = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(values));
  }

  public Optional<PropValue> get(PropTag tag) {
    int i = columns.indexOf(tag);
    return i < 0 ? Optional.empty() : Optional.ofNullable(values.get(i));
  }

  /** The same as {@code get(tag)}, for the typed getters of {@link PropReader}. */
  @Override
  public Optional<PropValue> getProp(PropTag tag) {
    return get(tag);
  }
}
