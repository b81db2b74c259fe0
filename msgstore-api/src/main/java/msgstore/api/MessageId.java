package msgstore.api;

/**
 * A message's identity (its MID), unique across every store of one msgstore instance. It stays the
 * same across saves in one folder (R96); a move gives the message a new id (R43).
 */
public record MessageId(long value) {
  public MessageId {
    if (value <= 0) {
      throw new StoreException(MapiError.INVALID_ENTRYID, "message id must be positive, got " + value);
    }
  }

  public static MessageId of(long value) {
    return new MessageId(value);
  }

  /** Parses {@code m-123} or {@code 123}. */
  public static MessageId parse(String text) {
    return new MessageId(Ids.parse(text, "m-", "message"));
  }

  @Override
  public String toString() {
    return "m-" + value;
  }
}
