package msgstore.mime;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import msgstore.api.MapiError;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.StoreException;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.stream.EntityState;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.stream.MimeTokenStream;
import org.apache.james.mime4j.stream.RecursionMode;
import org.apache.james.mime4j.util.ByteSequence;

/**
 * One pass over a message with mime4j's pull parser ({@link MimeTokenStream}): header fields are
 * mapped as they come, bodies are streamed, attachments go straight into the sink (never whole in
 * memory), message/rfc822 parts become embedded messages. Lenient throughout: unknown charsets
 * fall back, broken boundaries end the part, undecodable words stay as written.
 *
 * <p>Mapping per [MS-OXCMAIL] section 2.2 (table in docs/mime.md).
 */
final class MimeParser {
  /** Text and HTML bodies up to this size become PidTagBody / PidTagHtml; bigger ones are attachments. */
  static final int MAX_BODY_BYTES = 1 << 20;
  /** The header block kept in PidTagTransportMessageHeaders is cut here (the original bytes keep it whole). */
  static final int MAX_HEADER_CHARS = 1 << 20;
  /** Embedded messages deeper than this are kept as message/rfc822 file attachments (StoreLimits: 8). */
  static final int MAX_EMBEDDING = 6;
  static final int MAX_NESTING = 100;

  private final MimeTokenStream stream;
  private final Optional<Instant> deliveryTime;

  private MimeParser(Optional<Instant> deliveryTime) {
    MimeConfig config = new MimeConfig.Builder().setMaxLineLen(-1).setMaxHeaderLen(-1).setMaxHeaderCount(100_000)
        .setMaxContentLen(-1).setStrictParsing(false).setMalformedHeaderStartsBody(true).build();
    this.stream = new MimeTokenStream(config, DecodeMonitor.SILENT, null);
    this.deliveryTime = deliveryTime;
  }

  /** Parses {@code raw} into {@code sink}. @return the Message-ID header value ("" if none) */
  static String parse(InputStream raw, MessageSink sink, Optional<Instant> deliveryTime) throws IOException {
    MimeParser p = new MimeParser(deliveryTime);
    p.stream.setRecursionMode(RecursionMode.M_RECURSE);
    p.stream.parse(raw);
    try {
      return p.message(sink, 0);
    } catch (MimeException e) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "the message cannot be parsed as MIME: " + e.getMessage(), e);
    } catch (IllegalStateException | IllegalArgumentException e) {
      // mime4j 0.8.14 throws these on some malformed input (found by MimeFuzzTest, e.g. a NUL line
      // ending the header of a multipart body part: "unread only works when a buffer is fully read").
      StackTraceElement[] st = e.getStackTrace();
      if (st.length > 0 && st[0].getClassName().startsWith("org.apache.james.mime4j")) {
        throw new StoreException(MapiError.INVALID_PARAMETER, "the MIME structure cannot be read: " + e.getMessage(), e);
      }
      throw e;
    }
  }

  /** Reads only the top-level header fields (for the import identity check). */
  static List<HeaderText.Field> topHeaders(InputStream raw) throws IOException {
    MimeParser p = new MimeParser(Optional.empty());
    p.stream.parse(raw);
    try {
      p.stream.next(); // T_START_HEADER
      return p.headers().fields;
    } catch (MimeException e) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "the message header cannot be parsed: " + e.getMessage(), e);
    }
  }

  // ---- structure

  private record Headers(List<HeaderText.Field> fields, String rawBlock) {
    Optional<String> first(String name) {
      for (HeaderText.Field f : fields) {
        if (f.name().equalsIgnoreCase(name)) {
          return Optional.of(f.body());
        }
      }
      return Optional.empty();
    }

    List<String> all(String name) {
      List<String> out = new ArrayList<>();
      for (HeaderText.Field f : fields) {
        if (f.name().equalsIgnoreCase(name)) {
          out.add(f.body());
        }
      }
      return out;
    }

    HeaderText.Params contentType() {
      String ct = first("Content-Type").orElse("");
      HeaderText.Params p = HeaderText.params(ct);
      if (p.value().isEmpty() || p.value().indexOf('/') < 0) {
        return new HeaderText.Params("text/plain", p.params());
      }
      return p;
    }

    HeaderText.Params disposition() {
      return HeaderText.params(first("Content-Disposition").orElse(""));
    }
  }

  /** The state of the message being mapped (one per message, embedded ones included). */
  private static final class Body {
    String text;
    Charset textCharset;
    byte[] html;
    Charset htmlCharset;
  }

  /** Reads from T_START_HEADER (not yet consumed) up to T_END_HEADER. */
  private Headers headers() throws IOException, MimeException {
    List<HeaderText.Field> fields = new ArrayList<>();
    StringBuilder raw = new StringBuilder();
    EntityState s;
    while ((s = stream.next()) == EntityState.T_FIELD) {
      ByteSequence seq = stream.getField().getRaw();
      byte[] b = seq.toByteArray();
      HeaderText.Field f = HeaderText.field(b);
      fields.add(f);
      if (raw.length() < MAX_HEADER_CHARS) {
        raw.append(Charsets.decodeHeader(b)).append("\r\n");
      }
    }
    if (s != EntityState.T_END_HEADER && s != EntityState.T_END_OF_STREAM) {
      throw new MimeException("unexpected " + MimeTokenStream.stateToString(s) + " in a header");
    }
    return new Headers(fields, raw.length() > MAX_HEADER_CHARS ? raw.substring(0, MAX_HEADER_CHARS) : raw.toString());
  }

  /** A message: the stream is at T_START_MESSAGE. @return its Message-ID */
  private String message(MessageSink sink, int depth) throws IOException, MimeException {
    EntityState s = stream.next();
    if (s != EntityState.T_START_HEADER) {
      throw new MimeException("a message without a header");
    }
    Headers h = headers();
    String messageId = mapHeaders(h, sink);
    Body body = new Body();
    body(h, sink, body, depth, 0, "");
    // Consume up to this message's end.
    while ((s = stream.next()) != EntityState.T_END_MESSAGE && s != EntityState.T_END_OF_STREAM) {
      // epilogue remnants of a broken structure: nothing to map
    }
    mapBody(body, sink);
    return messageId;
  }

  /** The body of an entity whose header {@code h} was just read. */
  private void body(Headers h, MessageSink sink, Body body, int depth, int nesting, String parentMultipart)
      throws IOException, MimeException {
    if (nesting > MAX_NESTING) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "MIME parts nested more than " + MAX_NESTING + " deep");
    }
    stream.setRecursionMode(depth + 1 > MAX_EMBEDDING ? RecursionMode.M_NO_RECURSE : RecursionMode.M_RECURSE);
    EntityState s = stream.next();
    switch (s) {
      case T_BODY -> leaf(h, sink, body, parentMultipart);
      case T_START_MULTIPART -> {
        String subtype = h.contentType().value();
        while (true) {
          EntityState t = stream.next();
          if (t == EntityState.T_START_BODYPART) {
            EntityState hs = stream.next();
            if (hs != EntityState.T_START_HEADER) {
              throw new MimeException("a body part without a header");
            }
            Headers ph = headers();
            body(ph, sink, body, depth, nesting + 1, subtype);
            EntityState end = stream.next();
            if (end != EntityState.T_END_BODYPART) {
              throw new MimeException("unexpected " + MimeTokenStream.stateToString(end) + " after a body part");
            }
          } else if (t == EntityState.T_END_MULTIPART || t == EntityState.T_END_OF_STREAM) {
            return;
          }
          // T_PREAMBLE, T_EPILOGUE: not mapped (the original bytes keep them)
        }
      }
      case T_START_MESSAGE -> {
        List<PropValue> props = attachmentProps(h, "message/rfc822", parentMultipart);
        MessageSink embedded = sink.addEmbedded(props);
        message(embedded, depth + 1);
        embedded.finish();
      }
      default -> throw new MimeException("unexpected " + MimeTokenStream.stateToString(s) + " for a body");
    }
  }

  private void leaf(Headers h, MessageSink sink, Body body, String parentMultipart) throws IOException {
    HeaderText.Params ct = h.contentType();
    HeaderText.Params disp = h.disposition();
    String type = ct.value();
    boolean named = disp.get("filename").isPresent() || ct.get("name").isPresent();
    boolean bodyCandidate = !disp.value().equals("attachment") && !named
        && (type.equals("text/plain") && body.text == null || type.equals("text/html") && body.html == null)
        && !parentMultipart.equals("multipart/digest");
    InputStream in = stream.getDecodedInputStream();
    if (bodyCandidate) {
      byte[] head = in.readNBytes(MAX_BODY_BYTES + 1);
      if (head.length <= MAX_BODY_BYTES) {
        Charset cs = Charsets.choose(ct.params().get("charset"), head);
        if (type.equals("text/plain")) {
          body.text = crlf(new String(head, cs));
          body.textCharset = cs;
        } else {
          if (Charsets.knownCodepage(cs)) {
            body.html = head;
            body.htmlCharset = cs;
          } else {
            body.html = new String(head, cs).getBytes(StandardCharsets.UTF_8);
            body.htmlCharset = StandardCharsets.UTF_8;
          }
        }
        return;
      }
      in = new SequenceInputStream(new ByteArrayInputStream(head), in);
    }
    sink.addAttachment(attachmentProps(h, type, parentMultipart), in);
  }

  private static List<PropValue> attachmentProps(Headers h, String type, String parentMultipart) {
    HeaderText.Params ct = h.contentType();
    HeaderText.Params disp = h.disposition();
    List<PropValue> props = new ArrayList<>();
    Optional<String> name = disp.get("filename").or(() -> ct.get("name")).filter(s -> !s.isBlank());
    name.ifPresent(n -> {
      props.add(PropValue.of(PropTags.ATTACH_LONG_FILENAME, n));
      props.add(PropValue.of(PropTags.ATTACH_FILENAME, n));
      props.add(PropValue.of(PropTags.DISPLAY_NAME, n));
      int dot = n.lastIndexOf('.');
      if (dot >= 0 && dot < n.length() - 1) {
        props.add(PropValue.of(MimeProps.ATTACH_EXTENSION, n.substring(dot)));
      }
    });
    props.add(PropValue.of(PropTags.ATTACH_MIME_TAG, type));
    Optional<String> cid = h.first("Content-ID").map(HeaderText::stripAngles).filter(s -> !s.isEmpty());
    cid.ifPresent(c -> props.add(PropValue.of(PropTags.ATTACH_CONTENT_ID, c)));
    h.first("Content-Location").filter(s -> !s.isBlank())
        .ifPresent(l -> props.add(PropValue.of(MimeProps.ATTACH_CONTENT_LOCATION, HeaderText.decodeWords(l))));
    boolean inline = disp.value().equals("inline");
    boolean related = parentMultipart.equals("multipart/related") && (cid.isPresent() || h.first("Content-Location").isPresent());
    if (inline || related) {
      props.add(PropValue.of(MimeProps.ATTACH_FLAGS, MimeProps.ATT_MHTML_REF));
    }
    if (related && !disp.value().equals("attachment")) {
      props.add(PropValue.of(MimeProps.ATTACHMENT_HIDDEN, true));
    }
    if (type.startsWith("text/")) {
      ct.get("charset").filter(s -> !s.isBlank())
          .ifPresent(c -> props.add(PropValue.of(MimeProps.TEXT_ATTACHMENT_CHARSET, c.strip().toLowerCase(Locale.ROOT))));
    }
    return props;
  }

  // ---- headers to properties

  private String mapHeaders(Headers h, MessageSink sink) {
    List<PropValue> props = new ArrayList<>();
    props.add(PropValue.of(PropTags.MESSAGE_CLASS, "IPM.Note"));
    if (!h.rawBlock().isEmpty()) {
      props.add(PropValue.of(PropTags.TRANSPORT_MESSAGE_HEADERS, h.rawBlock()));
    }
    h.first("Subject").ifPresent(raw -> subject(HeaderText.decodeWords(raw), props));
    List<HeaderText.Address> from = HeaderText.addresses(String.join(", ", h.all("From")));
    List<HeaderText.Address> sender = HeaderText.addresses(h.first("Sender").orElse(""));
    if (!from.isEmpty()) {
      HeaderText.Address a = from.get(0);
      props.add(PropValue.of(PropTags.SENT_REPRESENTING_NAME, a.name().isEmpty() ? a.email() : a.name()));
      if (!a.email().isEmpty()) {
        props.add(PropValue.of(PropTags.SENT_REPRESENTING_EMAIL_ADDRESS, a.email()));
        props.add(PropValue.of(MimeProps.SENT_REPRESENTING_SMTP_ADDRESS, a.email()));
        props.add(PropValue.of(MimeProps.SENT_REPRESENTING_ADDRESS_TYPE, "SMTP"));
      }
    }
    HeaderText.Address s = !sender.isEmpty() ? sender.get(0) : from.isEmpty() ? null : from.get(0);
    if (s != null) {
      props.add(PropValue.of(PropTags.SENDER_NAME, s.name().isEmpty() ? s.email() : s.name()));
      if (!s.email().isEmpty()) {
        props.add(PropValue.of(PropTags.SENDER_EMAIL_ADDRESS, s.email()));
        props.add(PropValue.of(MimeProps.SENDER_SMTP_ADDRESS, s.email()));
        props.add(PropValue.of(MimeProps.SENDER_ADDRESS_TYPE, "SMTP"));
      }
    }
    Instant delivered = deliveryTime.orElseGet(() -> h.first("Received").flatMap(MimeParser::receivedDate)
        .orElse(Instant.now().truncatedTo(ChronoUnit.SECONDS)));
    props.add(PropValue.of(PropTags.MESSAGE_DELIVERY_TIME, delivered));
    // No (readable) Date: the submit time is the delivery time, as a renderer then writes it.
    Instant submitted = h.first("Date").flatMap(HeaderText::date).orElse(delivered.truncatedTo(ChronoUnit.SECONDS));
    props.add(PropValue.of(PropTags.CLIENT_SUBMIT_TIME, submitted));
    String messageId = h.first("Message-ID").map(String::strip).orElse("");
    if (!messageId.isEmpty()) {
      props.add(PropValue.of(PropTags.INTERNET_MESSAGE_ID, messageId));
    }
    h.first("In-Reply-To").map(String::strip).filter(v -> !v.isEmpty())
        .ifPresent(v -> props.add(PropValue.of(MimeProps.IN_REPLY_TO_ID, v)));
    h.first("References").map(v -> v.strip().replaceAll("\\s+", " ")).filter(v -> !v.isEmpty())
        .ifPresent(v -> props.add(PropValue.of(MimeProps.INTERNET_REFERENCES, v)));
    importance(h).ifPresent(i -> props.add(PropValue.of(PropTags.IMPORTANCE, i)));
    h.first("Priority").flatMap(MimeParser::priority).ifPresent(p -> props.add(PropValue.of(PropTags.PRIORITY, p)));
    h.first("Sensitivity").flatMap(MimeParser::sensitivity).ifPresent(v -> props.add(PropValue.of(PropTags.SENSITIVITY, v)));
    sink.setProps(props);
    List<Recipient> rows = new ArrayList<>();
    recipients(h.all("To"), PropTags.MAPI_TO, rows);
    recipients(h.all("Cc"), PropTags.MAPI_CC, rows);
    recipients(h.all("Bcc"), PropTags.MAPI_BCC, rows);
    sink.addRecipients(rows);
    return messageId;
  }

  /** [MS-OXCMSG] 2.2.1.9: a prefix is 1-3 characters, no digits or spaces, followed by ": ". */
  static void subject(String subject, List<PropValue> props) {
    props.add(PropValue.of(PropTags.SUBJECT, subject));
    String prefix = "";
    int colon = subject.indexOf(':');
    if (colon >= 1 && colon <= 3 && subject.length() > colon + 1 && subject.charAt(colon + 1) == ' ') {
      String p = subject.substring(0, colon);
      if (p.chars().allMatch(Character::isLetter)) {
        prefix = subject.substring(0, colon + 2);
      }
    }
    props.add(PropValue.of(PropTags.SUBJECT_PREFIX, prefix));
    props.add(PropValue.of(PropTags.NORMALIZED_SUBJECT, subject.substring(prefix.length())));
  }

  private static void recipients(List<String> fields, int type, List<Recipient> rows) {
    for (String f : fields) {
      for (HeaderText.Address a : HeaderText.addresses(f)) {
        List<PropValue> p = new ArrayList<>();
        p.add(PropValue.of(PropTags.RECIPIENT_TYPE, type));
        p.add(PropValue.of(PropTags.DISPLAY_NAME, a.name().isEmpty() ? a.email() : a.name()));
        if (!a.email().isEmpty()) {
          p.add(PropValue.of(PropTags.ADDRESS_TYPE, "SMTP"));
          p.add(PropValue.of(PropTags.EMAIL_ADDRESS, a.email()));
          p.add(PropValue.of(PropTags.SMTP_ADDRESS, a.email()));
        }
        rows.add(new Recipient(0, p));
      }
    }
  }

  private static Optional<Instant> receivedDate(String received) {
    int semi = received.lastIndexOf(';');
    return semi < 0 ? Optional.empty() : HeaderText.date(received.substring(semi + 1));
  }

  /** Importance (high/normal/low) first, else X-Priority (1-2 high, 3 normal, 4-5 low). */
  private static Optional<Integer> importance(Headers h) {
    Optional<String> imp = h.first("Importance").map(v -> v.strip().toLowerCase(Locale.ROOT));
    if (imp.isPresent()) {
      switch (imp.get()) {
        case "high" -> { return Optional.of(2); }
        case "low" -> { return Optional.of(0); }
        case "normal", "medium" -> { return Optional.of(1); }
        default -> { }
      }
    }
    Optional<String> xp = h.first("X-Priority").map(String::strip).filter(v -> !v.isEmpty());
    if (xp.isPresent()) {
      char c = xp.get().charAt(0);
      if (c == '1' || c == '2') {
        return Optional.of(2);
      }
      if (c == '4' || c == '5') {
        return Optional.of(0);
      }
      if (c == '3') {
        return Optional.of(1);
      }
    }
    return Optional.empty();
  }

  private static Optional<Integer> priority(String v) {
    return switch (v.strip().toLowerCase(Locale.ROOT)) {
      case "urgent" -> Optional.of(1);
      case "normal" -> Optional.of(0);
      case "non-urgent" -> Optional.of(-1);
      default -> Optional.empty();
    };
  }

  private static Optional<Integer> sensitivity(String v) {
    return switch (v.strip().toLowerCase(Locale.ROOT)) {
      case "personal" -> Optional.of(PropTags.SENSITIVITY_PERSONAL);
      case "private" -> Optional.of(PropTags.SENSITIVITY_PRIVATE);
      case "company-confidential" -> Optional.of(PropTags.SENSITIVITY_CONFIDENTIAL);
      default -> Optional.empty();
    };
  }

  private static void mapBody(Body body, MessageSink sink) {
    List<PropValue> props = new ArrayList<>();
    if (body.text != null) {
      props.add(PropValue.of(PropTags.BODY, body.text));
    }
    if (body.html != null) {
      props.add(PropValue.of(PropTags.HTML, body.html));
    }
    Charset cs = body.html != null ? body.htmlCharset : body.textCharset;
    if (cs != null) {
      props.add(PropValue.of(PropTags.INTERNET_CODEPAGE, Charsets.codepage(cs)));
    }
    if (!props.isEmpty()) {
      sink.setProps(props);
    }
  }

  /** Line breaks as CRLF, as MAPI bodies have them (and as the renderer's quoted-printable gives them back). */
  static String crlf(String s) {
    if (s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
      return s;
    }
    return s.replace("\r\n", "\n").replace('\r', '\n').replace("\n", "\r\n");
  }

  /** The tags this parser may set on a message (the fingerprint and the round-trip test cover them). */
  static final List<PropTag> MESSAGE_TAGS = List.of(PropTags.MESSAGE_CLASS, PropTags.SUBJECT, PropTags.SUBJECT_PREFIX,
      PropTags.NORMALIZED_SUBJECT, PropTags.SENT_REPRESENTING_NAME, PropTags.SENT_REPRESENTING_EMAIL_ADDRESS,
      MimeProps.SENT_REPRESENTING_SMTP_ADDRESS, MimeProps.SENT_REPRESENTING_ADDRESS_TYPE, PropTags.SENDER_NAME,
      PropTags.SENDER_EMAIL_ADDRESS, MimeProps.SENDER_SMTP_ADDRESS, MimeProps.SENDER_ADDRESS_TYPE,
      PropTags.CLIENT_SUBMIT_TIME, PropTags.INTERNET_MESSAGE_ID, MimeProps.IN_REPLY_TO_ID,
      MimeProps.INTERNET_REFERENCES, PropTags.IMPORTANCE, PropTags.PRIORITY, PropTags.SENSITIVITY, PropTags.BODY,
      PropTags.HTML, PropTags.BODY_HTML, PropTags.INTERNET_CODEPAGE);

  /** The tags this parser may set on an attachment. */
  static final List<PropTag> ATTACHMENT_TAGS = List.of(PropTags.ATTACH_LONG_FILENAME, PropTags.ATTACH_FILENAME,
      PropTags.DISPLAY_NAME, MimeProps.ATTACH_EXTENSION, PropTags.ATTACH_MIME_TAG, PropTags.ATTACH_CONTENT_ID,
      MimeProps.ATTACH_CONTENT_LOCATION, MimeProps.ATTACH_FLAGS, MimeProps.ATTACHMENT_HIDDEN,
      MimeProps.TEXT_ATTACHMENT_CHARSET, PropTags.ATTACH_METHOD);

  /** The tags of a recipient row. */
  static final List<PropTag> RECIPIENT_TAGS = List.of(PropTags.RECIPIENT_TYPE, PropTags.DISPLAY_NAME,
      PropTags.ADDRESS_TYPE, PropTags.EMAIL_ADDRESS, PropTags.SMTP_ADDRESS);
}
