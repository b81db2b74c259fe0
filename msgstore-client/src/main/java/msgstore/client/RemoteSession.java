package msgstore.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import msgstore.api.ChangeKey;
import msgstore.api.ChangeNumber;
import msgstore.api.ConflictResolver;
import msgstore.api.ContentRef;
import msgstore.api.DeleteMode;
import msgstore.api.EventScope;
import msgstore.api.EventType;
import msgstore.api.FlagChange;
import msgstore.api.FlagResult;
import msgstore.api.Folder;
import msgstore.api.FolderId;
import msgstore.api.FolderInfo;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.MessageSnapshot;
import msgstore.api.NamedProperty;
import msgstore.api.OpenFlag;
import msgstore.api.PropTag;
import msgstore.api.PropType;
import msgstore.api.SaveResult;
import msgstore.api.Session;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.api.StoreId;
import msgstore.api.StoreInfo;
import msgstore.api.StoreLimits;
import msgstore.api.Subscription;
import msgstore.api.VersionInfo;
import msgstore.core.SessionHandles;
import msgstore.protocol.Json;
import msgstore.protocol.MessageBody;
import msgstore.protocol.PropCodec;
import msgstore.protocol.SaveRequest;
import msgstore.protocol.Wire;

/**
 * A session of the remote store: one user, one bearer token, thread-safe. Each API call is one
 * HTTP call (a few, such as {@code rootFolder}, are defaults of the API made of two). Routes name
 * the store an object is in; the store remembers which store each folder and message id it has
 * seen belongs to ({@link RemoteMessageStore#storeOfFolder}).
 */
final class RemoteSession implements Session {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private final RemoteMessageStore store;
  private final Http http;
  private final String user;
  private final String auth;
  private final String tokenId;
  private final SessionHandles handles;
  private volatile ConflictResolver resolver;

  RemoteSession(RemoteMessageStore store, Http http, String user, String auth, String tokenId) {
    this.store = store;
    this.http = http;
    this.user = user;
    this.handles = new SessionHandles(user);
    this.auth = auth;
    this.tokenId = tokenId;
  }

  @Override
  public String user() {
    return user;
  }

  RemoteMessageStore store() {
    return store;
  }

  Http http() {
    return http;
  }

  String auth() {
    return auth;
  }

  StoreLimits limits() {
    return store.limits(auth);
  }

  ConflictResolver resolver() {
    return resolver;
  }

  void checkOpen() {
    store.checkOpen();
    handles.checkOpen();
  }

  void track(AutoCloseable c) {
    handles.track(c);
  }

  void untrack(AutoCloseable c) {
    handles.untrack(c);
  }

  static String sp(StoreId s) {
    return "/stores/" + s;
  }

  private String mp(MessageId id) {
    return sp(storeOfMessage(id)) + "/messages/" + id;
  }

  StoreId storeOfMessage(MessageId id) {
    return store.storeOfMessage(id).orElseGet(() -> locate(id.toString(), s -> store.learnMessage(id, s)));
  }

  StoreId storeOfFolder(FolderId id) {
    return store.storeOfFolder(id).orElseGet(() -> locate(id.toString(), s -> store.learnFolder(id, s)));
  }

  /** An id this store has not seen yet (rare: ids come from answers): one {@code GET /locate/{id}}. */
  private StoreId locate(String id, Consumer<StoreId> learn) {
    Http.Response r = http.exchange(http.request("/locate/" + id, auth).GET().build());
    if (!r.ok()) {
      throw Http.problem(r).toException();
    }
    StoreId s = Json.storeId(r.body().path("storeId").asText(), "storeId");
    learn.accept(s);
    return s;
  }

  static <T> T read(JsonNode n, Class<T> type) {
    try {
      return Wire.mapper().treeToValue(n, type);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      if (e.getCause() instanceof StoreException se) {
        throw se;
      }
      throw new StoreException(MapiError.CORRUPT_DATA, "unreadable " + type.getSimpleName() + " from the server: "
          + e.getMessage(), e);
    }
  }

  static <T> List<T> readList(JsonNode n, Class<T> type) {
    List<T> out = new ArrayList<>();
    if (n != null && n.isArray()) {
      for (JsonNode e : n) {
        out.add(read(e, type));
      }
    }
    return out;
  }

  FolderInfo learn(FolderInfo f) {
    store.learnFolder(f.id(), f.storeId());
    return f;
  }

  StoreInfo learn(StoreInfo s) {
    store.learnFolder(s.rootFolder(), s.id());
    return s;
  }

  // ---- stores

  @Override
  public StoreInfo createStore(String displayName) {
    checkOpen();
    return learn(read(http.post("/stores", auth, F.objectNode().put("displayName", displayName)), StoreInfo.class));
  }

  @Override
  public List<StoreInfo> stores() {
    checkOpen();
    List<StoreInfo> out = readList(http.get("/stores", auth), StoreInfo.class);
    out.forEach(this::learn);
    return out;
  }

  @Override
  public StoreInfo store(StoreId id) {
    checkOpen();
    return learn(read(http.get(sp(id), auth), StoreInfo.class));
  }

  // ---- folders

  @Override
  public Folder openFolder(FolderId id) {
    checkOpen();
    StoreId s = storeOfFolder(id);
    FolderInfo info = learn(read(http.get(sp(s) + "/folders/" + id, auth), FolderInfo.class));
    return new RemoteFolder(this, info.id(), info.storeId());
  }

  // ---- messages

  MessageBody fetchMessage(StoreId s, MessageId id, Set<OpenFlag> flags) {
    String q = flags.isEmpty() ? "" : "?open=" + flags.stream().map(Enum::name).sorted().collect(Collectors.joining(","));
    JsonNode n = http.get(sp(s) + "/messages/" + id + q, auth);
    return MessageBody.fromJson(n, "");
  }

  @Override
  public Message openMessage(MessageId id, OpenFlag... flags) {
    checkOpen();
    MessageBody b = fetchMessage(storeOfMessage(id), id, flags.length == 0 ? Set.of() : Set.of(flags));
    b.snapshot().folderId().ifPresent(f -> store.learnFolder(f, b.storeId().orElseThrow()));
    return RemoteMessage.opened(this, b);
  }

  /** POST /folders/{f}/messages with the ops body: the first save of a new message. */
  Http.Response postNew(StoreId s, FolderId folder, SaveRequest req) {
    checkOpen();
    HttpRequest r = http.request(sp(s) + "/folders/" + folder + "/messages", auth)
        .header("Content-Type", SaveRequest.MEDIA_TYPE).POST(Http.json(req.toJson())).build();
    return learnSaved(s, http.exchange(r));
  }

  /** PATCH /messages/{m} with the ops body, conditional on the base. */
  Http.Response patch(StoreId s, MessageId id, ChangeKey base, SaveRequest req) {
    checkOpen();
    HttpRequest r = http.request(sp(s) + "/messages/" + id, auth).header("Content-Type", SaveRequest.MEDIA_TYPE)
        .header("If-Match", "\"" + base + "\"").method("PATCH", Http.json(req.toJson())).build();
    return learnSaved(s, http.exchange(r));
  }

  private Http.Response learnSaved(StoreId s, Http.Response r) {
    if (r.ok() && r.body().hasNonNull("messageId")) {
      store.learnMessage(MessageId.parse(r.body().get("messageId").asText()), s);
    }
    return r;
  }

  @Override
  public void deleteMessages(Collection<MessageId> ids, DeleteMode mode) {
    checkOpen();
    Map<StoreId, List<MessageId>> byStore = new LinkedHashMap<>();
    for (MessageId id : ids) {
      byStore.computeIfAbsent(storeOfMessage(id), k -> new ArrayList<>()).add(id);
    }
    for (Map.Entry<StoreId, List<MessageId>> e : byStore.entrySet()) {
      ObjectNode b = F.objectNode().put("mode", mode.name());
      ArrayNode a = b.putArray("ids");
      e.getValue().forEach(m -> a.add(m.toString()));
      http.post(sp(e.getKey()) + "/messages/delete", auth, b);
    }
  }

  @Override
  public void undeleteMessage(MessageId id) {
    checkOpen();
    http.post(mp(id) + "/undelete", auth, F.objectNode());
  }

  @Override
  public MessageId moveMessage(MessageId id, FolderId target) {
    return moveOrCopy(id, target, "move");
  }

  @Override
  public MessageId copyMessage(MessageId id, FolderId target) {
    return moveOrCopy(id, target, "copy");
  }

  private MessageId moveOrCopy(MessageId id, FolderId target, String what) {
    checkOpen();
    StoreId s = storeOfMessage(id);
    JsonNode r = http.post(sp(s) + "/messages/" + id + "/" + what, auth, F.objectNode().put("folderId",
        target.toString()));
    MessageId moved = MessageId.parse(r.get("id").asText());
    store.learnMessage(moved, s);
    return moved;
  }

  @Override
  public void setReadFlag(MessageId id, boolean read) {
    checkOpen();
    http.put(mp(id) + "/read", auth, F.objectNode().put("read", read));
  }

  @Override
  public FlagResult storeFlags(MessageId id, FlagChange change, long unchangedSince) {
    checkOpen();
    JsonNode r = http.post(mp(id) + "/flags", auth, Json.flagChange(change, unchangedSince));
    return new FlagResult(id, Json.integer(r, "uid", "flags"), Json.integer(r, "modseq", "flags"),
        r.hasNonNull("changeKey") ? Optional.of(ChangeKey.parse(r.get("changeKey").asText())) : Optional.empty());
  }

  void setMessageStatus(StoreId s, MessageId id, int status, int mask) {
    checkOpen();
    http.post(sp(s) + "/messages/" + id + "/status", auth, F.objectNode().put("status", status).put("mask", mask));
  }

  // ---- history

  @Override
  public List<VersionInfo> versions(MessageId id) {
    checkOpen();
    return readList(http.get(mp(id) + "/versions", auth), VersionInfo.class);
  }

  @Override
  public MessageSnapshot readVersion(MessageId id, ChangeNumber version) {
    checkOpen();
    return MessageBody.fromJson(http.get(mp(id) + "/versions/" + version.value(), auth), "").snapshot();
  }

  @Override
  public SaveResult restoreVersion(MessageId id, ChangeNumber version) {
    checkOpen();
    return read(http.post(mp(id) + "/versions/" + version.value() + "/restore", auth, F.objectNode()),
        SaveResult.class);
  }

  @Override
  public InputStream openContent(ContentRef ref) {
    checkOpen();
    Optional<StoreId> s = store.anyStore();
    return openContent(s.orElseGet(() -> stores().stream().findFirst().map(StoreInfo::id).orElseThrow(
        () -> new StoreException(MapiError.NOT_FOUND, "content " + ref.sha256() + " not found: " + user
            + " sees no store"))), ref);
  }

  InputStream openContent(StoreId s, ContentRef ref) {
    checkOpen();
    return http.download(sp(s) + "/content/" + ref.sha256().toLowerCase(java.util.Locale.ROOT), auth);
  }

  /** Streams content to POST /stores/{s}/content, never whole in memory (TOO_BIG over the limit). */
  ContentRef uploadContent(StoreId s, InputStream in) {
    checkOpen();
    long limit = limits().maxAttachmentBytes();
    LimitedInputStream counted = new LimitedInputStream(in, limit);
    try {
      return read(http.upload(sp(s) + "/content", auth, () -> counted), ContentRef.class);
    } catch (StoreException e) {
      if (counted.exceeded()) {
        throw new StoreException(MapiError.TOO_BIG, "attachment content is over the limit of " + limit + " bytes", e);
      }
      throw e;
    }
  }

  /** Counts what it passes on and fails once over the limit, so an upload stops early. */
  static final class LimitedInputStream extends InputStream {
    private final InputStream in;
    private final long limit;
    private long count;
    private volatile boolean exceeded;

    LimitedInputStream(InputStream in, long limit) {
      this.in = in;
      this.limit = limit;
    }

    boolean exceeded() {
      return exceeded;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        count(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        count(n);
      }
      return n;
    }

    private void count(int n) throws IOException {
      count += n;
      if (count > limit) {
        exceeded = true;
        throw new IOException("content is over the attachment limit of " + limit + " bytes");
      }
    }
  }

  // ---- notifications

  @Override
  public Subscription subscribe(EventScope scope, Set<EventType> mask, long afterPosition, Consumer<StoreEvent> sink) {
    checkOpen();
    StoreId s = switch (scope) {
      case EventScope.Store st -> st.store();
      case EventScope.Folder f -> storeOfFolder(f.folder());
      case EventScope.Message m -> storeOfMessage(m.message());
    };
    String types = mask.stream().map(Enum::name).sorted().collect(Collectors.joining(","));
    String path = sp(s) + "/events?scope=" + Http.enc(Json.scope(scope)) + "&types=" + Http.enc(types);
    EventStream es = EventStream.start(this, path, afterPosition, sink);
    track(es);
    return es;
  }

  @Override
  public long journalPosition(StoreId s) {
    checkOpen();
    return http.get(sp(s) + "/journal/position", auth).get("position").asLong();
  }

  @Override
  public List<StoreEvent> readJournal(StoreId s, long afterPosition, int limit) {
    checkOpen();
    int l = Math.max(0, Math.min(limit, 10_000));
    return readList(http.get(sp(s) + "/journal?after=" + afterPosition + "&limit=" + l, auth), StoreEvent.class);
  }

  // ---- named properties

  @Override
  public PropTag namedPropTag(StoreId s, NamedProperty name, PropType type, boolean create) {
    checkOpen();
    ObjectNode b = (ObjectNode) Wire.mapper().valueToTree(name);
    b.put("type", type.name()).put("create", create);
    return PropCodec.tag(http.post(sp(s) + "/named-properties", auth, b).get("tag"), "tag");
  }

  @Override
  public NamedProperty propName(StoreId s, PropTag tag) {
    checkOpen();
    return read(http.get(sp(s) + "/named-properties/" + tag.hex(), auth), NamedProperty.class);
  }

  @Override
  public void setConflictResolver(ConflictResolver r) {
    this.resolver = r;
  }

  @Override
  public void close() {
    if (!handles.close()) {
      return;
    }
    store.sessionClosed(this);
    if (tokenId != null) {
      try {
        http.delete("/tokens/" + tokenId, auth);
      } catch (StoreException e) {
        // The token expires on the server anyway; closing must not fail because it is unreachable.
      }
    }
  }

  @Override
  public String toString() {
    return "remote session of " + user;
  }
}
