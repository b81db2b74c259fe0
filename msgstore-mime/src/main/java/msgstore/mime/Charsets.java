package msgstore.mime;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Charset look-up with fallbacks (never fails) and the Windows code page numbers of PidTagInternetCodepage. */
final class Charsets {
  static final Charset WINDOWS_1252 = Charset.forName("windows-1252");

  private static final Map<String, Integer> CODEPAGES = Map.ofEntries(
      Map.entry("utf-8", 65001), Map.entry("us-ascii", 20127), Map.entry("iso-8859-1", 28591),
      Map.entry("iso-8859-2", 28592), Map.entry("iso-8859-3", 28593), Map.entry("iso-8859-4", 28594),
      Map.entry("iso-8859-5", 28595), Map.entry("iso-8859-6", 28596), Map.entry("iso-8859-7", 28597),
      Map.entry("iso-8859-8", 28598), Map.entry("iso-8859-9", 28599), Map.entry("iso-8859-13", 28603),
      Map.entry("iso-8859-15", 28605), Map.entry("windows-1250", 1250), Map.entry("windows-1251", 1251),
      Map.entry("windows-1252", 1252), Map.entry("windows-1253", 1253), Map.entry("windows-1254", 1254),
      Map.entry("windows-1255", 1255), Map.entry("windows-1256", 1256), Map.entry("windows-1257", 1257),
      Map.entry("windows-1258", 1258), Map.entry("koi8-r", 20866), Map.entry("koi8-u", 21866),
      Map.entry("shift_jis", 932), Map.entry("euc-jp", 51932), Map.entry("iso-2022-jp", 50220),
      Map.entry("gb2312", 936), Map.entry("gbk", 936), Map.entry("gb18030", 54936), Map.entry("big5", 950),
      Map.entry("euc-kr", 51949), Map.entry("ks_c_5601-1987", 949), Map.entry("utf-16", 1200),
      Map.entry("utf-16le", 1200), Map.entry("utf-16be", 1201), Map.entry("tis-620", 874));

  private Charsets() {}

  /** The declared charset if Java knows it; empty for absent, unknown or malformed names. */
  static Optional<Charset> lookup(String name) {
    if (name == null || name.isBlank()) {
      return Optional.empty();
    }
    String n = name.strip().replace("\"", "");
    if (n.equalsIgnoreCase("ks_c_5601-1987")) {
      n = "x-windows-949";
    }
    try {
      return Charset.isSupported(n) ? Optional.of(Charset.forName(n)) : Optional.empty();
    } catch (RuntimeException e) { // IllegalCharsetNameException
      return Optional.empty();
    }
  }

  static boolean isUtf8(byte[] b) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  static boolean isAscii(byte[] b) {
    for (byte x : b) {
      if (x < 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * The charset to decode {@code bytes} declared as {@code declared}: 8-bit bytes labelled US-ASCII
   * (or not labelled) are UTF-8 if they are valid UTF-8, else windows-1252; bytes labelled UTF-8
   * that are not valid UTF-8 are windows-1252; an unknown label is treated as no label.
   */
  static Charset choose(String declared, byte[] bytes) {
    Optional<Charset> cs = lookup(declared);
    if (cs.isEmpty() || cs.get().equals(StandardCharsets.US_ASCII)) {
      if (isAscii(bytes)) {
        return cs.orElse(StandardCharsets.US_ASCII);
      }
      return isUtf8(bytes) ? StandardCharsets.UTF_8 : WINDOWS_1252;
    }
    if (cs.get().equals(StandardCharsets.UTF_8) && !isUtf8(bytes)) {
      return WINDOWS_1252;
    }
    return cs.get();
  }

  /** Decodes with {@link #choose}; unmappable bytes become U+FFFD, never an error. */
  static String decode(String declared, byte[] bytes) {
    return new String(bytes, choose(declared, bytes));
  }

  /** Bytes of header text: UTF-8 when valid (RFC 6532), else windows-1252. */
  static String decodeHeader(byte[] bytes) {
    if (isAscii(bytes)) {
      return new String(bytes, StandardCharsets.US_ASCII);
    }
    return new String(bytes, isUtf8(bytes) ? StandardCharsets.UTF_8 : WINDOWS_1252);
  }

  /** True when {@code cs} has a Windows code page here (so PidTagInternetCodepage can name it). */
  static boolean knownCodepage(Charset cs) {
    if (CODEPAGES.containsKey(cs.name().toLowerCase(Locale.ROOT))) {
      return true;
    }
    for (String alias : cs.aliases()) {
      if (CODEPAGES.containsKey(alias.toLowerCase(Locale.ROOT))) {
        return true;
      }
    }
    return false;
  }

  /** PidTagInternetCodepage of a charset; 65001 (UTF-8) when unknown. */
  static int codepage(Charset cs) {
    Integer cp = CODEPAGES.get(cs.name().toLowerCase(Locale.ROOT));
    if (cp == null) {
      for (String alias : cs.aliases()) {
        cp = CODEPAGES.get(alias.toLowerCase(Locale.ROOT));
        if (cp != null) {
          break;
        }
      }
    }
    return cp == null ? 65001 : cp;
  }

  /** The charset of a code page; UTF-8 when unknown. */
  static Charset forCodepage(int codepage) {
    for (Map.Entry<String, Integer> e : CODEPAGES.entrySet()) {
      if (e.getValue() == codepage) {
        Optional<Charset> cs = lookup(e.getKey());
        if (cs.isPresent() && (codepage != 936 || e.getKey().equals("gbk")) && (codepage != 1200 || e.getKey().equals("utf-16le"))) {
          return cs.get();
        }
      }
    }
    return StandardCharsets.UTF_8;
  }
}
