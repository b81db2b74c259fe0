package msgstore.cli;

/**
 * A one-line progress indicator on stderr, shown only with a terminal (so pipes and files never
 * get carriage returns), and not with {@code MSGSTORE_PROGRESS=0} (the launcher sets it when
 * stderr is not a terminal, which Java cannot tell).
 */
final class Progress implements AutoCloseable {
  private final Io io;
  private final String label;
  private final long total;
  private long lastPrint;
  private boolean shown;

  private Progress(Io io, String label, long total) {
    this.io = io;
    this.label = label;
    this.total = total;
  }

  static Progress start(Io io, String label, long total) {
    return new Progress(io, label, total);
  }

  void update(long done) {
    if (!io.interactive() || io.env("MSGSTORE_PROGRESS").filter("0"::equals).isPresent()) {
      return;
    }
    long now = System.nanoTime();
    if (shown && now - lastPrint < 100_000_000L && done < total) {
      return;
    }
    lastPrint = now;
    shown = true;
    String of = total > 0 ? "/" + total + " (" + (100 * done / total) + "%)" : "";
    io.err().print("\r" + label + " " + done + of + "   ");
    io.err().flush();
  }

  @Override
  public void close() {
    clear();
  }

  /** Removes the line (idempotent); later updates show it again. */
  void clear() {
    if (shown) {
      shown = false;
      io.err().print("\r" + " ".repeat(label.length() + 40) + "\r");
      io.err().flush();
    }
  }
}
