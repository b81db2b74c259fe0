package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import msgstore.engine.EngineOptions;
import msgstore.server.TestServer.Resp;
import msgstore.server.auth.Accounts;
import msgstore.testkit.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A GET of a message whose rendered body is kept is answered on the selector thread that read
 * the request (ADR 0037), over real HTTP: it gives what a request thread would give, a password
 * changed meanwhile (by another instance on the same accounts file, as {@code msgstore user passwd}
 * from another process) ends the login at once, a refused login counts once, and under saves from
 * other threads no answer is stale.
 */
class SelectorReadsOverHttpTest {
  private static final Pattern ON_SELECTOR = Pattern.compile("(?m)^msgstore_http_answered_on_selector_total (\\d+)$");

  @TempDir Path dir;
  final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T08:00:00Z"));
  TestServer t;
  String store;
  String path;

  @BeforeEach
  void start() {
    t = TestServer.start(dir, c -> c.withAbuse(AbuseLimits.DEFAULTS), EngineOptions.defaults()
        .withMaintenanceInterval(Duration.ZERO), TestServer.FAST, clock);
    store = t.mailbox("alice");
    String inbox = t.folder("alice", store, "Inbox");
    Resp c = t.post("alice", "/stores/" + store + "/folders/" + inbox + "/messages", TestServer.message("first"));
    assertThat(c.status()).as(c.toString()).isEqualTo(201);
    path = "/stores/" + store + "/messages/" + c.json().get("messageId").asText();
  }

  @AfterEach
  void stop() {
    t.close();
  }

  long answeredOnSelector() {
    Matcher m = ON_SELECTOR.matcher(t.get(null, t.server.baseUri() + "/metrics").body());
    assertThat(m.find()).as("the metric is published").isTrue();
    return Long.parseLong(m.group(1));
  }

  HttpResponse<String> get(String authorization) {
    try {
      return t.http.send(HttpRequest.newBuilder(URI.create(t.base + path)).header("Authorization", authorization)
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aKeptBodyShouldBeAnsweredOnTheSelectorWithTheAnswerARequestThreadGave() {
    long before = answeredOnSelector();
    Resp rendered = t.get("alice", path);
    assertThat(answeredOnSelector()).as("the first GET renders, on a request thread").isEqualTo(before);
    Resp kept = t.get("alice", path);
    assertThat(answeredOnSelector()).as("the second is answered where it was read").isEqualTo(before + 1);
    assertThat(kept.status()).isEqualTo(200);
    assertThat(kept.body()).isEqualTo(rendered.body());
    assertThat(kept.etag()).isEqualTo(rendered.etag());
    assertThat(kept.header("Content-Type")).isEqualTo(rendered.header("Content-Type"));

    Resp bob = t.get("bob", path);
    assertThat(bob.status()).as("another user's message stays hidden (ADR 0009), on either thread").isEqualTo(404);
    assertThat(t.get("bob", path).status()).isEqualTo(404);
  }

  @Test
  void aPasswordChangedByAnotherInstanceShouldEndALoginAnsweredOnTheSelector() {
    t.get("alice", path);
    assertThat(t.get("alice", path).status()).isEqualTo(200);
    long before = answeredOnSelector();
    try (Accounts cli = Accounts.open(dir.resolve(ServerConfig.ACCOUNTS_FILE), TestServer.FAST)) {
      cli.setPassword("alice", "a-new-secret".toCharArray());
    }
    assertThat(get(TestServer.basic("alice")).statusCode()).as("the old password, right after the change").isEqualTo(401);
    assertThat(get(basic("alice", "a-new-secret")).statusCode()).isEqualTo(200);
    assertThat(get(basic("alice", "a-new-secret")).statusCode()).isEqualTo(200);
    assertThat(answeredOnSelector()).as("the new password's second GET, once its check is kept").isEqualTo(before + 1);
  }

  @Test
  void wrongPasswordsOnAMessageShouldEachCountOnceTowardsTheLockout() {
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      statuses.add(get(basic("alice", "guess-" + i)).statusCode());
    }
    assertThat(statuses).containsExactly(401, 401, 401, 401, 401, 429, 429);
    assertThat(t.get(null, t.server.baseUri() + "/metrics").body())
        .contains("msgstore_login_failures_total 5", "msgstore_login_lockouts_total 1");
  }

  @Test
  void unknownBearerTokensOnAMessageShouldEachCountOnceTowardsTheAddressLockout() {
    int limit = AbuseLimits.DEFAULTS.loginFailuresPerAddress();
    String bad = "Bearer " + "A".repeat(43);
    for (int i = 0; i < limit; i++) {
      assertThat(get(bad).statusCode()).as("failure " + (i + 1) + " of " + limit).isEqualTo(401);
    }
    assertThat(get(bad).statusCode()).isEqualTo(429);
    assertThat(t.get(null, t.server.baseUri() + "/metrics").body()).contains("msgstore_login_failures_total " + limit);
  }

  @Test
  void getsAnsweredOnTheSelectorShouldNeverBeStaleWhileAnotherThreadSaves() throws Exception {
    Resp first = t.get("alice", path);
    Map<String, String> subjectByEtag = new ConcurrentHashMap<>(Map.of(first.etag(), "first"));
    Map<String, String> seen = new ConcurrentHashMap<>();
    AtomicBoolean saving = new AtomicBoolean(true);
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> readers = new ArrayList<>();
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int r = 0; r < 6; r++) {
      readers.add(Thread.ofPlatform().start(() -> {
        try {
          go.await();
          HttpClient own = HttpClient.newHttpClient();
          while (saving.get()) {
            HttpResponse<String> g = own.send(HttpRequest.newBuilder(URI.create(t.base + path))
                .header("Authorization", TestServer.basic("alice")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(g.statusCode()).isEqualTo(200);
            String etag = g.headers().firstValue("ETag").orElseThrow();
            String subject = TestServer.subject(msgstore.protocol.Wire.parse(g.body().getBytes(StandardCharsets.UTF_8)));
            String before = seen.putIfAbsent(etag, subject);
            assertThat(before == null || before.equals(subject)).as("one ETag, one subject").isTrue();
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      }));
    }
    long before = answeredOnSelector();
    go.countDown();
    String etag = first.etag();
    for (int i = 0; i < 60; i++) {
      String subject = "subject " + i;
      Resp p = t.patch("alice", path, TestServer.props("PidTagSubject", subject), etag);
      assertThat(p.status()).as(p.toString()).isEqualTo(200);
      etag = p.etag();
      subjectByEtag.put(etag, subject);
    }
    saving.set(false);
    for (Thread r : readers) {
      r.join();
    }
    assertThat(failures).isEmpty();
    assertThat(seen).as("every answer is a version the saves made, with that version's subject")
        .allSatisfy((e, subject) -> assertThat(subjectByEtag).containsEntry(e, subject));
    assertThat(answeredOnSelector()).as("some of them were answered on the selector").isGreaterThan(before);
    Resp last = t.get("alice", path);
    assertThat(last.etag()).isEqualTo(etag);
    assertThat(TestServer.subject(last.json())).isEqualTo("subject 59");
  }
}
