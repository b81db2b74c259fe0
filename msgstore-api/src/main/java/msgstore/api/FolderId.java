package msgstore.api;

/** A folder's id, unique across every store of one msgstore instance. */
public record FolderId(long value) {
  public FolderId {
    if (value <= 0) {
      throw new StoreException(MapiError.INVALID_ENTRYID, "folder id must be positive, got " + value);
    }
  }

  public static FolderId of(long value) {
    return new FolderId(value);
  }

  /** Parses {@code f-123} or {@code 123}. */
  public static FolderId parse(String text) {
    return new FolderId(Ids.parse(text, "f-", "folder"));
  }

  @Override
  public String toString() {
    return "f-" + value;
  }
}
