package msgstore.mime;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import msgstore.api.Attachment;
import msgstore.api.Message;
import msgstore.api.MessageSnapshot;
import msgstore.api.MessageSnapshot.AttachmentSnapshot;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import org.apache.james.mime4j.codec.Base64OutputStream;
import org.apache.james.mime4j.codec.EncoderUtil;
import org.apache.james.mime4j.codec.QuotedPrintableOutputStream;

/**
 * Renders a message to RFC 5322 / MIME ([MS-OXCMAIL] 2.1, the reverse of {@link MimeParser}):
 * RFC 2047 encoded words for non-ASCII text in headers, RFC 2231 file names, raw UTF-8 (RFC 6532)
 * only for addresses that cannot be written otherwise; text/plain as quoted-printable, HTML as
 * base64 (its bytes exactly), multipart/alternative for text + HTML, multipart/related for hidden
 * attachments the HTML refers to by Content-ID, multipart/mixed for the rest, embedded messages as
 * message/rfc822. Attachment content is streamed from the store, never held whole.
 */
final class Renderer {
  private static final byte[] CRLF = {'\r', '\n'};
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);

  private Renderer() {}

  static void render(Message m, OutputStream out) throws IOException {
    MessageSnapshot s = m.snapshot();
    headers(s, out);
    header(out, "MIME-Version", "1.0");
    body(m, s, out);
  }

  // ---- envelope headers

  private static void headers(MessageSnapshot s, OutputStream out) throws IOException {
    Instant date = s.get(PropTags.CLIENT_SUBMIT_TIME).or(() -> s.get(PropTags.MESSAGE_DELIVERY_TIME))
        .map(PropValue::asInstant).orElse(Instant.now());
    header(out, "Date", DATE.format(date));
    String fromName = str(s, PropTags.SENT_REPRESENTING_NAME);
    String fromEmail = str(s, PropTags.SENT_REPRESENTING_EMAIL_ADDRESS);
    String senderName = str(s, PropTags.SENDER_NAME);
    String senderEmail = str(s, PropTags.SENDER_EMAIL_ADDRESS);
    if (fromName.isEmpty() && fromEmail.isEmpty()) {
      fromName = senderName;
      fromEmail = senderEmail;
    }
    if (!fromName.isEmpty() || !fromEmail.isEmpty()) {
      header(out, "From", mailbox(fromName, fromEmail));
    }
    if (!senderEmail.isEmpty() && !(senderEmail.equals(fromEmail) && senderName.equals(fromName))) {
      header(out, "Sender", mailbox(senderName, senderEmail));
    }
    for (int type : new int[] {PropTags.MAPI_TO, PropTags.MAPI_CC, PropTags.MAPI_BCC}) {
      List<String> list = new ArrayList<>();
      for (Recipient r : s.recipients()) {
        if (r.get(PropTags.RECIPIENT_TYPE).map(PropValue::asInt).orElse(PropTags.MAPI_TO) == type) {
          String email = r.get(PropTags.SMTP_ADDRESS).or(() -> r.get(PropTags.EMAIL_ADDRESS)).map(PropValue::asString).orElse("");
          String name = r.get(PropTags.DISPLAY_NAME).map(PropValue::asString).orElse("");
          if (!email.isEmpty()) {
            list.add(mailbox(name, email));
          }
        }
      }
      if (!list.isEmpty()) {
        header(out, type == PropTags.MAPI_TO ? "To" : type == PropTags.MAPI_CC ? "Cc" : "Bcc", String.join(", ", list));
      }
    }
    s.get(PropTags.SUBJECT).map(PropValue::asString).ifPresent(v -> header(out, "Subject", text(v)));
    s.get(PropTags.INTERNET_MESSAGE_ID).map(PropValue::asString).ifPresent(v -> header(out, "Message-ID", oneLine(v)));
    s.get(MimeProps.IN_REPLY_TO_ID).map(PropValue::asString).ifPresent(v -> header(out, "In-Reply-To", oneLine(v)));
    s.get(MimeProps.INTERNET_REFERENCES).map(PropValue::asString).ifPresent(v -> header(out, "References", oneLine(v)));
    s.get(PropTags.IMPORTANCE).map(PropValue::asInt).ifPresent(i -> {
      header(out, "Importance", i >= 2 ? "high" : i <= 0 ? "low" : "normal");
      header(out, "X-Priority", i >= 2 ? "1 (Highest)" : i <= 0 ? "5 (Lowest)" : "3 (Normal)");
    });
    s.get(PropTags.PRIORITY).map(PropValue::asInt)
        .ifPresent(p -> header(out, "Priority", p > 0 ? "urgent" : p < 0 ? "non-urgent" : "normal"));
    s.get(PropTags.SENSITIVITY).map(PropValue::asInt).filter(v -> v > 0 && v <= 3).ifPresent(v -> header(out, "Sensitivity",
        v == PropTags.SENSITIVITY_PERSONAL ? "Personal" : v == PropTags.SENSITIVITY_PRIVATE ? "Private" : "Company-Confidential"));
  }

  private static String str(MessageSnapshot s, PropTag t) {
    return s.get(t).map(PropValue::asString).orElse("");
  }

  /** {@code name <addr>}, or just {@code addr} when the name is empty or the address itself. */
  static String mailbox(String name, String email) {
    String addr = oneLine(email);
    if (name.isEmpty() || name.equals(email)) {
      return addr.isEmpty() ? text(name) : addr;
    }
    String n = oneLine(name);
    String display = needsEncoding(n) ? EncoderUtil.encodeEncodedWord(n, EncoderUtil.Usage.WORD_ENTITY)
        : quoteIfNeeded(n);
    return display + " <" + addr + ">";
  }

  private static String quoteIfNeeded(String n) {
    for (int i = 0; i < n.length(); i++) {
      char c = n.charAt(i);
      if (!(Character.isLetterOrDigit(c) || c == ' ' || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0)) {
        return "\"" + n.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
      }
    }
    return n.contains("  ") ? "\"" + n + "\"" : n;
  }

  /** Unstructured text: as is when plain printable ASCII, else RFC 2047 encoded words. */
  static String text(String v) {
    return needsEncoding(v) ? EncoderUtil.encodeEncodedWord(v, EncoderUtil.Usage.TEXT_TOKEN) : v;
  }

  private static boolean needsEncoding(String v) {
    if (v.isEmpty()) {
      return false;
    }
    if (v.charAt(0) == ' ' || v.charAt(v.length() - 1) == ' ' || v.contains("=?") || v.length() > 900) {
      return true;
    }
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c < 0x20 || c > 0x7E) {
        return true;
      }
    }
    return false;
  }

  private static String oneLine(String v) {
    return v.replace('\r', ' ').replace('\n', ' ');
  }

  // ---- body structure

  private static void body(Message m, MessageSnapshot s, OutputStream out) throws IOException {
    Optional<String> text = s.get(PropTags.BODY).map(PropValue::asString);
    int cp = s.get(PropTags.INTERNET_CODEPAGE).map(PropValue::asInt).orElse(65001);
    Charset htmlCharset = Charsets.forCodepage(cp);
    Optional<byte[]> html = s.get(PropTags.HTML).map(PropValue::asBytes);
    if (html.isEmpty()) {
      Optional<String> h = s.get(PropTags.BODY_HTML).map(PropValue::asString);
      html = h.map(x -> x.getBytes(StandardCharsets.UTF_8));
      if (h.isPresent()) {
        htmlCharset = StandardCharsets.UTF_8;
      }
    }
    List<AttachmentSnapshot> related = new ArrayList<>();
    List<AttachmentSnapshot> mixed = new ArrayList<>();
    for (AttachmentSnapshot a : s.attachments()) {
      if (a.get(MimeProps.ORIGINAL_SHA256).isPresent()) {
        continue;
      }
      boolean hidden = a.get(MimeProps.ATTACHMENT_HIDDEN).map(PropValue::asBoolean).orElse(false);
      boolean ref = a.get(PropTags.ATTACH_CONTENT_ID).isPresent() || a.get(MimeProps.ATTACH_CONTENT_LOCATION).isPresent();
      (hidden && ref && html.isPresent() ? related : mixed).add(a);
    }
    Charset textCharset = Charsets.forCodepage(cp);
    if (text.isPresent() && !textCharset.newEncoder().canEncode(text.get())) {
      textCharset = StandardCharsets.UTF_8;
    }
    List<Part> alternatives = new ArrayList<>();
    if (text.isPresent()) {
      alternatives.add(textPart(text.get(), textCharset));
    }
    if (html.isPresent()) {
      Part htmlPart = htmlPart(html.get(), htmlCharset);
      if (!related.isEmpty()) {
        List<Part> parts = new ArrayList<>();
        parts.add(htmlPart);
        for (AttachmentSnapshot a : related) {
          parts.add(attachmentPart(m, a));
        }
        htmlPart = multipart("related", parts);
      }
      alternatives.add(htmlPart);
    }
    Part bodyPart = alternatives.isEmpty() ? null
        : alternatives.size() == 1 ? alternatives.get(0) : multipart("alternative", alternatives);
    Part top;
    if (mixed.isEmpty()) {
      top = bodyPart == null ? textPart("", StandardCharsets.US_ASCII) : bodyPart;
    } else {
      List<Part> parts = new ArrayList<>();
      if (bodyPart != null) {
        parts.add(bodyPart);
      }
      for (AttachmentSnapshot a : mixed) {
        parts.add(attachmentPart(m, a));
      }
      top = multipart("mixed", parts);
    }
    top.write(out);
  }

  /** A MIME entity: its header fields, then its body. */
  private interface Part {
    void write(OutputStream out) throws IOException;
  }

  private static Part textPart(String text, Charset cs) {
    return out -> {
      header(out, "Content-Type", "text/plain; charset=" + cs.name().toLowerCase(Locale.ROOT));
      header(out, "Content-Transfer-Encoding", "quoted-printable");
      out.write(CRLF);
      String body = MimeParser.crlf(text);
      int end = body.length();
      while (end > 0 && (body.charAt(end - 1) == ' ' || body.charAt(end - 1) == '\t')) {
        end--;
      }
      try (OutputStream qp = new QuotedPrintableOutputStream(keepOpen(out), false)) {
        qp.write(body.substring(0, end).getBytes(cs));
      }
      writeTrailingWhitespace(out, body.substring(end));
    };
  }

  /**
   * Whitespace at the very end of a quoted-printable body, encoded (RFC 2045 section 6.7 (3): a
   * decoder deletes trailing whitespace of a line, and mime4j's encoder leaves the last line's
   * as it is): after a soft line break, {@code =20} / {@code =09}, at most 25 to a line.
   */
  private static void writeTrailingWhitespace(OutputStream out, String ws) throws IOException {
    for (int i = 0; i < ws.length(); i++) {
      if (i % 25 == 0) {
        out.write("=\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      out.write((ws.charAt(i) == ' ' ? "=20" : "=09").getBytes(StandardCharsets.US_ASCII));
    }
  }

  private static Part htmlPart(byte[] html, Charset cs) {
    return out -> {
      header(out, "Content-Type", "text/html; charset=" + cs.name().toLowerCase(Locale.ROOT));
      header(out, "Content-Transfer-Encoding", "base64");
      out.write(CRLF);
      try (OutputStream b64 = new Base64OutputStream(keepOpen(out))) {
        b64.write(html);
      }
    };
  }

  private static Part multipart(String subtype, List<Part> parts) {
    return out -> {
      byte[] nonce = new byte[12];
      RANDOM.nextBytes(nonce);
      String boundary = "=_msgstore_" + HexFormat.of().formatHex(nonce);
      header(out, "Content-Type", "multipart/" + subtype + "; boundary=\"" + boundary + "\"");
      out.write(CRLF);
      for (Part p : parts) {
        out.write(("\r\n--" + boundary + "\r\n").getBytes(StandardCharsets.US_ASCII));
        p.write(out);
      }
      out.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
    };
  }

  private static Part attachmentPart(Message m, AttachmentSnapshot a) {
    return out -> {
      String type = a.get(PropTags.ATTACH_MIME_TAG).map(PropValue::asString).filter(t -> t.indexOf('/') > 0)
          .orElse(a.embedded().isPresent() ? "message/rfc822" : "application/octet-stream");
      Optional<String> name = a.get(PropTags.ATTACH_LONG_FILENAME).or(() -> a.get(PropTags.ATTACH_FILENAME))
          .map(PropValue::asString).filter(n -> !n.isEmpty());
      boolean inline = (a.get(MimeProps.ATTACH_FLAGS).map(PropValue::asInt).orElse(0) & MimeProps.ATT_MHTML_REF) != 0;
      boolean embedded = a.embedded().isPresent()
          || a.get(PropTags.ATTACH_METHOD).map(PropValue::asInt).orElse(0) == PropTags.ATTACH_EMBEDDED_MSG;
      StringBuilder ct = new StringBuilder(embedded ? "message/rfc822" : oneLine(type));
      a.get(MimeProps.TEXT_ATTACHMENT_CHARSET).map(PropValue::asString)
          .ifPresent(c -> ct.append("; charset=\"").append(oneLine(c).replace("\"", "")).append('"'));
      name.ifPresent(n -> ct.append("; name=\"").append(quotedName(n)).append('"'));
      header(out, "Content-Type", ct.toString());
      StringBuilder cd = new StringBuilder(inline ? "inline" : "attachment");
      name.ifPresent(n -> cd.append(filenameParam(n)));
      header(out, "Content-Disposition", cd.toString());
      a.get(PropTags.ATTACH_CONTENT_ID).map(PropValue::asString).ifPresent(c -> header(out, "Content-ID", "<" + oneLine(c) + ">"));
      a.get(MimeProps.ATTACH_CONTENT_LOCATION).map(PropValue::asString)
          .ifPresent(c -> header(out, "Content-Location", text(c)));
      try (Attachment att = m.openAttachment(a.attachNum())) {
        if (embedded) {
          out.write(CRLF);
          try (Message e = att.openEmbeddedMessage()) {
            render(e, out);
          }
          return;
        }
        header(out, "Content-Transfer-Encoding", "base64");
        out.write(CRLF);
        Optional<InputStream> in = att.openContent();
        if (in.isPresent()) {
          try (InputStream i = in.get(); OutputStream b64 = new Base64OutputStream(keepOpen(out))) {
            i.transferTo(b64);
          }
        }
      }
    };
  }

  /** The legacy {@code name=} parameter: RFC 2047 words inside quotes when not plain ASCII (what most clients read). */
  private static String quotedName(String n) {
    String v = oneLine(n);
    return needsEncoding(v) ? EncoderUtil.encodeEncodedWord(v, EncoderUtil.Usage.WORD_ENTITY)
        : v.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  /** {@code ; filename="x"} for plain ASCII, else RFC 2231 {@code filename*0*=utf-8''...} continuations. */
  static String filenameParam(String name) {
    if (!needsEncoding(name) && name.length() < 60 && name.indexOf('"') < 0 && name.indexOf('\\') < 0) {
      return "; filename=\"" + name + "\"";
    }
    StringBuilder enc = new StringBuilder();
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      if (c > 0x20 && c < 0x7F && "*'%()<>@,;:\\\"/[]?={}".indexOf(c) < 0) {
        enc.append((char) c);
      } else {
        enc.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    StringBuilder out = new StringBuilder();
    int seg = 0;
    int i = 0;
    while (i < enc.length()) {
      int end = Math.min(enc.length(), i + 60);
      while (end < enc.length() && end > i && enc.charAt(end - 1) != '%' && end - 2 > i && enc.charAt(end - 2) == '%') {
        end--; // do not split a %XX escape
      }
      if (end < enc.length() && end - 1 > i && enc.charAt(end - 1) == '%') {
        end--;
      }
      out.append("; filename*").append(seg).append("*=").append(seg == 0 ? "utf-8''" : "").append(enc, i, end);
      seg++;
      i = end;
    }
    return out.toString();
  }

  // ---- writing

  /** Writes {@code Name: value} folded at spaces to lines of at most 78 characters where possible. */
  static void header(OutputStream out, String name, String value) {
    StringBuilder sb = new StringBuilder(name).append(':');
    int lineLen = sb.length();
    for (String word : value.split(" ", -1)) {
      if (lineLen + 1 + word.length() > 78 && lineLen > name.length() + 1) {
        sb.append("\r\n");
        lineLen = 0;
      }
      sb.append(' ').append(word);
      lineLen += 1 + word.length();
    }
    sb.append("\r\n");
    try {
      out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static OutputStream keepOpen(OutputStream out) {
    return new FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        flush();
      }
    };
  }
}
