package msgstore.engine;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import msgstore.api.ContentRef;
import msgstore.api.MapiError;
import msgstore.api.PropTag;
import msgstore.api.PropType;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.StoreException;

/**
 * The compact binary encoding of a version: one value per version, no row per property.
 *
 * <pre>
 * content    = 'M' version(1) props recipients attachments
 * props      = varint count, then count x (int32 tag, value)   -- any order; decoded sorted
 * recipients = varint count, then count x (varint rowId, props)
 * attachments= varint count, then count x (varint num, props, byte bits, [sha256(32) varlong size] if bit 1,
 *              [props recipients attachments] if bit 2)
 * value      = fixed width for numbers (big-endian), varint length + bytes for strings (UTF-8) and
 *              binaries, int64 100-ns ticks since 1970 for PT_SYSTIME, varint count + values for MV types
 * </pre>
 *
 * A save encodes its content once, outside the storage writer ({@link #prepare}); inside the
 * commit, {@link Prepared#finish} only writes the few properties that depend on the change number
 * and copies the prepared bytes.
 */
final class ContentCodec {
  private static final byte MAGIC = 'M';
  private static final byte VERSION = 1;

  private ContentCodec() {}

  static byte[] encode(Content c) {
    return prepare(c, Set.of()).finish(List.of());
  }

  /** Encodes everything of {@code c} except the properties whose tags are in {@code computed}. */
  static Prepared prepare(Content c, Set<PropTag> computed) {
    Writer props = new Writer(256 + c.props().size() * 32);
    int n = 0;
    for (PropValue p : c.props()) {
      if (!computed.contains(p.tag())) {
        writeProp(props, p);
        n++;
      }
    }
    Writer tail = new Writer(64);
    writeRecipientsAndAttachments(tail, c);
    return new Prepared(n, props.toArray(), tail.toArray());
  }

  /** Prepared bytes of a content; {@link #finish} adds computed properties. */
  record Prepared(int propCount, byte[] props, byte[] tail) {
    byte[] finish(List<PropValue> computed) {
      Writer w = new Writer(props.length + tail.length + 16 + computed.size() * 32);
      w.byte1(MAGIC);
      w.byte1(VERSION);
      w.varint(propCount + computed.size());
      for (PropValue p : computed) {
        writeProp(w, p);
      }
      w.bytes(props);
      w.bytes(tail);
      return w.toArray();
    }

    int size() {
      return props.length + tail.length;
    }
  }

  static Content decode(byte[] bytes) {
    if (bytes == null || bytes.length < 2 || bytes[0] != MAGIC) {
      throw new StoreException(MapiError.CORRUPT_DATA, "stored message content is not a msgstore version");
    }
    if (bytes[1] != VERSION) {
      throw new StoreException(MapiError.VERSION, "stored message content has encoding version " + bytes[1]);
    }
    try {
      Reader r = new Reader(bytes, 2);
      Content c = readBody(r);
      if (r.pos != bytes.length) {
        throw new StoreException(MapiError.CORRUPT_DATA, "stored message content has trailing bytes");
      }
      return c;
    } catch (RuntimeException e) {
      if (e instanceof StoreException se) {
        throw se;
      }
      throw new StoreException(MapiError.CORRUPT_DATA, "stored message content is corrupt: " + e, e);
    }
  }

  /** Encodes a bare property list (folder properties). */
  static byte[] encodeProps(List<PropValue> props) {
    Writer w = new Writer(64);
    writeProps(w, props);
    return w.toArray();
  }

  static List<PropValue> decodeProps(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      return List.of();
    }
    return readProps(new Reader(bytes, 0));
  }

  // ---- writing

  private static void writeRecipientsAndAttachments(Writer w, Content c) {
    w.varint(c.recipients().size());
    for (Recipient r : c.recipients()) {
      w.varint(r.rowId());
      writeProps(w, r.props());
    }
    w.varint(c.attachments().size());
    for (Content.Attach a : c.attachments()) {
      w.varint(a.num());
      writeProps(w, a.props());
      int bits = (a.content() != null ? 1 : 0) | (a.embedded() != null ? 2 : 0);
      w.byte1(bits);
      if (a.content() != null) {
        w.bytes(HexFormat.of().parseHex(a.content().sha256()));
        w.varlong(a.content().size());
      }
      if (a.embedded() != null) {
        writeProps(w, a.embedded().props());
        writeRecipientsAndAttachments(w, a.embedded());
      }
    }
  }

  private static void writeProps(Writer w, List<PropValue> props) {
    w.varint(props.size());
    for (PropValue p : props) {
      writeProp(w, p);
    }
  }

  private static void writeProp(Writer w, PropValue p) {
    w.int4(p.tag().value());
    PropType t = p.tag().type();
    Object v = p.rawValue();
    if (t.isMultiValued()) {
      List<?> l = (List<?>) v;
      w.varint(l.size());
      for (Object e : l) {
        writeValue(w, t.elementType(), e);
      }
    } else {
      writeValue(w, t, v);
    }
  }

  private static void writeValue(Writer w, PropType t, Object v) {
    switch (t) {
      case SHORT -> w.int2((Short) v);
      case LONG, ERROR -> w.int4((Integer) v);
      case FLOAT -> w.int4(Float.floatToIntBits((Float) v));
      case DOUBLE, APPTIME -> w.int8(Double.doubleToLongBits((Double) v));
      case CURRENCY, I8 -> w.int8((Long) v);
      case BOOLEAN -> w.byte1((Boolean) v ? 1 : 0);
      case STRING8, UNICODE -> w.blob(((String) v).getBytes(StandardCharsets.UTF_8));
      case SYSTIME -> w.int8(ticks((Instant) v));
      case CLSID -> {
        UUID u = (UUID) v;
        w.int8(u.getMostSignificantBits());
        w.int8(u.getLeastSignificantBits());
      }
      case BINARY, SVREID -> w.blob((byte[]) v);
      default -> throw new StoreException(MapiError.INVALID_TYPE, "cannot store a value of type " + t);
    }
  }

  private static long ticks(Instant i) {
    return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 10_000_000L), i.getNano() / 100);
  }

  // ---- reading

  private static Content readBody(Reader r) {
    List<PropValue> props = readProps(r);
    props.sort((a, b) -> a.tag().compareTo(b.tag()));
    int nr = r.varint();
    List<Recipient> recips = new ArrayList<>(nr);
    for (int i = 0; i < nr; i++) {
      int row = r.varint();
      recips.add(new Recipient(row, readProps(r)));
    }
    int na = r.varint();
    List<Content.Attach> atts = new ArrayList<>(na);
    for (int i = 0; i < na; i++) {
      int num = r.varint();
      List<PropValue> ap = readProps(r);
      int bits = r.byte1();
      ContentRef ref = null;
      if ((bits & 1) != 0) {
        String sha = HexFormat.of().formatHex(r.raw(32));
        ref = new ContentRef(sha, r.varlong());
      }
      Content emb = (bits & 2) != 0 ? readBody(r) : null;
      atts.add(new Content.Attach(num, ap, ref, emb));
    }
    return new Content(props, recips, atts);
  }

  private static List<PropValue> readProps(Reader r) {
    int n = r.varint();
    List<PropValue> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      PropTag tag = PropTag.of(r.int4());
      PropType t = tag.type();
      Object v;
      if (t.isMultiValued()) {
        int k = r.varint();
        List<Object> l = new ArrayList<>(k);
        for (int j = 0; j < k; j++) {
          l.add(readValue(r, t.elementType()));
        }
        v = l;
      } else {
        v = readValue(r, t);
      }
      out.add(PropValue.of(tag, v));
    }
    return out;
  }

  private static Object readValue(Reader r, PropType t) {
    return switch (t) {
      case SHORT -> (short) r.int2();
      case LONG, ERROR -> r.int4();
      case FLOAT -> Float.intBitsToFloat(r.int4());
      case DOUBLE, APPTIME -> Double.longBitsToDouble(r.int8());
      case CURRENCY, I8 -> r.int8();
      case BOOLEAN -> r.byte1() != 0;
      case STRING8, UNICODE -> new String(r.blob(), StandardCharsets.UTF_8);
      case SYSTIME -> {
        long ticks = r.int8();
        yield Instant.ofEpochSecond(Math.floorDiv(ticks, 10_000_000L), Math.floorMod(ticks, 10_000_000L) * 100);
      }
      case CLSID -> new UUID(r.int8(), r.int8());
      case BINARY, SVREID -> r.blob();
      default -> throw new StoreException(MapiError.CORRUPT_DATA, "stored property of unsupported type " + t);
    };
  }

  // ---- primitive buffers

  private static final class Writer {
    private byte[] buf;
    private int len;

    Writer(int capacity) {
      buf = new byte[Math.max(16, capacity)];
    }

    private void ensure(int n) {
      if (len + n > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
      }
    }

    void byte1(int b) {
      ensure(1);
      buf[len++] = (byte) b;
    }

    void int2(int v) {
      ensure(2);
      buf[len++] = (byte) (v >>> 8);
      buf[len++] = (byte) v;
    }

    void int4(int v) {
      ensure(4);
      for (int s = 24; s >= 0; s -= 8) {
        buf[len++] = (byte) (v >>> s);
      }
    }

    void int8(long v) {
      ensure(8);
      for (int s = 56; s >= 0; s -= 8) {
        buf[len++] = (byte) (v >>> s);
      }
    }

    void varint(int v) {
      varlong(v & 0xFFFFFFFFL);
    }

    void varlong(long v) {
      ensure(10);
      while ((v & ~0x7FL) != 0) {
        buf[len++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      buf[len++] = (byte) v;
    }

    void bytes(byte[] b) {
      ensure(b.length);
      System.arraycopy(b, 0, buf, len, b.length);
      len += b.length;
    }

    void blob(byte[] b) {
      varint(b.length);
      bytes(b);
    }

    byte[] toArray() {
      return Arrays.copyOf(buf, len);
    }
  }

  private static final class Reader {
    private final byte[] b;
    private int pos;

    Reader(byte[] b, int pos) {
      this.b = b;
      this.pos = pos;
    }

    int byte1() {
      return b[pos++] & 0xFF;
    }

    int int2() {
      int v = ((b[pos] & 0xFF) << 8) | (b[pos + 1] & 0xFF);
      pos += 2;
      return v;
    }

    int int4() {
      int v = 0;
      for (int i = 0; i < 4; i++) {
        v = (v << 8) | (b[pos++] & 0xFF);
      }
      return v;
    }

    long int8() {
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (b[pos++] & 0xFF);
      }
      return v;
    }

    long varlong() {
      long v = 0;
      int shift = 0;
      while (true) {
        int x = byte1();
        v |= (long) (x & 0x7F) << shift;
        if ((x & 0x80) == 0) {
          return v;
        }
        shift += 7;
        if (shift > 63) {
          throw new StoreException(MapiError.CORRUPT_DATA, "malformed varint in stored content");
        }
      }
    }

    int varint() {
      long v = varlong();
      if (v > Integer.MAX_VALUE) {
        throw new StoreException(MapiError.CORRUPT_DATA, "length out of range in stored content");
      }
      return (int) v;
    }

    byte[] raw(int n) {
      if (n < 0 || pos + n > b.length) {
        throw new StoreException(MapiError.CORRUPT_DATA, "truncated stored content");
      }
      byte[] out = Arrays.copyOfRange(b, pos, pos + n);
      pos += n;
      return out;
    }

    byte[] blob() {
      return raw(varint());
    }
  }
}
