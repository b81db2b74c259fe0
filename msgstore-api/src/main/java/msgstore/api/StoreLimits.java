package msgstore.api;

/**
 * Size limits; a value over one fails with TOO_BIG and a message naming the limit, and nothing is
 * written.
 *
 * @param maxProperties the most properties one message, attachment or recipient row may hold
 */
public record StoreLimits(
    int maxPropertyBytes,
    int maxMessageBytes,
    int maxRecipients,
    int maxAttachments,
    long maxAttachmentBytes,
    int maxEmbeddingDepth,
    int maxNameLength,
    int maxProperties) {
  public static final StoreLimits DEFAULT =
      new StoreLimits(4 << 20, 32 << 20, 5_000, 1_000, 1L << 31, 8, 256, 5_000);

  public StoreLimits {
    if (maxPropertyBytes <= 0 || maxMessageBytes <= 0 || maxRecipients <= 0 || maxAttachments <= 0
        || maxAttachmentBytes <= 0 || maxEmbeddingDepth <= 0 || maxNameLength <= 0
        || maxProperties <= 0) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "every limit must be positive: " + this);
    }
  }

  /** Rejects a value over {@link #maxPropertyBytes} with TOO_BIG, naming the property, the object and the limit. */
  public void checkProperty(PropValue v, String object) {
    long size = propertyBytes(v);
    if (size > maxPropertyBytes) {
      throw new StoreException(MapiError.TOO_BIG, "property " + v.tag().displayName() + " of " + object + " is "
          + size + " bytes, over the limit of " + maxPropertyBytes + " bytes");
    }
  }

  /** Rejects an object that would hold more than {@link #maxProperties} properties with TOO_BIG. */
  public void checkPropertyCount(int count, String object) {
    if (count > maxProperties) {
      throw new StoreException(MapiError.TOO_BIG, object + " would have " + count + " properties, over the limit of "
          + maxProperties);
    }
  }

  /** The size a value counts against the limit: UTF-8 bytes of strings, bytes of binaries, 16 otherwise; lists add 4 per element. */
  public static long propertyBytes(PropValue v) {
    return size(v.rawValue());
  }

  private static long size(Object o) {
    if (o instanceof String s) {
      long n = 0;
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c < 0x80) {
          n++;
        } else if (c < 0x800) {
          n += 2;
        } else if (Character.isHighSurrogate(c)) {
          n += 4;
          i++;
        } else {
          n += 3;
        }
      }
      return n;
    }
    if (o instanceof byte[] b) {
      return b.length;
    }
    if (o instanceof java.util.List<?> l) {
      long n = 0;
      for (Object e : l) {
        n += size(e) + 4;
      }
      return n;
    }
    return 16;
  }
}
