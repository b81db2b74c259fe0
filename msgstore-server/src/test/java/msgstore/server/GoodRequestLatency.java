package msgstore.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * A well-behaved client measuring itself: {@code GET /api/v1/stores} as a good user, one request
 * after another from its own loopback address, for a while; reports p50/p99/max and statuses.
 */
final class GoodRequestLatency {
  /** The measured figures of one run. */
  record Figures(String scenario, int requests, int failures, double p50Millis, double p99Millis, double maxMillis) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "ABUSE %-28s good GET /stores: n=%d non-200=%d p50=%.1f ms p99=%.1f ms max=%.1f ms",
          scenario, requests, failures, p50Millis, p99Millis, maxMillis);
    }
  }

  /**
   * A measuring window: {@code ci} seconds normally, {@code full} with {@code -Dmsgstore.stress=full}
   * (the property of msgstore.testkit.Stress, read here to keep the server's tests off the testkit).
   */
  static Duration window(int ci, int full) {
    boolean isFull = "full".equals(System.getProperty("msgstore.stress", "ci").strip().toLowerCase(Locale.ROOT));
    return Duration.ofSeconds(isFull ? full : ci);
  }

  private final HttpClient client;
  private final HttpRequest request;

  GoodRequestLatency(TestServer t, String user, String address) {
    try {
      client = HttpClient.newBuilder().localAddress(InetAddress.getByName(address))
          .connectTimeout(Duration.ofSeconds(20)).build();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    request = HttpRequest.newBuilder(URI.create(t.base + "/stores")).header("Authorization", TestServer.basic(user))
        .timeout(Duration.ofSeconds(20)).build();
  }

  /** One request; its status. */
  int once() {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** Requests one after another for {@code window}; prints and returns the figures. */
  Figures measure(String scenario, Duration window) {
    List<Double> millis = new ArrayList<>();
    int failures = 0;
    long end = System.nanoTime() + window.toNanos();
    while (System.nanoTime() < end) {
      long t0 = System.nanoTime();
      int status = once();
      millis.add((System.nanoTime() - t0) / 1e6);
      if (status != 200) {
        failures++;
      }
    }
    Collections.sort(millis);
    Figures f = new Figures(scenario, millis.size(), failures, pct(millis, 0.50), pct(millis, 0.99),
        millis.get(millis.size() - 1));
    System.out.println(f);
    return f;
  }

  private static double pct(List<Double> sorted, double p) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }
}
