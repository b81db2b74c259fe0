package msgstore.server;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Map;
import msgstore.api.MapiError;
import msgstore.protocol.Problem;

/**
 * Cuts a request body that arrives too slowly (ADR 0011): a body must keep up with {@code
 * bytesPerSecond}, after a head start; a read that finds it behind fails the request with 408 and
 * {@code Connection: close}. The idle timeout cannot catch a body trickled one byte a second (every
 * byte resets it), and Jetty 12 no longer enforces {@code HttpConfiguration.minRequestDataRate}
 * (its {@code MinimumDataRateHandler} measures the bytes of all requests together).
 *
 * <p>The rule: after {@code t} seconds since the request began, at least {@code (t - headStart) *
 * bytesPerSecond} bytes must have arrived. It is checked whenever the handler's read returns, so a
 * body that stops altogether is left to the idle timeout.
 */
final class MinDataRate {
  private final long bytesPerSecond;
  private final long headStartNanos;

  MinDataRate(long bytesPerSecond, Duration headStart) {
    this.bytesPerSecond = bytesPerSecond;
    this.headStartNanos = headStart.toNanos();
  }

  /** The body stream of a request that began at {@code startNanos} ({@link System#nanoTime}), metered (unless the rate is 0). */
  InputStream meter(InputStream in, long startNanos) {
    return bytesPerSecond <= 0 ? in : new Metered(in, startNanos);
  }

  private final class Metered extends FilterInputStream {
    private final long start;
    private long bytes;

    Metered(InputStream in, long start) {
      super(in);
      this.start = start;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        count(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int n = in.read(buf, off, len);
      if (n > 0) {
        count(n);
      }
      return n;
    }

    private void count(int n) {
      bytes += n;
      long elapsed = System.nanoTime() - start;
      if (elapsed <= headStartNanos) {
        return;
      }
      double needed = (elapsed - headStartNanos) / 1e9 * bytesPerSecond;
      if (bytes < needed) {
        long rate = Math.round(bytes / (elapsed / 1e9));
        throw requestTimeout("the request body arrives at " + rate + " bytes/s, below request.min.data.rate = "
            + bytesPerSecond + " bytes/s; the connection is closed");
      }
    }
  }

  /** 408 Request Timeout, closing the connection: a body too slow, or idle past the idle timeout. */
  static ProblemException requestTimeout(String detail) {
    return new ProblemException(new Problem(408, MapiError.INVALID_PARAMETER, "Request timeout", detail, "", "",
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()), Map.of("Connection", "close"));
  }
}
