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
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import msgstore.protocol.Wire;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Who may do what (spec R2, R5; issue 3 "Security"): every combination of caller x resource x
 * method over real HTTP. The owner shares one folder with an editor and one with a reviewer;
 * a stranger has no rights. Anything a caller may not read answers 404 as if it did not exist;
 * what they may read but not change answers 403 MAPI_E_NO_ACCESS; no credentials answer 401.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthorizationMatrixTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private MsgstoreServer server;
  private String store;
  private String sharedEdit; // folder the editor may change
  private String sharedRead; // folder the reviewer may read
  private String privateFolder;
  private final Map<String, String> msg = new java.util.HashMap<>();

  enum Caller {
    OWNER, EDITOR, REVIEWER, STRANGER, ANONYMOUS, WRONG_PASSWORD, REVOKED_TOKEN
  }

  private final Map<Caller, String> auth = new java.util.EnumMap<>(Caller.class);

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    // Bad credentials are part of the matrix, all from 127.0.0.1: no failed-login backoff here (ADR 0011).
    server = MsgstoreServer.start(ServerConfig.load(Optional.empty(), Map.of(), Map.of("data", dir.toString(), "port", "0",
        "login.max.failures.per.user", "1000000", "login.max.failures.per.address", "1000000")));
    for (String u : List.of("owner", "editor", "reviewer", "stranger")) {
      server.accounts().addUser(u, (u + "-pw").toCharArray(), false);
    }
    auth.put(Caller.OWNER, basic("owner", "owner-pw"));
    auth.put(Caller.EDITOR, basic("editor", "editor-pw"));
    auth.put(Caller.REVIEWER, basic("reviewer", "reviewer-pw"));
    auth.put(Caller.STRANGER, basic("stranger", "stranger-pw"));
    auth.put(Caller.WRONG_PASSWORD, basic("owner", "nope"));
    var t = server.accounts().createToken("owner", "revoked");
    server.accounts().revokeToken("owner", t.id());
    auth.put(Caller.REVOKED_TOKEN, "Bearer " + t.token().orElseThrow());

    store = send(Caller.OWNER, "POST", "/stores", "{\"displayName\":\"Owner's mailbox\"}").json().get("id").asText();
    sharedEdit = folder("Team");
    sharedRead = folder("Published");
    privateFolder = folder("Private");
    send(Caller.OWNER, "PUT", "/stores/" + store + "/folders/" + sharedEdit + "/rights/editor", "{\"rights\":\"EDITOR\"}")
        .expect(204);
    send(Caller.OWNER, "PUT", "/stores/" + store + "/folders/" + sharedRead + "/rights/reviewer", "{\"rights\":\"REVIEWER\"}")
        .expect(204);
    for (String f : List.of(sharedEdit, sharedRead, privateFolder)) {
      msg.put(f, send(Caller.OWNER, "POST", "/stores/" + store + "/folders/" + f + "/messages",
          "{\"properties\":{\"PidTagSubject\":\"in " + f + "\"}}").expect(201).json().get("messageId").asText());
    }
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private String folder(String name) {
    return send(Caller.OWNER, "POST", "/stores/" + store + "/folders", "{\"displayName\":\"" + name + "\"}")
        .expect(201).json().get("id").asText();
  }

  private static String basic(String u, String p) {
    return "Basic " + Base64.getEncoder().encodeToString((u + ":" + p).getBytes(StandardCharsets.UTF_8));
  }

  record Answer(int status, String body, Optional<String> etag) {
    JsonNode json() {
      return Wire.parse(body.getBytes(StandardCharsets.UTF_8));
    }

    Answer expect(int s) {
      assertThat(status).as("status; body: %s", body).isEqualTo(s);
      return this;
    }
  }

  private Answer send(Caller who, String method, String path, String body, String... headers) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUri() + "/api/v1" + path))
          .timeout(Duration.ofSeconds(20))
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
      if (body != null) {
        b.header("Content-Type", "application/json");
      }
      if (auth.containsKey(who)) {
        b.header("Authorization", auth.get(who));
      }
      for (int i = 0; i < headers.length; i += 2) {
        b.header(headers[i], headers[i + 1]);
      }
      HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), r.body(), r.headers().firstValue("ETag"));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** What a caller may do in a folder: R5 read, R2 write. */
  private enum Access {
    ALL, READ, NONE
  }

  private static Access access(Caller c, String which) {
    return switch (c) {
      case OWNER -> Access.ALL;
      case EDITOR -> which.equals("edit") ? Access.ALL : Access.NONE;
      case REVIEWER -> which.equals("read") ? Access.READ : Access.NONE;
      default -> Access.NONE;
    };
  }

  Stream<Arguments> matrix() {
    List<Arguments> out = new ArrayList<>();
    for (Caller c : Caller.values()) {
      for (String which : List.of("edit", "read", "private")) {
        for (String op : List.of("GET message", "PATCH message", "PUT message", "DELETE message", "GET contents",
            "POST message", "GET folder", "GET versions", "GET events", "POST copy")) {
          out.add(Arguments.of(c, which, op));
        }
      }
    }
    return out.stream();
  }

  private String folderOf(String which) {
    return switch (which) {
      case "edit" -> sharedEdit;
      case "read" -> sharedRead;
      default -> privateFolder;
    };
  }

  @ParameterizedTest(name = "{0} {2} in the {1} folder")
  @MethodSource("matrix")
  void eachCallerGetsExactlyTheirRights(Caller c, String which, String op) {
    String f = folderOf(which);
    String m = msg.get(f);
    String s = "/stores/" + store;
    boolean write = op.startsWith("PATCH") || op.startsWith("PUT") || op.startsWith("DELETE") || op.startsWith("POST");
    Answer a = switch (op) {
      case "GET message" -> send(c, "GET", s + "/messages/" + m, null);
      case "PATCH message" -> send(c, "PATCH", s + "/messages/" + m, "{\"properties\":{\"PidTagImportance\":2}}",
          "If-Match", "*");
      case "PUT message" -> send(c, "PUT", s + "/messages/" + m, "{\"properties\":{\"PidTagSubject\":\"put\"}}",
          "If-Match", "*");
      // A soft delete of a fresh copy, so the matrix does not run out of messages.
      case "DELETE message" -> {
        String victim = send(Caller.OWNER, "POST", s + "/messages/" + m + "/copy", "{\"folderId\":\"" + f + "\"}")
            .expect(201).json().get("id").asText();
        yield send(c, "DELETE", s + "/messages/" + victim, null);
      }
      case "GET contents" -> send(c, "GET", s + "/folders/" + f + "/messages?limit=5", null);
      case "POST message" -> send(c, "POST", s + "/folders/" + f + "/messages", "{\"properties\":{\"PidTagSubject\":\"new\"}}");
      case "GET folder" -> send(c, "GET", s + "/folders/" + f, null);
      case "GET versions" -> send(c, "GET", s + "/messages/" + m + "/versions", null);
      case "GET events" -> send(c, "GET", s + "/journal?after=0&limit=1", null);
      case "POST copy" -> send(c, "POST", s + "/messages/" + m + "/copy", "{\"folderId\":\"" + f + "\"}");
      default -> throw new IllegalArgumentException(op);
    };
    if (c == Caller.ANONYMOUS || c == Caller.WRONG_PASSWORD || c == Caller.REVOKED_TOKEN) {
      assertThat(a.status()).as(a.body()).isEqualTo(401);
      return;
    }
    Access acc = access(c, which);
    if (op.equals("GET events")) {
      // The journal of a store is readable by whoever can see the store (owner and anyone a folder is shared with).
      assertThat(a.status()).as(a.body()).isEqualTo(c == Caller.STRANGER ? 404 : 200);
      return;
    }
    if (acc == Access.NONE) {
      assertThat(a.status()).as("%s must not learn that it exists: %s", c, a.body()).isEqualTo(404);
      assertThat(a.json().get("mapiError").asText()).isEqualTo("MAPI_E_NOT_FOUND");
    } else if (write && acc == Access.READ) {
      assertThat(a.status()).as(a.body()).isEqualTo(403);
      assertThat(a.json().get("mapiError").asText()).isEqualTo("MAPI_E_NO_ACCESS");
    } else {
      assertThat(a.status()).as(a.body()).isBetween(200, 299);
    }
  }

  @Test
  void aStrangerSeesNoneOfTheOwnersStores() {
    assertThat(send(Caller.STRANGER, "GET", "/stores", null).expect(200).json()).isEmpty();
    send(Caller.STRANGER, "GET", "/stores/" + store, null).expect(404);
  }

  @Test
  void aUserWithASharedFolderSeesTheStoreButNotTheOtherFolders() {
    JsonNode stores = send(Caller.EDITOR, "GET", "/stores", null).expect(200).json();
    assertThat(stores.findValuesAsText("id")).contains(store);
    JsonNode folders = send(Caller.EDITOR, "GET", "/stores/" + store + "/folders", null).expect(200).json();
    assertThat(folders.findValuesAsText("id")).contains(sharedEdit).doesNotContain(privateFolder);
  }

  @Test
  void aMissingAuthorizationAsksForCredentials() throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUri() + "/api/v1/stores")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().allValues("WWW-Authenticate").toString()).contains("Basic", "Bearer");
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
  }

  @Test
  void locateNamesTheStoreOfAnIdToThoseWhoMayReadItAndAnswers404ToOthers() {
    String m = msg.get(sharedRead);
    JsonNode own = send(Caller.OWNER, "GET", "/locate/" + m, null).expect(200).json();
    assertThat(own.get("storeId").asText()).isEqualTo(store);
    assertThat(own.get("folderId").asText()).isEqualTo(sharedRead);
    assertThat(send(Caller.REVIEWER, "GET", "/locate/" + sharedRead, null).expect(200).json().get("storeId").asText())
        .isEqualTo(store);
    send(Caller.REVIEWER, "GET", "/locate/" + msg.get(privateFolder), null).expect(404);
    send(Caller.STRANGER, "GET", "/locate/" + m, null).expect(404);
    send(Caller.OWNER, "GET", "/locate/m-999999", null).expect(404);
  }

  @Test
  void onlyTheOwnerMayShareAFolder() {
    send(Caller.EDITOR, "PUT", "/stores/" + store + "/folders/" + sharedEdit + "/rights/stranger", "{\"rights\":\"EDITOR\"}")
        .expect(403);
    send(Caller.STRANGER, "PUT", "/stores/" + store + "/folders/" + privateFolder + "/rights/stranger",
        "{\"rights\":\"OWNER\"}").expect(404);
  }
}
