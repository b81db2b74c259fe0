package msgstore.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import msgstore.api.StoreLimits;
import msgstore.engine.EngineOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST .../folders/{f}/messages} with {@code Content-Type: message/rfc822} and {@code GET
 * .../messages/{m}} with {@code Accept: message/rfc822} over real HTTP, with curl as the client
 * (docs/http-api.md "Messages as RFC 5322").
 */
class Rfc822RoutesTest {
  private static final String MAIL = "Message-ID: <rfc822-route@example.com>\r\nFrom: Ann <ann@example.com>\r\n"
      + "To: Bob <bob@example.com>\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= over HTTP\r\n"
      + "Date: Sat, 05 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
      + "\r\nHallo Bob,\r\n\r\nviele Gr\u00fc\u00dfe.\r\n";

  @TempDir
  Path dir;

  TestServer server;
  String inbox;
  String store;

  @BeforeEach
  void start() {
    StoreLimits small = new StoreLimits(4 << 20, 32 << 20, 5_000, 1_000, 64 << 10, 8, 256, 5_000);
    server = TestServer.start(dir, c -> c, EngineOptions.defaults().withMaintenanceInterval(Duration.ZERO)
        .withLimits(small));
    store = server.mailbox("alice");
    inbox = server.folder("alice", store, "Inbox");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static String curl(List<String> args) throws IOException, InterruptedException {
    assumeTrue(new java.io.File("/usr/bin/curl").canExecute(), "curl is not installed");
    List<String> cmd = new java.util.ArrayList<>(List.of("curl", "-sS", "-u", "alice:secret-alice"));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  @Test
  void aMessagePostedWithCurlShouldBeCreatedAndComeBackByteForByte() throws Exception {
    Path eml = dir.resolve("in.eml");
    Files.writeString(eml, MAIL, UTF_8);
    String headers = curl(List.of("-D", "-", "-o", dir.resolve("created.json").toString(), "--data-binary", "@" + eml,
        "-H", "Content-Type: message/rfc822", server.base + "/stores/" + store + "/folders/" + inbox + "/messages"));
    assertThat(headers).startsWith("HTTP/1.1 201").containsIgnoringCase("ETag: \"").containsIgnoringCase("Location: ");
    String location = headers.lines().filter(l -> l.regionMatches(true, 0, "Location:", 0, 9)).findFirst().orElseThrow()
        .substring(9).strip();
    assertThat(Files.readString(dir.resolve("created.json"))).contains("Grüße over HTTP");

    Path back = dir.resolve("back.eml");
    String getHeaders = curl(List.of("-D", "-", "-o", back.toString(), "-H", "Accept: message/rfc822",
        location.startsWith("http") ? location : server.base.replaceFirst("/api/v1$", "") + location));
    assertThat(getHeaders).startsWith("HTTP/1.1 200").containsIgnoringCase("Content-Type: message/rfc822");
    assertThat(Files.readAllBytes(back)).isEqualTo(Files.readAllBytes(eml));

    // The JSON form is still the default, with the same ETag.
    TestServer.Resp json = server.get("alice", location.substring(location.indexOf("/stores/")));
    assertThat(json.status()).isEqualTo(200);
    assertThat(TestServer.subject(json.json())).isEqualTo("Grüße over HTTP");
    assertThat(getHeaders.toLowerCase()).contains("etag: " + json.etag().toLowerCase());
  }

  @Test
  void theAcceptHeaderShouldBeNegotiatedByQualityAsRfc9110Says() throws Exception {
    String path = "/stores/" + store + "/folders/" + inbox + "/messages";
    TestServer.Resp created = server.send("alice", "POST", path, MAIL.getBytes(UTF_8),
        Map.of("Content-Type", "message/rfc822"));
    assertThat(created.status()).isEqualTo(201);
    String location = created.headers().firstValue("Location").orElseThrow();
    String message = location.substring(location.indexOf("/stores/"));
    for (Map.Entry<String, String> e : Map.of(
        "message/rfc822", "message/rfc822",
        "message/rfc822, */*;q=0.1", "message/rfc822",
        "application/json;q=0.5, message/rfc822", "message/rfc822",
        "message/*", "message/rfc822",
        "message/rfc822;q=0.4, application/json;q=0.9", "application/json",
        "message/rfc822;q=0, */*", "application/json",
        "*/*", "application/json",
        "message/rfc822, application/json", "application/json").entrySet()) {
      TestServer.Resp r = server.send("alice", "GET", message, null, Map.of("Accept", e.getKey()));
      assertThat(r.status()).as(e.getKey()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type").orElse("")).as(e.getKey()).startsWith(e.getValue());
    }
  }

  @Test
  void theSameMessagePostedAgainShouldBeAnsweredTwoHundredWithSkipIfPresent() {
    String path = "/stores/" + store + "/folders/" + inbox + "/messages";
    TestServer.Resp first = server.send("alice", "POST", path, MAIL.getBytes(UTF_8), Map.of("Content-Type", "message/rfc822"));
    assertThat(first.status()).as(first.toString()).isEqualTo(201);
    TestServer.Resp again = server.send("alice", "POST", path + "?skipIfPresent=true", MAIL.getBytes(UTF_8),
        Map.of("Content-Type", "message/rfc822"));
    assertThat(again.status()).as(again.toString()).isEqualTo(200);
    assertThat(again.header("Location")).isEqualTo(first.header("Location"));
  }

  @Test
  void badOrOversizedBodiesShouldBeProblemDetailsAndCreateNothing() throws Exception {
    String path = "/stores/" + store + "/folders/" + inbox + "/messages";
    TestServer.Resp empty = server.send("alice", "POST", path, new byte[0], Map.of("Content-Type", "message/rfc822"));
    assertThat(empty.status()).as(empty.toString()).isEqualTo(400);
    assertThat(empty.body()).contains("MAPI_E_INVALID_PARAMETER", "not an RFC 5322 message");

    // Refused from its Content-Length before the body is read (curl copes with the early answer;
    // Java's HttpClient reports the broken pipe instead of the response).
    Path big = dir.resolve("big.eml");
    Files.writeString(big, MAIL + "x".repeat(70 << 10) + "\r\n", UTF_8);
    String tooBig = curl(List.of("-w", "\n%{http_code}", "--data-binary", "@" + big, "-H", "Content-Type: message/rfc822",
        server.base + path));
    assertThat(tooBig).endsWith("\n413").contains("MAPI_E_TOO_BIG", "65536");

    TestServer.Resp list = server.get("alice", "/stores/" + store + "/folders/" + inbox + "/messages");
    assertThat(list.body()).doesNotContain("Grüße");
  }

  @Test
  void anOutlookMsgPostedWithCurlShouldBeImportedWithItsPropertiesAndExportAsRfc5322() throws Exception {
    Path msg = dir.resolve("testMSG_chinese.msg");
    try (java.io.InputStream in = getClass().getClassLoader().getResourceAsStream("test-documents/testMSG_chinese.msg")) {
      Files.copy(in, msg);
    }
    String path = "/stores/" + store + "/folders/" + inbox + "/messages";
    String headers = curl(List.of("-D", "-", "-o", dir.resolve("msg.json").toString(), "--data-binary", "@" + msg,
        "-H", "Content-Type: application/vnd.ms-outlook", server.base + path));
    assertThat(headers).startsWith("HTTP/1.1 201").containsIgnoringCase("Location: ");
    com.fasterxml.jackson.databind.JsonNode created = msgstore.protocol.Wire.parse(Files.readAllBytes(dir.resolve("msg.json")));
    String subject = TestServer.subject(created);
    assertThat(subject).as(created.toString()).isNotBlank();
    String id = created.get("id").asText();
    TestServer.Resp rfc822 = server.send("alice", "GET", "/stores/" + store + "/messages/" + id, null,
        Map.of("Accept", "message/rfc822"));
    assertThat(rfc822.status()).isEqualTo(200);
    assertThat(rfc822.header("Content-Type")).startsWith("message/rfc822");
    assertThat(rfc822.body()).as("rendered, not the OLE2 bytes").contains("Subject: ").doesNotContain("Root Entry");
    // the same bytes again with skipIfPresent: the same message
    TestServer.Resp again = server.send("alice", "POST", path + "?skipIfPresent=true", Files.readAllBytes(msg),
        Map.of("Content-Type", "application/vnd.ms-outlook"));
    assertThat(again.status()).as(again.toString()).isEqualTo(200);
    // bytes that are not a .msg: 400 naming the problem, nothing created
    TestServer.Resp bad = server.send("alice", "POST", path, MAIL.getBytes(UTF_8),
        Map.of("Content-Type", "application/vnd.ms-outlook"));
    assertThat(bad.status()).as(bad.toString()).isEqualTo(400);
    assertThat(bad.body()).contains("MAPI_E_INVALID_PARAMETER");
  }
}
