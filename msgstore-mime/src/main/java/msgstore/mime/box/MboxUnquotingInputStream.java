package msgstore.mime.box;

import java.io.IOException;
import java.io.InputStream;

/** The bytes of one mbox message: {@code length} bytes of {@code in}, with quoted From lines unquoted. */
final class MboxUnquotingInputStream extends InputStream {
  private final InputStream in;
  private final MboxVariant variant;
  private long remaining;
  private final byte[] buf;
  private int pos;
  private int lim;
  private boolean lineStart = true;

  MboxUnquotingInputStream(InputStream in, long length, MboxVariant variant) {
    this.in = in;
    this.remaining = length;
    this.variant = variant;
    // Most messages are far smaller than 64 KiB: a buffer of their size (one zeroed array per message).
    this.buf = new byte[(int) Math.max(MboxVariant.PREFIX, Math.min(1 << 16, length))];
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (lineStart) {
      fillAtLeast(MboxVariant.PREFIX);
      if (pos == lim) {
        return -1;
      }
      if (variant.quoted(buf, pos, Math.min(lim - pos, MboxVariant.PREFIX))) {
        pos++;
      }
      lineStart = false;
    }
    if (pos == lim) {
      fillAtLeast(1);
      if (pos == lim) {
        return -1;
      }
    }
    int end = Math.min(lim, pos + len);
    int i = pos;
    while (i < end && buf[i] != '\n') {
      i++;
    }
    if (i < end) {
      end = i + 1;
      lineStart = true;
    }
    int n = end - pos;
    System.arraycopy(buf, pos, b, off, n);
    pos = end;
    return n;
  }

  private void fillAtLeast(int want) throws IOException {
    if (lim - pos >= want || remaining == 0) {
      return;
    }
    System.arraycopy(buf, pos, buf, 0, lim - pos);
    lim -= pos;
    pos = 0;
    while (lim - pos < want && remaining > 0) {
      int n = in.read(buf, lim, (int) Math.min(buf.length - lim, remaining));
      if (n < 0) {
        throw new IOException("the mbox file ended " + remaining + " bytes early (changed while importing?)");
      }
      lim += n;
      remaining -= n;
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
