package msgstore.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import msgstore.api.FolderId;
import msgstore.api.MapiError;
import msgstore.api.MessageId;
import msgstore.api.MessageStore;
import msgstore.api.Session;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.api.StoreId;
import msgstore.api.StoreLimits;
import msgstore.protocol.Json;

/**
 * The msgstore API over HTTP (docs/http-api.md, docs/client.md): a {@link MessageStore} whose
 * sessions talk to a msgstore server. The same contract suite as the embedded store passes against
 * it (X5). Thread-safe.
 *
 * <pre>{@code
 * try (MessageStore store = RemoteMessageStore.connect(URI.create("https://mail.example:8443"),
 *         Credentials.of(Map.of("alice", "secret")));
 *     Session s = store.openSession("alice")) {
 *   ...
 * }
 * }</pre>
 *
 * <p>Message handles keep their pending edits client-side and send them on SaveChanges as one
 * conditional request; conflicts come back as {@link msgstore.api.ObjectChangedException}, exactly
 * as embedded.
 */
public final class RemoteMessageStore implements MessageStore {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private final Http http;
  private final Credentials credentials;
  private final ConcurrentHashMap<Long, StoreId> folderStores = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, StoreId> messageStores = new ConcurrentHashMap<>();
  private final Set<RemoteSession> sessions = ConcurrentHashMap.newKeySet();
  private volatile StoreLimits limits;
  private volatile boolean closed;

  private RemoteMessageStore(Http http, Credentials credentials) {
    this.http = http;
    this.credentials = credentials;
  }

  /** Connects to the server at {@code baseUri} (its root, or its {@code /api/v1}) with default options. */
  public static RemoteMessageStore connect(URI baseUri, Credentials credentials) {
    return connect(baseUri, credentials, ClientOptions.defaults());
  }

  /** Connects with explicit timeouts and TLS settings. Nothing is sent until a session is opened. */
  public static RemoteMessageStore connect(URI baseUri, Credentials credentials, ClientOptions options) {
    Objects.requireNonNull(baseUri, "baseUri");
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(options, "options");
    String scheme = baseUri.getScheme();
    if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "a msgstore server URI is http or https, got " + baseUri);
    }
    return new RemoteMessageStore(new Http(baseUri, options), credentials);
  }

  /**
   * A session acting as {@code user}: with Basic credentials, the credentials are exchanged once
   * for a bearer token (revoked again by {@link Session#close}).
   *
   * @throws StoreException NO_ACCESS when the server refuses the credentials
   */
  @Override
  public Session openSession(String user) {
    checkOpen();
    String auth = credentials.authorization(user);
    String token = null;
    String session = auth;
    if (auth.regionMatches(true, 0, "Basic ", 0, 6)) {
      JsonNode t = http.post("/tokens", auth, F.objectNode().put("label", "msgstore-client session of " + user));
      token = t.get("id").asText();
      session = "Bearer " + t.get("token").asText();
    }
    RemoteSession s = new RemoteSession(this, http, user, session, token);
    sessions.add(s);
    if (limits == null) {
      limits(session);
    }
    return s;
  }

  /** The server's limits (GET /limits), fetched once. */
  @Override
  public StoreLimits limits() {
    checkOpen();
    StoreLimits l = limits;
    if (l != null) {
      return l;
    }
    RemoteSession any = sessions.stream().findFirst().orElse(null);
    return limits(any == null ? null : any.auth());
  }

  StoreLimits limits(String auth) {
    StoreLimits l = limits;
    if (l == null) {
      l = Json.limits(http.get("/limits", auth), "");
      limits = l;
    }
    return l;
  }

  void checkOpen() {
    if (closed) {
      throw new StoreException(MapiError.INVALID_OBJECT, "the remote store is closed");
    }
  }

  void sessionClosed(RemoteSession s) {
    sessions.remove(s);
  }

  // ---- which store an id is in (routes name the store; API calls pass only the id)

  Optional<StoreId> storeOfFolder(FolderId id) {
    return Optional.ofNullable(folderStores.get(id.value()));
  }

  Optional<StoreId> storeOfMessage(MessageId id) {
    return Optional.ofNullable(messageStores.get(id.value()));
  }

  void learnFolder(FolderId id, StoreId s) {
    folderStores.put(id.value(), s);
  }

  void learnMessage(MessageId id, StoreId s) {
    messageStores.put(id.value(), s);
  }

  void learnEvent(StoreEvent e) {
    e.messageId().ifPresent(m -> messageStores.put(m.value(), e.storeId()));
    e.folderId().ifPresent(f -> folderStores.put(f.value(), e.storeId()));
    e.parentId().ifPresent(p -> folderStores.put(p.value(), e.storeId()));
  }

  Optional<StoreId> anyStore() {
    return folderStores.values().stream().findFirst();
  }

  /** Closes every session (revoking their tokens); idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    for (RemoteSession s : List.copyOf(sessions)) {
      s.close();
    }
    closed = true;
    http.client().shutdownNow();
  }

  @Override
  public String toString() {
    return "remote msgstore at " + http.uri("");
  }
}
