package msgstore.server;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import msgstore.api.StoreException;
import msgstore.protocol.HttpStatus;
import msgstore.protocol.Problem;
import msgstore.protocol.Wire;
import msgstore.server.auth.Accounts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Coverage-guided fuzzing (Jazzer, ADR 0016) of what the server itself reads from a request: the
 * {@code Authorization} header, {@code Last-Event-ID}, the whole-view body of PUT and create, and
 * whole requests over real HTTP to a real in-process server (save, folder and table routes, with
 * fuzzed bodies, content types, {@code If-Match}, {@code Prefer} and query parameters).
 *
 * <p>Oracle: bad input never gets a 5xx nor an answer without Problem Details; in process, bad input
 * is a StoreException of a 4xx and anything else is a finding. Inputs: the first bytes pick what is
 * fuzzed (see each target), the committed inputs are under
 * {@code src/test/resources/msgstore/server/ServerFuzzTestInputs/}; docs/operations.md "Fuzzing".
 */
class ServerFuzzTest {
  @TempDir
  static Path dir;
  static Accounts accounts;
  static TestServer server;
  static String store;
  static String inbox;
  static String folder;
  static String message;
  static String etag;

  @BeforeAll
  static void start() {
    accounts = Accounts.open(dir.resolve("accounts.db"), TestServer.FAST);
    accounts.addUser("alice", "secret-alice".toCharArray(), false);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
      server = null;
    }
    accounts.close();
  }

  /** The HTTP server, started on first use (only the HTTP target needs it). */
  private static TestServer server() {
    if (server == null) {
      try {
        server = TestServer.start(Files.createDirectories(dir.resolve("server")));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      store = server.mailbox("alice");
      inbox = server.folder("alice", store, "Inbox");
      folder = server.post("alice", "/stores/" + store + "/folders",
          TestServer.F.objectNode().put("displayName", "fuzz")).json().get("id").asText();
      TestServer.Resp m = server.post("alice", "/stores/" + store + "/folders/" + inbox + "/messages",
          TestServer.message("fuzzed"));
      message = m.json().get("messageId").asText();
      etag = m.etag();
    }
    return server;
  }

  /**
   * In process: {@code A} + an Authorization header value, {@code B} + a Last-Event-ID, {@code C} +
   * a whole-view message body (PUT and create).
   */
  @DictionaryEntries({"\"properties\"", "\"recipients\"", "\"attachments\"", "\"embedded\"", "\"content\"",
      "\"contentBase64\"", "\"attachNum\"", "\"rowId\"", "\"read\"", "\"PidTagSubject\"", "[1]", "{}", "null",
      "Basic ", "Bearer ", "YWxpY2U6", "\"displayName\"", "\"parentId\"", "\"restriction\"", "\"sort\"",
      "\"columns\"", "\"offset\"", "\"limit\"", "\"ops\"", "\"op\"", "\"setProps\""})
  @FuzzTest(maxDuration = "10s")
  void headersAndViewBodiesEitherParseOrFailWith4xx(byte[] input) {
    if (input.length == 0) {
      return;
    }
    byte[] rest = Arrays.copyOfRange(input, 1, input.length);
    String text = new String(rest, StandardCharsets.UTF_8);
    switch (Math.floorMod((input[0] & 0xff) - 'A', 3)) {
      case 0 -> {
        // Bad credentials never throw; only alice's exact Basic credentials authenticate.
        Optional<String> user = accounts.authenticate(text);
        if (user.isPresent() && !isAlice(text)) {
          throw new AssertionError("'" + text + "' authenticated as " + user.get());
        }
      }
      case 1 -> oracle(() -> {
        long p = EventStream.position(text, "Last-Event-ID");
        if (p < 0 || p != EventStream.position(Long.toString(p), "Last-Event-ID")) {
          throw new AssertionError("position " + p + " of '" + text + "'");
        }
      });
      default -> oracle(() -> Saves.View.parse(Wire.parse(rest), ""));
    }
  }

  private static boolean isAlice(String header) {
    String h = header.strip();
    int space = h.indexOf(' ');
    try {
      return space > 0 && h.substring(0, space).equalsIgnoreCase("basic")
          && new String(Base64.getDecoder().decode(h.substring(space + 1).strip()), StandardCharsets.UTF_8)
              .equals("alice:secret-alice");
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static final String[] CONTENT_TYPES = {"application/json", "application/vnd.msgstore.ops+json",
      "application/merge-patch+json", "application/json; charset=utf-8", "text/plain", "application/x-bogus"};

  /**
   * Over HTTP. Input: byte 0 the route, byte 1 the content type, byte 2 the If-Match, byte 3 the
   * query parameter, then a line of text (the fuzzed header or parameter value), then the body.
   * Routes: A create, B PUT, C PATCH a message; D create, E patch a folder, F patch its properties;
   * G query, H contents table (the text is {@code restriction=}, or {@code sort=} ...); I the text
   * as the Authorization of a GET.
   */
  @DictionaryEntries({"\"properties\"", "\"recipients\"", "\"attachments\"", "\"embedded\"", "\"content\"",
      "\"contentBase64\"", "\"attachNum\"", "\"rowId\"", "\"read\"", "\"PidTagSubject\"", "[1]", "{}", "null",
      "Basic ", "Bearer ", "YWxpY2U6", "\"displayName\"", "\"parentId\"", "\"restriction\"", "\"sort\"",
      "\"columns\"", "\"offset\"", "\"limit\"", "\"ops\"", "\"op\"", "\"setProps\""})
  @FuzzTest(maxDuration = "10s")
  void requestsOverHttpNeverGet5xx(byte[] input) {
    if (input.length < 4) {
      return;
    }
    TestServer s = server();
    // The client opens a new connection whenever the server closed the last one (a refusal before
    // the body was read, 415 or 431, closes it): allowed to the test server only, so Jazzer's SSRF
    // detector still catches a request that goes anywhere else.
    int port = java.net.URI.create(s.base).getPort();
    BugDetectors.allowNetworkConnections((host, p) -> p == port
        && (host.equals("localhost") || host.equals("127.0.0.1")));
    int nl = indexOf(input, (byte) '\n', 4);
    String text = new String(input, 4, nl - 4, StandardCharsets.UTF_8);
    byte[] body = nl < input.length ? Arrays.copyOfRange(input, nl + 1, input.length) : new byte[0];
    String enc = URLEncoder.encode(text, StandardCharsets.UTF_8);
    String st = "/stores/" + store;
    String method;
    String path;
    switch (Math.floorMod((input[0] & 0xff) - 'A', 9)) {
      case 0 -> { method = "POST"; path = st + "/folders/" + inbox + "/messages"; }
      case 1 -> { method = "PUT"; path = st + "/messages/" + message; }
      case 2 -> { method = "PATCH"; path = st + "/messages/" + message; }
      case 3 -> { method = "POST"; path = st + "/folders"; }
      case 4 -> { method = "PATCH"; path = st + "/folders/" + folder; }
      case 5 -> { method = "PATCH"; path = st + "/folders/" + folder + "/properties"; }
      case 6 -> { method = "POST"; path = st + "/folders/" + inbox + "/messages/query"; }
      case 7 -> { method = "GET"; path = st + "/folders/" + inbox + "/messages"; body = null; }
      default -> { method = "GET"; path = "/stores"; body = null; }
    }
    String[] queries = {"", "onConflict=" + enc, "merge=" + enc, "restriction=" + enc, "sort=" + enc,
        "columns=" + enc, "offset=" + enc + "&limit=" + enc, "onConflict=saveElsewhere&folderId=" + enc};
    String q = queries[Math.floorMod(input[3], queries.length)];
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", CONTENT_TYPES[Math.floorMod(input[1], CONTENT_TYPES.length)]);
    switch (Math.floorMod(input[2], 5)) {
      case 0 -> { }
      case 1 -> headers.put("If-Match", "*");
      case 2 -> headers.put("If-Match", etag);
      case 3 -> headers.put("If-Match", text);
      default -> headers.put("Prefer", text);
    }
    boolean authFuzzed = Math.floorMod((input[0] & 0xff) - 'A', 9) == 8;
    if (authFuzzed) {
      headers.put("Authorization", text);
    }
    TestServer.Resp r;
    try {
      r = s.send(authFuzzed ? null : "alice", method, path + (q.isEmpty() ? "" : "?" + q),
          body, headers);
    } catch (IllegalArgumentException e) {
      return; // the JDK client refuses to send this header value at all (a control character, ...)
    }
    if (r.status() >= 500) {
      throw new AssertionError(method + " " + path + "?" + q + " " + headers + " answered " + r);
    }
    if (r.status() >= 400) {
      JsonNode p;
      try {
        p = r.json();
      } catch (StoreException e) {
        throw new AssertionError("a " + r.status() + " without Problem Details: " + r, e);
      }
      if (!String.valueOf(r.header("Content-Type")).startsWith(Problem.MEDIA_TYPE) || !p.hasNonNull("mapiError")
          || p.path("detail").asText("").isBlank()) {
        throw new AssertionError("a " + r.status() + " without Problem Details: " + r);
      }
    }
  }

  private static int indexOf(byte[] a, byte b, int from) {
    for (int i = from; i < a.length; i++) {
      if (a[i] == b) {
        return i;
      }
    }
    return a.length;
  }

  private static void oracle(Runnable r) {
    try {
      r.run();
    } catch (StoreException e) {
      int status = HttpStatus.of(e.error());
      if (status >= 500) {
        throw new AssertionError("bad input answered " + status + " " + e.error().mapiName() + ": " + e.getMessage(), e);
      }
    }
  }
}
