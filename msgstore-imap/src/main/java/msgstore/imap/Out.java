package msgstore.imap;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** One response being written (RFC 9051 4, 7): atoms, strings quoted or as literals, CRLF. */
final class Out {
  private final ByteArrayOutputStream b = new ByteArrayOutputStream(256);

  Out raw(String s) {
    b.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    return this;
  }

  Out raw(long n) {
    return raw(Long.toString(n));
  }

  Out sp() {
    b.write(' ');
    return this;
  }

  /** A string: quoted when it can be, a literal otherwise (CR, LF, NUL, or long). */
  Out string(String s) {
    boolean quotable = s.length() < 1024;
    for (int i = 0; quotable && i < s.length(); i++) {
      char c = s.charAt(i);
      quotable = c != '\r' && c != '\n' && c != 0;
    }
    if (!quotable) {
      return literal(s.getBytes(StandardCharsets.UTF_8));
    }
    b.write('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.write('\\');
      }
      b.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
    }
    b.write('"');
    return this;
  }

  /** NIL for null, else {@link #string}. */
  Out nstring(String s) {
    return s == null ? raw("NIL") : string(s);
  }

  Out literal(byte[] bytes) {
    return literal(bytes, 0, bytes.length);
  }

  Out literal(byte[] bytes, int from, int length) {
    raw("{" + length + "}\r\n");
    b.write(bytes, from, length);
    return this;
  }

  Out crlf() {
    b.write('\r');
    b.write('\n');
    return this;
  }

  byte[] bytes() {
    return b.toByteArray();
  }
}
