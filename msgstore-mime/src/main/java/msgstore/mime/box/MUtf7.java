package msgstore.mime.box;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * IMAP's modified UTF-7 (RFC 3501 section 5.1.3), as Dovecot and Courier use it for Maildir++
 * folder names. {@link #encode} also encodes the given separator characters, so a folder name
 * holding {@code .} survives as one Maildir++ path segment.
 */
final class MUtf7 {
  private MUtf7() {}

  static String encode(String name, String alsoEncode) {
    StringBuilder out = new StringBuilder();
    StringBuilder run = new StringBuilder();
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean plain = c >= 0x20 && c <= 0x7e && alsoEncode.indexOf(c) < 0;
      if (plain) {
        flush(run, out);
        out.append(c == '&' ? "&-" : String.valueOf(c));
      } else {
        run.append(c);
      }
    }
    flush(run, out);
    return out.toString();
  }

  private static void flush(StringBuilder run, StringBuilder out) {
    if (run.isEmpty()) {
      return;
    }
    byte[] utf16 = run.toString().getBytes(StandardCharsets.UTF_16BE);
    out.append('&').append(Base64.getEncoder().withoutPadding().encodeToString(utf16).replace('/', ',')).append('-');
    run.setLength(0);
  }

  /** Decodes; a malformed sequence is kept as it is (a folder name is never refused). */
  static String decode(String s) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      int dash = c == '&' ? s.indexOf('-', i + 1) : -1;
      if (dash < 0) {
        out.append(c);
        i++;
        continue;
      }
      if (dash == i + 1) {
        out.append('&');
      } else {
        try {
          byte[] utf16 = Base64.getDecoder().decode(s.substring(i + 1, dash).replace(',', '/'));
          if (utf16.length % 2 != 0) {
            throw new IllegalArgumentException("odd length");
          }
          out.append(new String(utf16, StandardCharsets.UTF_16BE));
        } catch (IllegalArgumentException e) {
          out.append(s, i, dash + 1);
        }
      }
      i = dash + 1;
    }
    return out.toString();
  }
}
