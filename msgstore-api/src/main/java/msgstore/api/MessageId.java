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

  /**
   * This message's PR_ENTRYID in {@code store}, byte for byte what a handle's {@link
   * PropTags#ENTRYID} holds (R96): it stays the same across saves, and a move changes it (R43).
   */
  public byte[] toEntryId(StoreId store) {
    return Ids.entryId(store, Ids.MAPI_MESSAGE, value);
  }

  /**
   * The message a PR_ENTRYID names, whatever its store (the store is {@link #storeOfEntryId}).
   *
   * @throws StoreException INVALID_ENTRYID when the bytes are not a msgstore message entry id
   *     (wrong length, non-zero flags, a folder's or store's entry id)
   */
  public static MessageId fromEntryId(byte[] entryId) {
    return new MessageId(Ids.fromEntryId(entryId, null, Ids.MAPI_MESSAGE, "message"));
  }

  /**
   * The message a PR_ENTRYID names, which must belong to {@code store}.
   *
   * @throws StoreException INVALID_ENTRYID as {@link #fromEntryId(byte[])}; UNKNOWN_ENTRYID for an
   *     entry id of another store
   */
  public static MessageId fromEntryId(StoreId store, byte[] entryId) {
    return new MessageId(Ids.fromEntryId(entryId, java.util.Objects.requireNonNull(store, "store"),
        Ids.MAPI_MESSAGE, "message"));
  }

  /**
   * The store a message's PR_ENTRYID belongs to.
   *
   * @throws StoreException INVALID_ENTRYID as {@link #fromEntryId(byte[])}
   */
  public static StoreId storeOfEntryId(byte[] entryId) {
    fromEntryId(entryId);
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(entryId, 4, 16);
    return new StoreId(new java.util.UUID(b.getLong(), b.getLong()));
  }

  @Override
  public String toString() {
    return "m-" + value;
  }
}
