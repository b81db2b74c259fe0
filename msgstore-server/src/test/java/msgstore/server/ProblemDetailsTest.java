package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import msgstore.api.StoreLimits;
import msgstore.engine.EngineOptions;
import msgstore.server.TestServer.Resp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every error is RFC 9457 Problem Details with the MAPI error, its HRESULT and the field at fault. */
class ProblemDetailsTest {
  @TempDir
  static Path dir;
  static TestServer t;
  static String store;
  static String inbox;

  @BeforeAll
  static void start() {
    StoreLimits small = new StoreLimits(4 << 20, 32 << 20, 5_000, 1_000, 1_000, 8, 256, 5_000);
    t = TestServer.start(dir, c -> c.withMaxJsonBytes(4096),
        EngineOptions.defaults().withMaintenanceInterval(Duration.ZERO).withLimits(small));
    store = t.mailbox("alice");
    inbox = t.folder("alice", store, "Inbox");
  }

  @AfterAll
  static void stop() {
    t.close();
  }

  private static void assertProblem(Resp r, int status, String mapiError) {
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
    assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    JsonNode p = r.json();
    assertThat(p.get("mapiError").asText()).isEqualTo(mapiError);
    assertThat(p.get("status").asInt()).isEqualTo(status);
    assertThat(p.get("type").asText()).isEqualTo("urn:msgstore:mapi:" + mapiError);
    assertThat(p.get("hresult").asText()).startsWith("0x8");
    assertThat(p.get("title").asText()).isNotBlank();
    assertThat(r.body()).doesNotContain("\tat ").doesNotContain("Exception");
  }

  private String messages() {
    return "/stores/" + store + "/folders/" + inbox + "/messages";
  }

  @Test
  void withoutCredentials401WithBothChallenges() {
    Resp r = t.get(null, "/stores");
    assertProblem(r, 401, "MAPI_E_NO_ACCESS");
    assertThat(r.header("WWW-Authenticate")).contains("Basic realm=\"msgstore\"").contains("Bearer realm=\"msgstore\"");
    Resp bad = t.send(null, "GET", "/stores", null, Map.of("Authorization", "Basic YWxpY2U6d3Jvbmc="));
    assertThat(bad.status()).isEqualTo(401);
  }

  @Test
  void malformedJsonIs400InvalidParameter() {
    Resp r = t.post("alice", messages(), "{\"properties\": {");
    assertProblem(r, 400, "MAPI_E_INVALID_PARAMETER");
    assertThat(r.json().get("detail").asText()).contains("malformed JSON");
  }

  @Test
  void anUnknownPropertyNameNamesTheField() {
    Resp r = t.post("alice", messages(), "{\"properties\":{\"PidTagSubjct\":\"x\"}}");
    assertProblem(r, 400, "MAPI_E_INVALID_PARAMETER");
    assertThat(r.json().get("field").asText()).isEqualTo("properties.PidTagSubjct");
  }

  @Test
  void aValueOfTheWrongTypeIsInvalidTypeNamingTheField() {
    Resp r = t.post("alice", messages(), "{\"properties\":{\"PidTagImportance\":\"high\"}}");
    assertProblem(r, 400, "MAPI_E_INVALID_TYPE");
    assertThat(r.json().get("field").asText()).isEqualTo("properties.PidTagImportance");
  }

  @Test
  void aJsonBodyOverTheLimitIs413TooBig() {
    String big = "{\"properties\":{\"PidTagBody\":\"" + "x".repeat(5000) + "\"}}";
    assertProblem(t.post("alice", messages(), big), 413, "MAPI_E_TOO_BIG");
  }

  @Test
  void anUploadOverTheAttachmentLimitIs413TooBig() {
    Resp r = t.send("alice", "POST", "/stores/" + store + "/content", new byte[2000],
        Map.of("Content-Type", "application/octet-stream"));
    assertProblem(r, 413, "MAPI_E_TOO_BIG");
    Resp ok = t.send("alice", "POST", "/stores/" + store + "/content", new byte[10],
        Map.of("Content-Type", "application/octet-stream"));
    assertThat(ok.status()).isEqualTo(201);
    Resp back = t.get("alice", "/stores/" + store + "/content/" + ok.json().get("sha256").asText());
    assertThat(back.status()).isEqualTo(200);
    assertThat(back.body()).hasSize(10);
  }

  @Test
  void unknownRoutesAre404AndWrongMethods405() {
    Resp r = t.get("alice", "/nothing/here");
    assertProblem(r, 404, "MAPI_E_NOT_FOUND");
    Resp m = t.send("alice", "DELETE", "/stores", null, Map.of());
    assertThat(m.status()).isEqualTo(405);
    assertThat(m.header("Content-Type")).startsWith("application/problem+json");
  }

  @Test
  void anUnknownMessageIs404AndAMalformedIdToo() {
    assertProblem(t.get("alice", "/stores/" + store + "/messages/m-999999"), 404, "MAPI_E_NOT_FOUND");
    assertProblem(t.get("alice", "/stores/" + store + "/messages/zzz"), 404, "MAPI_E_INVALID_ENTRYID");
  }

  @Test
  void aMessageOfAnotherStoreIs404EvenToItsOwner() {
    Resp c = t.post("alice", messages(), TestServer.message("mine"));
    String other = t.post("alice", "/stores", "{\"displayName\":\"Archive\"}").json().get("id").asText();
    Resp r = t.get("alice", "/stores/" + other + "/messages/" + c.json().get("messageId").asText());
    assertProblem(r, 404, "MAPI_E_NOT_FOUND");
  }

  @Test
  void whatTheUserMayNotReadAnswersAsIfItDidNotExist() {
    Resp c = t.post("alice", messages(), TestServer.message("private"));
    String path = "/stores/" + store + "/messages/" + c.json().get("messageId").asText();
    assertProblem(t.get("bob", path), 404, "MAPI_E_NOT_FOUND");
    assertProblem(t.get("bob", "/stores/" + store + "/folders/" + inbox), 404, "MAPI_E_NOT_FOUND");
    assertProblem(t.patch("bob", path, TestServer.props("PidTagSubject", "x"), c.etag()), 404, "MAPI_E_NOT_FOUND");
  }
}
