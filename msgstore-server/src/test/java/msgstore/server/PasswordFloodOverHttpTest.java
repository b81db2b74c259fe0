package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import msgstore.engine.EngineOptions;
import msgstore.server.auth.PasswordHasher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flood of bad Basic credentials with the production Argon2id cost (issue 7, ADR 0011): password
 * hashing is bounded (one slot, a short wait, then 503 with Retry-After), so a good user, whose
 * verified login is cached, keeps being served. The login throttle is set out of reach here so
 * that the hashing bound alone is tested; the figures are printed as {@code ABUSE ...} lines.
 */
class PasswordFloodOverHttpTest {
  @TempDir
  Path dir;

  @Test
  void goodRequestsShouldBeServedWithinABoundWhileBadCredentialsFloodTheHashing() throws Exception {
    AbuseLimits limits = AbuseLimits.DEFAULTS.withLogin(1_000_000, 1_000_000, Duration.ofSeconds(1),
        Duration.ofSeconds(1)).withHashing(1, Duration.ofMillis(250));
    try (TestServer t = TestServer.start(dir, c -> c.withAbuse(limits),
        EngineOptions.defaults().withMaintenanceInterval(Duration.ZERO), PasswordHasher.defaults(), Clock.systemUTC())) {
      GoodRequestLatency good = new GoodRequestLatency(t, "alice", "127.0.0.3");
      assertThat(good.once()).isEqualTo(200); // the one Argon2 of alice's login; cached from now on
      GoodRequestLatency.Figures quiet = good.measure("none (baseline)", GoodRequestLatency.window(1, 20));

      HttpClient attacker = HttpClient.newBuilder().localAddress(InetAddress.getByName("127.0.0.2")).build();
      AtomicBoolean flooding = new AtomicBoolean(true);
      ConcurrentMap<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
      AtomicInteger retryAfter = new AtomicInteger();
      List<Thread> flood = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        int n = i;
        flood.add(Thread.ofVirtual().start(() -> {
          int k = 0;
          while (flooding.get()) {
            HttpRequest bad = HttpRequest.newBuilder(URI.create(t.base + "/stores"))
                .header("Authorization", LoginThrottlingOverHttpTest.basic("user" + n + "-" + k++, "wrong"))
                .timeout(Duration.ofSeconds(30)).build();
            try {
              HttpResponse<Void> r = attacker.send(bad, HttpResponse.BodyHandlers.discarding());
              statuses.computeIfAbsent(r.statusCode(), s -> new AtomicInteger()).incrementAndGet();
              if (r.statusCode() == 503 && r.headers().firstValue("Retry-After").isPresent()) {
                retryAfter.incrementAndGet();
              }
            } catch (Exception e) {
              statuses.computeIfAbsent(-1, s -> new AtomicInteger()).incrementAndGet();
            }
          }
        }));
      }
      GoodRequestLatency.Figures flooded;
      try {
        flooded = good.measure("bad-password flood x16", GoodRequestLatency.window(3, 60));
      } finally {
        flooding.set(false);
        for (Thread th : flood) {
          th.join();
        }
      }
      System.out.println("ABUSE bad-password flood statuses " + statuses);
      assertThat(flooded.failures()).isZero();
      assertThat(flooded.p99Millis()).as("p99 of a good request during the flood, ms").isLessThan(2000);
      assertThat(quiet.failures()).isZero();
      assertThat(statuses).containsKey(401);
      assertThat(retryAfter.get()).as("503 + Retry-After answers: the hashing bound was reached").isPositive();
      assertThat(t.get(null, t.server.baseUri() + "/metrics").body())
          .containsPattern("msgstore_password_hashing_rejected_total [1-9]");
    }
  }
}
