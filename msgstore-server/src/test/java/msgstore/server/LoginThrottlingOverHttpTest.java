package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import msgstore.engine.EngineOptions;
import msgstore.testkit.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failed-login backoff over real HTTP (issue 7, ADR 0011): clients connect from distinct loopback
 * addresses (127.0.0.x), and the throttle's clock only moves when the test advances it, so no
 * backoff is slept through.
 */
class LoginThrottlingOverHttpTest {
  @TempDir
  Path dir;
  TestServer t;
  final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T08:00:00Z"));

  @BeforeEach
  void start() {
    t = TestServer.start(dir, c -> c.withAbuse(AbuseLimits.DEFAULTS), EngineOptions.defaults()
        .withMaintenanceInterval(Duration.ZERO), TestServer.FAST, clock);
  }

  @AfterEach
  void stop() {
    t.close();
  }

  static HttpClient from(String address) {
    try {
      return HttpClient.newBuilder().localAddress(InetAddress.getByName(address))
          .connectTimeout(Duration.ofSeconds(10)).build();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  HttpResponse<String> get(HttpClient client, String authorization) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(t.base + "/stores")).timeout(Duration.ofSeconds(30));
      if (authorization != null) {
        b.header("Authorization", authorization);
      }
      return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  void fortyWrongPasswordsForOneUserShouldNotAllGetAPlain401() {
    HttpClient attacker = from("127.0.0.2");
    List<Integer> statuses = new ArrayList<>();
    HttpResponse<String> last = null;
    for (int i = 0; i < 40; i++) {
      last = get(attacker, basic("alice", "guess-" + i));
      statuses.add(last.statusCode());
    }
    assertThat(statuses.subList(0, 5)).containsOnly(401);
    assertThat(statuses.subList(5, 40)).containsOnly(429);
    assertThat(last.headers().firstValue("Retry-After")).contains("1");
    assertThat(last.headers().firstValue("Content-Type")).hasValueSatisfying(v -> v.startsWith("application/problem+json"));
    assertThat(last.body()).contains("\"mapiError\":\"MAPI_E_BUSY\"").contains("\"status\":429")
        .contains("retry after 1 s");
    String metrics = t.get(null, t.server.baseUri() + "/metrics").body();
    assertThat(metrics).contains("msgstore_login_failures_total 5", "msgstore_login_lockouts_total 1",
        "msgstore_login_throttled_total 35");
  }

  @Test
  void lockedUsersRightPasswordShouldBeRefusedWhileAnotherUserFromAnotherAddressGetsIn() {
    HttpClient attacker = from("127.0.0.2");
    for (int i = 0; i < 5; i++) {
      assertThat(get(attacker, basic("alice", "guess-" + i)).statusCode()).isEqualTo(401);
    }
    assertThat(get(from("127.0.0.3"), TestServer.basic("alice")).statusCode())
        .as("the right password during the lockout (no guess can be confirmed)").isEqualTo(429);
    assertThat(get(from("127.0.0.4"), TestServer.basic("bob")).statusCode()).isEqualTo(200);

    clock.advance(Duration.ofSeconds(1));
    assertThat(get(from("127.0.0.3"), TestServer.basic("alice")).statusCode()).isEqualTo(200);
    assertThat(get(attacker, basic("alice", "guess-again")).statusCode())
        .as("the success reset alice's count").isEqualTo(401);
  }

  @Test
  void retryAfterShouldDoubleWithEachFailureAfterALockout() {
    HttpClient attacker = from("127.0.0.2");
    for (int i = 0; i < 5; i++) {
      get(attacker, basic("bob", "guess-" + i));
    }
    for (String expected : new String[] {"1", "2", "4", "8", "16"}) {
      HttpResponse<String> r = get(attacker, basic("bob", "x"));
      assertThat(r.statusCode()).isEqualTo(429);
      assertThat(r.headers().firstValue("Retry-After")).contains(expected);
      clock.advance(Duration.ofSeconds(Long.parseLong(expected)));
      assertThat(get(attacker, basic("bob", "another guess")).statusCode()).isEqualTo(401);
    }
  }

  @Test
  void unknownUserShouldBeAnsweredExactlyLikeAKnownUser() {
    HttpClient attacker = from("127.0.0.2");
    List<String> known = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      HttpResponse<String> k = get(attacker, basic("carol", "guess-" + i));
      HttpResponse<String> u = get(from("127.0.0.3"), basic("nobody-here", "guess-" + i));
      known.add(k.statusCode() + " " + k.headers().firstValue("Retry-After").orElse("-") + " " + k.body());
      unknown.add(u.statusCode() + " " + u.headers().firstValue("Retry-After").orElse("-") + " " + u.body());
    }
    assertThat(unknown).isEqualTo(known);
    assertThat(known.get(6)).startsWith("429 1 ");
  }

  @Test
  void badBearerTokensShouldLockTheAddressButNotOthers() {
    HttpClient attacker = from("127.0.0.2");
    String bad = "Bearer " + "A".repeat(43);
    for (int i = 0; i < AbuseLimits.DEFAULTS.loginFailuresPerAddress(); i++) {
      assertThat(get(attacker, bad).statusCode()).isEqualTo(401);
    }
    assertThat(get(attacker, bad).statusCode()).isEqualTo(429);
    assertThat(get(attacker, TestServer.basic("bob")).statusCode()).as("the address is locked for everyone").isEqualTo(429);
    assertThat(get(from("127.0.0.3"), TestServer.basic("bob")).statusCode()).isEqualTo(200);
    assertThat(get(from("127.0.0.3"), null).statusCode()).as("no credentials: not a failed login").isEqualTo(401);
  }
}
