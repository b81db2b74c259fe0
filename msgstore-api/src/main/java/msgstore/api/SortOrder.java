package msgstore.api;

/** One sort key of a table. Rows without the property sort last. */
public record SortOrder(PropTag tag, boolean descending) {
  public static SortOrder ascending(PropTag tag) {
    return new SortOrder(tag, false);
  }

  public static SortOrder descending(PropTag tag) {
    return new SortOrder(tag, true);
  }
}
