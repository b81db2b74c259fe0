package msgstore.mime.box;

/**
 * How an mbox file quotes body lines that begin with {@code From } (the two variants cannot be
 * told apart by reading the file, so the reader is told; docs/cli.md "import, export", ADR 0018).
 */
public enum MboxVariant {
  /**
   * mboxrd: every line matching {@code >*From } got one more {@code >} when written, so reading
   * removes one {@code >} from each such line. Reversible; what msgstore writes.
   */
  MBOXRD,
  /**
   * mboxo: only lines beginning {@code From } got a {@code >}, so reading removes one {@code >}
   * from lines beginning {@code >From } and leaves {@code >>From } alone (a body line that really
   * began {@code >From } cannot be restored: the format lost it).
   */
  MBOXO;

  /** How many bytes of a line's start decide whether it is quoted. */
  static final int PREFIX = 1024;

  /**
   * Whether a line beginning with {@code line[off..off+len)} is quoted in this variant: then one
   * {@code >} goes when reading. At most {@link #PREFIX} bytes of a line are looked at, by the
   * reader and the writer alike.
   */
  boolean quoted(byte[] line, int off, int len) {
    int end = off + len;
    int i = off;
    while (i < end && line[i] == '>') {
      i++;
    }
    if (i == off || (this == MBOXO && i != off + 1)) {
      return false;
    }
    return startsWithFrom(line, i, end);
  }

  /** Whether {@code b[at..end)} begins with {@code From }. */
  static boolean startsWithFrom(byte[] b, int at, int end) {
    return end - at >= 5 && b[at] == 'F' && b[at + 1] == 'r' && b[at + 2] == 'o' && b[at + 3] == 'm' && b[at + 4] == ' ';
  }
}
