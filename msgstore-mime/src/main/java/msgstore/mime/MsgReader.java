package msgstore.mime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import msgstore.api.MapiError;
import msgstore.api.NamedProperty;
import msgstore.api.PropTag;
import msgstore.api.PropType;
import msgstore.api.PropValue;
import msgstore.api.StoreException;
import org.apache.poi.poifs.filesystem.DirectoryEntry;
import org.apache.poi.poifs.filesystem.DocumentEntry;
import org.apache.poi.poifs.filesystem.DocumentInputStream;
import org.apache.poi.poifs.filesystem.Entry;

/**
 * Reads the MAPI content of an Outlook .msg compound file ([MS-OXMSG]) through POIFS, as it is:
 * every property stream ({@code __substg1.0_TTTTTTTT}, multi-valued ones with their element
 * streams) and every fixed-size entry of {@code __properties_version1.0}, with their tags and
 * types; recipients ({@code __recip_version1.0_#N}), attachments ({@code __attach_version1.0_#N},
 * an embedded message in their {@code __substg1.0_3701000D} storage) and the named-property map
 * ({@code __nameid_version1.0}). Attachment contents are not read here: an attachment keeps its
 * {@link DocumentEntry}, streamed when written.
 *
 * <p>Two things change: PT_STRING8 values are decoded with the message's code page and become
 * PT_UNICODE (the store converts no string types on read, and every reader asks for PT_UNICODE),
 * and PT_ERROR values (a writer's "not available") are left out. Anything that is not a valid
 * .msg fails with INVALID_PARAMETER.
 */
final class MsgReader {
  static final String PROPS = "__properties_version1.0";
  static final String SUBSTG = "__substg1.0_";
  static final String RECIP = "__recip_version1.0_#";
  static final String ATTACH = "__attach_version1.0_#";
  static final String NAMEID = "__nameid_version1.0";
  /** PidTagAttachDataObject: the storage of an embedded message (or OLE object). */
  static final int ATTACH_DATA_OBJECT = 0x3701000D;
  static final int ATTACH_DATA_ID = 0x3701;
  /** PidTagMessageCodepage, PidTagInternetCodepage: how PT_STRING8 values are encoded. */
  private static final int MESSAGE_CODEPAGE = 0x3FFD0003;
  private static final int INTERNET_CODEPAGE = 0x3FDE0003;
  /** PS_MAPI, GUID index 1 of [MS-OXMSG] 2.2.3.1.2. */
  private static final UUID PS_MAPI = UUID.fromString("00020328-0000-0000-C000-000000000046");
  private static final Instant FILETIME_EPOCH = Instant.parse("1601-01-01T00:00:00Z");
  private static final int MAX_DEPTH = 32;
  private static final int MAX_PROPERTY_BYTES = 64 << 20;

  /** One message, recipient row or attachment: its properties (tag as in the file), in file order. */
  record Props(List<PropValue> values) {
    Optional<PropValue> get(int tag) {
      return values.stream().filter(v -> v.tag().value() == tag).findFirst();
    }
  }

  /** A message: its properties, recipient rows and attachments. */
  record Msg(Props props, List<Props> recipients, List<Att> attachments) {}

  /** An attachment: properties, its by-value content (or none) and its embedded message (or none). */
  record Att(Props props, Optional<DocumentEntry> content, Optional<Msg> embedded, boolean otherStorage) {}

  /** A whole file: its message and what each property id 0x8000+ of it (and of its embedded messages) names. */
  record MsgFile(Msg message, Map<Integer, NamedProperty> names) {}

  private MsgReader() {}

  /** Reads a top-level message (its root storage); INVALID_PARAMETER when it is not a .msg. */
  static MsgFile read(DirectoryEntry root) throws IOException {
    if (!root.hasEntry(PROPS)) {
      throw new StoreException(MapiError.INVALID_PARAMETER,
          "not an Outlook .msg file: the compound file has no " + PROPS + " stream");
    }
    Map<Integer, NamedProperty> names = root.hasEntry(NAMEID) && root.getEntry(NAMEID) instanceof DirectoryEntry n
        ? nameMap(n) : Map.of();
    return new MsgFile(message(root, 32, 0), names);
  }

  private static Msg message(DirectoryEntry dir, int headerBytes, int depth) throws IOException {
    if (depth > MAX_DEPTH) {
      throw new StoreException(MapiError.INVALID_PARAMETER,
          "not a valid Outlook .msg file: embedded messages nested deeper than " + MAX_DEPTH);
    }
    Props props = props(dir, headerBytes, null);
    Charset cs = charset(props);
    if (cs != null) {
      props = props(dir, headerBytes, cs); // again, now that PT_STRING8 can be decoded
    }
    Charset text = cs != null ? cs : Charsets.WINDOWS_1252;
    List<Props> recipients = new ArrayList<>();
    List<Att> attachments = new ArrayList<>();
    for (Entry e : sorted(dir)) {
      if (e.getName().startsWith(RECIP) && e instanceof DirectoryEntry d) {
        recipients.add(props(d, 8, text));
      } else if (e.getName().startsWith(ATTACH) && e instanceof DirectoryEntry d) {
        Props ap = props(d, 8, text);
        Optional<DocumentEntry> content = Optional.empty();
        Optional<Msg> embedded = Optional.empty();
        boolean other = false;
        String bin = SUBSTG + "37010102";
        if (d.hasEntry(bin) && d.getEntry(bin) instanceof DocumentEntry de) {
          content = Optional.of(de);
        }
        String obj = SUBSTG + "3701000D";
        if (d.hasEntry(obj) && d.getEntry(obj) instanceof DirectoryEntry od) {
          int method = ap.get(0x37050003).map(PropValue::asInt).orElse(0);
          if (method == msgstore.api.PropTags.ATTACH_EMBEDDED_MSG || od.hasEntry(PROPS)) {
            embedded = Optional.of(message(od, 24, depth + 1));
          } else {
            other = true; // an OLE object's storage (attach method 6): not mapped
          }
        }
        attachments.add(new Att(ap, content, embedded, other));
      }
    }
    return new Msg(props, recipients, attachments);
  }

  /** Entries in name order (the #N suffixes are hex of fixed width), so rows and attachments keep their order. */
  private static List<Entry> sorted(DirectoryEntry dir) {
    List<Entry> out = new ArrayList<>();
    dir.getEntries().forEachRemaining(out::add);
    out.sort((a, b) -> a.getName().compareTo(b.getName()));
    return out;
  }

  private static Charset charset(Props p) {
    for (int tag : new int[] {MESSAGE_CODEPAGE, INTERNET_CODEPAGE}) {
      Optional<PropValue> v = p.get(tag);
      if (v.isPresent()) {
        int cp = v.get().asInt();
        if (cp == 65001) {
          return StandardCharsets.UTF_8;
        }
        Charset c = Charsets.forCodepage(cp);
        if (!c.equals(StandardCharsets.UTF_8)) {
          return c;
        }
      }
    }
    return null;
  }

  /**
   * The properties of one object: fixed-size ones from the property stream (after its header of
   * {@code headerBytes}), variable-size and multi-valued ones from their streams. With {@code
   * cs} null, PT_STRING8 values are skipped (decoded on the second pass).
   */
  private static Props props(DirectoryEntry dir, int headerBytes, Charset cs) throws IOException {
    Map<Integer, PropValue> out = new LinkedHashMap<>();
    if (dir.hasEntry(PROPS) && dir.getEntry(PROPS) instanceof DocumentEntry de) {
      byte[] b = read(de, MAX_PROPERTY_BYTES);
      if (b.length < headerBytes || (b.length - headerBytes) % 16 != 0) {
        throw invalid(dir, "its " + PROPS + " stream is " + b.length + " bytes, not a header of " + headerBytes
            + " and 16-byte entries");
      }
      ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
      for (int off = headerBytes; off < b.length; off += 16) {
        int tag = bb.getInt(off);
        int code = tag & 0xFFFF;
        Object v = switch (code) {
          case 0x0002 -> bb.getShort(off + 8);
          case 0x0003 -> bb.getInt(off + 8);
          case 0x0004 -> bb.getFloat(off + 8);
          case 0x0005, 0x0007 -> bb.getDouble(off + 8);
          case 0x0006, 0x0014 -> bb.getLong(off + 8);
          case 0x000B -> (bb.get(off + 8) & 0xFF) != 0;
          case 0x0040 -> filetime(bb.getLong(off + 8));
          default -> null; // variable size: its stream; PT_ERROR and unknown types: left out
        };
        if (v != null) {
          put(out, tag, v);
        }
      }
    }
    for (Entry e : sorted(dir)) {
      String n = e.getName();
      if (!n.startsWith(SUBSTG) || n.length() != SUBSTG.length() + 8 || !(e instanceof DocumentEntry de)) {
        continue; // element streams of multi-valued properties (NAME-0000000N) are read with their length stream
      }
      int tag;
      try {
        tag = (int) Long.parseLong(n.substring(SUBSTG.length()), 16);
      } catch (NumberFormatException x) {
        continue;
      }
      if ((tag >>> 16) == ATTACH_DATA_ID && (tag & 0xFFFF) == 0x0102 && dir.getName().startsWith(ATTACH)) {
        continue; // attachment content: streamed into the attachment, not a property
      }
      Object v = stream(dir, de, tag, cs);
      if (v != null) {
        put(out, (tag & 0xFFFF) == 0x001E ? (tag & 0xFFFF0000) | 0x001F
            : (tag & 0xFFFF) == 0x101E ? (tag & 0xFFFF0000) | 0x101F : tag, v);
      }
    }
    return new Props(List.copyOf(out.values()));
  }

  private static void put(Map<Integer, PropValue> out, int tag, Object v) {
    PropType type;
    try {
      type = PropType.of(tag & 0xFFFF);
    } catch (StoreException unknownType) {
      return;
    }
    out.put(tag, PropValue.of(PropTag.of(tag >>> 16, type), v));
  }

  /** A value held in a stream, or null for a type that is not (or not mapped). */
  private static Object stream(DirectoryEntry dir, DocumentEntry de, int tag, Charset cs) throws IOException {
    int code = tag & 0xFFFF;
    switch (code) {
      case 0x001F:
        return utf16(read(de, MAX_PROPERTY_BYTES));
      case 0x001E:
        return cs == null ? null : string8(read(de, MAX_PROPERTY_BYTES), cs);
      case 0x0102:
        return read(de, MAX_PROPERTY_BYTES);
      case 0x0048: {
        byte[] b = read(de, 16);
        return b.length == 16 ? guid(b, 0) : null;
      }
      case 0x1002, 0x1003, 0x1004, 0x1005, 0x1006, 0x1007, 0x1014, 0x1040, 0x1048: {
        byte[] b = read(de, MAX_PROPERTY_BYTES);
        int size = switch (code) {
          case 0x1002 -> 2;
          case 0x1003, 0x1004 -> 4;
          case 0x1048 -> 16;
          default -> 8;
        };
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        List<Object> list = new ArrayList<>();
        for (int off = 0; off + size <= b.length; off += size) {
          list.add(switch (code) {
            case 0x1002 -> bb.getShort(off);
            case 0x1003 -> bb.getInt(off);
            case 0x1004 -> bb.getFloat(off);
            case 0x1005, 0x1007 -> bb.getDouble(off);
            case 0x1040 -> filetime(bb.getLong(off));
            case 0x1048 -> guid(b, off);
            default -> bb.getLong(off);
          });
        }
        return list;
      }
      case 0x101F, 0x101E, 0x1102: {
        if (code == 0x101E && cs == null) {
          return null;
        }
        // The length stream: 4 bytes per string, 8 per binary; the values are in NAME-0000000N.
        byte[] lengths = read(de, MAX_PROPERTY_BYTES);
        int count = lengths.length / (code == 0x1102 ? 8 : 4);
        List<Object> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          String name = de.getName() + String.format("-%08X", i);
          if (!dir.hasEntry(name) || !(dir.getEntry(name) instanceof DocumentEntry el)) {
            throw invalid(dir, "multi-valued property " + de.getName() + " lacks its element stream " + name);
          }
          byte[] b = read(el, MAX_PROPERTY_BYTES);
          list.add(code == 0x101F ? utf16(b) : code == 0x101E ? string8(b, cs) : b);
        }
        return list;
      }
      default:
        return null;
    }
  }

  /** The named-property map of [MS-OXMSG] 2.2.3: id 0x8000 + index to (GUID, name or LID). */
  private static Map<Integer, NamedProperty> nameMap(DirectoryEntry nameid) throws IOException {
    byte[] guids = doc(nameid, SUBSTG + "00020102");
    byte[] entries = doc(nameid, SUBSTG + "00030102");
    byte[] strings = doc(nameid, SUBSTG + "00040102");
    Map<Integer, NamedProperty> out = new HashMap<>();
    ByteBuffer eb = ByteBuffer.wrap(entries).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer sb = ByteBuffer.wrap(strings).order(ByteOrder.LITTLE_ENDIAN);
    for (int off = 0; off + 8 <= entries.length; off += 8) {
      int nameOrOffset = eb.getInt(off);
      int info = eb.getInt(off + 4);
      boolean isString = (info & 1) != 0;
      int guidIndex = (info >>> 1) & 0x7FFF;
      int propIndex = info >>> 16;
      UUID guid;
      if (guidIndex == 1) {
        guid = PS_MAPI;
      } else if (guidIndex == 2) {
        guid = NamedProperty.PS_PUBLIC_STRINGS;
      } else if (guidIndex >= 3 && (guidIndex - 3) * 16 + 16 <= guids.length) {
        guid = guid(guids, (guidIndex - 3) * 16);
      } else {
        continue; // a broken entry: that named property stays unresolved and is left out
      }
      NamedProperty np;
      if (isString) {
        if (nameOrOffset < 0 || nameOrOffset + 4 > strings.length) {
          continue;
        }
        int len = sb.getInt(nameOrOffset);
        if (len < 0 || nameOrOffset + 4 + len > strings.length) {
          continue;
        }
        np = NamedProperty.ofName(guid, new String(strings, nameOrOffset + 4, len, StandardCharsets.UTF_16LE));
      } else {
        np = NamedProperty.ofId(guid, nameOrOffset);
      }
      out.put(0x8000 + propIndex, np);
    }
    return out;
  }

  private static byte[] doc(DirectoryEntry dir, String name) throws IOException {
    if (dir.hasEntry(name) && dir.getEntry(name) instanceof DocumentEntry de) {
      return read(de, MAX_PROPERTY_BYTES);
    }
    return new byte[0];
  }

  /**
   * A property stream, whole. One declared larger than {@code max} makes the file invalid, not too
   * big: the whole file was already accepted under the import limit, so such a size is a damaged or
   * crafted length field (found by fuzzing: a 20 KB file declaring a 1.5 GB stream was answered
   * TOO_BIG, 413 over HTTP, for a small body).
   */
  private static byte[] read(DocumentEntry de, int max) throws IOException {
    if (de.getSize() > max) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "not a valid Outlook .msg file: its stream "
          + de.getName() + " declares " + de.getSize() + " bytes, more than a property may have (" + max + ")");
    }
    try (InputStream in = new DocumentInputStream(de)) {
      return in.readNBytes(Math.min(de.getSize(), max));
    }
  }

  private static String utf16(byte[] b) {
    int n = b.length & ~1;
    while (n >= 2 && b[n - 1] == 0 && b[n - 2] == 0) {
      n -= 2;
    }
    return new String(b, 0, n, StandardCharsets.UTF_16LE);
  }

  private static String string8(byte[] b, Charset cs) {
    int n = b.length;
    while (n > 0 && b[n - 1] == 0) {
      n--;
    }
    return new String(b, 0, n, cs);
  }

  /** A GUID in its Windows byte layout (Data1-3 little-endian, Data4 as is). */
  static UUID guid(byte[] b, int off) {
    ByteBuffer le = ByteBuffer.wrap(b, off, 16).order(ByteOrder.LITTLE_ENDIAN);
    long d1 = le.getInt(off) & 0xFFFFFFFFL;
    long d2 = le.getShort(off + 4) & 0xFFFF;
    long d3 = le.getShort(off + 6) & 0xFFFF;
    long hi = (d1 << 32) | (d2 << 16) | d3;
    long lo = ByteBuffer.wrap(b, off + 8, 8).order(ByteOrder.BIG_ENDIAN).getLong(off + 8);
    return new UUID(hi, lo);
  }

  private static Instant filetime(long ticks) {
    return FILETIME_EPOCH.plus(Duration.ofSeconds(Math.floorDiv(ticks, 10_000_000L),
        Math.floorMod(ticks, 10_000_000L) * 100));
  }

  private static StoreException invalid(DirectoryEntry dir, String what) {
    return new StoreException(MapiError.INVALID_PARAMETER, "not a valid Outlook .msg file: " + dir.getName() + " "
        + what);
  }
}
