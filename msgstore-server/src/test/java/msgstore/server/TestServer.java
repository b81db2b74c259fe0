package msgstore.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.function.UnaryOperator;
import msgstore.engine.EngineOptions;
import msgstore.protocol.Wire;
import msgstore.server.auth.PasswordHasher;

/**
 * A real server on port 0 in a temporary directory, with users {@code alice} and {@code bob}
 * (password {@code secret-<name>}, each with a mailbox) and a plain {@link HttpClient}.
 */
final class TestServer implements AutoCloseable {
  static final JsonNodeFactory F = JsonNodeFactory.instance;
  static final PasswordHasher FAST = PasswordHasher.of(64, 1, 1);
  /**
   * The default limits without failed-login backoff: tests that send bad credentials on purpose
   * (the authorization matrix) all come from 127.0.0.1. Tests of the backoff set their own limits.
   */
  static final AbuseLimits NO_LOGIN_BACKOFF = AbuseLimits.DEFAULTS.withLogin(Integer.MAX_VALUE, Integer.MAX_VALUE,
      Duration.ofSeconds(1), Duration.ofSeconds(1));
  final MsgstoreServer server;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  final String base;

  private TestServer(MsgstoreServer server) {
    this.server = server;
    this.base = server.baseUri() + MsgstoreServer.API;
  }

  static TestServer start(Path dir) {
    return start(dir, c -> c, EngineOptions.defaults().withMaintenanceInterval(Duration.ZERO));
  }

  /** A server with IMAP on a free loopback port and no background maintenance (the Imap* tests). */
  static TestServer startWithImap(Path dir) {
    return start(dir, c -> c.withImap(msgstore.imap.ImapConfig.on(0)),
        EngineOptions.defaults().withMaintenanceInterval(java.time.Duration.ZERO));
  }

  /** The port the IMAP listener took. */
  int imapPort() {
    return server.imap().orElseThrow().port();
  }

  static TestServer start(Path dir, UnaryOperator<ServerConfig> config, EngineOptions engine) {
    return start(dir, config, engine, FAST, java.time.Clock.systemUTC());
  }

  /** With another password hasher, and the clock of the login throttle and the accounts. */
  static TestServer start(Path dir, UnaryOperator<ServerConfig> config, EngineOptions engine, PasswordHasher hasher,
      java.time.Clock clock) {
    MsgstoreServer s = MsgstoreServer.start(config.apply(ServerConfig.defaults(dir, 0)
        .withDurability(msgstore.storage.sqlite.SqliteStorage.Durability.RELAXED_MAY_LOSE_RECENT_COMMITS_ON_POWER_LOSS)
        .withAbuse(NO_LOGIN_BACKOFF)), hasher, engine, clock);
    for (String u : new String[] {"alice", "bob", "carol"}) {
      if (!s.accounts().exists(u)) {
        s.accounts().addUser(u, ("secret-" + u).toCharArray(), true);
      }
    }
    return new TestServer(s);
  }

  static String basic(String user) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":secret-" + user).getBytes(StandardCharsets.UTF_8));
  }

  /** A response with its body as text. */
  record Resp(int status, java.net.http.HttpHeaders headers, String body) {
    JsonNode json() {
      return Wire.parse(body.getBytes(StandardCharsets.UTF_8));
    }

    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    String etag() {
      return header("ETag");
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }

  Resp send(String user, String method, String path, Object body, Map<String, String> headers) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(path.startsWith("http") ? path : base + path))
          .timeout(Duration.ofSeconds(30));
      if (user != null) {
        b.header("Authorization", basic(user));
      }
      String type = "application/json";
      if (headers.keySet().stream().noneMatch(k -> k.equalsIgnoreCase("Prefer"))) {
        b.header("Prefer", "return=representation"); // the tests read the saved version back
      }
      for (Map.Entry<String, String> h : headers.entrySet()) {
        if (h.getKey().equalsIgnoreCase("Content-Type")) {
          type = h.getValue();
        } else {
          b.header(h.getKey(), h.getValue());
        }
      }
      HttpRequest.BodyPublisher pub;
      if (body == null) {
        pub = HttpRequest.BodyPublishers.noBody();
      } else if (body instanceof byte[] bytes) {
        pub = HttpRequest.BodyPublishers.ofByteArray(bytes);
        type = headers.getOrDefault("Content-Type", "application/octet-stream");
      } else if (body instanceof JsonNode n) {
        pub = HttpRequest.BodyPublishers.ofByteArray(Wire.bytes(n));
      } else {
        pub = HttpRequest.BodyPublishers.ofString(body.toString());
      }
      if (body != null) {
        b.header("Content-Type", type);
      }
      b.method(method, pub);
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Resp(r.statusCode(), r.headers(), r.body());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  Resp get(String user, String path) {
    return send(user, "GET", path, null, Map.of());
  }

  Resp post(String user, String path, Object body) {
    return send(user, "POST", path, body, Map.of());
  }

  Resp put(String user, String path, Object body, String ifMatch) {
    return send(user, "PUT", path, body, ifMatch == null ? Map.of() : Map.of("If-Match", ifMatch));
  }

  Resp patch(String user, String path, Object body, String ifMatch) {
    return send(user, "PATCH", path, body, ifMatch == null ? Map.of() : Map.of("If-Match", ifMatch));
  }

  Resp delete(String user, String path) {
    return send(user, "DELETE", path, null, Map.of());
  }

  // ---- fixtures

  /** The user's mailbox store id (created on their first request). */
  String mailbox(String user) {
    Resp r = get(user, "/stores");
    for (JsonNode s : r.json()) {
      if (s.get("owner").asText().equals(user)) {
        return s.get("id").asText();
      }
    }
    throw new AssertionError("no mailbox for " + user + ": " + r);
  }

  /** A folder of a store by display name. */
  String folder(String user, String store, String name) {
    for (JsonNode f : get(user, "/stores/" + store + "/folders").json()) {
      if (f.get("displayName").asText().equals(name)) {
        return f.get("id").asText();
      }
    }
    throw new AssertionError("no folder " + name);
  }

  static ObjectNode message(String subject) {
    ObjectNode m = F.objectNode();
    m.putObject("properties").put("PidTagSubject", subject).put("PidTagBody", "body of " + subject);
    return m;
  }

  static ObjectNode props(String name, Object value) {
    ObjectNode m = F.objectNode();
    ObjectNode p = m.putObject("properties");
    if (value == null) {
      p.putNull(name);
    } else if (value instanceof Integer i) {
      p.put(name, i);
    } else {
      p.put(name, value.toString());
    }
    return m;
  }

  static String subject(JsonNode message) {
    return message.path("properties").path("PidTagSubject").path("value").asText(null);
  }

  @Override
  public void close() {
    server.close();
  }
}
