package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import msgstore.engine.EngineOptions;
import msgstore.protocol.Wire;
import msgstore.storage.sqlite.SqliteStorage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Who may do what (spec R2, R5; ADR 0009; issue 7 "Authorization"): every route of the running
 * router x every kind of caller x every kind of place, over real HTTP on a real port, asserting
 * the status AND that no response body carries anything of an object the caller may not read.
 *
 * <p>The owner's store has three folders: EDIT (shared with the editor), READ (shared with the
 * reviewer) and PRIVATE (shared with nobody); the stranger has a store of their own; the admin
 * administers the server but has no rights on anybody's data. Every object carries a marker
 * naming its zone ({@code MARK-PRIVATE-...}) in its subject, body, attachment bytes, folder name
 * and folder comment, and every id is remembered with its zone. Each response body is searched
 * for the markers and ids of every zone the caller may not read (an id the caller sent in the
 * request may come back, e.g. in the 404 that names it). Anything a caller may not read answers
 * 404 as if it did not exist; what they may read but not change answers 403; bad credentials 401.
 *
 * <p>The route list is read from the running router ({@link MsgstoreServer#registeredRoutes}):
 * a route added later fails {@link #everyRouteOfTheServerIsInTheMatrix} until it is listed here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuthorizationMatrixTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final String API = "/api/v1";

  enum Caller {
    OWNER, EDITOR, REVIEWER, STRANGER, ADMIN, ANONYMOUS, WRONG_PASSWORD, REVOKED_TOKEN;

    boolean authenticated() {
      return ordinal() <= ADMIN.ordinal();
    }
  }

  /** A folder of the owner's store and who may do what in it. */
  enum Place {
    EDIT, READ, PRIVATE
  }

  /** What a caller may do in a place: R5 read, R2 write. */
  enum Access {
    ALL, READ, NONE
  }

  /** Who may see an object: a place of the owner's store, the store itself, or one user's own things. */
  enum Zone {
    EDIT, READ, PRIVATE, STORE, OWNER_OWN, EDITOR_OWN, REVIEWER_OWN, STRANGER_OWN, ADMIN_OWN
  }

  private static final Map<Caller, Set<Zone>> SEES = new EnumMap<>(Map.of(
      Caller.OWNER, EnumSet.of(Zone.EDIT, Zone.READ, Zone.PRIVATE, Zone.STORE, Zone.OWNER_OWN),
      Caller.EDITOR, EnumSet.of(Zone.EDIT, Zone.STORE, Zone.EDITOR_OWN),
      Caller.REVIEWER, EnumSet.of(Zone.READ, Zone.STORE, Zone.REVIEWER_OWN),
      Caller.STRANGER, EnumSet.of(Zone.STRANGER_OWN),
      Caller.ADMIN, EnumSet.of(Zone.ADMIN_OWN),
      Caller.ANONYMOUS, EnumSet.noneOf(Zone.class),
      Caller.WRONG_PASSWORD, EnumSet.noneOf(Zone.class),
      Caller.REVOKED_TOKEN, EnumSet.noneOf(Zone.class)));

  private static Access access(Caller c, Place p) {
    return switch (c) {
      case OWNER -> Access.ALL;
      case EDITOR -> p == Place.EDIT ? Access.ALL : Access.NONE;
      case REVIEWER -> p == Place.READ ? Access.READ : Access.NONE;
      default -> Access.NONE;
    };
  }

  private static Zone zone(Place p) {
    return Zone.valueOf(p.name());
  }

  private static String marker(Zone z) {
    return "MARK-" + z.name().replace("_", "") + "-";
  }

  private MsgstoreServer server;
  private String store;
  private String strangerStore;
  private final Map<Caller, String> auth = new EnumMap<>(Caller.class);
  private final Map<Place, String> folder = new EnumMap<>(Place.class);
  private final Map<Place, String> sub = new EnumMap<>(Place.class); // a child of folder: same rights
  private final Map<Place, String> message = new EnumMap<>(Place.class);
  private final Map<Place, Long> firstCn = new EnumMap<>(Place.class);
  private final Map<Place, String> attachmentSha = new EnumMap<>(Place.class);
  private final Map<Place, String> historySha = new EnumMap<>(Place.class);
  private String strangerMessage;
  private String strangerSha;
  private String namedTag;
  private String movedInId;
  private String movedOutId;
  private String copiedInId;
  /** Every id and its zone; an id seen in more than one zone (moved) is readable by all of them. */
  private final Map<String, Set<Zone>> ids = new ConcurrentHashMap<>();
  private final Map<Zone, List<String>> markers = new EnumMap<>(Zone.class);
  private final AtomicInteger requestsChecked = new AtomicInteger();
  private final AtomicInteger eventFramesChecked = new AtomicInteger();
  private final AtomicInteger victims = new AtomicInteger();

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    // Bad credentials are part of the matrix, all from 127.0.0.1: no failed-login backoff here (ADR 0011).
    server = MsgstoreServer.start(ServerConfig.defaults(dir, 0)
            .withDurability(SqliteStorage.Durability.RELAXED_MAY_LOSE_RECENT_COMMITS_ON_POWER_LOSS)
            .withAbuse(TestServer.NO_LOGIN_BACKOFF),
        TestServer.FAST, EngineOptions.defaults().withMaintenanceInterval(Duration.ZERO));
    for (String u : List.of("owner", "editor", "reviewer", "stranger")) {
      server.accounts().addUser(u, (u + "-pw").toCharArray(), false);
    }
    auth.put(Caller.OWNER, basic("owner", "owner-pw"));
    auth.put(Caller.EDITOR, basic("editor", "editor-pw"));
    auth.put(Caller.REVIEWER, basic("reviewer", "reviewer-pw"));
    auth.put(Caller.STRANGER, basic("stranger", "stranger-pw"));
    auth.put(Caller.ADMIN, basic("admin", server.initialAdminPassword().orElseThrow()));
    auth.put(Caller.WRONG_PASSWORD, basic("owner", "nope"));
    var t = server.accounts().createToken("owner", "revoked");
    server.accounts().revokeToken("owner", t.id());
    auth.put(Caller.REVOKED_TOKEN, "Bearer " + t.token().orElseThrow());
    for (Zone z : Zone.values()) {
      markers.put(z, new ArrayList<>(List.of(marker(z))));
    }

    store = created(Caller.OWNER, "POST", "/stores", "{\"displayName\":\"Owner's mailbox\"}", Zone.STORE);
    String s = "/stores/" + store;
    JsonNode storeInfo = send(Caller.OWNER, "GET", s, null).expect(200).json();
    ids.put(storeInfo.get("rootFolderId").asText(), EnumSet.of(Zone.STORE)); // in StoreInfo: seen with the store
    for (Place p : Place.values()) {
      Zone z = zone(p);
      folder.put(p, created(Caller.OWNER, "POST", s + "/folders", "{\"displayName\":\"" + marker(z) + "folder\"}", z));
      sub.put(p, created(Caller.OWNER, "POST", s + "/folders",
          "{\"displayName\":\"" + marker(z) + "sub\",\"parentId\":\"" + folder.get(p) + "\"}", z));
      send(Caller.OWNER, "PATCH", s + "/folders/" + folder.get(p) + "/properties",
          "{\"properties\":{\"PidTagComment\":\"" + marker(z) + "comment\"}}").expect(200);
    }
    // The folders createStore made (Inbox, ...) are the owner's alone.
    for (JsonNode f : send(Caller.OWNER, "GET", s + "/folders", null).expect(200).json()) {
      ids.putIfAbsent(f.get("id").asText(), EnumSet.of(Zone.PRIVATE));
    }
    send(Caller.OWNER, "PUT", s + "/folders/" + folder.get(Place.EDIT) + "/rights/editor", "{\"rights\":\"EDITOR\"}")
        .expect(204);
    send(Caller.OWNER, "PUT", s + "/folders/" + folder.get(Place.READ) + "/rights/reviewer", "{\"rights\":\"REVIEWER\"}")
        .expect(204);
    for (Place p : Place.values()) {
      Zone z = zone(p);
      String content = marker(z) + "attachment-bytes";
      markers.get(z).add(Base64.getEncoder().encodeToString(content.getBytes(StandardCharsets.UTF_8)));
      attachmentSha.put(p, sha256(content));
      Answer c = send(Caller.OWNER, "POST", s + "/folders/" + folder.get(p) + "/messages", messageBody(z, "v1", content))
          .expect(201);
      String m = c.json().get("messageId").asText();
      ids.put(m, EnumSet.of(z));
      message.put(p, m);
      firstCn.put(p, c.json().get("changeNumber").asLong());
      send(Caller.OWNER, "PATCH", s + "/messages/" + m,
          "{\"properties\":{\"PidTagSubject\":\"" + marker(z) + "subject\",\"PidTagBody\":\"" + marker(z) + "body\"}}",
          "If-Match", "*").expect(200);
      // A blob only a history version refers to: readable by whoever may read the message's history.
      String old = marker(z) + "history-bytes";
      markers.get(z).add(Base64.getEncoder().encodeToString(old.getBytes(StandardCharsets.UTF_8)));
      historySha.put(p, sha256(old));
      String h = send(Caller.OWNER, "POST", s + "/folders/" + folder.get(p) + "/messages", messageBody(z, "h1", old))
          .expect(201).json().get("messageId").asText();
      ids.put(h, EnumSet.of(z));
      send(Caller.OWNER, "PUT", s + "/messages/" + h, "{\"properties\":{\"PidTagSubject\":\"" + marker(z) + "h2\"}}",
          "If-Match", "*").expect(200);
    }
    // Moves and copies across the edge of what the reviewer may read, so that the journal and the
    // event stream have entries whose two sides differ (Visibility must show only one side).
    String in = send(Caller.OWNER, "POST", s + "/folders/" + folder.get(Place.PRIVATE) + "/messages",
        messageBody(Zone.READ, "moved-in", null)).expect(201).json().get("messageId").asText();
    ids.put(in, EnumSet.of(Zone.PRIVATE));
    movedInId = created(Caller.OWNER, "POST", s + "/messages/" + in + "/move",
        "{\"folderId\":\"" + folder.get(Place.READ) + "\"}", Zone.READ);
    String out = send(Caller.OWNER, "POST", s + "/folders/" + folder.get(Place.READ) + "/messages",
        messageBody(Zone.PRIVATE, "moved-out", null)).expect(201).json().get("messageId").asText();
    ids.put(out, EnumSet.of(Zone.READ));
    movedOutId = out;
    created(Caller.OWNER, "POST", s + "/messages/" + out + "/move", "{\"folderId\":\"" + folder.get(Place.PRIVATE)
        + "\"}", Zone.PRIVATE);
    String copiedIn = send(Caller.OWNER, "POST", s + "/folders/" + folder.get(Place.PRIVATE) + "/messages",
        messageBody(Zone.READ, "copied-in", null)).expect(201).json().get("messageId").asText();
    ids.put(copiedIn, EnumSet.of(Zone.PRIVATE)); // the source stays private; its content is READ's once copied
    copiedInId = created(Caller.OWNER, "POST", s + "/messages/" + copiedIn + "/copy",
        "{\"folderId\":\"" + sub.get(Place.READ) + "\"}", Zone.READ);
    created(Caller.OWNER, "POST", s + "/messages/" + message.get(Place.READ) + "/copy",
        "{\"folderId\":\"" + sub.get(Place.PRIVATE) + "\"}", Zone.PRIVATE);
    namedTag = send(Caller.OWNER, "POST", s + "/named-properties",
        "{\"guid\":\"00020329-0000-0000-c000-000000000046\",\"name\":\"matrix\",\"type\":\"UNICODE\",\"create\":true}")
        .expect(200).json().get("tag").asText();
    send(Caller.OWNER, "POST", "/tokens", "{\"label\":\"" + marker(Zone.OWNER_OWN) + "token\"}").expect(201);

    // The stranger's own store, with a message and an attachment of its own.
    strangerStore = created(Caller.STRANGER, "POST", "/stores", "{\"displayName\":\"" + marker(Zone.STRANGER_OWN)
        + "store\"}", Zone.STRANGER_OWN);
    JsonNode ts = send(Caller.STRANGER, "GET", "/stores/" + strangerStore, null).expect(200).json();
    ids.put(ts.get("rootFolderId").asText(), EnumSet.of(Zone.STRANGER_OWN));
    String tf = created(Caller.STRANGER, "POST", "/stores/" + strangerStore + "/folders",
        "{\"displayName\":\"" + marker(Zone.STRANGER_OWN) + "folder\"}", Zone.STRANGER_OWN);
    String strangerContent = marker(Zone.STRANGER_OWN) + "attachment-bytes";
    strangerSha = sha256(strangerContent);
    strangerMessage = send(Caller.STRANGER, "POST", "/stores/" + strangerStore + "/folders/" + tf + "/messages",
        messageBody(Zone.STRANGER_OWN, "subject", strangerContent)).expect(201).json().get("messageId").asText();
    ids.put(strangerMessage, EnumSet.of(Zone.STRANGER_OWN));
    for (JsonNode f : send(Caller.STRANGER, "GET", "/stores/" + strangerStore + "/folders", null).expect(200).json()) {
      ids.putIfAbsent(f.get("id").asText(), EnumSet.of(Zone.STRANGER_OWN));
    }
    // The admin's mailbox (created on their first request) is theirs alone.
    for (JsonNode a : send(Caller.ADMIN, "GET", "/stores", null).expect(200).json()) {
      ids.put(a.get("id").asText(), EnumSet.of(Zone.ADMIN_OWN));
      ids.put(a.get("rootFolderId").asText(), EnumSet.of(Zone.ADMIN_OWN));
    }
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.close();
    }
    System.out.printf("AuthorizationMatrixTest: %d responses and %d event frames searched for %d ids and %d markers%n",
        requestsChecked.get(), eventFramesChecked.get(), ids.size(),
        markers.values().stream().mapToInt(List::size).sum());
  }

  // ---- the matrix

  /** How a route is exercised: once per caller (GLOBAL, STORE) or once per caller and place (PLACE). */
  enum Scope {
    GLOBAL, STORE, PLACE
  }

  /** One request and the statuses it may answer; {@code zoneOfNew}: where a created object belongs. */
  record Call(String method, String path, String body, int expected, Zone zoneOfNew) {}

  @FunctionalInterface
  interface CallMaker {
    Call make(Caller c, Place p);
  }

  record Route(Scope scope, CallMaker maker) {}

  private static final int PUBLIC = -1; // marker for routes without authentication

  /** Every route of MsgstoreServer.routes(), keyed as the router lists it. */
  private Map<String, Route> routes() {
    Map<String, Route> r = new LinkedHashMap<>();
    String st = API + "/stores/{s}";
    String f = st + "/folders/{f}";
    String m = st + "/messages/{m}";
    // The web UI (ADR 0021): the page is public; the browser-session routes answer 401 to every
    // caller of this matrix (none has a session cookie; the sign-in below names no real user).
    r.put("GET /", new Route(Scope.GLOBAL, (c, p) -> new Call("GET", "/", null, PUBLIC, null)));
    r.put("GET /session", new Route(Scope.GLOBAL, (c, p) -> new Call("GET", "/session", null, 401, null)));
    r.put("POST /session", new Route(Scope.GLOBAL, (c, p) -> new Call("POST", "/session",
        "{\"user\":\"no-such-user\",\"password\":\"wrong\"}", 401, null)));
    r.put("DELETE /session", new Route(Scope.GLOBAL, (c, p) -> new Call("DELETE", "/session", null, 401, null)));
    r.put("GET /health", new Route(Scope.GLOBAL, (c, p) -> new Call("GET", "/health", null, PUBLIC, null)));
    r.put("GET /health/live", new Route(Scope.GLOBAL, (c, p) -> new Call("GET", "/health/live", null, PUBLIC, null)));
    r.put("GET /metrics", new Route(Scope.GLOBAL, (c, p) -> new Call("GET", "/metrics", null, PUBLIC, null)));
    r.put("GET " + API + "/openapi.json", new Route(Scope.GLOBAL, (c, p) -> new Call("GET", API + "/openapi.json",
        null, PUBLIC, null)));
    r.put("GET " + API + "/limits", new Route(Scope.GLOBAL, (c, p) -> new Call("GET", API + "/limits", null, 200, null)));
    r.put("GET " + API + "/stores", new Route(Scope.GLOBAL, (c, p) -> new Call("GET", API + "/stores", null, 200, null)));
    r.put("GET " + API + "/locate/{id}", new Route(Scope.PLACE, (c, p) -> new Call("GET",
        API + "/locate/" + message.get(p), null, readOr404(c, p, 200), null)));
    r.put("POST " + API + "/stores", new Route(Scope.GLOBAL, (c, p) -> new Call("POST", API + "/stores",
        "{\"displayName\":\"" + marker(own(c)) + "new store\"}", 201, own(c))));
    r.put("GET " + st, new Route(Scope.STORE, (c, p) -> new Call("GET", s(), null, storeOr404(c, 200), null)));
    r.put("GET " + st + "/folders", new Route(Scope.STORE, (c, p) -> new Call("GET", s() + "/folders", null,
        storeOr404(c, 200), null)));
    r.put("POST " + st + "/folders", new Route(Scope.PLACE, (c, p) -> new Call("POST", s() + "/folders",
        "{\"displayName\":\"" + marker(zone(p)) + "new " + victims.incrementAndGet() + "\",\"parentId\":\""
            + folder.get(p) + "\"}", write(c, p, 201), zone(p))));
    r.put("GET " + f, new Route(Scope.PLACE, (c, p) -> new Call("GET", f(p), null, readOr404(c, p, 200), null)));
    r.put("PATCH " + f, new Route(Scope.PLACE, (c, p) -> new Call("PATCH", f(victimFolder(p)),
        "{\"displayName\":\"" + marker(zone(p)) + "renamed " + victims.incrementAndGet() + "\"}", write(c, p, 200), null)));
    r.put("DELETE " + f, new Route(Scope.PLACE, (c, p) -> new Call("DELETE", f(victimFolder(p)), null,
        write(c, p, 204), null)));
    r.put("GET " + f + "/folders", new Route(Scope.PLACE, (c, p) -> new Call("GET", f(p) + "/folders?deep=true", null,
        readOr404(c, p, 200), null)));
    r.put("GET " + f + "/properties", new Route(Scope.PLACE, (c, p) -> new Call("GET", f(p) + "/properties", null,
        readOr404(c, p, 200), null)));
    r.put("PATCH " + f + "/properties", new Route(Scope.PLACE, (c, p) -> new Call("PATCH", f(p) + "/properties",
        "{\"properties\":{\"PidTagComment\":\"" + marker(zone(p)) + "comment\"}}", write(c, p, 200), null)));
    r.put("PUT " + f + "/rights/{user}", new Route(Scope.PLACE, (c, p) -> new Call("PUT", f(sub.get(p))
        + "/rights/stranger", "{\"rights\":\"NONE\"}", ownerOnly(c, p, 204), null)));
    r.put("GET " + f + "/deleted", new Route(Scope.PLACE, (c, p) -> new Call("GET", f(p) + "/deleted", null,
        readOr404(c, p, 200), null)));
    r.put("POST " + f + "/read-flags", new Route(Scope.PLACE, (c, p) -> new Call("POST", f(p) + "/read-flags",
        "{\"ids\":[\"" + message.get(p) + "\"],\"read\":true}", readOr404(c, p, 204), null)));
    r.put("GET " + f + "/mailbox", new Route(Scope.PLACE, (c, p) -> new Call("GET", f(p) + "/mailbox", null,
        readOr404(c, p, 200), null)));
    r.put("GET " + f + "/messages", new Route(Scope.PLACE, (c, p) -> new Call("GET", f(p)
        + "/messages?limit=50&columns=PidTagSubject,PidTagBody", null, readOr404(c, p, 200), null)));
    r.put("POST " + f + "/messages", new Route(Scope.PLACE, (c, p) -> new Call("POST", f(p) + "/messages",
        messageBody(zone(p), "new", null), write(c, p, 201), zone(p))));
    r.put("POST " + f + "/messages/query", new Route(Scope.PLACE, (c, p) -> new Call("POST", f(p) + "/messages/query",
        "{\"columns\":[\"PidTagSubject\",\"PidTagBody\"],\"restriction\":{\"exist\":{\"tag\":\"PidTagSubject\"}}}",
        readOr404(c, p, 200), null)));
    r.put("POST " + st + "/messages/delete", new Route(Scope.PLACE, (c, p) -> new Call("POST", s() + "/messages/delete",
        "{\"ids\":[\"" + victim(p) + "\"]}", write(c, p, 204), null)));
    r.put("GET " + m, new Route(Scope.PLACE, (c, p) -> new Call("GET", m(message.get(p)), null,
        readOr404(c, p, 200), null)));
    r.put("PUT " + m, new Route(Scope.PLACE, (c, p) -> new Call("PUT", m(victim(p)), messageBody(zone(p), "put", null),
        write(c, p, 200), null)));
    r.put("PATCH " + m, new Route(Scope.PLACE, (c, p) -> new Call("PATCH", m(victim(p)),
        "{\"properties\":{\"PidTagImportance\":2}}", write(c, p, 200), null)));
    r.put("DELETE " + m, new Route(Scope.PLACE, (c, p) -> new Call("DELETE", m(victim(p)), null,
        write(c, p, 204), null)));
    r.put("POST " + m + "/undelete", new Route(Scope.PLACE, (c, p) -> new Call("POST", m(deletedVictim(p))
        + "/undelete", null, write(c, p, 204), null)));
    r.put("POST " + m + "/move", new Route(Scope.PLACE, (c, p) -> new Call("POST", m(victim(p)) + "/move",
        "{\"folderId\":\"" + sub.get(p) + "\"}", write(c, p, 200), zone(p))));
    r.put("POST " + m + "/copy", new Route(Scope.PLACE, (c, p) -> new Call("POST", m(message.get(p)) + "/copy",
        "{\"folderId\":\"" + sub.get(p) + "\"}", write(c, p, 201), zone(p))));
    r.put("PUT " + m + "/read", new Route(Scope.PLACE, (c, p) -> new Call("PUT", m(message.get(p)) + "/read",
        "{\"read\":true}", readOr404(c, p, 204), null)));
    r.put("POST " + m + "/status", new Route(Scope.PLACE, (c, p) -> new Call("POST", m(message.get(p)) + "/status",
        "{\"status\":4096,\"mask\":4096}", readOr404(c, p, 204), null)));
    r.put("POST " + m + "/flags", new Route(Scope.PLACE, (c, p) -> new Call("POST", m(message.get(p)) + "/flags",
        "{\"read\":true}", readOr404(c, p, 200), null)));
    r.put("GET " + m + "/versions", new Route(Scope.PLACE, (c, p) -> new Call("GET", m(message.get(p)) + "/versions",
        null, readOr404(c, p, 200), null)));
    r.put("GET " + m + "/versions/{cn}", new Route(Scope.PLACE, (c, p) -> new Call("GET", m(message.get(p))
        + "/versions/" + firstCn.get(p), null, readOr404(c, p, 200), null)));
    r.put("POST " + m + "/versions/{cn}/restore", new Route(Scope.PLACE, (c, p) -> new Call("POST",
        m(message.get(p)) + "/versions/" + firstCn.get(p) + "/restore", null, write(c, p, 200), null)));
    r.put("GET " + m + "/attachments/{n}/content", new Route(Scope.PLACE, (c, p) -> new Call("GET",
        m(message.get(p)) + "/attachments/0/content", null, readOr404(c, p, 200), null)));
    r.put("GET " + m + "/html", new Route(Scope.PLACE, (c, p) -> new Call("GET",
        m(message.get(p)) + "/html", null, readOr404(c, p, 200), null)));
    r.put("POST " + st + "/content", new Route(Scope.STORE, (c, p) -> new Call("POST", s() + "/content",
        "uploaded by " + c, c == Caller.OWNER || c == Caller.EDITOR ? 201 : storeOr404(c, 403), null)));
    r.put("GET " + st + "/content/{sha256}", new Route(Scope.PLACE, (c, p) -> new Call("GET", s() + "/content/"
        + attachmentSha.get(p), null, readOr404(c, p, 200), null)));
    r.put("POST " + st + "/named-properties", new Route(Scope.STORE, (c, p) -> new Call("POST", s()
        + "/named-properties", "{\"guid\":\"00020329-0000-0000-c000-000000000046\",\"name\":\"matrix\","
        + "\"type\":\"UNICODE\",\"create\":true}", storeOr404(c, 200), null)));
    r.put("GET " + st + "/named-properties/{tag}", new Route(Scope.STORE, (c, p) -> new Call("GET", s()
        + "/named-properties/" + namedTag, null, storeOr404(c, 200), null)));
    r.put("GET " + st + "/journal", new Route(Scope.STORE, (c, p) -> new Call("GET", s() + "/journal?after=0&limit=10000",
        null, storeOr404(c, 200), null)));
    r.put("GET " + st + "/journal/position", new Route(Scope.STORE, (c, p) -> new Call("GET", s()
        + "/journal/position", null, storeOr404(c, 200), null)));
    r.put("GET " + st + "/events", new Route(Scope.STORE, (c, p) -> new Call("GET", s() + "/events?after=0", null,
        storeOr404(c, 200), null)));
    r.put("POST " + API + "/tokens", new Route(Scope.GLOBAL, (c, p) -> new Call("POST", API + "/tokens",
        "{\"label\":\"" + marker(own(c)) + "token\"}", 201, null)));
    r.put("GET " + API + "/tokens", new Route(Scope.GLOBAL, (c, p) -> new Call("GET", API + "/tokens", null, 200, null)));
    r.put("DELETE " + API + "/tokens/{id}", new Route(Scope.GLOBAL, (c, p) -> new Call("DELETE", API + "/tokens/"
        + tokenOf(c), null, 204, null)));
    r.put("POST " + API + "/users", new Route(Scope.GLOBAL, (c, p) -> new Call("POST", API + "/users",
        "{\"name\":\"new-" + victims.incrementAndGet() + "\",\"password\":\"pw\"}", c == Caller.ADMIN ? 201 : 403, null)));
    return r;
  }

  private static Zone own(Caller c) {
    return c.authenticated() ? Zone.valueOf(c.name() + "_OWN") : Zone.OWNER_OWN;
  }

  private static int readOr404(Caller c, Place p, int ok) {
    return access(c, p) == Access.NONE ? 404 : ok;
  }

  private static int write(Caller c, Place p, int ok) {
    return switch (access(c, p)) {
      case ALL -> ok;
      case READ -> 403;
      case NONE -> 404;
    };
  }

  private static int ownerOnly(Caller c, Place p, int ok) {
    return c == Caller.OWNER ? ok : access(c, p) == Access.NONE ? 404 : 403;
  }

  private static int storeOr404(Caller c, int ok) {
    return SEES.get(c).contains(Zone.STORE) ? ok : 404;
  }

  private String s() {
    return API + "/stores/" + store;
  }

  private String f(Place p) {
    return f(folder.get(p));
  }

  private String f(String id) {
    return s() + "/folders/" + id;
  }

  private String m(String id) {
    return s() + "/messages/" + id;
  }

  /** A fresh copy of the place's message (by the owner), so that changing routes do not use up the fixture. */
  private String victim(Place p) {
    String id = send(Caller.OWNER, "POST", m(message.get(p)) + "/copy",
        "{\"folderId\":\"" + folder.get(p) + "\"}", true).expect(201).json().get("id").asText();
    ids.put(id, EnumSet.of(zone(p)));
    return id;
  }

  private String deletedVictim(Place p) {
    String id = victim(p);
    send(Caller.OWNER, "DELETE", m(id), null, true).expect(204);
    return id;
  }

  private String victimFolder(Place p) {
    String id = send(Caller.OWNER, "POST", s() + "/folders", "{\"displayName\":\"" + marker(zone(p)) + "victim "
        + victims.incrementAndGet() + "\",\"parentId\":\"" + folder.get(p) + "\"}", true).expect(201).json()
        .get("id").asText();
    ids.put(id, EnumSet.of(zone(p)));
    return id;
  }

  /** A token of the caller to revoke (a made-up id for callers without one: never found). */
  private String tokenOf(Caller c) {
    if (!c.authenticated()) {
      return "no-such-token";
    }
    return send(c, "POST", API + "/tokens", "{\"label\":\"to revoke\"}", true).expect(201).json().get("id").asText();
  }

  Stream<Arguments> goodCallers() {
    return cases(Stream.of(Caller.values()).filter(Caller::authenticated).toList(), List.of(Place.values()));
  }

  /** Without valid credentials the place does not matter: the private one stands for all. */
  Stream<Arguments> badCallers() {
    return cases(Stream.of(Caller.values()).filter(c -> !c.authenticated()).toList(), List.of(Place.PRIVATE));
  }

  private Stream<Arguments> cases(List<Caller> callers, List<Place> places) {
    List<Arguments> out = new ArrayList<>();
    for (Map.Entry<String, Route> e : routes().entrySet()) {
      for (Caller c : callers) {
        if (e.getValue().scope() == Scope.PLACE) {
          for (Place p : places) {
            out.add(Arguments.of(e.getKey(), c, p));
          }
        } else {
          out.add(Arguments.of(e.getKey(), c, null));
        }
      }
    }
    return out.stream();
  }

  @Order(1)
  @ParameterizedTest(name = "{1} {0} in {2}")
  @MethodSource("goodCallers")
  void eachCallerGetsExactlyTheirRightsAndNothingOfOthers(String route, Caller c, Place p) {
    Call call = routes().get(route).maker().make(c, p);
    if (route.endsWith("/events")) {
      checkEventStream(c, call);
      return;
    }
    Answer a = send(c, call.method(), call.path(), call.body());
    int expected = call.expected() == PUBLIC ? 200 : call.expected();
    assertThat(a.status()).as("%s %s %s in %s: %s", c, call.method(), call.path(), p, a.body()).isEqualTo(expected);
    if (expected == 404) {
      assertThat(a.json().get("mapiError").asText()).as("%s must not learn that it exists", c).isEqualTo("MAPI_E_NOT_FOUND");
    } else if (expected == 403) {
      assertThat(a.json().get("mapiError").asText()).isEqualTo("MAPI_E_NO_ACCESS");
    }
    noLeak(c, call, a.body());
    if (a.status() / 100 == 2 && call.zoneOfNew() != null) {
      remember(a.body(), call.zoneOfNew());
    }
  }

  /** Bad credentials get 401 on every authenticated route, and nothing else (429 if a throttle says slow down). */
  @Order(9)
  @ParameterizedTest(name = "{1} {0} in {2}")
  @MethodSource("badCallers")
  void badCredentialsGet401OnEveryRouteAndNothingElse(String route, Caller c, Place p) {
    Call call = routes().get(route).maker().make(c, p);
    Answer a = send(c, call.method(), call.path(), call.body());
    if (call.expected() == PUBLIC) {
      assertThat(a.status()).as(a.body()).isEqualTo(200);
    } else {
      assertThat(a.status()).as("%s %s %s: %s", c, call.method(), call.path(), a.body()).isIn(401, 429);
      assertThat(a.json().get("mapiError").asText()).isIn("MAPI_E_NO_ACCESS", "MAPI_E_BUSY");
    }
    noLeak(c, call, a.body());
  }

  @Order(2)
  @Test
  void everyRouteOfTheServerIsInTheMatrix() {
    List<String> served = server.registeredRoutes();
    assertThat(served).as("routes read from the running router").hasSizeGreaterThan(40);
    assertThat(routes().keySet()).as("the matrix lists exactly the routes the server serves; add a new route "
        + "to AuthorizationMatrixTest.routes() with who may call it").containsExactlyInAnyOrderElementsOf(served);
  }

  // ---- blobs (GET /stores/{s}/content/{sha256})

  @Order(3)
  @Test
  void aBlobOnlyAHistoryVersionRefersToIsReadableByWhoeverMayReadThatHistory() {
    for (Caller c : List.of(Caller.OWNER, Caller.EDITOR, Caller.REVIEWER, Caller.STRANGER, Caller.ADMIN)) {
      for (Place p : Place.values()) {
        Call call = new Call("GET", s() + "/content/" + historySha.get(p), null, readOr404(c, p, 200), null);
        Answer a = send(c, call.method(), call.path(), null);
        assertThat(a.status()).as("%s reads the history blob of %s: %s", c, p, a.body()).isEqualTo(call.expected());
        noLeak(c, call, a.body());
        if (a.status() == 200) {
          assertThat(a.body()).isEqualTo(marker(zone(p)) + "history-bytes");
        }
      }
    }
  }

  @Order(3)
  @Test
  void anUploadedBlobNoMessageRefersToIsReadableOnlyByThoseWhoCouldHaveUploadedIt() {
    String content = "not saved yet " + System.nanoTime();
    String sha = send(Caller.OWNER, "POST", s() + "/content", content).expect(201).json().get("sha256").asText();
    assertThat(send(Caller.OWNER, "GET", s() + "/content/" + sha, null).expect(200).body()).isEqualTo(content);
    assertThat(send(Caller.EDITOR, "GET", s() + "/content/" + sha, null).expect(200).body()).isEqualTo(content);
    send(Caller.REVIEWER, "GET", s() + "/content/" + sha, null).expect(404);
    send(Caller.STRANGER, "GET", s() + "/content/" + sha, null).expect(404);
    send(Caller.ADMIN, "GET", s() + "/content/" + sha, null).expect(404);
  }

  @Order(3)
  @Test
  void aBlobOfAnotherStoreIsNotFoundThroughThisStoreEvenWhenTheCallerCouldUploadHere() {
    // The blob files are shared by all stores (content-addressed): the check is by referring message.
    Answer viaOwners = send(Caller.OWNER, "GET", s() + "/content/" + strangerSha, null).expect(404);
    assertThat(viaOwners.body()).doesNotContain(marker(Zone.STRANGER_OWN));
    send(Caller.OWNER, "GET", API + "/stores/" + strangerStore + "/content/" + strangerSha, null).expect(404);
    send(Caller.STRANGER, "GET", s() + "/content/" + strangerSha, null).expect(404);
    assertThat(send(Caller.STRANGER, "GET", API + "/stores/" + strangerStore + "/content/" + strangerSha, null)
        .expect(200).body()).isEqualTo(strangerContentText());
    send(Caller.STRANGER, "GET", API + "/stores/" + strangerStore + "/content/" + attachmentSha.get(Place.PRIVATE), null)
        .expect(404);
  }

  private static String strangerContentText() {
    return marker(Zone.STRANGER_OWN) + "attachment-bytes";
  }

  // ---- events and journal: a reviewer of READ sees nothing of PRIVATE

  @Order(4)
  @Test
  void theJournalShowsMovesAcrossTheEdgeOfWhatTheCallerMayReadOnlyFromTheirSide() {
    JsonNode mine = send(Caller.REVIEWER, "GET", s() + "/journal?after=0&limit=10000", null).expect(200).json();
    JsonNode all = send(Caller.OWNER, "GET", s() + "/journal?after=0&limit=10000", null).expect(200).json();
    assertThat(mine.size()).as("the reviewer sees part of the journal").isPositive().isLessThan(all.size());
    Set<Zone> sees = SEES.get(Caller.REVIEWER);
    List<String> seen = new ArrayList<>();
    for (JsonNode e : mine) {
      for (String field : List.of("id", "parentId", "oldId", "oldParentId")) {
        if (!e.get(field).isNull()) {
          String id = e.get(field).asText();
          assertThat(ids.getOrDefault(id, Set.of())).as("%s of %s is an id the reviewer may read", field, e)
              .containsAnyElementsOf(sees);
        }
      }
      seen.add(e.get("type").asText() + " " + e.get("id").asText() + " " + e.get("oldId").asText());
    }
    assertThat(seen).as("moved in: created; copied in: created; moved out: deleted of the old id")
        .contains("OBJECT_CREATED " + movedInId + " null", "OBJECT_CREATED " + copiedInId + " null",
            "OBJECT_DELETED " + movedOutId + " null");
    // A short page is the end of the journal, not a page full of entries the caller may not see.
    JsonNode page = send(Caller.REVIEWER, "GET", s() + "/journal?after=" + all.get(all.size() / 2).get("position")
        + "&limit=3", null).expect(200).json();
    assertThat(page).hasSize(3);
  }

  @Order(4)
  @Test
  void anEventStreamScopedToAFolderOrMessageTheCallerMayNotReadIsNotFound() {
    send(Caller.REVIEWER, "GET", s() + "/events?scope=folder:" + folder.get(Place.PRIVATE), null).expect(404);
    send(Caller.REVIEWER, "GET", s() + "/events?scope=message:" + message.get(Place.PRIVATE), null).expect(404);
    send(Caller.EDITOR, "GET", s() + "/events?scope=folder:" + folder.get(Place.READ), null).expect(404);
    send(Caller.STRANGER, "GET", API + "/stores/" + store + "/events", null).expect(404);
  }

  /**
   * Requests on an object the caller may change that name another object in the body, which they
   * may not read: 404 as if it did not exist, and nothing changes on either side.
   */
  @Order(4)
  @Test
  void requestsNamingAnObjectOfAnotherFolderOrStoreAnswer404AndChangeNothing() {
    String edit = folder.get(Place.EDIT);
    String priv = message.get(Place.PRIVATE);
    boolean readBefore = send(Caller.OWNER, "GET", m(priv), null).expect(200).json().get("read").asBoolean();
    String strangers = API + "/stores/" + strangerStore + "/messages/" + strangerMessage;
    boolean strangersBefore = send(Caller.STRANGER, "GET", strangers, null).expect(200).json().get("read").asBoolean();
    List<Call> calls = List.of(
        new Call("POST", f(edit) + "/read-flags", "{\"ids\":[\"" + priv + "\"],\"read\":" + !readBefore + "}", 404, null),
        new Call("POST", f(edit) + "/read-flags", "{\"ids\":[\"" + strangerMessage + "\"],\"read\":" + !strangersBefore + "}", 404,
            null),
        new Call("POST", m(victim(Place.EDIT)) + "/move", "{\"folderId\":\"" + folder.get(Place.PRIVATE) + "\"}", 404,
            null),
        new Call("POST", m(message.get(Place.EDIT)) + "/copy", "{\"folderId\":\"" + sub.get(Place.READ) + "\"}", 404,
            null),
        new Call("PATCH", f(victimFolder(Place.EDIT)), "{\"parentId\":\"" + folder.get(Place.PRIVATE) + "\"}", 404, null),
        new Call("POST", s() + "/messages/delete", "{\"ids\":[\"" + victim(Place.EDIT) + "\",\"" + priv + "\"]}", 404,
            null));
    int before = send(Caller.OWNER, "GET", f(Place.PRIVATE) + "/messages?limit=1", null).expect(200).json()
        .get("rowCount").asInt();
    for (Call call : calls) {
      Answer a = send(Caller.EDITOR, call.method(), call.path(), call.body());
      assertThat(a.status()).as("%s %s %s: %s", call.method(), call.path(), call.body(), a.body()).isEqualTo(404);
      noLeak(Caller.EDITOR, call, a.body());
    }
    assertThat(send(Caller.OWNER, "GET", m(priv), null).expect(200).json().get("read").asBoolean())
        .as("the private message's read state").isEqualTo(readBefore);
    assertThat(send(Caller.OWNER, "GET", f(Place.PRIVATE) + "/messages?limit=1", null).expect(200).json()
        .get("rowCount").asInt()).as("nothing moved into or out of the private folder").isEqualTo(before);
    assertThat(send(Caller.STRANGER, "GET", strangers, null).expect(200).json().get("read").asBoolean())
        .as("the stranger's message").isEqualTo(strangersBefore);
  }

  @Order(4)
  @Test
  void noCallerCanRevokeAnotherUsersToken() {
    String id = send(Caller.OWNER, "POST", API + "/tokens", "{\"label\":\"keep\"}").expect(201).json().get("id").asText();
    for (Caller c : List.of(Caller.EDITOR, Caller.REVIEWER, Caller.STRANGER, Caller.ADMIN)) {
      send(c, "DELETE", API + "/tokens/" + id, null).expect(404);
    }
    assertThat(send(Caller.OWNER, "GET", API + "/tokens", null).expect(200).body()).contains(id);
  }

  /**
   * Opens the stream from position 0, then has the owner change a message the caller may read (a
   * fence) and reads until the fence's frame: every frame before it is all the caller will get of
   * the journal so far, and none may show anything of a zone they may not read.
   */
  private void checkEventStream(Caller c, Call call) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUri() + call.path()))
        .timeout(Duration.ofSeconds(20)).GET();
    b.header("Authorization", auth.get(c));
    HttpResponse<InputStream> r;
    try {
      r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    try (InputStream in = r.body()) {
      if (call.expected() != 200) {
        assertThat(r.statusCode()).as("%s opens the event stream of a store they may not see", c)
            .isEqualTo(call.expected());
        String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        noLeak(c, call, body);
        return;
      }
      assertThat(r.statusCode()).isEqualTo(200);
      BlockingQueue<String> lines = new LinkedBlockingQueue<>();
      Thread reader = Thread.ofVirtual().start(() -> {
        try (BufferedReader br = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
          for (String l = br.readLine(); l != null; l = br.readLine()) {
            lines.add(l);
          }
        } catch (java.io.IOException e) {
          lines.add("closed: " + e);
        }
      });
      Place fence = c == Caller.REVIEWER ? Place.READ : Place.EDIT;
      send(Caller.OWNER, "PUT", m(message.get(fence)) + "/read", "{\"read\":false}", true).expect(204);
      long fencePosition = send(Caller.OWNER, "GET", s() + "/journal/position", null, true).expect(200).json()
          .get("position").asLong();
      StringBuilder all = new StringBuilder();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      long seen = -1;
      int frames = 0;
      while (seen < fencePosition) {
        String l = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        assertThat(l).as("%s waits for the fence at position %d; got so far:%n%s", c, fencePosition, all).isNotNull();
        all.append(l).append('\n');
        if (l.startsWith("id: ")) {
          seen = Long.parseLong(l.substring(4).strip());
          frames++;
        }
      }
      eventFramesChecked.addAndGet(frames);
      assertThat(seen).as("the fence frame arrived").isEqualTo(fencePosition);
      noLeak(c, call, all.toString());
      reader.interrupt(); // the stream itself is closed by the try, which ends the reader
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  // ---- leak detection

  private void noLeak(Caller c, Call call, String body) {
    requestsChecked.incrementAndGet();
    String sent = call.path() + " " + (call.body() == null ? "" : call.body());
    Set<Zone> sees = SEES.get(c);
    for (Map.Entry<Zone, List<String>> e : markers.entrySet()) {
      if (sees.contains(e.getKey())) {
        continue;
      }
      for (String mark : e.getValue()) {
        assertThat(body).as("%s %s %s leaks %s of zone %s to %s", call.method(), call.path(), c, mark, e.getKey(), c)
            .doesNotContain(mark);
      }
    }
    if (call.expected() == PUBLIC) {
      return; // health, metrics and the OpenAPI document hold no objects (its examples use ids like f-2)
    }
    for (Map.Entry<String, Set<Zone>> e : ids.entrySet()) {
      String id = e.getKey();
      if (e.getValue().stream().anyMatch(sees::contains) || sent.contains(id)) {
        continue;
      }
      if (body.contains(id)) {
        assertThat(Pattern.compile("(?<![\\w-])" + Pattern.quote(id) + "(?![\\w-])").matcher(body).find())
            .as("%s %s answers %s the id %s of zone %s: %s", call.method(), call.path(), c, id, e.getValue(), body)
            .isFalse();
      }
    }
  }

  /** Remembers the ids a successful create, copy or move returned, in the zone they were made in. */
  private void remember(String body, Zone z) {
    JsonNode n = Wire.parse(body.getBytes(StandardCharsets.UTF_8));
    for (String field : List.of("id", "messageId")) {
      if (n.hasNonNull(field)) {
        ids.computeIfAbsent(n.get(field).asText(), k -> EnumSet.noneOf(Zone.class)).add(z);
      }
    }
    if (n.hasNonNull("rootFolderId")) {
      ids.computeIfAbsent(n.get("rootFolderId").asText(), k -> EnumSet.noneOf(Zone.class)).add(z);
    }
  }

  // ---- plumbing

  private String messageBody(Zone z, String what, String attachment) {
    StringBuilder b = new StringBuilder("{\"properties\":{\"PidTagSubject\":\"" + marker(z) + what
        + "\",\"PidTagBody\":\"" + marker(z) + "body " + what + "\"}");
    if (attachment != null) {
      b.append(",\"attachments\":[{\"properties\":{\"PidTagAttachLongFilename\":\"a.txt\"},\"contentBase64\":\"")
          .append(Base64.getEncoder().encodeToString(attachment.getBytes(StandardCharsets.UTF_8))).append("\"}]");
    }
    return b.append('}').toString();
  }

  private String created(Caller c, String method, String path, String body, Zone z) {
    Answer a = send(c, method, path, body, true);
    assertThat(a.status()).as("%s %s: %s", method, path, a.body()).isBetween(200, 201);
    remember(a.body(), z);
    JsonNode n = a.json();
    return n.hasNonNull("id") ? n.get("id").asText() : n.get("messageId").asText();
  }

  private static String sha256(String s) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  private static String basic(String u, String p) {
    return "Basic " + Base64.getEncoder().encodeToString((u + ":" + p).getBytes(StandardCharsets.UTF_8));
  }

  record Answer(int status, String body) {
    JsonNode json() {
      return Wire.parse(body.getBytes(StandardCharsets.UTF_8));
    }

    Answer expect(int s) {
      assertThat(status).as("status; body: %s", body).isEqualTo(s);
      return this;
    }
  }

  private Answer send(Caller who, String method, String path, String body, String... headers) {
    return send(who, method, path, body, false, headers);
  }

  /** {@code fixture}: a setup request of the test itself, not one of the matrix. */
  private Answer send(Caller who, String method, String path, String body, boolean fixture, String... headers) {
    String full = path.startsWith("/api/") || path.startsWith("/health") || path.startsWith("/metrics")
        || path.equals("/") || path.equals("/session") ? path : API + path;
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUri() + full))
          .timeout(Duration.ofSeconds(20))
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
      if (body != null) {
        b.header("Content-Type", full.endsWith("/content") ? "application/octet-stream" : "application/json");
      }
      if (auth.containsKey(who)) {
        b.header("Authorization", auth.get(who));
      }
      boolean ifMatch = false;
      for (int i = 0; i < headers.length; i += 2) {
        b.header(headers[i], headers[i + 1]);
        ifMatch |= headers[i].equalsIgnoreCase("If-Match");
      }
      if (!ifMatch && (method.equals("PUT") || method.equals("PATCH")) && full.matches(".*/messages/m-\\d+")) {
        b.header("If-Match", "*");
      }
      b.header("Prefer", "return=representation");
      HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), r.body());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
