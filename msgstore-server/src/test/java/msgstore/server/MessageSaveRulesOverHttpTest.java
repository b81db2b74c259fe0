package msgstore.server;

import static msgstore.server.TestServer.message;
import static msgstore.server.TestServer.props;
import static msgstore.server.TestServer.subject;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Map;
import msgstore.server.TestServer.Resp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The save rules of spec sections 4-7 and 12-13 over HTTP (X5: the same rules as embedded). */
class MessageSaveRulesOverHttpTest {
  @TempDir
  static Path dir;
  static TestServer t;
  static String store;
  static String inbox;
  static String drafts;

  @BeforeAll
  static void start() {
    t = TestServer.start(dir);
    store = t.mailbox("alice");
    inbox = t.folder("alice", store, "Inbox");
    drafts = t.folder("alice", store, "Drafts");
  }

  @AfterAll
  static void stop() {
    t.close();
  }

  private Resp create(String subject) {
    Resp r = t.post("alice", "/stores/" + store + "/folders/" + inbox + "/messages", message(subject));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r;
  }

  private String path(Resp created) {
    return "/stores/" + store + "/messages/" + created.json().get("messageId").asText();
  }

  @Test
  void createAnswers201WithLocationEtagAndTheNewVersion() {
    Resp r = create("hello");
    JsonNode b = r.json();
    assertThat(b.get("committed").asBoolean()).isTrue();
    assertThat(r.etag()).isEqualTo("\"" + b.get("changeKey").asText() + "\"");
    assertThat(r.header("Location")).endsWith("/messages/" + b.get("messageId").asText());
    assertThat(subject(b.get("message"))).isEqualTo("hello");

    Resp g = t.get("alice", path(r));
    assertThat(g.status()).isEqualTo(200);
    assertThat(g.etag()).isEqualTo(r.etag());
    assertThat(g.json().get("accessLevel").asText()).isEqualTo("READ_ONLY");
    assertThat(t.get("alice", path(r) + "?open=MODIFY").json().get("accessLevel").asText()).isEqualTo("MODIFY");
  }

  @Test
  void putOrPatchWithoutIfMatchIs428() {
    Resp c = create("no precondition");
    Resp put = t.put("alice", path(c), message("x"), null);
    assertThat(put.status()).isEqualTo(428);
    assertThat(put.header("Content-Type")).startsWith("application/problem+json");
    assertThat(put.json().get("mapiError").asText()).isEqualTo("MAPI_E_INVALID_PARAMETER");
    assertThat(put.json().get("detail").asText()).contains("If-Match");
    assertThat(put.json().get("title").asText()).isEqualTo("Precondition required");
    assertThat(put.json().get("status").asInt()).isEqualTo(428);
    assertThat(t.get("alice", path(c)).etag()).as("nothing written").isEqualTo(c.etag());
    assertThat(t.patch("alice", path(c), props("PidTagSubject", "y"), null).status()).isEqualTo(428);
  }

  @Test
  void firstSaveWinsAndTheSecondGets412WithTheCurrentVersion_R28() {
    Resp c = create("race");
    String base = c.etag();
    Resp first = t.patch("alice", path(c), props("PidTagSubject", "first"), base);
    assertThat(first.status()).as(first.toString()).isEqualTo(200);
    // The second save edits another property, from the same base: still stale (R28).
    Resp plain = t.patch("alice", path(c), props("PidTagImportance", 2), base);
    assertThat(plain.status()).isEqualTo(412);
    assertThat(subject(plain.json().get("current"))).isEqualTo("first");
    assertThat(plain.json().get("conflict").isNull()).as("the conflict's versions only when asked").isTrue();
    // Asked for (what an SDK resolver needs): the three versions and a merge preview.
    Resp second = t.patch("alice", path(c) + "?onConflict=ask", props("PidTagImportance", 2), base);
    assertThat(second.status()).isEqualTo(412);
    JsonNode p = second.json();
    assertThat(p.get("mapiError").asText()).isEqualTo("MAPI_E_OBJECT_CHANGED");
    assertThat(p.get("hresult").asText()).isEqualTo("0x80040109");
    assertThat(second.etag()).isEqualTo(first.etag());
    assertThat("\"" + p.get("currentChangeKey").asText() + "\"").isEqualTo(first.etag());
    assertThat("\"" + p.get("baseChangeKey").asText() + "\"").isEqualTo(base);
    assertThat(subject(p.get("current"))).isEqualTo("first");
    assertThat(subject(p.get("conflict").get("base"))).isEqualTo("race");
    assertThat(subject(p.get("conflict").get("current"))).isEqualTo("first");
    assertThat(p.get("conflict").get("mergePreview").get("mode").asText()).isEqualTo("AUTO_RESOLVE");
    assertThat(t.get("alice", path(c)).json().path("properties").has("PidTagImportance")).isFalse();
  }

  @Test
  void ifMatchStarForcesAndReportsTheReplacedVersion_X2() {
    Resp c = create("force");
    Resp other = t.patch("alice", path(c), props("PidTagSubject", "other"), c.etag());
    Resp forced = t.put("alice", path(c), message("mine"), "*");
    assertThat(forced.status()).as(forced.toString()).isEqualTo(200);
    JsonNode b = forced.json();
    assertThat("\"" + b.get("replaced").get("changeKey").asText() + "\"").isEqualTo(other.etag());
    assertThat(subject(t.get("alice", path(c)).json())).isEqualTo("mine");
    assertThat(t.server.metrics().forcedSaves()).isPositive();
  }

  @Test
  void anUnchangedPutIsANoOpSave_R31() {
    Resp c = create("same");
    Resp g = t.get("alice", path(c));
    Resp put = t.put("alice", path(c), g.json(), g.etag());
    assertThat(put.status()).as(put.toString()).isEqualTo(200);
    assertThat(put.json().get("committed").asBoolean()).isFalse();
    assertThat(put.etag()).isEqualTo(g.etag());
  }

  @Test
  void aPutOfTheWholeViewReplacesPropertiesRecipientsAndAttachments() {
    Resp c = create("whole");
    ObjectNode body = message("whole 2");
    ((ObjectNode) body.get("properties")).remove("PidTagBody");
    ObjectNode rcpt = body.putArray("recipients").addObject();
    rcpt.putObject("properties").put("PidTagDisplayName", "Bob").put("PidTagEmailAddress", "bob@example.com")
        .put("PidTagRecipientType", 1);
    ObjectNode att = body.putArray("attachments").addObject();
    att.putObject("properties").put("PidTagAttachLongFilename", "a.txt");
    att.put("contentBase64", java.util.Base64.getEncoder().encodeToString("hello".getBytes()));
    Resp put = t.put("alice", path(c), body, c.etag());
    assertThat(put.status()).as(put.toString()).isEqualTo(200);
    JsonNode m = put.json().get("message");
    assertThat(m.get("properties").has("PidTagBody")).isFalse();
    assertThat(m.get("recipients")).hasSize(1);
    assertThat(m.get("attachments").get(0).get("content").get("size").asLong()).isEqualTo(5);
    Resp content = t.get("alice", path(c) + "/attachments/" + m.get("attachments").get(0).get("attachNum").asInt()
        + "/content");
    assertThat(content.body()).isEqualTo("hello");
  }

  @Test
  void patchIsAMergePatchWhereNullDeletes() {
    Resp c = create("patch");
    ObjectNode delta = props("PidTagBody", null);
    ((ObjectNode) delta.get("properties")).put("PidTagImportance", 2);
    Resp r = t.send("alice", "PATCH", path(c), delta, Map.of("If-Match", c.etag(),
        "Content-Type", "application/merge-patch+json"));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    JsonNode props = r.json().get("message").get("properties");
    assertThat(props.has("PidTagBody")).isFalse();
    assertThat(props.get("PidTagImportance").get("value").asInt()).isEqualTo(2);
    assertThat(props.get("PidTagSubject").get("value").asText()).isEqualTo("patch");
  }

  @Test
  void aDeletedMessageAnswers410ObjectDeleted_R27() {
    Resp c = create("doomed");
    assertThat(t.delete("alice", path(c)).status()).isEqualTo(204);
    Resp r = t.patch("alice", path(c), props("PidTagSubject", "too late"), c.etag());
    assertThat(r.status()).isEqualTo(410);
    assertThat(r.json().get("mapiError").asText()).isEqualTo("MAPI_E_OBJECT_DELETED");
    assertThat(t.get("alice", path(c)).status()).isEqualTo(404);
    assertThat(t.get("alice", path(c) + "?open=SHOW_SOFT_DELETES").status()).isEqualTo(200);
    assertThat(t.post("alice", path(c) + "/undelete", null).status()).isEqualTo(204);
    assertThat(t.get("alice", path(c)).status()).isEqualTo(200);
  }

  @Test
  void moveGivesANewIdAndTheOldOneIsGone_R43() {
    Resp c = create("mover");
    Resp mv = t.post("alice", path(c) + "/move", TestServer.F.objectNode().put("folderId", drafts));
    assertThat(mv.status()).isEqualTo(200);
    String newId = mv.json().get("id").asText();
    assertThat(newId).isNotEqualTo(c.json().get("messageId").asText());
    assertThat(mv.header("Location")).endsWith("/messages/" + newId);
    Resp old = t.patch("alice", path(c), props("PidTagSubject", "x"), c.etag());
    assertThat(old.status()).isEqualTo(410);
    assertThat(old.json().get("mapiError").asText()).isEqualTo("MAPI_E_OBJECT_DELETED");
    Resp moved = t.get("alice", "/stores/" + store + "/messages/" + newId);
    assertThat(moved.json().get("folderId").asText()).isEqualTo(drafts);
    assertThat(t.get("alice", "/stores/" + store + "/messages/" + newId + "/versions").json().size()).isPositive();
    Resp cp = t.post("alice", "/stores/" + store + "/messages/" + newId + "/copy",
        TestServer.F.objectNode().put("folderId", inbox));
    assertThat(cp.status()).isEqualTo(201);
  }

  @Test
  void onConflictKeepBothMakesAConflictMessage_R85() {
    Resp c = create("kb");
    t.patch("alice", path(c), props("PidTagSubject", "theirs"), c.etag());
    Resp r = t.patch("alice", path(c) + "?onConflict=keepBoth", props("PidTagSubject", "ours"), c.etag());
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().get("choice").get("choice").asText()).isEqualTo("KEEP_BOTH");
    assertThat(r.json().get("message").get("attachments").size()).isEqualTo(2);
  }

  @Test
  void onConflictSaveElsewhereStoresTheViewAsANewMessage_R84() {
    Resp c = create("se");
    t.patch("alice", path(c), props("PidTagSubject", "theirs"), c.etag());
    Resp r = t.patch("alice", path(c) + "?onConflict=saveElsewhere&folderId=" + drafts,
        props("PidTagSubject", "ours"), c.etag());
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    JsonNode b = r.json();
    assertThat(b.get("messageId").asText()).isNotEqualTo(c.json().get("messageId").asText());
    assertThat(b.get("message").get("folderId").asText()).isEqualTo(drafts);
    assertThat(subject(b.get("message"))).isEqualTo("ours");
    assertThat(subject(t.get("alice", path(c)).json())).isEqualTo("theirs");
  }

  @Test
  void onConflictMergeKeepsBothSidesEdits_X6() {
    Resp c = create("merge");
    t.patch("alice", path(c), props("PidTagBody", "their body"), c.etag());
    Resp r = t.patch("alice", path(c) + "?onConflict=merge", props("PidTagSubject", "our subject"), c.etag());
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    JsonNode m = r.json().get("message");
    assertThat(subject(m)).isEqualTo("our subject");
    assertThat(m.get("properties").get("PidTagBody").get("value").asText()).isEqualTo("their body");
    assertThat(r.json().get("mergeReport").get("changes").size()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void mergeQueryParameterIsAMergeSave_R87() {
    Resp c = create("merge2");
    t.patch("alice", path(c), props("PidTagBody", "their body"), c.etag());
    Resp r = t.patch("alice", path(c) + "?merge=AUTO_RESOLVE", props("PidTagSubject", "ours"), c.etag());
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().get("mergeReport").isObject()).isTrue();
  }

  @Test
  void onConflictOverwriteIsAForcedSave_R83() {
    Resp c = create("ow");
    Resp theirs = t.patch("alice", path(c), props("PidTagBody", "their body"), c.etag());
    Resp r = t.patch("alice", path(c) + "?onConflict=overwrite", props("PidTagSubject", "ours"), c.etag());
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().get("choice").get("choice").asText()).isEqualTo("OVERWRITE");
    // The whole view of the handle (opened on the base) replaced the message: their body is gone.
    assertThat(r.json().get("message").get("properties").get("PidTagBody").get("value").asText())
        .isEqualTo("body of ow");
    assertThat("\"" + r.json().get("replaced").get("changeKey").asText() + "\"").isEqualTo(theirs.etag());
  }

  @Test
  void opsBodyReplaysHandleCallsIncludingAttachmentsAndEmbeddedMessages_R50_R57() {
    Resp up = t.send("alice", "POST", "/stores/" + store + "/content", "attached bytes".getBytes(),
        Map.of("Content-Type", "application/octet-stream"));
    assertThat(up.status()).as(up.toString()).isEqualTo(201);
    String ops = """
        {"action":"SAVE","flags":[],"ops":[
          {"h":0,"op":"setProps","properties":{"PidTagSubject":"via ops"}},
          {"h":0,"op":"modifyRecipients","kind":"ADD","rows":[{"properties":{"PidTagDisplayName":"Carol"}}]},
          {"h":0,"op":"createAttachment","result":1},
          {"h":1,"op":"setProps","properties":{"PidTagAttachLongFilename":"f.bin"}},
          {"h":1,"op":"writeContent","content":%s},
          {"h":1,"op":"saveChanges","flags":[]},
          {"h":0,"op":"createAttachment","result":2},
          {"h":2,"op":"openEmbeddedMessage","flags":["MODIFY"],"result":3},
          {"h":3,"op":"setProps","properties":{"PidTagSubject":"inner"}},
          {"h":3,"op":"saveChanges","flags":[]},
          {"h":2,"op":"saveChanges","flags":[]}
        ]}""".formatted(up.body());
    Resp r = t.send("alice", "POST", "/stores/" + store + "/folders/" + inbox + "/messages", ops,
        Map.of("Content-Type", "application/vnd.msgstore.ops+json"));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    JsonNode m = r.json().get("message");
    assertThat(subject(m)).isEqualTo("via ops");
    assertThat(m.get("recipients")).hasSize(1);
    assertThat(m.get("attachments")).hasSize(2);
    assertThat(m.get("attachments").get(0).get("content").get("sha256").asText())
        .isEqualTo(up.json().get("sha256").asText());
    assertThat(subject(m.get("attachments").get(1).get("embedded"))).isEqualTo("inner");

    // PREVIEW_MERGE writes nothing.
    String path = "/stores/" + store + "/messages/" + r.json().get("messageId").asText();
    Resp preview = t.send("alice", "PATCH", path, """
        {"action":"PREVIEW_MERGE","mergeMode":"AUTO_RESOLVE","ops":[{"h":0,"op":"setProps","properties":{"PidTagSubject":"p"}}]}""",
        Map.of("Content-Type", "application/vnd.msgstore.ops+json", "If-Match", r.etag()));
    assertThat(preview.status()).as(preview.toString()).isEqualTo(200);
    assertThat(preview.json().get("mergeReport").get("changes").size()).isEqualTo(1);
    assertThat(t.get("alice", path).etag()).isEqualTo(r.etag());
  }

  @Test
  void opsBodyWithAskCarriesTheConflictForTheClientsResolver_R81() {
    Resp c = create("ask");
    t.patch("alice", path(c), props("PidTagSubject", "theirs"), c.etag());
    Resp r = t.send("alice", "PATCH", path(c), """
        {"action":"SAVE","onConflict":{"choice":"ASK"},"ops":[{"h":0,"op":"setProps","properties":{"PidTagSubject":"ours"}}]}""",
        Map.of("Content-Type", "application/vnd.msgstore.ops+json", "If-Match", c.etag()));
    assertThat(r.status()).isEqualTo(412);
    assertThat(subject(r.json().get("conflict").get("view"))).isEqualTo("ours");
    assertThat(subject(r.json().get("conflict").get("current"))).isEqualTo("theirs");
  }

  @Test
  void historyVersionsReadAndRestore_X1() {
    Resp c = create("v1");
    Resp v2 = t.patch("alice", path(c), props("PidTagSubject", "v2"), c.etag());
    JsonNode versions = t.get("alice", path(c) + "/versions").json();
    assertThat(versions).hasSize(2);
    long cn1 = c.json().get("changeNumber").asLong();
    Resp old = t.get("alice", path(c) + "/versions/" + cn1);
    assertThat(subject(old.json())).isEqualTo("v1");
    assertThat(old.etag()).isEqualTo(c.etag());
    Resp restored = t.post("alice", path(c) + "/versions/" + cn1 + "/restore", null);
    assertThat(restored.status()).as(restored.toString()).isEqualTo(200);
    assertThat(restored.etag()).isNotEqualTo(v2.etag());
    assertThat(subject(t.get("alice", path(c)).json())).isEqualTo("v1");
  }

  @Test
  void readFlagAndStatusAreNotTransacted_R71_R74() {
    Resp c = create("read me");
    Resp r = t.send("alice", "PUT", path(c) + "/read", "{\"read\":true}", Map.of());
    assertThat(r.status()).isEqualTo(204);
    Resp g = t.get("alice", path(c));
    assertThat(g.json().get("read").asBoolean()).isTrue();
    assertThat(g.etag()).isEqualTo(c.etag());
    assertThat(t.post("alice", path(c) + "/status", "{\"status\":256,\"mask\":256}").status()).isEqualTo(204);
  }
}
