package msgstore.api;

import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Content in memory whose SHA-256 was computed once, when it was made: a stream for {@link
 * Attachment#writeContent} that an embedded store takes without hashing the bytes again (content
 * is addressed by its SHA-256, and a caller that already hashed it, as a mail import does to find
 * duplicates, would otherwise pay twice). Any other reader sees an ordinary stream of the bytes.
 *
 * <p>The digest cannot disagree with the bytes: it is computed here, from the array this object
 * then owns. The caller hands the array over and must not change it afterwards.
 */
public final class HashedContent extends ByteArrayInputStream {
  private final String sha256;

  private HashedContent(byte[] bytes, String sha256) {
    super(bytes);
    this.sha256 = sha256;
  }

  /** Takes {@code bytes} (not copied: do not change them afterwards) and computes their SHA-256. */
  public static HashedContent of(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    return new HashedContent(bytes, sha256Hex(bytes));
  }

  /** The lowercase hex SHA-256 of {@code bytes}: the form of every content address in msgstore. */
  public static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** A new stream over the same bytes, from the start, with the same digest (nothing is hashed again). */
  public HashedContent reopen() {
    return new HashedContent(buf, sha256);
  }

  /** Lowercase hex SHA-256 of all the bytes. */
  public String sha256() {
    return sha256;
  }

  /** The number of bytes (all of them, whatever was read). */
  public int length() {
    return buf.length;
  }

  /**
   * All the bytes, when nothing was read from this stream yet (then a store may take them as they
   * are); null once reading started, so the caller reads the rest as from any stream.
   */
  public synchronized byte[] untouchedBytes() {
    return pos == 0 && mark == 0 && count == buf.length ? buf : null;
  }
}
