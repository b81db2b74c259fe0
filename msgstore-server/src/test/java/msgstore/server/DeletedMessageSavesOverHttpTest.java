package msgstore.server;

import static msgstore.server.TestServer.message;
import static msgstore.server.TestServer.props;
import static msgstore.server.TestServer.subject;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import msgstore.api.MergeMode;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.SaveFlag;
import msgstore.protocol.Op;
import msgstore.protocol.SaveRequest;
import msgstore.server.TestServer.Resp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every save path over HTTP answers the same for a message that was deleted or moved since the
 * caller read it: 410 Problem Details with MAPI_E_OBJECT_DELETED (R27: deleted hard or soft, or no
 * longer at its identity after a move, R43; R40: FORCE_SAVE, i.e. {@code If-Match: *}, included;
 * R42: the handle's save fails; R44: deleting its folder counts as deleting it), so a client can
 * tell "gone since you opened it, save a copy" (R46) from "never existed". And nothing is written.
 *
 * <p>Existence is never leaked (ADR 0009): 410 only to a caller who may read the folder the
 * message was deleted or moved from; anyone else, and any id that never existed, gets 404
 * MAPI_E_NOT_FOUND as before.
 *
 * <p>alice owns the store; carol is an EDITOR of the folder "Shared" (and may not read Drafts, where
 * the moves go); bob has no rights at all.
 */
class DeletedMessageSavesOverHttpTest {
  @TempDir
  static Path dir;
  static TestServer t;
  static String store;
  static String shared;
  static String drafts;

  @BeforeAll
  static void start() {
    t = TestServer.start(dir);
    store = t.mailbox("alice");
    t.mailbox("bob");
    String inbox = t.folder("alice", store, "Inbox");
    drafts = t.folder("alice", store, "Drafts");
    Resp f = t.post("alice", "/stores/" + store + "/folders", TestServer.F.objectNode().put("displayName", "Shared")
        .put("parentId", inbox));
    assertThat(f.status()).as(f.toString()).isEqualTo(201);
    shared = f.json().get("id").asText();
    Resp rights = t.put("alice", "/stores/" + store + "/folders/" + shared + "/rights/carol",
        TestServer.F.objectNode().put("rights", "EDITOR"), null);
    assertThat(rights.status()).as(rights.toString()).isEqualTo(204);
  }

  @AfterAll
  static void stop() {
    t.close();
  }

  // ---- what happened to the message

  /** How the message left its identity (R27, R43). */
  enum Gone {
    SOFT_DELETE,
    HARD_DELETE,
    MOVE
  }

  /** The message and what became of it. */
  record Victim(String id, String etag, String subject, Gone gone, String folder, String movedTo) {
    String path() {
      return "/stores/" + store + "/messages/" + id;
    }
  }

  private static Victim victim(String folder, Gone gone) {
    String subject = "doomed " + gone + " " + System.nanoTime();
    Resp c = t.post("alice", "/stores/" + store + "/folders/" + folder + "/messages", message(subject));
    assertThat(c.status()).as(c.toString()).isEqualTo(201);
    String id = c.json().get("messageId").asText();
    String path = "/stores/" + store + "/messages/" + id;
    String movedTo = null;
    switch (gone) {
      case SOFT_DELETE -> assertThat(t.delete("alice", path).status()).isEqualTo(204);
      case HARD_DELETE -> assertThat(t.delete("alice", path + "?mode=HARD").status()).isEqualTo(204);
      case MOVE -> {
        Resp mv = t.post("alice", path + "/move", TestServer.F.objectNode().put("folderId", drafts));
        assertThat(mv.status()).as(mv.toString()).isEqualTo(200);
        movedTo = mv.json().get("id").asText();
      }
    }
    return new Victim(id, c.etag(), subject, gone, folder, movedTo);
  }

  // ---- the save paths

  /** How a save names the version it is based on: FORCE_SAVE, or a change key. */
  enum Base {
    FORCED,
    AT_KEY
  }

  /** A save request: PUT of the whole view, PATCH merge patch, or the SDK's ops body by PATCH or PUT. */
  enum SavePath {
    PUT_VIEW_FORCED("PUT", "view", Base.FORCED, false),
    PUT_VIEW_AT_KEY("PUT", "view", Base.AT_KEY, false),
    PATCH_MERGE_FORCED("PATCH", "merge", Base.FORCED, false),
    PATCH_MERGE_AT_KEY("PATCH", "merge", Base.AT_KEY, false),
    PATCH_OPS_FORCED("PATCH", "ops", Base.FORCED, false),
    PATCH_OPS_AT_KEY("PATCH", "ops", Base.AT_KEY, false),
    /** What the SDK sends for {@code saveChanges(FORCE_SAVE)}: its base key and the flag. */
    PATCH_OPS_AT_KEY_WITH_FORCE_SAVE_FLAG("PATCH", "ops", Base.AT_KEY, true),
    PUT_OPS_FORCED("PUT", "ops", Base.FORCED, false),
    PUT_OPS_AT_KEY("PUT", "ops", Base.AT_KEY, false);

    final String method;
    final String body;
    final Base base;
    final boolean forceSaveFlag;

    SavePath(String method, String body, Base base, boolean forceSaveFlag) {
      this.method = method;
      this.body = body;
      this.base = base;
      this.forceSaveFlag = forceSaveFlag;
    }

    Resp send(String user, String path, String etag) {
      String ifMatch = base == Base.FORCED ? "*" : etag;
      return switch (body) {
        case "view" -> t.send(user, method, path, message("too late"), Map.of("If-Match", ifMatch));
        case "merge" -> t.send(user, method, path, props("PidTagSubject", "too late"),
            Map.of("If-Match", ifMatch, "Content-Type", "application/merge-patch+json"));
        default -> t.send(user, method, path, new SaveRequest(SaveRequest.Action.SAVE,
            forceSaveFlag ? Set.of(SaveFlag.FORCE_SAVE) : Set.of(), MergeMode.NONE, Optional.empty(),
            new SaveRequest.OnConflict.Fail(),
            List.of(new Op.SetProps(0, List.of(PropValue.of(PropTags.SUBJECT, "too late")))))
            .toJson(), Map.of("If-Match", ifMatch, "Content-Type", SaveRequest.MEDIA_TYPE));
      };
    }
  }

  static Stream<Arguments> goneTimesPath() {
    List<Arguments> out = new ArrayList<>();
    for (Gone g : Gone.values()) {
      for (SavePath p : SavePath.values()) {
        out.add(Arguments.of(g, p));
      }
    }
    return out.stream();
  }

  // ---- what must not change

  /** What a save that fails must leave as it was: the journal, the folders' tables, the message. */
  record State(long journal, int sharedRows, int draftsRows, List<String> sharedDeleted, String messageEtag,
      String messageSubject) {}

  private static State state(Victim v) {
    String s = "/stores/" + store;
    long journal = t.get("alice", s + "/journal/position").json().get("position").asLong();
    int sharedRows = t.get("alice", s + "/folders/" + v.folder() + "/messages").json().get("rowCount").asInt();
    int draftsRows = t.get("alice", s + "/folders/" + drafts + "/messages").json().get("rowCount").asInt();
    List<String> deleted = new ArrayList<>();
    Resp d = t.get("alice", s + "/folders/" + v.folder() + "/deleted");
    if (d.status() == 200) {
      d.json().get("ids").forEach(i -> deleted.add(i.asText()));
    }
    // Where the message is now: soft-deleted in place, moved to a new id, or nowhere.
    Resp m = v.movedTo() != null ? t.get("alice", s + "/messages/" + v.movedTo())
        : t.get("alice", v.path() + "?open=SHOW_SOFT_DELETES");
    return new State(journal, sharedRows, draftsRows, deleted, m.status() == 200 ? m.etag() : "status " + m.status(),
        m.status() == 200 ? subject(m.json()) : null);
  }

  private static void assertNothingWritten(Victim v, State before) {
    State after = state(v);
    assertThat(after).as("nothing written by the refused save").isEqualTo(before);
    assertThat(t.get("alice", v.path()).status()).as("the message stays deleted").isEqualTo(404);
    switch (v.gone()) {
      case SOFT_DELETE -> {
        assertThat(after.sharedDeleted()).contains(v.id());
        assertThat(after.messageSubject()).isEqualTo(v.subject());
      }
      case HARD_DELETE -> assertThat(after.messageEtag()).isEqualTo("status 404");
      case MOVE -> assertThat(after.messageSubject()).isEqualTo(v.subject());
    }
  }

  private static void assertObjectDeleted(Resp r, Victim v) {
    assertThat(r.status()).as(r.toString()).isEqualTo(410);
    assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    JsonNode p = r.json();
    assertThat(p.get("status").asInt()).isEqualTo(410);
    assertThat(p.get("mapiError").asText()).isEqualTo("MAPI_E_OBJECT_DELETED");
    assertThat(p.get("detail").asText()).contains("message " + v.id()).contains("deleted or moved");
    if (v.movedTo() != null) {
      assertThat(r.body()).as("the new id is not told").doesNotContain(v.movedTo());
    }
  }

  private static void assertNotFound(Resp r) {
    assertThat(r.status()).as(r.toString()).isEqualTo(404);
    assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    assertThat(r.json().get("mapiError").asText()).isEqualTo("MAPI_E_NOT_FOUND");
    assertThat(r.json().get("detail").asText()).doesNotContain("deleted").doesNotContain("moved");
  }

  // ---- the rules

  @ParameterizedTest(name = "{0}, then {1} by the owner")
  @MethodSource("goneTimesPath")
  void aSaveOfADeletedOrMovedMessageAnswers410ObjectDeletedAndWritesNothing_R27_R40_R42(Gone gone, SavePath path) {
    Victim v = victim(shared, gone);
    State before = state(v);
    assertObjectDeleted(path.send("alice", v.path(), v.etag()), v);
    assertNothingWritten(v, before);
  }

  @ParameterizedTest(name = "{0}, then {1} by an editor of the folder")
  @MethodSource("goneTimesPath")
  void aSaveByAnotherUserWhoCouldReadTheMessageAlsoAnswers410_R27_R43(Gone gone, SavePath path) {
    // carol may read Shared, where the message was; she may not read Drafts, where a move took it.
    Victim v = victim(shared, gone);
    State before = state(v);
    assertObjectDeleted(path.send("carol", v.path(), v.etag()), v);
    assertNothingWritten(v, before);
  }

  @ParameterizedTest(name = "{0}, then {1} by a user without read rights")
  @MethodSource("goneTimesPath")
  void aUserWhoMayNotReadTheFolderGets404NotFoundAfterTheDeletion_ADR0009(Gone gone, SavePath path) {
    Victim v = victim(shared, gone);
    State before = state(v);
    assertNotFound(path.send("bob", v.path(), v.etag()));
    assertNothingWritten(v, before);
  }

  @Test
  void aStrangerCannotTellASoftDeletedMessageFromAnIdThatNeverExisted_ADR0009() {
    Victim v = victim(shared, Gone.SOFT_DELETE);
    String never = "/stores/" + store + "/messages/m-987654320";
    for (String[] req : new String[][] {{"GET", ""}, {"DELETE", ""}, {"PUT", "/read"}}) {
      Resp deleted = t.send("bob", req[0], v.path() + req[1], req[1].isEmpty() ? null : "{\"read\":true}", java.util.Map.of());
      Resp absent = t.send("bob", req[0], never + req[1], req[1].isEmpty() ? null : "{\"read\":true}", java.util.Map.of());
      assertNotFound(deleted);
      assertThat(deleted.json().get("detail").asText().replace(v.id(), "m-987654320"))
          .as(req[0] + " " + req[1]).isEqualTo(absent.json().get("detail").asText());
    }
    // who may read it is told it is deleted
    assertThat(t.get("carol", v.path()).json().get("detail").asText()).contains("is deleted");
  }

  @Test
  void anIdThatNeverExistedAnswers404NotFoundOnEverySavePath() {
    String path = "/stores/" + store + "/messages/m-987654321";
    // A change key of this very store: before issue 7 the If-Match "<key>" path answered 410 for it.
    String etag = t.post("alice", "/stores/" + store + "/folders/" + shared + "/messages", message("key source")).etag();
    long journal = t.get("alice", "/stores/" + store + "/journal/position").json().get("position").asLong();
    for (SavePath p : SavePath.values()) {
      for (String user : List.of("alice", "carol", "bob")) {
        assertNotFound(p.send(user, path, etag));
      }
    }
    assertThat(t.get("alice", "/stores/" + store + "/journal/position").json().get("position").asLong())
        .isEqualTo(journal);
  }

  @Test
  void aSaveAfterTheParentFolderWasDeletedAnswers410ToWhoeverCouldReadIt_R44() {
    for (boolean hard : new boolean[] {false, true}) {
      Resp f = t.post("alice", "/stores/" + store + "/folders", TestServer.F.objectNode()
          .put("displayName", "Doomed folder " + hard).put("parentId", shared));
      assertThat(f.status()).as(f.toString()).isEqualTo(201);
      String folder = f.json().get("id").asText();
      List<Victim> victims = new ArrayList<>();
      for (int i = 0; i < SavePath.values().length; i++) {
        Resp c = t.post("alice", "/stores/" + store + "/folders/" + folder + "/messages", message("in folder " + i));
        victims.add(new Victim(c.json().get("messageId").asText(), c.etag(), "in folder " + i, null, folder, null));
      }
      assertThat(t.delete("alice", "/stores/" + store + "/folders/" + folder + (hard ? "?mode=HARD" : ""))
          .status()).isIn(200, 204);
      long journal = t.get("alice", "/stores/" + store + "/journal/position").json().get("position").asLong();
      for (SavePath p : SavePath.values()) {
        Victim v = victims.get(p.ordinal());
        assertObjectDeleted(p.send("alice", v.path(), v.etag()), v);
        assertNotFound(p.send("bob", v.path(), v.etag()));
        Resp carol = p.send("carol", v.path(), v.etag());
        if (hard) {
          // The hard delete took the folder and its rights rows: whether carol could read it is no
          // longer known, so she is told nothing (ADR 0009; only the owner may read every folder).
          assertNotFound(carol);
        } else {
          assertObjectDeleted(carol, v);
        }
      }
      assertThat(t.get("alice", "/stores/" + store + "/journal/position").json().get("position").asLong())
          .isEqualTo(journal);
    }
  }

  @Test
  void aRestoredMessageSavesAgain_R27IsAboutTheCurrentState() {
    Victim v = victim(shared, Gone.SOFT_DELETE);
    assertObjectDeleted(SavePath.PUT_VIEW_FORCED.send("alice", v.path(), v.etag()), v);
    assertThat(t.post("alice", v.path() + "/undelete", null).status()).isEqualTo(204);
    Resp r = SavePath.PUT_VIEW_FORCED.send("alice", v.path(), v.etag());
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(subject(t.get("alice", v.path()).json())).isEqualTo("too late");
  }
}
