package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import msgstore.server.TestServer.Resp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GET answers from {@link RenderedBodies} (issue 11) are never stale: every change a reader can
 * see (a save, a read-state change, a status change, a delete, a restore, a flag STORE) or a
 * different caller's access gives a different view key, over real HTTP. Each pair of GETs below
 * is first answered by rendering, then by the cache; the second must equal a fresh rendering.
 */
class RenderedBodiesOverHttpTest {
  @TempDir static Path dir;
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

  private String s() {
    return "/stores/" + store;
  }

  private static String subject(Resp r) {
    return r.json().get("properties").get("PidTagSubject").get("value").asText();
  }

  /** Two GETs in a row (the second from the cache when the first rendered): both must agree. */
  private Resp getTwice(String user, String path) {
    Resp a = t.get(user, path);
    Resp b = t.get(user, path);
    assertThat(b.status()).isEqualTo(a.status());
    if (a.status() == 200) {
      assertThat(b.body()).as("a cached answer equals the rendered one").isEqualTo(a.body());
      assertThat(b.header("ETag")).isEqualTo(a.header("ETag"));
    }
    return b;
  }

  @Test
  @DisplayName("a save, a read-state change, a status change and a flag STORE each show at once in GET")
  void everyChangeShowsInTheNextGet() {
    Resp c = t.post("alice", s() + "/folders/" + inbox + "/messages", TestServer.message("first"));
    String path = s() + "/messages/" + c.json().get("messageId").asText();
    Resp g1 = getTwice("alice", path);
    assertThat(subject(g1)).isEqualTo("first");

    Resp p = t.patch("alice", path, TestServer.props("PidTagSubject", "second"), g1.header("ETag"));
    assertThat(p.status()).as(p.toString()).isEqualTo(200);
    Resp g2 = getTwice("alice", path);
    assertThat(subject(g2)).isEqualTo("second");
    assertThat(g2.header("ETag")).isNotEqualTo(g1.header("ETag"));

    boolean readBefore = g2.json().get("read").asBoolean();
    assertThat(t.send("alice", "PUT", path + "/read", "{\"read\":" + !readBefore + "}", Map.of()).status()).isEqualTo(204);
    Resp g3 = getTwice("alice", path);
    assertThat(g3.json().get("read").asBoolean()).as("R71: no new version, still a new view").isEqualTo(!readBefore);
    assertThat(g3.header("ETag")).isEqualTo(g2.header("ETag"));

    assertThat(t.post("alice", path + "/status", "{\"status\":4096,\"mask\":4096}").status()).isEqualTo(204);
    Resp g4 = getTwice("alice", path);
    assertThat(status(g4) & 4096).isEqualTo(4096);

    assertThat(t.post("alice", path + "/flags", "{\"set\":{\"PidTagFlagStatus\":2}}").status()).isEqualTo(200);
    Resp g5 = getTwice("alice", path);
    assertThat(g5.json().get("properties").get("PidTagFlagStatus").get("value").asInt()).isEqualTo(2);
  }

  @Test
  @DisplayName("a deleted message is not served from the cache; restored, it is served again")
  void deleteAndRestoreShowAtOnce() {
    Resp c = t.post("alice", s() + "/folders/" + inbox + "/messages", TestServer.message("to delete"));
    String path = s() + "/messages/" + c.json().get("messageId").asText();
    getTwice("alice", path);
    assertThat(t.send("alice", "DELETE", path, null, Map.of()).status()).isEqualTo(204);
    assertThat(getTwice("alice", path).status()).isEqualTo(404);
    assertThat(t.post("alice", path + "/undelete", "{}").status()).isIn(200, 204);
    assertThat(subject(getTwice("alice", path))).isEqualTo("to delete");
  }

  @Test
  @DisplayName("ADR 0009: another reader gets their own access in the body, and nothing without rights")
  void eachCallerGetsTheirOwnAccess() {
    Resp f = t.post("alice", s() + "/folders", "{\"displayName\":\"Cached shared\"}");
    String shared = f.json().get("id").asText();
    Resp m = t.post("alice", s() + "/folders/" + shared + "/messages", TestServer.message("shared"));
    String path = s() + "/messages/" + m.json().get("messageId").asText();
    JsonNode owner = getTwice("alice", path).json();
    assertThat(t.get("carol", path).status()).as("no rights yet: not found, not the cached body").isEqualTo(404);
    assertThat(t.send("alice", "PUT", s() + "/folders/" + shared + "/rights/carol", "{\"rights\":\"REVIEWER\"}",
        Map.of()).status()).isEqualTo(204);
    JsonNode reviewer = getTwice("carol", path).json();
    assertThat(reviewer.get("properties").get("PidTagAccess").get("value").asInt())
        .isNotEqualTo(owner.get("properties").get("PidTagAccess").get("value").asInt());
    assertThat(t.send("alice", "PUT", s() + "/folders/" + shared + "/rights/carol", "{\"rights\":\"NONE\"}",
        Map.of()).status()).isEqualTo(204);
    assertThat(t.get("carol", path).status()).as("rights withdrawn: the cached body is not served").isEqualTo(404);
  }

  private static int status(Resp r) {
    return r.json().get("properties").get("PidTagMessageStatus").get("value").asInt();
  }
}
