package msgstore.mime;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import msgstore.api.Folder;
import msgstore.api.HashedContent;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Restriction;
import msgstore.api.SaveResult;
import msgstore.api.StoreException;
import msgstore.api.TableRow;
import msgstore.mime.MailImport.ImportOptions;
import msgstore.mime.MailImport.Imported;

/** {@link MailImport#importMessage}: spool, check, look up, parse into a new handle, one save. */
final class Importer {
  private Importer() {}

  static Imported importMessage(Folder folder, InputStream raw, ImportOptions options) throws IOException {
    try (Spooled spool = Spooled.of(raw, options.maxBytes())) {
      return importMessage(folder, spool, options);
    }
  }

  static Imported importMessage(Folder folder, HashedContent raw, ImportOptions options) throws IOException {
    Spooled.tooBig(raw.length(), options.maxBytes(), "the message");
    try (Spooled spool = new Spooled(raw.reopen(), null, raw.length(), raw.sha256())) {
      return importMessage(folder, spool, options);
    }
  }

  private static Imported importMessage(Folder folder, Spooled spool, ImportOptions options) throws IOException {
    long size = spool.size();
    String hex = spool.sha256();
    long skip = envelopeLine(spool.head(1000));
    checkLooksLikeAMessage(spool, size, skip);
    String messageId = "";
    if (options.skipIfPresent()) { // identity is known before the parse: Message-ID and SHA-256
      try (InputStream in = spool.open(skip)) {
        for (HeaderText.Field f : MimeParser.topHeaders(in)) {
          if (f.name().equalsIgnoreCase("Message-ID")) {
            messageId = f.body().strip();
            break;
          }
        }
      }
      Optional<Imported> present = present(folder, messageId, hex, size);
      if (present.isPresent()) {
        return present.get();
      }
    }
    MessageId id;
    try (Message m = folder.createMessage()) {
      MessageSink sink = MessageSink.of(m);
      try (InputStream in = spool.open(skip)) {
        MimeParser.parse(in, sink, options.deliveryTime());
      }
      try (InputStream in = spool.open(0)) {
        sink.addAttachment(List.of(
            PropValue.of(MimeProps.ORIGINAL_SHA256, hex),
            PropValue.of(MimeProps.ATTACHMENT_HIDDEN, true),
            PropValue.of(PropTags.ATTACH_MIME_TAG, "message/rfc822"),
            PropValue.of(PropTags.ATTACH_LONG_FILENAME, "original.eml")), in);
      }
      // Received mail, unless a draft: MSGFLAG_UNSENT (set by every createMessage) is cleared while
      // it still may be (before the first save); the read state is the read flag's.
      m.setProps(PropValue.of(PropTags.MESSAGE_FLAGS, options.draft() ? PropTags.MSGFLAG_UNSENT : 0));
      m.setProps(PropValue.of(MimeProps.SOURCE_SHA256, hex),
          PropValue.of(MimeProps.SOURCE_FINGERPRINT, Fingerprint.of(m.snapshot())));
      if (!options.skipIfPresent()) { // the parse found the Message-ID (the same header, read once)
        messageId = m.getProp(PropTags.INTERNET_MESSAGE_ID).map(PropValue::asString).orElse("");
      }
      SaveResult r = m.saveChanges();
      id = r.messageId();
    }
    if (options.read()) {
      folder.setReadFlags(List.of(id), true);
    }
    return new Imported(id, false, messageId, hex, size);
  }

  /**
   * A message's raw bytes, read once and then opened as often as needed: in memory up to {@link
   * #IN_MEMORY} bytes (nearly all mail), else in a temporary file deleted on close. A temporary
   * file per message (create, write, reopen four times, unlink) was a fifth of the import's
   * system time (docs/BENCHMARKS.md, "Import against Dovecot").
   */
  static final class Spooled implements AutoCloseable {
    /** Larger messages go to a temporary file, so a big message never sits whole in the heap. */
    static final int IN_MEMORY = 1 << 20;

    /** The bytes when in memory (hashed once: the store keeping them does not hash them again). */
    private HashedContent bytes;
    private final Path file;
    private final long size;
    private final String sha256;

    private Spooled(HashedContent bytes, Path file, long size, String sha256) {
      this.bytes = bytes;
      this.file = file;
      this.size = size;
      this.sha256 = sha256;
    }

    /**
     * Reads {@code raw} to its end while hashing it, refusing more than {@code max} bytes with
     * TOO_BIG (nothing is kept then).
     */
    static Spooled of(InputStream raw, long max) throws IOException {
      return of(raw, max, "the message");
    }

    static Spooled of(InputStream raw, long max, String what) throws IOException {
      byte[] buf = new byte[16 * 1024];
      int len = 0;
      for (;;) {
        if (len == buf.length) {
          if (len >= IN_MEMORY) {
            break;
          }
          buf = java.util.Arrays.copyOf(buf, Math.min(IN_MEMORY, len * 2));
        }
        int n = raw.read(buf, len, buf.length - len);
        if (n < 0) {
          tooBig(len, max, what);
          HashedContent in = HashedContent.of(len == buf.length ? buf : java.util.Arrays.copyOf(buf, len));
          return new Spooled(in, null, len, in.sha256());
        }
        len += n;
        tooBig(len, max, what);
      }
      MessageDigest sha = Fingerprint.sha256();
      Path file = Files.createTempFile("msgstore-import-", ".eml");
      try {
        sha.update(buf, 0, len);
        long total;
        try (OutputStream out = Files.newOutputStream(file)) {
          out.write(buf, 0, len);
          total = len + copy(raw, out, sha, max - len, len, what);
        }
        return new Spooled(null, file, total, HexFormat.of().formatHex(sha.digest()));
      } catch (IOException | RuntimeException | Error e) {
        Files.deleteIfExists(file);
        throw e;
      }
    }

    long size() {
      return size;
    }

    String sha256() {
      return sha256;
    }

    /** Up to {@code n} bytes from the start. */
    byte[] head(int n) throws IOException {
      if (file == null) {
        return bytes.reopen().readNBytes(n);
      }
      try (InputStream in = Files.newInputStream(file)) {
        return in.readNBytes(n);
      }
    }

    /** The bytes from offset {@code skip}; a new stream each time. */
    InputStream open(long skip) throws IOException {
      if (file == null) {
        HashedContent in = bytes.reopen(); // from the start: a store takes it without hashing again
        in.skipNBytes(skip);
        return in;
      }
      InputStream in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024);
      in.skipNBytes(skip);
      return in;
    }

    @Override
    public void close() throws IOException {
      bytes = null;
      if (file != null) {
        Files.deleteIfExists(file);
      }
    }

    private static void tooBig(long total, long max, String what) {
      if (total > max) {
        throw new StoreException(MapiError.TOO_BIG,
            what + " is over the import limit of " + max + " bytes (read " + total + " bytes so far)");
      }
    }

    private static long copy(InputStream raw, OutputStream out, MessageDigest sha, long left, long before,
        String what) throws IOException {
      byte[] buf = new byte[64 * 1024];
      long total = 0;
      int n;
      while ((n = raw.read(buf)) > 0) {
        total += n;
        if (total > left) {
          tooBig(before + total, before + left, what);
        }
        sha.update(buf, 0, n);
        out.write(buf, 0, n);
      }
      return total;
    }
  }

  /**
   * The length of a leading mbox envelope line ({@code From sender date}) that some tools leave at
   * the top of .eml files (mail readers skip it); 0 when there is none. It stays in the original bytes.
   */
  private static long envelopeLine(byte[] head) {
    if (head.length > 5 && new String(head, 0, 5, java.nio.charset.StandardCharsets.US_ASCII).equals("From ")) {
      for (int i = 5; i < head.length; i++) {
        if (head[i] == '\n') {
          return i + 1;
        }
      }
    }
    return 0;
  }

  /**
   * The message of {@code folder} already imported from the same bytes (identity: the SHA-256 of
   * the bytes and the Message-ID, or none; ADR 0018), if there is one.
   */
  static Optional<Imported> present(Folder folder, String messageId, String sha256, long size) {
    List<TableRow> rows = folder.contentsTable().setColumns(List.of(PropTags.MID))
        .restrict(Restriction.and(Restriction.eq(MimeProps.SOURCE_SHA256, sha256),
            messageId.isEmpty() ? Restriction.not(Restriction.exists(PropTags.INTERNET_MESSAGE_ID))
                : Restriction.eq(PropTags.INTERNET_MESSAGE_ID, messageId)))
        .queryRows(0, 1);
    return rows.isEmpty() ? Optional.empty()
        : Optional.of(new Imported(rows.get(0).messageId(), true, messageId, sha256, size));
  }

  /**
   * Copies {@code raw} to {@code spool} while hashing it, refusing more than {@code max} bytes with
   * TOO_BIG naming {@code what} (the imports of RFC 5322 mail and of Outlook .msg files both spool).
   */
  static long spool(InputStream raw, Path spool, MessageDigest sha, long max, String what) throws IOException {
    byte[] buf = new byte[64 * 1024];
    long total = 0;
    try (OutputStream out = Files.newOutputStream(spool)) {
      int n;
      while ((n = raw.read(buf)) > 0) {
        total += n;
        if (total > max) {
          throw new StoreException(MapiError.TOO_BIG,
              what + " is over the import limit of " + max + " bytes (read " + total + " bytes so far)");
        }
        sha.update(buf, 0, n);
        out.write(buf, 0, n);
      }
    }
    return total;
  }

  /** Rejects what is not a message at all: empty, or a first line that is not a header field. */
  private static void checkLooksLikeAMessage(Spooled spool, long size, long skip) throws IOException {
    if (size - skip == 0) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "not an RFC 5322 message: the input is empty");
    }
    byte[] head;
    try (InputStream in = spool.open(skip)) {
      head = in.readNBytes(998);
    }
    if (head.length > 0 && (head[0] == '\r' || head[0] == '\n')) {
      return; // an empty header section: a message of a body only, which mail readers show
    }
    int i = 0;
    int start = i;
    while (i < head.length && head[i] > ' ' && head[i] != ':' && head[i] < 127) {
      i++;
    }
    int nameEnd = i;
    while (i < head.length && (head[i] == ' ' || head[i] == '\t')) {
      i++;
    }
    if (nameEnd == start || i >= head.length || head[i] != ':') {
      throw new StoreException(MapiError.INVALID_PARAMETER,
          "not an RFC 5322 message: the first line is not a header field (\"Name: value\")");
    }
  }
}
