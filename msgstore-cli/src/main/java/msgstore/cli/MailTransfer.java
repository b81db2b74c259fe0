package msgstore.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@code import} and {@code export} share: the rate line shown on a terminal (messages/s and
 * MB/s, the rules of {@link Progress}), the tally and the summary with one line per failure.
 */
final class MailTransfer {
  /** Exit code when some messages failed and the others went through (docs/cli.md). */
  static final int EXIT_SOME_FAILED = 4;

  private final Io io;
  private final String verb;
  private final long started = System.nanoTime();
  private long lastPrint;
  private boolean shown;
  long done;
  long skipped;
  long bytes;
  final List<String> failures = new ArrayList<>();

  MailTransfer(Io io, String verb) {
    this.io = io;
    this.verb = verb;
  }

  void failed(String origin, String reason) {
    failures.add(origin + ": " + reason);
    tick();
  }

  /** Redraws the rate line at most ten times a second, only on a terminal. */
  void tick() {
    if (!io.interactive() || io.env("MSGSTORE_PROGRESS").filter("0"::equals).isPresent()) {
      return;
    }
    long now = System.nanoTime();
    if (shown && now - lastPrint < 100_000_000L) {
      return;
    }
    lastPrint = now;
    shown = true;
    io.err().print("\r" + verb + " " + done + " messages, " + mb(bytes) + " MB (" + rates() + ")"
        + (skipped > 0 ? ", " + skipped + " already there" : "") + (failures.isEmpty() ? "" : ", " + failures.size()
        + " failed") + "   ");
    io.err().flush();
  }

  private String rates() {
    double secs = Math.max(1e-3, (System.nanoTime() - started) / 1e9);
    return String.format(Locale.ROOT, "%.0f msg/s, %.1f MB/s", done / secs, bytes / 1e6 / secs);
  }

  private static String mb(long b) {
    return String.format(Locale.ROOT, "%.1f", b / 1e6);
  }

  /** Clears the rate line, prints the summary and each failure; returns the exit code. */
  int finish(String what) {
    if (shown) {
      io.err().print("\r" + " ".repeat(100) + "\r");
      io.err().flush();
    }
    double secs = (System.nanoTime() - started) / 1e9;
    io.out().printf(Locale.ROOT, "%s %d messages (%s MB) in %.1f s (%s)%s; %d failed%n", what, done, mb(bytes), secs,
        rates(), verb.equals("importing") ? "; " + skipped + " skipped as already present" : "", failures.size());
    for (String f : failures) {
      io.out().println("  failed: " + f);
    }
    return failures.isEmpty() ? Main.EXIT_OK : EXIT_SOME_FAILED;
  }

  /** A one-line reason for a failure, without stack traces. */
  static String reason(Throwable e) {
    if (e instanceof msgstore.api.StoreException s) {
      return s.error().mapiName() + ": " + s.detail();
    }
    String m = e.getMessage();
    String kind = e instanceof java.io.IOException || e instanceof java.io.UncheckedIOException ? "I/O error"
        : e.getClass().getSimpleName();
    Throwable c = e.getCause();
    return kind + ": " + (m == null ? "" : m) + (c != null && c.getMessage() != null && (m == null || !m.contains(c.getMessage()))
        ? ": " + c.getMessage() : "");
  }
}
