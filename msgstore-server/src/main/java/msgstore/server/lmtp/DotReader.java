package msgstore.server.lmtp;

import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;

/**
 * The body of DATA (RFC 5321 4.5.2): the bytes up to the line holding a single dot, with the
 * leading dot of every other line starting with one removed. Streams: nothing is buffered beyond
 * what the connection's own buffer holds. A bare LF ends a line as CRLF does (clients that send
 * one are tolerated; RFC 5321 2.3.8). {@link #read} returns -1 at the end; the terminating line is
 * consumed. Text lines have no length limit here: the message size limit bounds them.
 */
final class DotReader extends InputStream {
  private final PushbackInputStream in;
  private boolean lineStart = true;
  private boolean done;

  DotReader(PushbackInputStream in) {
    this.in = in;
  }

  /** Whether the terminating dot line was read. */
  boolean finished() {
    return done;
  }

  @Override
  public int read() throws IOException {
    if (done) {
      return -1;
    }
    int b = in.read();
    if (b < 0) {
      throw new java.io.EOFException("the connection ended inside DATA");
    }
    if (lineStart && b == '.') {
      int n = in.read();
      if (n == '\r') {
        int n2 = in.read();
        if (n2 == '\n') {
          done = true;
          return -1;
        }
        if (n2 >= 0) {
          in.unread(n2);
        }
        lineStart = false;
        return '\r'; // ".\rX": the dot is stuffing, the CR is data
      }
      if (n == '\n') {
        done = true;
        return -1;
      }
      if (n < 0) {
        throw new java.io.EOFException("the connection ended inside DATA");
      }
      b = n; // the stuffed dot is dropped
    }
    lineStart = b == '\n';
    return b;
  }

  @Override
  public int read(byte[] buf, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    int n = 0;
    while (n < len) {
      int b = read();
      if (b < 0) {
        return n == 0 ? -1 : n;
      }
      buf[off + n++] = (byte) b;
      if (b == '\n' && in.available() == 0) {
        break; // return what we have rather than block mid-buffer
      }
    }
    return n;
  }

  /** Reads to the end of the data, throwing the bytes away (an over-size message). */
  long discard() throws IOException {
    long n = 0;
    byte[] buf = new byte[8192];
    int r;
    while ((r = read(buf, 0, buf.length)) >= 0) {
      n += r;
    }
    return n;
  }
}
