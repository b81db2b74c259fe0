package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import msgstore.engine.EngineOptions;
import msgstore.protocol.Wire;
import msgstore.server.auth.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web UI's serving and browser-session security over real HTTP (ADR 0021, docs/http-api.md
 * "Browser sessions"): the page and its CSP, the session cookie's attributes, same-origin and CSRF
 * checks of cookie writes (a page on another port is another origin), 415 for non-JSON bodies on
 * the cookie path too, Basic unchanged, sign-out, and sign-in throttled like the API.
 */
class UiSessionOverHttpTest {
  @TempDir
  static Path dir;
  static TestServer t;
  static String origin;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void start() {
    t = TestServer.start(dir.resolve("server"));
    origin = t.server.baseUri().toString();
  }

  @AfterAll
  static void stop() {
    t.close();
  }

  record Answer(int status, java.net.http.HttpHeaders headers, String body) {
    JsonNode json() {
      return Wire.parse(body.getBytes(StandardCharsets.UTF_8));
    }

    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }
  }

  static Answer send(String method, String path, String body, Map<String, String> headers) throws Exception {
    return send(HTTP, origin, method, path, body, headers);
  }

  static Answer send(HttpClient http, String base, String method, String path, String body, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
    headers.forEach(b::header);
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.headers(), r.body());
  }

  static Map<String, String> h(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  /** A signed-in browser: its cookie header and CSRF token. */
  record Browser(String cookie, String csrf) {}

  static Browser signIn(String user) throws Exception {
    Answer a = send("POST", "/session", "{\"user\":\"" + user + "\",\"password\":\"secret-" + user + "\"}",
        h("Content-Type", "application/json", "Origin", origin));
    assertThat(a.status()).as(a.body()).isEqualTo(200);
    String setCookie = a.header("Set-Cookie");
    return new Browser(setCookie.substring(0, setCookie.indexOf(';')), a.json().get("csrfToken").asText());
  }

  static String folderBody(String name) {
    return "{\"displayName\":\"" + name + "\"}";
  }

  @Test
  void thePageIsServedWithAContentSecurityPolicyThatAllowsNoInlineScriptButItsImportMap() throws Exception {
    Answer a = send("GET", "/", null, Map.of());
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.header("Content-Type")).startsWith("text/html");
    String csp = a.header("Content-Security-Policy");
    assertThat(csp).contains("script-src 'self' 'sha256-").doesNotContain("unsafe-inline").doesNotContain("unsafe-eval")
        .contains("frame-ancestors 'none'").contains("object-src 'none'");
    assertThat(a.body()).contains("<script type=\"importmap\">").contains("/webjars/preact/10.28.0/");
    // The front-end libraries come from the WebJar on the classpath, under a versioned path; nothing from a CDN.
    assertThat(a.body()).doesNotContain("https://");
    assertThat(send("GET", "/webjars/preact/10.28.0/dist/preact.module.js", null, Map.of()).status()).isEqualTo(200);
    assertThat(send("GET", "/webjars/preact/10.28.0/hooks/dist/hooks.module.js", null, Map.of()).status()).isEqualTo(200);
    Answer app = send("GET", "/ui/app.js", null, Map.of());
    assertThat(app.status()).isEqualTo(200);
    assertThat(app.header("Content-Type")).contains("javascript");
  }

  @Test
  void signInSetsAnHttpOnlySameSiteStrictCookieWithoutSecureOverPlainHttp() throws Exception {
    Answer a = send("POST", "/session", "{\"user\":\"alice\",\"password\":\"secret-alice\"}",
        h("Content-Type", "application/json", "Origin", origin));
    assertThat(a.status()).as(a.body()).isEqualTo(200);
    String cookie = a.header("Set-Cookie");
    assertThat(cookie).startsWith(WebSessions.COOKIE + "=").contains("; HttpOnly").contains("; SameSite=Strict")
        .contains("; Path=/").doesNotContain("Secure");
    assertThat(a.json().get("user").asText()).isEqualTo("alice");
    assertThat(a.json().get("csrfToken").asText()).hasSizeGreaterThanOrEqualTo(40);
    assertThat(a.header("Cache-Control")).isEqualTo("no-store");

    String c = cookie.substring(0, cookie.indexOf(';'));
    Answer who = send("GET", "/session", null, h("Cookie", c));
    assertThat(who.json().get("user").asText()).isEqualTo("alice");
    assertThat(who.json().get("csrfToken").asText()).isEqualTo(a.json().get("csrfToken").asText());
    assertThat(send("GET", "/api/v1/stores", null, h("Cookie", c)).status()).isEqualTo(200);
  }

  @Test
  void underTlsTheCookieIsAlsoSecure(@TempDir Path tlsDir) throws Exception {
    TestCertificates.PemPair pem = TestCertificates.selfSigned(tlsDir);
    try (TestServer s = TestServer.start(tlsDir.resolve("server"), c -> c.withTls(pem.certificate(), pem.privateKey()),
        EngineOptions.defaults().withMaintenanceInterval(Duration.ZERO))) {
      HttpClient https = HttpClient.newBuilder().sslContext(TestCertificates.clientContextTrusting(pem.certificate())).build();
      String base = "https://localhost:" + s.server.port();
      Answer a = send(https, base, "POST", "/session", "{\"user\":\"bob\",\"password\":\"secret-bob\"}",
          h("Content-Type", "application/json", "Origin", base));
      assertThat(a.status()).as(a.body()).isEqualTo(200);
      assertThat(a.header("Set-Cookie")).contains("; HttpOnly").contains("; SameSite=Strict").contains("; Secure");
    }
  }

  @Test
  void wrongCredentialsGet401AndNoCookie() throws Exception {
    Answer a = send("POST", "/session", "{\"user\":\"alice\",\"password\":\"nope\"}",
        h("Content-Type", "application/json", "Origin", origin));
    assertThat(a.status()).isEqualTo(401);
    assertThat(a.header("Set-Cookie")).isNull();
    assertThat(a.header("Content-Type")).startsWith("application/problem+json");
  }

  @Test
  void signInFromAnotherOriginIsRefusedWithoutACookie() throws Exception {
    String otherPort = "http://127.0.0.1:" + (t.server.port() == 65535 ? 1 : t.server.port() + 1);
    Answer a = send("POST", "/session", "{\"user\":\"alice\",\"password\":\"secret-alice\"}",
        h("Content-Type", "application/json", "Origin", otherPort));
    assertThat(a.status()).isEqualTo(403);
    assertThat(a.json().get("mapiError").asText()).isEqualTo("MAPI_E_NO_ACCESS");
    assertThat(a.header("Set-Cookie")).isNull();
    Answer noOrigin = send("POST", "/session", "{\"user\":\"alice\",\"password\":\"secret-alice\"}",
        h("Content-Type", "application/json"));
    assertThat(noOrigin.status()).isEqualTo(403);
  }

  @Test
  void aCookieWriteNeedsTheOwnOriginAndTheCsrfTokenElse403() throws Exception {
    Browser b = signIn("alice");
    String store = t.mailbox("alice");
    String path = "/api/v1/stores/" + store + "/folders";
    String otherPort = "http://127.0.0.1:" + (t.server.port() == 65535 ? 1 : t.server.port() + 1);

    Answer ok = send("POST", path, folderBody("from the UI"), h("Cookie", b.cookie(), "Origin", origin,
        WebSessions.CSRF_HEADER, b.csrf(), "Content-Type", "application/json"));
    assertThat(ok.status()).as(ok.body()).isEqualTo(201);

    Answer noToken = send("POST", path, folderBody("no token"), h("Cookie", b.cookie(), "Origin", origin,
        "Content-Type", "application/json"));
    assertThat(noToken.status()).isEqualTo(403);
    assertThat(noToken.header("Content-Type")).startsWith("application/problem+json");
    assertThat(noToken.json().get("mapiError").asText()).isEqualTo("MAPI_E_NO_ACCESS");

    Answer wrongToken = send("POST", path, folderBody("wrong token"), h("Cookie", b.cookie(), "Origin", origin,
        WebSessions.CSRF_HEADER, b.csrf() + "x", "Content-Type", "application/json"));
    assertThat(wrongToken.status()).isEqualTo(403);

    // A page on another port of the same host is another origin, even with the right token.
    Answer otherOrigin = send("POST", path, folderBody("other origin"), h("Cookie", b.cookie(), "Origin", otherPort,
        WebSessions.CSRF_HEADER, b.csrf(), "Content-Type", "application/json"));
    assertThat(otherOrigin.status()).isEqualTo(403);
    assertThat(otherOrigin.json().get("detail").asText()).contains("origin");

    Answer noOrigin = send("POST", path, folderBody("no origin"), h("Cookie", b.cookie(),
        WebSessions.CSRF_HEADER, b.csrf(), "Content-Type", "application/json"));
    assertThat(noOrigin.status()).isEqualTo(403);

    Answer referer = send("POST", path, folderBody("by referer"), h("Cookie", b.cookie(), "Referer", origin + "/",
        WebSessions.CSRF_HEADER, b.csrf(), "Content-Type", "application/json"));
    assertThat(referer.status()).as(referer.body()).isEqualTo(201);

    Answer otherReferer = send("POST", path, folderBody("other referer"), h("Cookie", b.cookie(), "Referer",
        otherPort + "/", WebSessions.CSRF_HEADER, b.csrf(), "Content-Type", "application/json"));
    assertThat(otherReferer.status()).isEqualTo(403);

    // Reads need neither (the page's own GETs, EventSource); nothing was created by the refused writes.
    Answer folders = send("GET", path, null, h("Cookie", b.cookie()));
    assertThat(folders.status()).isEqualTo(200);
    assertThat(folders.body()).contains("from the UI").contains("by referer").doesNotContain("no token")
        .doesNotContain("wrong token").doesNotContain("other origin").doesNotContain("no origin");
  }

  @Test
  void aFormPostWithTheCookieIsRefusedAndANonJsonBodyWithTheTokenGets415() throws Exception {
    Browser b = signIn("alice");
    String store = t.mailbox("alice");
    String path = "/api/v1/stores/" + store + "/folders";
    String otherPort = "http://127.0.0.1:" + (t.server.port() == 65535 ? 1 : t.server.port() + 1);
    Answer form = send("POST", path, "displayName=evil", h("Cookie", b.cookie(), "Origin", otherPort,
        "Content-Type", "application/x-www-form-urlencoded"));
    assertThat(form.status()).isEqualTo(403);
    Answer plain = send("POST", path, folderBody("plain text"), h("Cookie", b.cookie(), "Origin", origin,
        WebSessions.CSRF_HEADER, b.csrf(), "Content-Type", "text/plain"));
    assertThat(plain.status()).isEqualTo(415);
    assertThat(plain.json().get("mapiError").asText()).isEqualTo("MAPI_E_NO_SUPPORT");
  }

  @Test
  void basicAuthNeedsNeitherOriginNorToken() throws Exception {
    String store = t.mailbox("bob");
    Answer a = send("POST", "/api/v1/stores/" + store + "/folders", folderBody("by basic"),
        h("Authorization", TestServer.basic("bob"), "Content-Type", "application/json"));
    assertThat(a.status()).as(a.body()).isEqualTo(201);
    Answer none = send("GET", "/api/v1/stores", null, Map.of());
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.header("WWW-Authenticate")).contains("Basic").contains("Bearer");
  }

  @Test
  void signOutEndsTheSessionAndClearsTheCookie() throws Exception {
    Browser b = signIn("bob");
    Answer refused = send("DELETE", "/session", null, h("Cookie", b.cookie(), "Origin", origin));
    assertThat(refused.status()).isEqualTo(403);
    Answer out = send("DELETE", "/session", null, h("Cookie", b.cookie(), "Origin", origin,
        WebSessions.CSRF_HEADER, b.csrf()));
    assertThat(out.status()).isEqualTo(204);
    assertThat(out.header("Set-Cookie")).contains("Max-Age=0");
    assertThat(send("GET", "/api/v1/stores", null, h("Cookie", b.cookie())).status()).isEqualTo(401);
    assertThat(send("GET", "/session", null, h("Cookie", b.cookie())).status()).isEqualTo(401);
  }

  @Test
  void aPasswordChangeOrTheUsersRemovalEndsTheirBrowserSessions() throws Exception {
    t.server.accounts().addUser("erin", "secret-erin".toCharArray(), false);
    Browser before = signIn("erin");
    assertThat(send("GET", "/session", null, h("Cookie", before.cookie())).status()).isEqualTo(200);

    t.server.accounts().setPassword("erin", "a-new-secret-for-erin".toCharArray());

    assertThat(send("GET", "/session", null, h("Cookie", before.cookie())).status()).isEqualTo(401);
    assertThat(send("GET", "/api/v1/stores", null, h("Cookie", before.cookie())).status()).isEqualTo(401);
    Answer again = send("POST", "/session", "{\"user\":\"erin\",\"password\":\"a-new-secret-for-erin\"}",
        h("Content-Type", "application/json", "Origin", origin));
    assertThat(again.status()).as(again.body()).isEqualTo(200);
    String cookie = again.header("Set-Cookie").substring(0, again.header("Set-Cookie").indexOf(';'));
    assertThat(send("GET", "/session", null, h("Cookie", cookie)).status()).isEqualTo(200);

    t.server.accounts().removeUser("erin");

    assertThat(send("GET", "/session", null, h("Cookie", cookie)).status()).isEqualTo(401);
  }

  @Test
  void signInIsThrottledLikeTheApi(@TempDir Path other) throws Exception {
    try (TestServer s = TestServer.start(other.resolve("server"), c -> c.withAbuse(AbuseLimits.DEFAULTS.withLogin(3, 100,
        Duration.ofSeconds(30), Duration.ofSeconds(60))), EngineOptions.defaults().withMaintenanceInterval(Duration.ZERO))) {
      String base = s.server.baseUri().toString();
      for (int i = 0; i < 3; i++) {
        assertThat(send(HTTP, base, "POST", "/session", "{\"user\":\"carol\",\"password\":\"bad\"}",
            h("Content-Type", "application/json", "Origin", base)).status()).isEqualTo(401);
      }
      Answer locked = send(HTTP, base, "POST", "/session", "{\"user\":\"carol\",\"password\":\"secret-carol\"}",
          h("Content-Type", "application/json", "Origin", base));
      assertThat(locked.status()).isEqualTo(429);
      assertThat(locked.header("Retry-After")).isNotNull();
      assertThat(locked.header("Set-Cookie")).isNull();
    }
  }

  @Test
  void signInRefusesANonJsonBody() throws Exception {
    Answer a = send("POST", "/session", "user=alice&password=secret-alice",
        h("Content-Type", "application/x-www-form-urlencoded", "Origin", origin));
    assertThat(a.status()).isEqualTo(415);
  }

  @Test
  void theHtmlBodyIsSanitizedAndServedWithACspThatBlocksScriptsAndRemoteLoadsUnlessAsked() throws Exception {
    String store = t.mailbox("alice");
    String inbox = t.folder("alice", store, "Inbox");
    com.fasterxml.jackson.databind.node.ObjectNode m = TestServer.F.objectNode();
    m.putObject("properties").put("PidTagSubject", "html").put("PidTagBodyHtml",
        "<p onclick=\"x()\">Hi <b>there</b></p><script>alert(1)</script><a href=\"javascript:alert(2)\">j</a>"
            + "<a href=\"https://example.org/\">ok</a><img src=\"https://example.org/a.png\" onerror=\"alert(3)\">"
            + "<iframe src=\"https://example.org\"></iframe><form action=\"/x\"><input name=q></form>");
    TestServer.Resp created = t.post("alice", "/stores/" + store + "/folders/" + inbox + "/messages", m);
    String id = created.json().get("messageId").asText();
    Answer a = send("GET", "/api/v1/stores/" + store + "/messages/" + id + "/html", null,
        h("Authorization", TestServer.basic("alice")));
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.header("Content-Type")).startsWith("text/html");
    assertThat(a.body()).contains("<b>there</b>").contains("https://example.org/").contains("<img")
        .doesNotContainIgnoringCase("<script").doesNotContainIgnoringCase("onclick").doesNotContainIgnoringCase("onerror")
        .doesNotContainIgnoringCase("javascript:").doesNotContainIgnoringCase("<iframe").doesNotContainIgnoringCase("<form")
        .doesNotContain("alert");
    String csp = a.header("Content-Security-Policy");
    assertThat(csp).contains("default-src 'none'").contains("img-src data:;").contains("sandbox")
        .doesNotContain("script-src");
    Answer remote = send("GET", "/api/v1/stores/" + store + "/messages/" + id + "/html?remote=true", null,
        h("Authorization", TestServer.basic("alice")));
    assertThat(remote.header("Content-Security-Policy")).contains("img-src data: https: http:").contains("sandbox");
    // Someone who may not read the message gets 404 as if it did not exist (ADR 0009).
    assertThat(send("GET", "/api/v1/stores/" + store + "/messages/" + id + "/html", null,
        h("Authorization", TestServer.basic("bob"))).status()).isEqualTo(404);
  }
}
