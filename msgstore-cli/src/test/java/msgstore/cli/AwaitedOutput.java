package msgstore.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A command's output as it is written, which a test can wait on: {@link #await} returns as soon as
 * the text matches (woken by each write), instead of polling with sleeps.
 */
final class AwaitedOutput extends OutputStream {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

  @Override
  public synchronized void write(int b) {
    bytes.write(b);
    notifyAll();
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) {
    bytes.write(b, off, len);
    notifyAll();
  }

  /** The text so far. */
  @Override
  public synchronized String toString() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  /**
   * Waits until the text matches every pattern, the command has ended, or the time is up; returns
   * the matchers when all matched.
   */
  synchronized Optional<Matcher[]> await(Duration timeout, Future<?> command, Pattern... patterns)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String text = toString();
      Matcher[] ms = new Matcher[patterns.length];
      boolean all = true;
      for (int i = 0; i < patterns.length; i++) {
        ms[i] = patterns[i].matcher(text);
        all &= ms[i].find();
      }
      if (all) {
        return Optional.of(ms);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0 || command.isDone()) {
        return Optional.empty();
      }
      // Woken by every write; the bound only notices the command ending without output.
      wait(Math.max(1, Math.min(200, left / 1_000_000)));
    }
  }
}
