package msgstore.mime.box;

import java.io.IOException;
import java.io.OutputStream;

/**
 * mboxrd quoting while writing: a line matching {@code >*From } gets one more {@code >} in front
 * ({@link MboxVariant#MBOXRD}; {@link MboxUnquotingInputStream} removes it). Only the first
 * {@link MboxVariant#PREFIX} bytes of a line are held back to decide.
 */
final class MboxQuotingOutputStream extends OutputStream {
  private static final byte[] FROM = {'F', 'r', 'o', 'm', ' '};
  private final OutputStream out;
  private final byte[] pending = new byte[MboxVariant.PREFIX];
  private int pn;
  private boolean deciding = true;
  private int last = -1;

  MboxQuotingOutputStream(OutputStream out) {
    this.out = out;
  }

  /** Whether the last byte written was a line feed (or nothing was written). */
  boolean endsWithNewline() {
    return last == -1 || last == '\n';
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    int end = off + len;
    int i = off;
    while (i < end) {
      if (deciding) {
        byte c = b[i++];
        pending[pn++] = c;
        last = c & 0xff;
        decide(c);
      } else {
        int j = i;
        while (j < end && b[j] != '\n') {
          j++;
        }
        if (j < end) {
          j++;
          deciding = true;
        }
        out.write(b, i, j - i);
        last = b[j - 1] & 0xff;
        i = j;
      }
    }
  }

  private void decide(byte c) throws IOException {
    if (c == '\n') {
      emit(false);
      deciding = true;
      return;
    }
    int gt = 0;
    while (gt < pn && pending[gt] == '>') {
      gt++;
    }
    int rest = pn - gt;
    boolean prefixOfFrom = true;
    for (int k = 0; k < Math.min(rest, FROM.length); k++) {
      if (pending[gt + k] != FROM[k]) {
        prefixOfFrom = false;
        break;
      }
    }
    if (!prefixOfFrom) {
      emit(false);
    } else if (rest >= FROM.length) {
      emit(true);
    } else if (pn == pending.length) {
      emit(false);
    }
  }

  private void emit(boolean quote) throws IOException {
    if (quote) {
      out.write('>');
    }
    out.write(pending, 0, pn);
    pn = 0;
    deciding = false;
  }

  /** Writes what is held back; the stream underneath stays open. */
  void finish() throws IOException {
    if (pn > 0) {
      out.write(pending, 0, pn);
      pn = 0;
    }
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    finish();
  }
}
