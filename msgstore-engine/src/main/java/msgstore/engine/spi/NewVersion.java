package msgstore.engine.spi;

import java.time.Instant;
import java.util.List;

/**
 * A version built by the engine inside a commit, once the backend has allocated its change
 * number.
 *
 * @param content the engine-encoded version
 * @param columns the indexed columns of this version
 * @param blobs SHA-256 of every blob the version refers to (embedded messages' included)
 * @param initialReadFlags the read flags a newly created message row starts with
 */
public record NewVersion(byte[] content, Columns columns, List<String> blobs, int initialReadFlags) {

  /** Values of {@link IndexedColumn}s (null where the property is absent). */
  public record Columns(
      String subject,
      String senderName,
      Instant deliveryTime,
      Instant lastModificationTime,
      long messageSize,
      Integer importance,
      String messageClass,
      boolean hasAttachments) {}
}
