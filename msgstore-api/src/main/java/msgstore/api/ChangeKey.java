package msgstore.api;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.UUID;

/**
 * PR_CHANGE_KEY: an XID of the store's namespace GUID (16 bytes) and the change number's global
 * counter (6 bytes, big-endian), 22 bytes in all (R62). Its text form, used as the HTTP ETag, is
 * the 44 hex digits of those bytes.
 */
public record ChangeKey(UUID namespace, long counter) implements Comparable<ChangeKey> {
  public static final int SIZE = 22;

  public ChangeKey {
    if (namespace == null || counter < 0 || counter > ChangeNumber.MAX) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "bad change key: " + namespace + "/" + counter);
    }
  }

  public static ChangeKey of(StoreId store, ChangeNumber cn) {
    return new ChangeKey(store.guid(), cn.value());
  }

  /** The 22 bytes. */
  public byte[] toBytes() {
    ByteBuffer b = ByteBuffer.allocate(SIZE);
    b.put(guidBytes(namespace));
    for (int shift = 40; shift >= 0; shift -= 8) {
      b.put((byte) (counter >>> shift));
    }
    return b.array();
  }

  public static ChangeKey fromBytes(byte[] bytes) {
    if (bytes == null || bytes.length != SIZE) {
      throw new StoreException(MapiError.CORRUPT_DATA,
          "a change key is 22 bytes, got " + (bytes == null ? "null" : bytes.length));
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    UUID ns = new UUID(b.getLong(), b.getLong());
    long c = 0;
    for (int i = 0; i < 6; i++) {
      c = (c << 8) | (b.get() & 0xFF);
    }
    return new ChangeKey(ns, c);
  }

  /** Parses the hex text form (quotes, as in an ETag, are ignored). */
  public static ChangeKey parse(String text) {
    String s = text.strip();
    if (s.startsWith("W/")) {
      s = s.substring(2);
    }
    s = s.replace("\"", "");
    try {
      return fromBytes(HexFormat.of().parseHex(s));
    } catch (IllegalArgumentException | StoreException e) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "not a change key: '" + text + "'");
    }
  }

  static byte[] guidBytes(UUID u) {
    return ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array();
  }

  /** Byte-wise order: by namespace GUID bytes, then by counter. */
  @Override
  public int compareTo(ChangeKey o) {
    int c = java.util.Arrays.compareUnsigned(guidBytes(namespace), guidBytes(o.namespace));
    return c != 0 ? c : Long.compare(counter, o.counter);
  }

  @Override
  public String toString() {
    return HexFormat.of().formatHex(toBytes());
  }
}
