package msgstore.mime;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;
import org.apache.james.mime4j.dom.address.AddressList;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.dom.field.DateTimeField;
import org.apache.james.mime4j.dom.field.ParsedField;
import org.apache.james.mime4j.field.LenientFieldParser;
import org.apache.james.mime4j.field.address.LenientAddressParser;
import org.apache.james.mime4j.stream.RawField;

/** Lenient reading of header field bodies: unfolding, encoded words, parameters (RFC 2231), addresses, dates. */
final class HeaderText {
  private HeaderText() {}

  /** A header field: its name and its unfolded body, decoded from raw bytes (UTF-8 if valid, else windows-1252). */
  record Field(String name, String body) {
    String lowerName() {
      return name.toLowerCase(Locale.ROOT);
    }
  }

  /** Splits a raw field ({@code Name: body}, possibly folded) into name and unfolded body. */
  static Field field(byte[] raw) {
    String s = Charsets.decodeHeader(raw);
    int colon = s.indexOf(':');
    String name = colon < 0 ? s.strip() : s.substring(0, colon).strip();
    String body = colon < 0 ? "" : s.substring(colon + 1);
    return new Field(name, unfold(body).strip());
  }

  /** RFC 5322 unfolding: removes CR and LF, keeps the white space that follows them. */
  static String unfold(String s) {
    if (s.indexOf('\r') < 0 && s.indexOf('\n') < 0) {
      return s;
    }
    return s.replace("\r", "").replace("\n", "");
  }

  /** Decodes RFC 2047 encoded words anywhere in {@code s}; unknown charsets fall back, never fail. */
  static String decodeWords(String s) {
    if (!s.contains("=?")) {
      return s;
    }
    try {
      return DecoderUtil.decodeEncodedWords(s, DecodeMonitor.SILENT, StandardCharsets.UTF_8);
    } catch (RuntimeException e) {
      return s;
    }
  }

  /** One mailbox: display name (decoded) and address; either may be empty. */
  record Address(String name, String email) {}

  /**
   * The mailboxes of an address-list field (groups flattened). A body that names no parseable
   * mailbox but is not empty gives one entry holding its decoded text as the display name, so
   * nothing is dropped.
   */
  static List<Address> addresses(String body) {
    List<Address> out = new ArrayList<>();
    if (body.isBlank()) {
      return out;
    }
    try {
      AddressList list = LenientAddressParser.DEFAULT.parseAddressList(body);
      for (Mailbox m : list.flatten()) {
        String name = m.getName() == null ? "" : decodeWords(m.getName());
        String email = m.getAddress() == null ? "" : m.getAddress();
        if (m.getDomain() == null || m.getDomain().isEmpty()) {
          email = m.getLocalPart() == null ? "" : m.getLocalPart();
        }
        if (!name.isEmpty() || !email.isEmpty()) {
          out.add(new Address(name, email));
        }
      }
    } catch (RuntimeException e) {
      out.clear();
    }
    if (out.isEmpty() && !body.strip().endsWith(";")) { // "undisclosed-recipients:;" names nobody
      out.add(new Address(decodeWords(body).strip(), ""));
    }
    return out;
  }

  /** A Date (RFC 5322, leniently: obsolete zones, two-digit years, comments); empty if unreadable. */
  static Optional<Instant> date(String body) {
    if (body.isBlank()) {
      return Optional.empty();
    }
    Instant fast = canonicalDate(body);
    if (fast != null) {
      return Optional.of(fast);
    }
    return lenientDate(body);
  }

  private static final List<String> MONTHS =
      List.of("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec");
  private static final List<String> DAYS = List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");

  /**
   * The common RFC 5322 form, {@code [Day, ]D Mon YYYY HH:MM[:SS] +HHMM[ (comment)]} with single
   * spaces (mime4j is particular about whitespace in places: a double space after the comma gives
   * it no date), read by hand;
   * null for anything else, which mime4j's lenient parser then reads. Where this reads a date it
   * gives what the lenient parser gives (it ignores the day name too; impossible dates, 2-digit
   * years, zone names and leap seconds are left to it): the lenient parser, on java.time
   * formatters, was a twentieth of an import's CPU (docs/BENCHMARKS.md, issue 8).
   */
  static Instant canonicalDate(String s) {
    int n = s.length();
    int i = skipSpaces(s, 0);
    if (i + 4 <= n && s.charAt(i + 3) == ',') {
      if (!DAYS.contains(s.substring(i, i + 3).toLowerCase(Locale.ROOT))) {
        return null;
      }
      if (i + 5 > n || s.charAt(i + 4) != ' ') {
        return null;
      }
      i += 5;
    }
    int dayStart = i;
    while (i < n && isDigit(s.charAt(i))) {
      i++;
    }
    if (i - dayStart < 1 || i - dayStart > 2 || i >= n || s.charAt(i) != ' ') {
      return null;
    }
    int day = Integer.parseInt(s, dayStart, i, 10);
    i++;
    if (i + 4 > n || s.charAt(i + 3) != ' ') {
      return null;
    }
    int month = MONTHS.indexOf(s.substring(i, i + 3).toLowerCase(Locale.ROOT)) + 1;
    if (month == 0) {
      return null;
    }
    i += 4;
    if (i + 5 > n || !digits(s, i, 4) || s.charAt(i + 4) != ' ') {
      return null;
    }
    int year = Integer.parseInt(s, i, i + 4, 10);
    i += 5;
    if (i + 5 > n || !digits(s, i, 2) || s.charAt(i + 2) != ':' || !digits(s, i + 3, 2)) {
      return null;
    }
    int hour = Integer.parseInt(s, i, i + 2, 10);
    int minute = Integer.parseInt(s, i + 3, i + 5, 10);
    int second = 0;
    i += 5;
    if (i < n && s.charAt(i) == ':') {
      if (i + 3 > n || !digits(s, i + 1, 2)) {
        return null;
      }
      second = Integer.parseInt(s, i + 1, i + 3, 10);
      i += 3;
    }
    if (i >= n || s.charAt(i) != ' ') {
      return null;
    }
    i++;
    if (i + 5 > n || (s.charAt(i) != '+' && s.charAt(i) != '-') || !digits(s, i + 1, 4)) {
      return null;
    }
    int sign = s.charAt(i) == '-' ? -1 : 1;
    int zoneHours = Integer.parseInt(s, i + 1, i + 3, 10);
    int zoneMinutes = Integer.parseInt(s, i + 3, i + 5, 10);
    i += 5;
    if (i + 1 < n && s.charAt(i) == ' ' && s.charAt(i + 1) == '(' && s.indexOf(')', i) == n - 1
        && s.indexOf('(', i + 2) < 0) {
      i = n; // one trailing comment, " (UTC)" or " (CET)"
    }
    if (i != n || year < 1900 || hour > 23 || minute > 59 || second > 59 || zoneHours > 23 || zoneMinutes > 59) {
      return null;
    }
    try {
      return java.time.LocalDateTime.of(year, month, day, hour, minute, second)
          .toInstant(java.time.ZoneOffset.ofHoursMinutes(sign * zoneHours, sign * zoneMinutes));
    } catch (java.time.DateTimeException e) {
      return null; // 30 February and the like: the lenient parser rolls them over
    }
  }

  private static int skipSpaces(String s, int i) {
    while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
      i++;
    }
    return i;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean digits(String s, int from, int count) {
    for (int k = from; k < from + count; k++) {
      if (!isDigit(s.charAt(k))) {
        return false;
      }
    }
    return true;
  }

  /** mime4j's lenient Date parser (RFC 5322 with the obsolete forms and common mistakes). */
  static Optional<Instant> lenientDate(String body) {
    try {
      ParsedField f = LenientFieldParser.getParser().parse(new RawField("Date", body), DecodeMonitor.SILENT);
      if (f instanceof DateTimeField d) {
        Date date = d.getDate();
        if (date != null) {
          return Optional.of(date.toInstant());
        }
      }
    } catch (RuntimeException e) {
      // unreadable date: none
    }
    return Optional.empty();
  }

  /** A Content-Type or Content-Disposition value: the lower-cased main value and its parameters. */
  record Params(String value, Map<String, String> params) {
    Optional<String> get(String name) {
      return Optional.ofNullable(params.get(name));
    }
  }

  /**
   * Parses {@code value; a=b; c="d"; e*=utf-8''%C3%A9; f*0*=...; f*1=...} leniently: RFC 2231
   * extended values and continuations are joined and decoded, RFC 2047 words inside quoted values
   * (as Outlook writes file names) are decoded, unknown charsets fall back.
   */
  static Params params(String body) {
    List<String> parts = splitParams(body);
    String value = parts.isEmpty() ? "" : parts.get(0).strip().toLowerCase(Locale.ROOT);
    Map<String, String> plain = new LinkedHashMap<>();
    Map<String, TreeMap<Integer, String[]>> continued = new LinkedHashMap<>();
    for (int i = 1; i < parts.size(); i++) {
      String p = parts.get(i);
      int eq = p.indexOf('=');
      if (eq <= 0) {
        continue;
      }
      String name = p.substring(0, eq).strip().toLowerCase(Locale.ROOT);
      String v = unquote(p.substring(eq + 1).strip());
      boolean extended = name.endsWith("*");
      String base = extended ? name.substring(0, name.length() - 1) : name;
      int star = base.indexOf('*');
      if (star > 0) {
        Integer index = parseIndex(base.substring(star + 1));
        if (index != null) {
          continued.computeIfAbsent(base.substring(0, star), k -> new TreeMap<>())
              .put(index, new String[] {v, extended ? "1" : "0"});
          continue;
        }
      }
      if (extended) {
        plain.put(base, decode2231(v, true));
      } else {
        plain.putIfAbsent(base, decodeWords(v));
      }
    }
    for (Map.Entry<String, TreeMap<Integer, String[]>> e : continued.entrySet()) {
      // The charset is named in the first segment only; segments are joined as bytes.
      String charset = null;
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      boolean first = true;
      for (String[] seg : e.getValue().values()) {
        String v = seg[0];
        boolean ext = seg[1].equals("1");
        if (first && ext) {
          int q1 = v.indexOf('\'');
          int q2 = q1 < 0 ? -1 : v.indexOf('\'', q1 + 1);
          if (q2 > 0) {
            charset = v.substring(0, q1);
            v = v.substring(q2 + 1);
          }
        }
        first = false;
        byte[] b = ext ? percentDecode(v) : v.getBytes(StandardCharsets.UTF_8);
        bytes.writeBytes(b);
      }
      plain.put(e.getKey(), Charsets.decode(charset, bytes.toByteArray()));
    }
    return new Params(value, plain);
  }

  private static Integer parseIndex(String s) {
    if (s.isEmpty() || s.length() > 3) {
      return null;
    }
    for (int i = 0; i < s.length(); i++) {
      if (!Character.isDigit(s.charAt(i))) {
        return null;
      }
    }
    return Integer.parseInt(s);
  }

  /** {@code charset'lang'percent-encoded}; without the quotes, the text is taken as percent-encoded UTF-8. */
  static String decode2231(String v, boolean withCharset) {
    String charset = null;
    if (withCharset) {
      int q1 = v.indexOf('\'');
      int q2 = q1 < 0 ? -1 : v.indexOf('\'', q1 + 1);
      if (q2 > 0) {
        charset = v.substring(0, q1);
        v = v.substring(q2 + 1);
      }
    }
    return Charsets.decode(charset, percentDecode(v));
  }

  private static byte[] percentDecode(String v) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(v.length());
    byte[] b = v.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < b.length; i++) {
      if (b[i] == '%' && i + 2 < b.length && Character.digit(b[i + 1], 16) >= 0 && Character.digit(b[i + 2], 16) >= 0) {
        out.write(Character.digit(b[i + 1], 16) * 16 + Character.digit(b[i + 2], 16));
        i += 2;
      } else {
        out.write(b[i]);
      }
    }
    return out.toByteArray();
  }

  private static String unquote(String v) {
    if (v.length() >= 2 && v.charAt(0) == '"') {
      StringBuilder sb = new StringBuilder();
      for (int i = 1; i < v.length(); i++) {
        char c = v.charAt(i);
        if (c == '\\' && i + 1 < v.length()) {
          sb.append(v.charAt(++i));
        } else if (c == '"') {
          break;
        } else {
          sb.append(c);
        }
      }
      return sb.toString();
    }
    return v;
  }

  /** Splits at semicolons outside quoted strings and comments. */
  private static List<String> splitParams(String s) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    int comment = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quoted) {
        cur.append(c);
        if (c == '\\' && i + 1 < s.length()) {
          cur.append(s.charAt(++i));
        } else if (c == '"') {
          quoted = false;
        }
      } else if (comment > 0) {
        if (c == '(') {
          comment++;
        } else if (c == ')') {
          comment--;
        }
      } else if (c == '"') {
        quoted = true;
        cur.append(c);
      } else if (c == '(') {
        comment++;
      } else if (c == ';') {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    out.add(cur.toString());
    return out;
  }

  /** A charset parameter as a Charset, with the fallbacks of {@link Charsets#lookup}. */
  static Optional<Charset> charset(Params p) {
    return Charsets.lookup(p.params().get("charset"));
  }

  /** {@code <id@host>} to {@code id@host}. */
  static String stripAngles(String s) {
    String t = s.strip();
    if (t.startsWith("<") && t.endsWith(">") && t.length() >= 2) {
      return t.substring(1, t.length() - 1).strip();
    }
    return t;
  }
}
