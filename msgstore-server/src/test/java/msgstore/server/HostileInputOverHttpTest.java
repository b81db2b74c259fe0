package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import msgstore.protocol.SaveRequest;
import msgstore.server.TestServer.Resp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile request bodies and headers over real HTTP (issue 7): each is refused with a 4xx Problem
 * naming the problem (never a 5xx, never Jetty's HTML page), quickly, and writes nothing; the
 * server keeps serving. Limits: docs/configuration.md, "Input limits".
 */
class HostileInputOverHttpTest {
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

  private static String messages() {
    return "/stores/" + store + "/folders/" + inbox + "/messages";
  }

  private static int count() {
    return t.get("alice", "/stores/" + store + "/folders/" + inbox).json().get("contentCount").asInt();
  }

  private static JsonNode assertProblem(Resp r, int status, String mapiError, String detailContains) {
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
    assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("<html");
    JsonNode p = r.json();
    assertThat(p.get("mapiError").asText()).isEqualTo(mapiError);
    assertThat(p.get("detail").asText()).contains(detailContains);
    return p;
  }

  /** Sends raw bytes as a JSON body. */
  private static Resp raw(String method, String path, byte[] body, String contentType) {
    return t.send("alice", method, path, body, Map.of("Content-Type", contentType));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void deeplyNestedArraysAre400NamingTheDepthLimit() {
    int before = count();
    assertProblem(raw("POST", messages(), utf8("[".repeat(100_000)), "application/json"), 400,
        "MAPI_E_INVALID_PARAMETER", "json.max.depth");
    assertProblem(raw("POST", messages(), utf8("{\"a\":".repeat(50_000) + "1" + "}".repeat(50_000)),
        "application/json"), 400, "MAPI_E_INVALID_PARAMETER", "json.max.depth");
    assertThat(count()).isEqualTo(before);
  }

  @Test
  void aHundredThousandDigitNumberIs400NamingTheNumberLimit() {
    String body = "{\"properties\":{\"PidTagImportance\":" + "9".repeat(100_000) + "}}";
    assertProblem(raw("POST", messages(), utf8(body), "application/json"), 400, "MAPI_E_INVALID_PARAMETER",
        "json.max.number.length");
  }

  @Test
  void aHundredKilobytePropertyNameIs400NamingTheKeyLimit() {
    String body = "{\"properties\":{\"" + "P".repeat(100_000) + "\":\"x\"}}";
    assertProblem(raw("POST", messages(), utf8(body), "application/json"), 400, "MAPI_E_INVALID_PARAMETER",
        "json.max.name.length");
  }

  @Test
  void aHundredThousandDeepRestrictionIs400InTheBodyAndInTheQuery() {
    String deep = "{\"not\":".repeat(100_000) + "{\"exist\":\"PidTagSubject\"}" + "}".repeat(100_000);
    assertProblem(raw("POST", messages() + "/query", utf8("{\"restriction\":" + deep + "}"), "application/json"),
        400, "MAPI_E_INVALID_PARAMETER", "json.max.depth");
    String q = "{\"not\":".repeat(2_000) + "{\"exist\":\"PidTagSubject\"}" + "}".repeat(2_000);
    Resp r = t.get("alice", messages() + "?restriction=" + java.net.URLEncoder.encode(q, StandardCharsets.UTF_8));
    assertThat(r.status()).as(r.toString()).isBetween(400, 499);
    assertThat(r.header("Content-Type")).startsWith("application/problem+json");
  }

  @Test
  void anOverlongUtf8SequenceIsRefusedNotStoredAsASlash() {
    int before = count();
    byte[] head = utf8("{\"properties\":{\"PidTagSubject\":\"a");
    byte[] tail = utf8("b\"}}");
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(head);
    b.write(0xC0);
    b.write(0xAF);
    b.writeBytes(tail);
    assertProblem(raw("POST", messages(), b.toByteArray(), "application/json"), 400, "MAPI_E_INVALID_PARAMETER",
        "not well-formed UTF-8");
    // an encoded surrogate (ED A0 80) and a truncated sequence are refused the same way
    b.reset();
    b.writeBytes(head);
    b.writeBytes(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80});
    b.writeBytes(tail);
    assertProblem(raw("POST", messages(), b.toByteArray(), "application/json"), 400, "MAPI_E_INVALID_PARAMETER",
        "UTF-8");
    assertThat(count()).isEqualTo(before);
    // well-formed UTF-8 beyond ASCII is of course fine
    Resp ok = raw("POST", messages(), utf8("{\"properties\":{\"PidTagSubject\":\"Grüße 😀\"}}"), "application/json");
    assertThat(ok.status()).as(ok.toString()).isEqualTo(201);
    assertThat(TestServer.subject(ok.json().get("message"))).isEqualTo("Grüße 😀");
  }

  @Test
  void aDoubleOutOfRangeIsRefusedNotStoredAsInfinity() {
    int before = count();
    Resp r = raw("POST", messages(), utf8("{\"properties\":{\"0x60010005\":1e400}}"), "application/json");
    assertProblem(r, 400, "MAPI_E_INVALID_TYPE", "out of the range");
    assertThat(r.json().get("field").asText()).contains("0x60010005");
    assertProblem(raw("POST", messages(), utf8("{\"properties\":{\"0x60020004\":1e39}}"), "application/json"), 400,
        "MAPI_E_INVALID_TYPE", "PT_FLOAT");
    assertThat(count()).isEqualTo(before);
    // the special values have a written form of their own, and it reads back
    Resp ok = raw("POST", messages(), utf8("{\"properties\":{\"0x60010005\":\"-Infinity\",\"0x60030005\":\"NaN\"}}"),
        "application/json");
    assertThat(ok.status()).as(ok.toString()).isEqualTo(201);
    JsonNode p = ok.json().get("message").get("properties");
    assertThat(p.get("0x60010005").get("value").asText()).isEqualTo("-Infinity");
    assertThat(p.get("0x60030005").get("value").asText()).isEqualTo("NaN");
  }

  @Test
  void aCreateWithAHundredThousandPropertiesIs413AtOnce() {
    int before = count();
    StringBuilder body = new StringBuilder("{\"properties\":{");
    for (int i = 0; i < 100_000; i++) {
      body.append(i == 0 ? "" : ",").append(String.format("\"0x%04X0003\":%d", 0x6000 + (i % 0x2000), i));
    }
    body.append("}}");
    long t0 = System.nanoTime();
    // keys repeat after 8,192 ids (0x6000-0x7FFF): Jackson keeps the last; that is still over the limit
    Resp r = raw("POST", messages(), utf8(body.toString()), "application/json");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertProblem(r, 413, "MAPI_E_TOO_BIG", "over the limit of 5000");
    assertThat(count()).isEqualTo(before);
    System.out.println("100,000 properties refused in " + ms + " ms");
    assertThat(ms).as("refused without minutes of CPU").isLessThan(10_000);
  }

  @Test
  void aSixtyFourKilobyteAuthorizationHeaderIs431ProblemDetails() throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(t.base + "/stores"))
        .header("Authorization", "Basic " + "A".repeat(64 * 1024)).timeout(Duration.ofSeconds(30)).GET().build();
    HttpResponse<String> r = t.http.send(req, HttpResponse.BodyHandlers.ofString());
    Resp resp = new Resp(r.statusCode(), r.headers(), r.body());
    assertProblem(resp, 431, "MAPI_E_TOO_BIG", "http.max.header.bytes");
    // and a URI over the limit is 414, also Problem Details
    HttpResponse<String> u = t.http.send(HttpRequest.newBuilder(URI.create(t.base + "/stores?x=" + "a".repeat(64 * 1024)))
        .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(u.statusCode()).isIn(414, 431);
    assertThat(u.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
    assertThat(t.get("alice", "/stores").status()).isEqualTo(200);
  }

  @Test
  void bodiesThatAreNotDeclaredJsonAre415AndNothingIsSaved() {
    int before = count();
    byte[] body = utf8(TestServer.message("not json").toString());
    for (String type : new String[] {"application/x-bogus", "text/plain", "image/png",
        "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=ISO-8859-1"}) {
      assertProblem(raw("POST", messages(), body, type), 415, "MAPI_E_NO_SUPPORT", "JSON");
    }
    assertThat(count()).isEqualTo(before);
    Resp made = raw("POST", messages(), body, "application/json; charset=UTF-8");
    assertThat(made.status()).as(made.toString()).isEqualTo(201);
    String m = "/stores/" + store + "/messages/" + made.json().get("messageId").asText();
    String etag = made.etag();
    Resp put = t.send("alice", "PUT", m, body, Map.of("Content-Type", "text/plain", "If-Match", etag));
    assertProblem(put, 415, "MAPI_E_NO_SUPPORT", "text/plain");
    Resp patch = t.send("alice", "PATCH", m, utf8("{\"properties\":{\"PidTagSubject\":\"patched\"}}"),
        Map.of("Content-Type", "application/merge-patch+json", "If-Match", etag));
    assertThat(patch.status()).as(patch.toString()).isEqualTo(200);
    Resp ops = t.send("alice", "PATCH", m, utf8("{\"ops\":[]}"), Map.of("Content-Type", "application/xml",
        "If-Match", patch.etag()));
    assertProblem(ops, 415, "MAPI_E_NO_SUPPORT", "application/xml");
    assertThat(SaveRequest.MEDIA_TYPE).endsWith("+json"); // the SDK's own type is JSON
  }

  @Test
  void afterAllOfItTheServerStillAnswersAndStoresAreIntact() {
    aHundredThousandDigitNumberIs400NamingTheNumberLimit();
    deeplyNestedArraysAre400NamingTheDepthLimit();
    assertThat(t.get("alice", "/stores").status()).isEqualTo(200);
    assertThat(t.server.store().checkIntegrity()).isEmpty();
  }
}
