package msgstore.mime.box;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Splits an mbox file into messages as it is iterated, without reading a message into memory.
 *
 * <p>A message begins after a line starting {@code From } that is the file's first line or
 * follows an empty line (so {@code From MAILER-DAEMON ...} lines and any sender are accepted);
 * the empty line before the next such line, or at the end of the file, is the separator and not
 * part of the message. Content-Length headers are not trusted (mboxcl writers are not believed).
 * Quoted {@code >From} lines are unquoted per {@link MboxVariant} when a message is opened; its
 * {@link SourceMessage#size} is the unquoted size. Lines end in LF or CRLF.
 */
final class MboxReader implements Closeable {
  private final Path file;
  private final List<String> folder;
  private final MboxVariant variant;
  private final InputStream in;
  private final byte[] buf = new byte[1 << 16];
  private int pos;
  private int lim;
  private long bufStart;
  private boolean eof;

  /** The line just read: where it starts, its whole length, its first bytes. */
  private long lineStart;
  private long lineTotal;
  private final byte[] line = new byte[MboxVariant.PREFIX];
  private int lineLen;
  private long lineNo;

  /** The message being scanned: where its bytes start, and its From_ line. */
  private long msgStart = -1;
  private long msgLine;
  private String fromLine;

  MboxReader(Path file, List<String> folder, MboxVariant variant) throws IOException {
    this.file = file;
    this.folder = List.copyOf(folder);
    this.variant = variant;
    this.in = java.nio.file.Files.newInputStream(file);
    boolean ok = false;
    try {
      if (!readLine() || !MboxVariant.startsWithFrom(line, 0, lineLen)) {
        throw new IOException(file + " is not an mbox file: its first line is not a From_ line (\"From sender date\")");
      }
      startMessage();
      ok = true;
    } finally {
      if (!ok) {
        in.close();
      }
    }
  }

  /** True when {@code file} begins with {@code From }. */
  static boolean looksLikeMbox(Path file) throws IOException {
    try (InputStream i = java.nio.file.Files.newInputStream(file)) {
      byte[] head = i.readNBytes(5);
      return MboxVariant.startsWithFrom(head, 0, head.length);
    }
  }

  Optional<SourceMessage> next() throws IOException {
    if (msgStart < 0) {
      return Optional.empty();
    }
    long size = 0;
    boolean prevBlank = false;
    long prevLen = 0;
    while (true) {
      if (!readLine()) {
        long end = bufStart + pos;
        if (prevBlank) {
          end -= prevLen;
          size -= prevLen;
        }
        SourceMessage m = message(msgStart, end, size);
        msgStart = -1;
        return Optional.of(m);
      }
      if (prevBlank && MboxVariant.startsWithFrom(line, 0, lineLen)) {
        SourceMessage m = message(msgStart, lineStart - prevLen, size - prevLen);
        startMessage();
        return Optional.of(m);
      }
      size += lineTotal - (variant.quoted(line, 0, lineLen) ? 1 : 0);
      prevBlank = (lineTotal == 1 && line[0] == '\n') || (lineTotal == 2 && line[0] == '\r' && line[1] == '\n');
      prevLen = lineTotal;
    }
  }

  private void startMessage() {
    msgStart = lineStart + lineTotal;
    msgLine = lineNo;
    int n = lineLen;
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
      n--;
    }
    fromLine = new String(line, 0, Math.min(n, 200), StandardCharsets.ISO_8859_1);
  }

  private SourceMessage message(long start, long end, long size) {
    String origin = file + ": message at line " + msgLine + " (byte " + start + ", after \"" + fromLine + "\")";
    long length = end - start;
    return new SourceMessage(folder, Set.of(), size, () -> open(start, length), origin, SourceMessage.Kind.RFC822);
  }

  /**
   * A message's bytes, read with positional reads from one channel that all of this file's
   * messages share (opening a channel per message was a twentieth of an import's CPU). The channel
   * stays open while the reader or any message stream is open; once all are closed, a later open
   * gets a channel of its own.
   */
  private InputStream open(long start, long length) throws IOException {
    FileChannel ch = acquire();
    return new MboxUnquotingInputStream(new InputStream() {
      private long at = start;
      private final long end = start + length;
      private boolean closed;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (at >= end) {
          return -1;
        }
        int n = ch.read(java.nio.ByteBuffer.wrap(b, off, (int) Math.min(len, end - at)), at);
        if (n > 0) {
          at += n;
        }
        return n;
      }

      @Override
      public void close() throws IOException {
        if (!closed) {
          closed = true;
          release(ch);
        }
      }
    }, length, variant);
  }

  /** Opened by the first message opened; closed when the reader and every message stream are. */
  private FileChannel shared;
  /** The reader itself until closed, plus each open message stream. */
  private int users = 1;
  private boolean readerClosed;

  private synchronized FileChannel acquire() throws IOException {
    if (shared == null) {
      shared = FileChannel.open(file, StandardOpenOption.READ);
    }
    users++;
    return shared;
  }

  private synchronized void release(FileChannel ch) throws IOException {
    if (--users == 0) {
      shared = null;
      ch.close();
    }
  }

  /** Reads the next line (its first bytes into {@link #line}); false at the end of the file. */
  private boolean readLine() throws IOException {
    if (pos == lim && !fill()) {
      return false;
    }
    lineStart = bufStart + pos;
    lineTotal = 0;
    lineLen = 0;
    lineNo++;
    while (true) {
      if (pos == lim && !fill()) {
        return true;
      }
      int i = pos;
      while (i < lim && buf[i] != '\n') {
        i++;
      }
      boolean found = i < lim;
      int end = found ? i + 1 : lim;
      int copy = Math.min(end - pos, line.length - lineLen);
      System.arraycopy(buf, pos, line, lineLen, copy);
      lineLen += copy;
      lineTotal += end - pos;
      pos = end;
      if (found) {
        return true;
      }
    }
  }

  private boolean fill() throws IOException {
    if (eof) {
      return false;
    }
    bufStart += lim;
    pos = 0;
    lim = 0;
    int n = in.read(buf, 0, buf.length);
    if (n <= 0) {
      eof = true;
      return false;
    }
    lim = n;
    return true;
  }

  @Override
  public void close() throws IOException {
    in.close();
    synchronized (this) {
      if (!readerClosed) {
        readerClosed = true;
        if (--users == 0 && shared != null) {
          shared.close();
          shared = null;
        }
      }
    }
  }
}
