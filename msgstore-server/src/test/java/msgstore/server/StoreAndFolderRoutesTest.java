package msgstore.server;

import static msgstore.server.TestServer.F;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import msgstore.server.TestServer.Resp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stores, folders, rights, contents tables, named properties, journal, tokens and users over HTTP. */
class StoreAndFolderRoutesTest {
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

  private String s() {
    return "/stores/" + store;
  }

  @Test
  void aUserAddedWithAMailboxGetsItOnTheirFirstRequest() {
    JsonNode stores = t.get("bob", "/stores").json();
    assertThat(stores).hasSize(1);
    assertThat(stores.get(0).get("displayName").asText()).isEqualTo("bob's mailbox");
    assertThat(stores.get(0).get("owner").asText()).isEqualTo("bob");
  }

  @Test
  void limitsStoresAndStoreInfo() {
    assertThat(t.get("alice", "/limits").json().get("maxAttachments").asInt()).isEqualTo(1000);
    Resp c = t.post("alice", "/stores", "{\"displayName\":\"Project\"}");
    assertThat(c.status()).isEqualTo(201);
    assertThat(c.header("Location")).endsWith("/stores/" + c.json().get("id").asText());
    Resp g = t.get("alice", "/stores/" + c.json().get("id").asText());
    assertThat(g.json().get("displayName").asText()).isEqualTo("Project");
    assertThat(g.json().get("rootFolderId").asText()).startsWith("f-");
  }

  @Test
  void foldersListRootFirstAndCreateRenameMoveDelete() {
    JsonNode all = t.get("alice", s() + "/folders").json();
    assertThat(all.get(0).get("parentId").isNull()).isTrue();
    List<String> names = new ArrayList<>();
    all.forEach(f -> names.add(f.get("displayName").asText()));
    assertThat(names).contains("Inbox", "Drafts", "Sent Items", "Deleted Items");

    Resp a = t.post("alice", s() + "/folders", "{\"displayName\":\"A\"}");
    assertThat(a.status()).isEqualTo(201);
    String aId = a.json().get("id").asText();
    assertThat(a.header("Location")).endsWith("/folders/" + aId);
    Resp b = t.post("alice", s() + "/folders", F.objectNode().put("displayName", "B").put("parentId", aId));
    String bId = b.json().get("id").asText();
    assertThat(t.get("alice", s() + "/folders/" + aId + "/folders").json()).hasSize(1);
    assertThat(t.get("alice", s() + "/folders/" + aId + "/folders?deep=true").json()).hasSize(1);

    Resp dup = t.post("alice", s() + "/folders", "{\"displayName\":\"A\"}");
    assertThat(dup.status()).isEqualTo(409);
    assertThat(dup.json().get("mapiError").asText()).isEqualTo("MAPI_E_COLLISION");

    Resp cycle = t.send("alice", "PATCH", s() + "/folders/" + aId, F.objectNode().put("parentId", bId), Map.of());
    assertThat(cycle.status()).isEqualTo(409);
    assertThat(cycle.json().get("mapiError").asText()).isEqualTo("MAPI_E_FOLDER_CYCLE");

    Resp renamed = t.send("alice", "PATCH", s() + "/folders/" + bId, "{\"displayName\":\"B2\",\"parentId\":\"" + inbox
        + "\"}", Map.of());
    assertThat(renamed.status()).as(renamed.toString()).isEqualTo(200);
    assertThat(renamed.json().get("displayName").asText()).isEqualTo("B2");
    assertThat(renamed.json().get("parentId").asText()).isEqualTo(inbox);

    assertThat(t.delete("alice", s() + "/folders/" + aId + "?mode=HARD").status()).isEqualTo(204);
    assertThat(t.get("alice", s() + "/folders/" + aId).status()).isEqualTo(404);
  }

  @Test
  void folderPropertiesReadAndMergePatch_R86() {
    Resp p = t.send("alice", "PATCH", s() + "/folders/" + inbox + "/properties",
        "{\"properties\":{\"PidTagComment\":\"hello\"}}", Map.of());
    assertThat(p.status()).as(p.toString()).isEqualTo(200);
    assertThat(p.json().get("properties").get("PidTagComment").get("value").asText()).isEqualTo("hello");
    Resp g = t.get("alice", s() + "/folders/" + inbox + "/properties");
    assertThat(g.json().get("properties").get("PidTagDisplayName").get("value").asText()).isEqualTo("Inbox");
    assertThat(g.json().get("properties").get("PidTagComment").get("value").asText()).isEqualTo("hello");
  }

  @Test
  void deletingAFolderPropertyWithNullIsA400NamingThePropertyNotA5xx() {
    // Found by ServerFuzzTest (finding-folder-property-null-answered-501): this answered 501.
    Resp p = t.send("alice", "PATCH", s() + "/folders/" + inbox + "/properties",
        "{\"properties\":{\"PidTagComment\":null}}", Map.of());
    assertThat(p.status()).as(p.toString()).isEqualTo(400);
    assertThat(p.json().get("mapiError").asText()).isEqualTo("MAPI_E_INVALID_PARAMETER");
    assertThat(p.json().get("field").asText()).isEqualTo("properties.PidTagComment");
  }

  @Test
  void rightsDecideWhatAnotherUserMayDo_R2_R5() {
    Resp f = t.post("alice", s() + "/folders", "{\"displayName\":\"Shared\"}");
    String shared = f.json().get("id").asText();
    Resp m = t.post("alice", s() + "/folders/" + shared + "/messages", TestServer.message("shared msg"));
    String path = s() + "/messages/" + m.json().get("messageId").asText();
    assertThat(t.get("carol", path).status()).isEqualTo(404);
    assertThat(t.send("alice", "PUT", s() + "/folders/" + shared + "/rights/carol", "{\"rights\":\"REVIEWER\"}",
        Map.of()).status()).isEqualTo(204);
    assertThat(t.get("carol", path).status()).isEqualTo(200);
    Resp write = t.patch("carol", path, TestServer.props("PidTagSubject", "x"), m.etag());
    assertThat(write.status()).isEqualTo(403);
    assertThat(write.json().get("mapiError").asText()).isEqualTo("MAPI_E_NO_ACCESS");
    assertThat(t.get("carol", path + "?open=BEST_ACCESS").json().get("accessLevel").asText()).isEqualTo("READ_ONLY");
    assertThat(t.send("alice", "PUT", s() + "/folders/" + shared + "/rights/carol", "{\"rights\":\"EDITOR\"}",
        Map.of()).status()).isEqualTo(204);
    assertThat(t.patch("carol", path, TestServer.props("PidTagSubject", "by carol"), m.etag()).status()).isEqualTo(200);
    assertThat(t.get("carol", "/stores").json().size()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void contentsTableByQueryStringAndByPost() {
    Resp f = t.post("alice", s() + "/folders", "{\"displayName\":\"Table\"}");
    String fid = f.json().get("id").asText();
    for (String subj : List.of("b", "a", "c")) {
      t.post("alice", s() + "/folders/" + fid + "/messages", TestServer.message(subj));
    }
    Resp q = t.get("alice", s() + "/folders/" + fid + "/messages?columns=PidTagSubject&sort=PidTagSubject&limit=2");
    assertThat(q.status()).as(q.toString()).isEqualTo(200);
    assertThat(q.json().get("rowCount").asInt()).isEqualTo(3);
    assertThat(q.json().get("rows")).hasSize(2);
    assertThat(q.json().get("rows").get(0).get("properties").get("PidTagSubject").get("value").asText()).isEqualTo("a");
    String restriction = URLEncoder.encode("{\"content\":{\"tag\":\"PidTagSubject\",\"text\":\"c\",\"match\":\"FULLSTRING\"}}",
        StandardCharsets.UTF_8);
    Resp r = t.get("alice", s() + "/folders/" + fid + "/messages?restriction=" + restriction);
    assertThat(r.json().get("rowCount").asInt()).isEqualTo(1);
    Resp p = t.post("alice", s() + "/folders/" + fid + "/messages/query",
        "{\"columns\":[\"PidTagSubject\"],\"sort\":[{\"tag\":\"PidTagSubject\",\"descending\":true}],"
            + "\"restriction\":{\"exist\":{\"tag\":\"PidTagSubject\"}},\"offset\":0,\"limit\":10}");
    assertThat(p.status()).as(p.toString()).isEqualTo(200);
    assertThat(p.json().get("rows").get(0).get("properties").get("PidTagSubject").get("value").asText()).isEqualTo("c");

    List<String> ids = new ArrayList<>();
    p.json().get("rows").forEach(row -> ids.add(row.get("id").asText()));
    var body = F.objectNode().put("read", true);
    ids.forEach(body.putArray("ids")::add);
    assertThat(t.post("alice", s() + "/folders/" + fid + "/read-flags", body).status()).isEqualTo(204);
    assertThat(t.get("alice", s() + "/folders/" + fid).json().get("unreadCount").asInt()).isZero();

    var del = F.objectNode().put("mode", "SOFT");
    del.putArray("ids").add(ids.get(0));
    assertThat(t.post("alice", s() + "/messages/delete", del).status()).isEqualTo(204);
    assertThat(t.get("alice", s() + "/folders/" + fid + "/deleted").json().get("ids").get(0).asText())
        .isEqualTo(ids.get(0));
  }

  @Test
  @DisplayName("ADR 0028 over HTTP: /mailbox shows UIDNEXT and HIGHESTMODSEQ; /flags is a STORE, 412 when stale, 400 for a non-flag property")
  void mailboxAndFlagsRoutesActAsImapStore() {
    String id = t.post("alice", s() + "/folders/" + inbox + "/messages", TestServer.message("flagged")).json()
        .get("messageId").asText();
    JsonNode box = t.get("alice", s() + "/folders/" + inbox + "/mailbox").json();
    long highest = box.get("highestModseq").asLong();
    assertThat(box.get("uidNext").asLong()).isGreaterThan(1);
    Resp ok = t.post("alice", s() + "/messages/" + id + "/flags",
        "{\"read\":true,\"set\":{\"PidTagFlagStatus\":2},\"unchangedSince\":" + highest + "}");
    assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
    assertThat(ok.json().get("modseq").asLong()).isGreaterThan(highest);
    assertThat(ok.header("ETag")).isEqualTo("\"" + ok.json().get("changeKey").asText() + "\"");
    Resp stale = t.post("alice", s() + "/messages/" + id + "/flags", "{\"read\":false,\"unchangedSince\":" + highest + "}");
    assertThat(stale.status()).isEqualTo(412);
    assertThat(stale.body()).contains("MAPI_E_OBJECT_CHANGED").contains("UNCHANGEDSINCE");
    Resp bad = t.post("alice", s() + "/messages/" + id + "/flags", "{\"set\":{\"PidTagSubject\":\"x\"}}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body()).contains("MAPI_E_INVALID_PARAMETER").contains("PidTagSubject");
    assertThat(t.get("alice", s() + "/folders/" + inbox + "/mailbox").json().get("highestModseq").asLong())
        .isEqualTo(ok.json().get("modseq").asLong());
  }

  @Test
  void namedPropertiesMapBothWays() {
    Resp r = t.post("alice", s() + "/named-properties",
        "{\"guid\":\"00020329-0000-0000-C000-000000000046\",\"name\":\"Keywords\",\"type\":\"MV_UNICODE\",\"create\":true}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    String tag = r.json().get("tag").asText();
    assertThat(tag).startsWith("0x8");
    Resp back = t.get("alice", s() + "/named-properties/" + tag);
    assertThat(back.json().get("name").asText()).isEqualTo("Keywords");
  }

  @Test
  void journalAndPosition_X4() {
    long before = t.get("alice", s() + "/journal/position").json().get("position").asLong();
    t.post("alice", s() + "/folders/" + inbox + "/messages", TestServer.message("journaled"));
    JsonNode j = t.get("alice", s() + "/journal?after=" + before).json();
    assertThat(j.size()).isGreaterThanOrEqualTo(1);
    assertThat(j.get(0).get("type").asText()).isEqualTo("OBJECT_CREATED");
    assertThat(t.get("alice", s() + "/journal/position").json().get("position").asLong()).isGreaterThan(before);
    assertThat(t.get("bob", s() + "/journal").status()).isEqualTo(404);
  }

  @Test
  void bearerTokensAreIssuedListedAndRevoked() {
    Resp c = t.post("alice", "/tokens", "{\"label\":\"laptop\"}");
    assertThat(c.status()).isEqualTo(201);
    String token = c.json().get("token").asText();
    Resp viaToken = t.send(null, "GET", "/stores", null, Map.of("Authorization", "Bearer " + token));
    assertThat(viaToken.status()).isEqualTo(200);
    JsonNode list = t.get("alice", "/tokens").json();
    assertThat(list.toString()).contains("laptop").doesNotContain(token);
    assertThat(t.delete("alice", "/tokens/" + c.json().get("id").asText()).status()).isEqualTo(204);
    assertThat(t.send(null, "GET", "/stores", null, Map.of("Authorization", "Bearer " + token)).status())
        .isEqualTo(401);
    assertThat(t.delete("alice", "/tokens/nope").status()).isEqualTo(404);
  }

  @Test
  void onlyAnAdministratorCreatesUsers() {
    Resp denied = t.post("alice", "/users", "{\"name\":\"dave\",\"password\":\"pw-dave\"}");
    assertThat(denied.status()).isEqualTo(403);
    t.server.accounts().setAdmin("alice", true);
    Resp ok = t.post("alice", "/users", "{\"name\":\"dave\",\"password\":\"pw-dave\"}");
    assertThat(ok.status()).as(ok.toString()).isEqualTo(201);
    String auth = "Basic " + java.util.Base64.getEncoder().encodeToString("dave:pw-dave".getBytes());
    Resp daves = t.send(null, "GET", "/stores", null, Map.of("Authorization", auth));
    assertThat(daves.json().get(0).get("owner").asText()).isEqualTo("dave");
    t.server.accounts().setAdmin("alice", false);
  }

  @Test
  void theOpenApiDocumentCoversEveryRoute() {
    Resp r = t.get("alice", "/openapi.json");
    assertThat(r.status()).isEqualTo(200);
    JsonNode doc = r.json();
    assertThat(doc.get("openapi").asText()).startsWith("3.1");
    JsonNode paths = doc.get("paths");
    for (String p : List.of("/stores/{s}/messages/{m}", "/stores/{s}/events", "/tokens", "/users",
        "/stores/{s}/folders/{f}/messages/query", "/stores/{s}/content/{sha256}")) {
      assertThat(paths.has(p)).as(p).isTrue();
    }
  }
}
