package msgstore.api;

import java.util.List;
import java.util.Optional;

/** A row of a recipient table: its PR_ROWID and its properties (R47, R48). */
public record Recipient(int rowId, List<PropValue> props) implements PropReader {
  public Recipient {
    props = List.copyOf(props);
  }

  /** A new row (row id assigned on ADD) with display name, SMTP address and recipient type. */
  public static Recipient of(int recipientType, String displayName, String email) {
    return new Recipient(0, List.of(
        PropValue.of(PropTags.RECIPIENT_TYPE, recipientType),
        PropValue.of(PropTags.DISPLAY_NAME, displayName),
        PropValue.of(PropTags.ADDRESS_TYPE, "SMTP"),
        PropValue.of(PropTags.EMAIL_ADDRESS, email),
        PropValue.of(PropTags.SMTP_ADDRESS, email)));
  }

  public Optional<PropValue> get(PropTag tag) {
    return props.stream().filter(p -> p.tag().equals(tag)).findFirst();
  }

  public Recipient withRowId(int id) {
    return new Recipient(id, props);
  }

  /** The same as {@code get(tag)}, for the typed getters of {@link PropReader}. */
  @Override
  public Optional<PropValue> getProp(PropTag tag) {
    return get(tag);
  }
}
