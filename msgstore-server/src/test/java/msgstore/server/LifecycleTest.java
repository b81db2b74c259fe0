package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.PropTags;
import msgstore.api.Session;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.server.TestServer.Resp;
import msgstore.server.auth.TestCertificates;
import msgstore.storage.sqlite.SqliteMessageStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Health, metrics, first-start admin, TLS and graceful shutdown. */
class LifecycleTest {
  @TempDir
  Path dir;

  static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met in 20 s");
      }
      Thread.onSpinWait();
      Thread.sleep(5);
    }
  }

  @Test
  void healthIsUpWithoutAuthAndMetricsCountSavesAndRequests() {
    try (TestServer t = TestServer.start(dir)) {
      Resp h = t.get(null, t.server.baseUri() + "/health");
      assertThat(h.status()).isEqualTo(200);
      assertThat(h.body()).isEqualTo("{\"status\":\"UP\"}");
      String store = t.mailbox("alice");
      String inbox = t.folder("alice", store, "Inbox");
      Resp c = t.post("alice", "/stores/" + store + "/folders/" + inbox + "/messages", TestServer.message("m"));
      String path = "/stores/" + store + "/messages/" + c.json().get("messageId").asText();
      t.patch("alice", path, TestServer.props("PidTagSubject", "a"), c.etag());
      t.patch("alice", path, TestServer.props("PidTagSubject", "b"), c.etag());
      String metrics = t.get(null, t.server.baseUri() + "/metrics").body();
      assertThat(metrics).contains("# TYPE msgstore_saves_total counter", "msgstore_saves_total 2",
          "msgstore_conflicts_total 1", "msgstore_forced_saves_total 0",
          "msgstore_http_requests_total{method=\"POST\",status=\"201\"} 1",
          "msgstore_http_requests_total{method=\"PATCH\",status=\"412\"} 1",
          "msgstore_save_seconds_bucket{le=\"+Inf\"} 3", "msgstore_save_seconds_count 3",
          "msgstore_event_subscribers 0");
    }
  }

  @Test
  void theFirstStartCreatesAdminWithAPasswordShownOnce() {
    Optional<String> first;
    try (TestServer t = TestServer.start(dir)) {
      first = t.server.initialAdminPassword();
      assertThat(first).isPresent();
      String auth = "Basic " + java.util.Base64.getEncoder().encodeToString(("admin:" + first.get()).getBytes());
      assertThat(t.send(null, "GET", "/stores", null, Map.of("Authorization", auth)).status()).isEqualTo(200);
    }
    try (TestServer t = TestServer.start(dir)) {
      assertThat(t.server.initialAdminPassword()).isEmpty();
    }
  }

  @Test
  void closeLetsAnInFlightSaveFinishThenStops() throws Exception {
    TestServer t = TestServer.start(dir);
    String store = t.mailbox("alice");
    String inbox = t.folder("alice", store, "Inbox");
    Resp c = t.post("alice", "/stores/" + store + "/folders/" + inbox + "/messages", TestServer.message("before"));
    String messageId = c.json().get("messageId").asText();

    // A PUT whose body arrives slowly: it is in flight until the test sends the rest.
    byte[] body = "{\"properties\":{\"PidTagSubject\":\"saved during shutdown\"}}".getBytes(StandardCharsets.UTF_8);
    try (Socket socket = new Socket("127.0.0.1", t.server.port())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(("PUT /api/v1/stores/" + store + "/messages/" + messageId + " HTTP/1.1\r\nHost: localhost\r\n"
          + "Authorization: " + TestServer.basic("alice") + "\r\nIf-Match: " + c.etag() + "\r\n"
          + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.UTF_8));
      out.write(body, 0, 5);
      out.flush();
      await(() -> t.server.inFlight() == 1);

      CompletableFuture<Void> closing = CompletableFuture.runAsync(t::close);
      await(() -> t.get(null, t.server.baseUri() + "/health").status() == 503);
      assertThat(closing).isNotDone();
      out.write(body, 5, body.length - 5);
      out.flush();

      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(response).startsWith("HTTP/1.1 200");
      closing.get(30, TimeUnit.SECONDS);
    }
    try (EmbeddedMessageStore reopened = SqliteMessageStore.open(dir.resolve("msgstore.db"));
        Session s = reopened.openSession("alice");
        Message m = s.openMessage(MessageId.parse(messageId))) {
      assertThat(m.getProp(PropTags.SUBJECT).orElseThrow().asString()).isEqualTo("saved during shutdown");
      assertThat(reopened.checkIntegrity()).isEmpty();
    }
  }

  @Test
  void tlsIsServedWhenCertificateAndKeyAreConfigured() throws Exception {
    TestCertificates.PemPair pem = TestCertificates.selfSigned(dir.resolve("tls"));
    try (TestServer t = TestServer.start(dir.resolve("data"), c -> c.withTls(pem.certificate(), pem.privateKey()),
        msgstore.engine.EngineOptions.defaults().withMaintenanceInterval(Duration.ZERO))) {
      assertThat(t.server.baseUri().getScheme()).isEqualTo("https");
      HttpClient https = HttpClient.newBuilder().sslContext(TestCertificates.clientContextTrusting(pem.certificate()))
          .build();
      HttpResponse<String> r = https.send(HttpRequest.newBuilder(URI.create(
          "https://localhost:" + t.server.port() + "/api/v1/stores")).header("Authorization", TestServer.basic("alice"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
    }
  }
}
