package msgstore.mime.box;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Writes mboxrd: {@code From SENDER DATE} (asctime, UTC), the message with {@code >*From } lines
 * quoted, a line feed if the message did not end with one, and an empty line. Subfolders go into
 * Thunderbird's layout: folder {@code A/B} of out {@code x.mbox} is {@code x.mbox.sbd/A.sbd/B}.
 */
final class MboxSink implements MailSink {
  private static final DateTimeFormatter ASCTIME =
      DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ROOT).withZone(ZoneOffset.UTC);
  private final Path root;
  private final Map<List<String>, FileChannel> files = new HashMap<>();

  MboxSink(Path root) {
    this.root = root;
  }

  @Override
  public void add(List<String> folderPath, Set<Flag> flags, Instant received, String envelopeSender,
      IOConsumer<OutputStream> content) throws IOException {
    FileChannel ch = channel(folderPath);
    long before = ch.size();
    ch.position(before);
    boolean ok = false;
    try {
      OutputStream raw = new java.io.BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
      String sender = envelopeSender == null || envelopeSender.isBlank() || envelopeSender.chars().anyMatch(c -> c <= ' ')
          ? "MAILER-DAEMON" : envelopeSender;
      raw.write(("From " + sender + " " + ASCTIME.format(received) + "\n").getBytes(StandardCharsets.ISO_8859_1));
      MboxQuotingOutputStream q = new MboxQuotingOutputStream(new NonClosing(raw));
      content.accept(q);
      q.finish();
      if (!q.endsWithNewline()) {
        raw.write('\n');
      }
      raw.write('\n');
      raw.flush();
      ok = true;
    } finally {
      if (!ok) {
        ch.truncate(before);
      }
    }
  }

  private FileChannel channel(List<String> folder) throws IOException {
    FileChannel ch = files.get(folder);
    if (ch == null) {
      Path p = root;
      for (String seg : folder) {
        p = p.resolveSibling(p.getFileName() + ".sbd").resolve(EmlSink.fileName(seg));
      }
      if (p.toAbsolutePath().getParent() != null) {
        Files.createDirectories(p.toAbsolutePath().getParent());
      }
      ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      files.put(List.copyOf(folder), ch);
    }
    return ch;
  }

  @Override
  public void close() throws IOException {
    IOException first = null;
    for (FileChannel ch : files.values()) {
      try {
        ch.force(true);
        ch.close();
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    files.clear();
    if (first != null) {
      throw first;
    }
  }

  /** Keeps a message writer from closing the file under it. */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      out.flush();
    }
  }
}
