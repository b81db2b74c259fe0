package msgstore.api;

/**
 * Size limits; a value over one fails with TOO_BIG and a message naming the limit, and nothing is
 * written.
 */
public record StoreLimits(
    int maxPropertyBytes,
    int maxMessageBytes,
    int maxRecipients,
    int maxAttachments,
    long maxAttachmentBytes,
    int maxEmbeddingDepth,
    int maxNameLength) {
  public static final StoreLimits DEFAULT =
      new StoreLimits(4 << 20, 32 << 20, 5_000, 1_000, 1L << 31, 8, 256);

  public StoreLimits {
    if (maxPropertyBytes <= 0 || maxMessageBytes <= 0 || maxRecipients <= 0 || maxAttachments <= 0
        || maxAttachmentBytes <= 0 || maxEmbeddingDepth <= 0 || maxNameLength <= 0) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "every limit must be positive: " + this);
    }
  }
}
