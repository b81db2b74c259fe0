package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import msgstore.server.TestServer.Resp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the HTTP layer does before and around a route (ADR 0032), over a real server: 404 and 405
 * as Problem Details, HEAD, trailing slashes, encoded path parameters, compression and static files.
 */
class RoutingOverHttpTest {
  @TempDir
  static Path dir;
  static TestServer t;
  static String store;
  static String inbox;

  @BeforeAll
  static void start() {
    t = TestServer.start(dir);
    store = t.mailbox("alice");
    inbox = t.folder("alice", store, "Inbox");
  }

  @AfterAll
  static void stop() {
    t.close();
  }

  @Test
  void anUnknownPathIs404NotFoundAsProblemDetails() {
    Resp r = t.get("alice", "/no-such-thing");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    assertThat(r.json().get("mapiError").asText()).isEqualTo("MAPI_E_NOT_FOUND");
    assertThat(r.json().get("detail").asText()).contains("no route GET /api/v1/no-such-thing");
  }

  /** RFC 9110 section 15.5.6: 405 carries Allow with the methods the target supports. */
  @Test
  void aMethodThePathDoesNotServeIs405WithAllow() {
    Resp r = t.send("alice", "DELETE", "/stores", null, Map.of());
    assertThat(r.status()).isEqualTo(405);
    assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    assertThat(r.json().get("mapiError").asText()).isEqualTo("MAPI_E_NO_SUPPORT");
    assertThat(r.header("Allow")).isEqualTo("GET, HEAD, POST");
  }

  /** RFC 9110 section 9.3.2: HEAD gets GET's status and headers, authenticated as GET is, and no body. */
  @Test
  void headOfAMessageHasTheHeadersOfGetWithoutTheBody() {
    Resp created = t.post("alice", "/stores/" + store + "/folders/" + inbox + "/messages", TestServer.message("head"));
    String path = "/stores/" + store + "/messages/" + created.json().get("messageId").asText();
    Resp get = t.get("alice", path);
    Resp head = t.send("alice", "HEAD", path, null, Map.of());
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.etag()).isEqualTo(get.etag()).isNotNull();
    assertThat(head.header("Content-Length")).isEqualTo(Integer.toString(get.body().getBytes(StandardCharsets.UTF_8).length));
    assertThat(head.body()).isEmpty();
    assertThat(t.send(null, "HEAD", path, null, Map.of()).status()).isEqualTo(401);
    // A streamed answer (the message as RFC 5322) too: its headers, no body.
    Resp mime = t.send("alice", "HEAD", path, null, Map.of("Accept", "message/rfc822"));
    assertThat(mime.status()).isEqualTo(200);
    assertThat(mime.header("Content-Type")).startsWith("message/rfc822");
    assertThat(mime.body()).isEmpty();
  }

  @Test
  void aTrailingSlashNamesTheSameResource() {
    assertThat(t.get("alice", "/stores/").json()).isEqualTo(t.get("alice", "/stores").json());
    Resp twice = t.get("alice", "/stores//");
    assertThat(twice.status()).isIn(400, 404); // Jetty refuses the empty segment before routing (400)
    assertThat(twice.header("Content-Type")).startsWith("application/problem+json");
  }

  @Test
  void aPercentEncodedPathParameterIsDecodedAndAMalformedOneIs400() throws Exception {
    StringBuilder encoded = new StringBuilder();
    for (char c : store.toCharArray()) {
      encoded.append(String.format("%%%02X", (int) c));
    }
    Resp r = t.get("alice", "/stores/" + encoded);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().get("id").asText()).isEqualTo(store);
    assertThat(raw("/api/v1/stores/%zz")).startsWith("HTTP/1.1 400 ").contains("application/problem+json");
  }

  @Test
  void aMalformedQueryIs400NotAServerError() throws Exception {
    assertThat(raw("/api/v1/stores/" + store + "/folders/" + inbox + "/messages?limit=%zz"))
        .startsWith("HTTP/1.1 400 ").contains("application/problem+json");
  }

  /** A request target sent as it is (java.net.URI refuses malformed escapes), as alice; the whole answer. */
  private static String raw(String target) throws IOException {
    try (Socket s = new Socket("127.0.0.1", t.server.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
          + TestServer.basic("alice") + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void aLargeJsonAnswerIsGzippedOnlyForAClientThatAcceptsGzip() throws Exception {
    String path = t.base + "/openapi.json";
    HttpResponse<byte[]> plain = t.http.send(HttpRequest.newBuilder(URI.create(path)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
    HttpResponse<byte[]> gz = t.http.send(HttpRequest.newBuilder(URI.create(path)).header("Accept-Encoding", "gzip")
        .build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(gz.headers().firstValue("Content-Encoding")).hasValue("gzip");
    assertThat(gz.body().length).isLessThan(plain.body().length);
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz.body()))) {
      assertThat(in.readAllBytes()).isEqualTo(plain.body());
    }
    HttpResponse<byte[]> refused = t.http.send(HttpRequest.newBuilder(URI.create(path))
        .header("Accept-Encoding", "gzip;q=0").build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(refused.headers().firstValue("Content-Encoding")).isEmpty();
  }

  @Test
  void aStaticFileHasAnETagAndIsNotSentAgainToAClientThatHasIt() {
    String root = t.server.baseUri().toString();
    Resp app = t.send(null, "GET", root + "/ui/app.js", null, Map.of());
    assertThat(app.status()).isEqualTo(200);
    assertThat(app.header("Content-Type")).contains("javascript");
    assertThat(app.header("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(app.header("Cache-Control")).isEqualTo("no-cache");
    Resp again = t.send(null, "GET", root + "/ui/app.js", null, Map.of("If-None-Match", app.etag()));
    assertThat(again.status()).isEqualTo(304);
    assertThat(again.body()).isEmpty();
    Resp lib = t.send(null, "GET", root + "/webjars/preact/10.28.0/dist/preact.module.js", null, Map.of());
    assertThat(lib.status()).isEqualTo(200);
    assertThat(lib.header("Cache-Control")).isEqualTo("max-age=31622400");
  }

  @Test
  void aDirectoryOrAPathOutsideTheStaticFoldersIsNotFound() {
    String root = t.server.baseUri().toString();
    assertThat(t.send(null, "GET", root + "/webjars/preact/10.28.0/dist", null, Map.of()).status()).isEqualTo(404);
    assertThat(t.send(null, "GET", root + "/ui/", null, Map.of()).status()).isEqualTo(404);
    assertThat(t.send(null, "GET", root + "/ui/%2e%2e/msgstore/server/openapi.json", null, Map.of()).status())
        .isIn(400, 404);
    assertThat(t.send(null, "GET", root + "/ui/../msgstore/server/openapi.json", null, Map.of()).status())
        .isIn(400, 404);
  }
}
