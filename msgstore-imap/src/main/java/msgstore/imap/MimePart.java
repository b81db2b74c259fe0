package msgstore.imap;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.codec.EncoderUtil;
import org.apache.james.mime4j.dom.address.Address;
import org.apache.james.mime4j.dom.address.AddressList;
import org.apache.james.mime4j.dom.address.Group;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.dom.field.ContentDispositionField;
import org.apache.james.mime4j.dom.field.ContentTypeField;
import org.apache.james.mime4j.dom.field.ParsedField;
import org.apache.james.mime4j.field.DefaultFieldParser;
import org.apache.james.mime4j.field.address.LenientAddressParser;

/**
 * A message or body part located in the exported bytes (RFC 9051 6.4.5 sections need exact
 * octets, which a DOM that re-serializes cannot give): where its header and body start and end,
 * its header fields, and its children (multipart parts, or the message of a message/rfc822 part).
 * Header fields are interpreted with mime4j (Content-Type, Content-Disposition, addresses); the
 * splitting at header ends and boundary lines is done here on the bytes.
 */
final class MimePart {
  private static final int MAX_DEPTH = 32;
  private final byte[] bytes;
  final int start;
  final int bodyStart;
  final int end;
  /** Raw header fields, in order: name and unfolded value. */
  final List<String[]> fields = new ArrayList<>();
  final String type;
  final String subtype;
  final Map<String, String> params;
  final List<MimePart> parts = new ArrayList<>();
  /** The encapsulated message of a message/rfc822 part. */
  MimePart message;

  private MimePart(byte[] bytes, int start, int end, String defaultType, int depth) {
    this.bytes = bytes;
    this.start = start;
    this.end = end;
    int hdrEnd = headerEnd(bytes, start, end);
    this.bodyStart = hdrEnd;
    readFields(start, hdrEnd);
    ContentTypeField ct = parsed("Content-Type", ContentTypeField.class);
    String t = ct == null || ct.getMediaType() == null || ct.getMediaType().isEmpty() ? null : ct.getMediaType();
    if (t == null) {
      int slash = defaultType.indexOf('/');
      this.type = defaultType.substring(0, slash);
      this.subtype = defaultType.substring(slash + 1);
      this.params = defaultType.equals("text/plain") ? Map.of("charset", "us-ascii") : Map.of();
    } else {
      this.type = t.toLowerCase(Locale.ROOT);
      this.subtype = ct.getSubType() == null ? "" : ct.getSubType().toLowerCase(Locale.ROOT);
      this.params = ct.getParameters();
    }
    if (depth >= MAX_DEPTH) {
      return;
    }
    if (type.equals("multipart") && params.get("boundary") != null) {
      split(params.get("boundary"), subtype.equals("digest") ? "message/rfc822" : "text/plain", depth);
    } else if (type.equals("message") && subtype.equals("rfc822")) {
      message = new MimePart(bytes, bodyStart, end, "text/plain", depth + 1);
    }
  }

  static MimePart parse(byte[] bytes) {
    return new MimePart(bytes, 0, bytes.length, "text/plain", 0);
  }

  byte[] bytes() {
    return bytes;
  }

  /** The offset after the blank line ending the header (the end when there is none). */
  private static int headerEnd(byte[] b, int from, int to) {
    int i = from;
    while (i < to) {
      if (b[i] == '\n') {
        return i + 1; // an empty first line: no header
      }
      if (b[i] == '\r' && i + 1 < to && b[i + 1] == '\n') {
        return i + 2;
      }
      while (i < to && b[i] != '\n') {
        i++;
      }
      i++;
    }
    return to;
  }

  private void readFields(int from, int to) {
    String text = new String(bytes, from, to - from, StandardCharsets.UTF_8);
    String name = null;
    StringBuilder value = new StringBuilder();
    for (String line : text.split("\r?\n")) {
      if (line.isEmpty()) {
        break;
      }
      if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && name != null) {
        value.append(line);
        continue;
      }
      if (name != null) {
        fields.add(new String[] {name, value.toString().strip()});
      }
      int colon = line.indexOf(':');
      name = colon > 0 ? line.substring(0, colon).strip() : null;
      value.setLength(0);
      if (colon > 0) {
        value.append(line.substring(colon + 1));
      }
    }
    if (name != null) {
      fields.add(new String[] {name, value.toString().strip()});
    }
  }

  /** The first field of that name, unfolded; null when absent. */
  String field(String name) {
    for (String[] f : fields) {
      if (f[0].equalsIgnoreCase(name)) {
        return f[1];
      }
    }
    return null;
  }

  private <T> T parsed(String name, Class<T> kind) {
    String v = field(name);
    if (v == null) {
      return null;
    }
    try {
      ParsedField f = DefaultFieldParser.parse(name + ": " + v);
      return kind.isInstance(f) && f.isValidField() ? kind.cast(f) : null;
    } catch (MimeException e) {
      return null;
    }
  }

  /** Finds the parts between {@code --boundary} lines (RFC 2046 5.1.1). */
  private void split(String boundary, String childDefault, int depth) {
    byte[] delim = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    int partStart = -1;
    int i = bodyStart;
    while (i < end) {
      int lineEnd = i;
      while (lineEnd < end && bytes[lineEnd] != '\n') {
        lineEnd++;
      }
      if (startsWith(i, lineEnd, delim)) {
        boolean last = i + delim.length + 1 < lineEnd && bytes[i + delim.length] == '-' && bytes[i + delim.length + 1] == '-';
        if (partStart >= 0) {
          int partEnd = i;
          if (partEnd > partStart && bytes[partEnd - 1] == '\n') {
            partEnd--;
            if (partEnd > partStart && bytes[partEnd - 1] == '\r') {
              partEnd--;
            }
          }
          parts.add(new MimePart(bytes, partStart, Math.max(partStart, partEnd), childDefault, depth + 1));
        }
        if (last) {
          return;
        }
        partStart = Math.min(end, lineEnd + 1);
      }
      i = lineEnd + 1;
    }
    if (partStart >= 0 && partStart < end) {
      parts.add(new MimePart(bytes, partStart, end, childDefault, depth + 1)); // no closing delimiter
    }
  }

  private boolean startsWith(int from, int lineEnd, byte[] delim) {
    if (lineEnd - from < delim.length) {
      return false;
    }
    for (int k = 0; k < delim.length; k++) {
      if (bytes[from + k] != delim[k]) {
        return false;
      }
    }
    return true;
  }

  boolean isMultipart() {
    return type.equals("multipart") && !parts.isEmpty();
  }

  int bodySize() {
    return end - bodyStart;
  }

  private int bodyLines() {
    int n = 0;
    for (int i = bodyStart; i < end; i++) {
      if (bytes[i] == '\n') {
        n++;
      }
    }
    return end > bodyStart && bytes[end - 1] != '\n' ? n + 1 : n;
  }

  // ---- sections (RFC 9051 6.4.5)

  /**
   * The part a section path names ({@code 1.2}); part 1 of a non-multipart is itself, and a
   * message/rfc822 part's numbers go into its message.
   */
  MimePart part(List<Integer> path) {
    MimePart p = this;
    for (int n : path) {
      if (p.message != null && p != this) {
        p = p.message;
      }
      if (p.isMultipart()) {
        if (n < 1 || n > p.parts.size()) {
          return null;
        }
        p = p.parts.get(n - 1);
      } else if (n != 1) {
        return null;
      }
    }
    return p;
  }

  byte[] slice(int from, int to) {
    byte[] out = new byte[Math.max(0, to - from)];
    System.arraycopy(bytes, from, out, 0, out.length);
    return out;
  }

  byte[] whole() {
    return slice(start, end);
  }

  byte[] header() {
    return slice(start, bodyStart);
  }

  byte[] text() {
    return slice(bodyStart, end);
  }

  /** HEADER.FIELDS / HEADER.FIELDS.NOT: the raw lines of the fields named (or not), and a blank line. */
  byte[] headerFields(Set<String> names, boolean not) {
    String text = new String(bytes, start, bodyStart - start, StandardCharsets.ISO_8859_1);
    StringBuilder out = new StringBuilder();
    boolean keep = false;
    for (String line : text.split("(?<=\n)")) {
      if (line.equals("\r\n") || line.equals("\n")) {
        break;
      }
      if (line.charAt(0) != ' ' && line.charAt(0) != '\t') {
        int colon = line.indexOf(':');
        String name = colon > 0 ? line.substring(0, colon).strip().toUpperCase(Locale.ROOT) : "";
        keep = names.contains(name) != not;
      }
      if (keep) {
        out.append(line.endsWith("\r\n") ? line : line.replaceAll("\n$", "") + "\r\n");
      }
    }
    out.append("\r\n");
    return out.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  // ---- BODYSTRUCTURE and ENVELOPE (RFC 9051 7.5.2)

  void bodyStructure(Out o, boolean extensible) {
    if (isMultipart()) {
      o.raw("(");
      for (MimePart p : parts) {
        p.bodyStructure(o, extensible);
      }
      o.sp().string(subtype.toUpperCase(Locale.ROOT));
      if (extensible) {
        o.sp();
        params(o);
        o.sp();
        disposition(o);
        o.sp().nstring(field("Content-Language")).sp().nstring(field("Content-Location"));
      }
      o.raw(")");
      return;
    }
    o.raw("(").string(type.toUpperCase(Locale.ROOT)).sp().string(subtype.toUpperCase(Locale.ROOT)).sp();
    params(o);
    o.sp().nstring(field("Content-ID")).sp().nstring(field("Content-Description")).sp();
    String enc = field("Content-Transfer-Encoding");
    o.string(enc == null ? "7BIT" : enc.toUpperCase(Locale.ROOT)).sp().raw(bodySize());
    if (message != null) {
      o.sp();
      message.envelope(o);
      o.sp();
      message.bodyStructure(o, extensible);
      o.sp().raw(bodyLines());
    } else if (type.equals("text")) {
      o.sp().raw(bodyLines());
    }
    if (extensible) {
      o.sp().nstring(field("Content-MD5")).sp();
      disposition(o);
      o.sp().nstring(field("Content-Language")).sp().nstring(field("Content-Location"));
    }
    o.raw(")");
  }

  private void params(Out o) {
    if (params.isEmpty()) {
      o.raw("NIL");
      return;
    }
    o.raw("(");
    boolean first = true;
    for (Map.Entry<String, String> e : params.entrySet()) {
      if (!first) {
        o.sp();
      }
      first = false;
      o.string(e.getKey().toUpperCase(Locale.ROOT)).sp().string(e.getValue());
    }
    o.raw(")");
  }

  private void disposition(Out o) {
    ContentDispositionField d = parsed("Content-Disposition", ContentDispositionField.class);
    if (d == null || d.getDispositionType() == null || d.getDispositionType().isEmpty()) {
      o.raw("NIL");
      return;
    }
    o.raw("(").string(d.getDispositionType().toUpperCase(Locale.ROOT)).sp();
    if (d.getParameters().isEmpty()) {
      o.raw("NIL");
    } else {
      o.raw("(");
      boolean first = true;
      for (Map.Entry<String, String> e : d.getParameters().entrySet()) {
        if (!first) {
          o.sp();
        }
        first = false;
        o.string(e.getKey().toUpperCase(Locale.ROOT)).sp().string(e.getValue());
      }
      o.raw(")");
    }
    o.raw(")");
  }

  void envelope(Out o) {
    o.raw("(").nstring(field("Date")).sp().nstring(field("Subject")).sp();
    String from = field("From");
    addresses(o, from);
    o.sp();
    addresses(o, field("Sender") != null ? field("Sender") : from);
    o.sp();
    addresses(o, field("Reply-To") != null ? field("Reply-To") : from);
    o.sp();
    addresses(o, field("To"));
    o.sp();
    addresses(o, field("Cc"));
    o.sp();
    addresses(o, field("Bcc"));
    o.sp().nstring(field("In-Reply-To")).sp().nstring(field("Message-ID")).raw(")");
  }

  private static void addresses(Out o, String value) {
    if (value == null || value.isBlank()) {
      o.raw("NIL");
      return;
    }
    AddressList list;
    try {
      list = LenientAddressParser.DEFAULT.parseAddressList(value);
    } catch (RuntimeException e) {
      list = null;
    }
    if (list == null || list.isEmpty()) {
      o.raw("NIL");
      return;
    }
    o.raw("(");
    for (Address a : list) {
      if (a instanceof Mailbox m) {
        address(o, m);
      } else if (a instanceof Group g) {
        o.raw("(NIL NIL ").nstring(g.getName()).raw(" NIL)");
        g.getMailboxes().forEach(m -> address(o, m));
        o.raw("(NIL NIL NIL NIL)");
      }
    }
    o.raw(")");
  }

  private static void address(Out o, Mailbox m) {
    String name = m.getName();
    if (name != null && EncoderUtil.hasToBeEncoded(name, 0)) {
      name = EncoderUtil.encodeEncodedWord(name, EncoderUtil.Usage.TEXT_TOKEN, 0, StandardCharsets.UTF_8,
          EncoderUtil.Encoding.Q);
    }
    o.raw("(").nstring(name).raw(" NIL ").nstring(m.getLocalPart()).sp().nstring(m.getDomain()).raw(")");
  }
}
