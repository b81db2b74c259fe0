package msgstore.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import msgstore.api.Attachment;
import msgstore.api.ChangeKey;
import msgstore.api.ChangeNumber;
import msgstore.api.ContentRef;
import msgstore.api.ContentsTable;
import msgstore.api.DeleteMode;
import msgstore.api.FlagChange;
import msgstore.api.FlagResult;
import msgstore.api.Folder;
import msgstore.api.FolderId;
import msgstore.api.FolderInfo;
import msgstore.api.FolderRights;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.MessageSnapshot;
import msgstore.api.NamedProperty;
import msgstore.api.OpenFlag;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropType;
import msgstore.api.PropValue;
import msgstore.api.Restriction;
import msgstore.api.SaveResult;
import msgstore.api.SortOrder;
import msgstore.api.StoreEvent;
import msgstore.api.Session;
import msgstore.api.StoreException;
import msgstore.api.StoreId;
import msgstore.api.StoreInfo;
import msgstore.api.TableRow;
import msgstore.api.VersionInfo;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.engine.ServerSupport;
import msgstore.mime.MailExport;
import msgstore.mime.MailImport;
import msgstore.mime.MsgImport;
import msgstore.protocol.Json;
import msgstore.protocol.MessageBody;
import msgstore.protocol.PropCodec;
import msgstore.protocol.Wire;
import msgstore.protocol.WireException;
import msgstore.server.auth.Accounts;
import msgstore.server.auth.TokenInfo;

/**
 * The route handlers of {@code /api/v1} other than saves ({@link Saves}) and events ({@link
 * EventStream}). Each is a thin translation onto the {@code msgstore-api} call docs/http-api.md
 * names next to its route.
 */
final class Api {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final List<PropTag> FOLDER_PROPS = List.of(PropTags.DISPLAY_NAME, PropTags.COMMENT,
      PropTags.RESOLVE_METHOD, PropTags.CONTENT_COUNT, PropTags.CONTENT_UNREAD_COUNT, PropTags.SUBFOLDERS,
      PropTags.FOLDER_CHILD_COUNT);
  private final EmbeddedMessageStore store;
  private final Accounts accounts;
  private final RenderedBodies bodies;

  Api(EmbeddedMessageStore store, Accounts accounts, RenderedBodies bodies) {
    this.bodies = bodies;
    this.store = store;
    this.accounts = accounts;
  }

  /**
   * Opens an object that a request names outside its path (a parent, a target folder, ids in a
   * body, an event scope) for reading: when the caller may not read it, NOT_FOUND as if it did not
   * exist (ADR 0009), never a NO_ACCESS that would confirm it exists. Path objects get the same
   * treatment in MsgstoreServer.
   */
  static <T> T readableOrAbsent(String what, java.util.function.Supplier<T> open) {
    try {
      return open.get();
    } catch (StoreException e) {
      if (e.error() == MapiError.NO_ACCESS) {
        throw new StoreException(MapiError.NOT_FOUND, what + " not found");
      }
      throw e;
    }
  }

  /** "A message id in a path must belong to the store in the path, or 404." */
  static void requireStore(StoreId actual, StoreId path, String what) {
    if (!actual.equals(path)) {
      throw new StoreException(MapiError.NOT_FOUND, what + " is not in store " + path);
    }
  }

  // ---- limits, stores

  void limits(Req r) {
    r.json(200, Json.limits(store.limits()));
  }

  void stores(Req r) {
    ArrayNode a = F.arrayNode();
    r.session().stores().forEach(s -> a.add(Json.storeInfo(s)));
    r.json(200, a);
  }

  void createStore(Req r) {
    JsonNode b = r.json();
    StoreInfo s = r.session().createStore(Json.text(b, "displayName", ""));
    r.ctx().header("Location", r.storePath(s.id()));
    r.json(201, Json.storeInfo(s));
  }

  /**
   * Which store a message or folder id belongs to ({@code GET /locate/m-5}): ids are global but
   * routes name the store, so a client holding only an id asks once instead of trying each store.
   * An object the caller may not read answers 404 like a missing one.
   */
  void locate(Req r) {
    String id = r.ctx().pathParam("id");
    ObjectNode out = F.objectNode().put("id", id);
    try {
      if (id.startsWith("f-")) {
        FolderInfo f = r.session().openFolder(Json.folderId(id, "path.id")).info();
        out.put("storeId", f.storeId().toString());
      } else {
        try (Message m = r.session().openMessage(Json.messageId(id, "path.id"), OpenFlag.SHOW_SOFT_DELETES)) {
          out.put("storeId", m.storeId().toString()).put("folderId", m.folderId().toString());
        }
      }
    } catch (StoreException e) {
      if (e.error() == MapiError.NO_ACCESS) {
        throw new StoreException(MapiError.NOT_FOUND, id + " not found");
      }
      throw e;
    }
    r.json(200, out);
  }

  void store(Req r) {
    r.json(200, Json.storeInfo(r.session().store(r.store())));
  }

  // ---- folders

  private Folder folder(Req r) {
    Folder f = r.session().openFolder(r.folder());
    requireStore(f.storeId(), r.store(), "folder " + f.id());
    return f;
  }

  private static ArrayNode folders(List<FolderInfo> list) {
    ArrayNode a = F.arrayNode();
    list.forEach(f -> a.add(Json.folderInfo(f)));
    return a;
  }

  /**
   * The folders of a store the caller may read, root first. The owner reads the whole tree; a
   * user with shared folders gets exactly those (and their readable descendants), each with
   * their own rights: the tree is walked as the owner and every folder is opened as the caller.
   */
  void allFolders(Req r) {
    StoreInfo info = r.session().store(r.store());
    List<FolderInfo> all = new ArrayList<>();
    if (info.owner().equals(r.session().user())) {
      Folder root = r.session().openFolder(info.rootFolder());
      all.add(root.info());
      all.addAll(root.hierarchy(true));
    } else {
      try (Session owner = store.openSession(info.owner())) {
        Folder root = owner.openFolder(info.rootFolder());
        List<FolderInfo> tree = new ArrayList<>();
        tree.add(root.info());
        tree.addAll(root.hierarchy(true));
        for (FolderInfo f : tree) {
          try {
            all.add(r.session().openFolder(f.id()).info());
          } catch (StoreException e) {
            if (e.error() != MapiError.NO_ACCESS && e.error() != MapiError.NOT_FOUND) {
              throw e;
            }
          }
        }
      }
    }
    r.json(200, folders(all));
  }

  void createFolder(Req r) {
    JsonNode b = r.json();
    StoreId s = r.store();
    String name = Json.text(b, "displayName", "");
    FolderId parentId = b.hasNonNull("parentId") ? Json.folderId(b.get("parentId").asText(), "parentId")
        : r.session().store(s).rootFolder();
    Folder parent = readableOrAbsent("folder " + parentId, () -> r.session().openFolder(parentId));
    requireStore(parent.storeId(), s, "folder " + parentId);
    Folder f = parent.createFolder(name);
    r.ctx().header("Location", r.storePath(s) + "/folders/" + f.id());
    r.json(201, Json.folderInfo(f.info()));
  }

  void folderInfo(Req r) {
    r.json(200, Json.folderInfo(folder(r).info()));
  }

  void subfolders(Req r) {
    boolean deep = r.query("deep").map(Boolean::parseBoolean).orElse(false);
    r.json(200, folders(folder(r).hierarchy(deep)));
  }

  void patchFolder(Req r) {
    JsonNode b = r.json();
    for (Iterator<String> it = b.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!k.equals("displayName") && !k.equals("parentId")) {
        throw new WireException(MapiError.INVALID_PARAMETER, k, "unknown field; expected displayName or parentId");
      }
    }
    Folder f = folder(r);
    if (b.hasNonNull("displayName")) {
      f.rename(Json.text(b, "displayName", ""));
    }
    if (b.hasNonNull("parentId")) {
      FolderId target = Json.folderId(b.get("parentId").asText(), "parentId");
      readableOrAbsent("folder " + target, () -> r.session().openFolder(target));
      f.moveTo(target);
    }
    r.json(200, Json.folderInfo(f.info()));
  }

  void deleteFolder(Req r) {
    folder(r).delete(mode(r.query("mode"), "mode"));
    r.noContent();
  }

  static DeleteMode mode(Optional<String> v, String field) {
    return v.map(m -> Json.enumOf(DeleteMode.class, m, field)).orElse(DeleteMode.SOFT);
  }

  void folderProps(Req r) {
    Folder f = folder(r);
    List<PropTag> tags = r.query("tags").map(t -> Json.tagsParam(t, "tags")).orElse(FOLDER_PROPS);
    r.json(200, propsAnswer(f, tags));
  }

  void patchFolderProps(Req r) {
    JsonNode b = r.json();
    Folder f = folder(r);
    JsonNode props = b.get("properties");
    if (props == null || !props.isObject()) {
      throw new WireException(MapiError.INVALID_PARAMETER, "properties", "expected an object of properties");
    }
    List<PropTag> touched = new ArrayList<>();
    List<PropValue> set = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : props.properties()) {
      String field = "properties." + e.getKey();
      if (e.getValue().isNull()) {
        throw new WireException(MapiError.INVALID_PARAMETER, field, "folder properties cannot be deleted");
      }
      PropValue p = PropCodec.parse(e.getKey(), e.getValue(), field);
      set.add(p);
      touched.add(p.tag());
    }
    for (PropValue p : set) {
      f.setProp(p);
    }
    r.json(200, propsAnswer(f, touched));
  }

  private static ObjectNode propsAnswer(Folder f, List<PropTag> tags) {
    List<PropValue> out = new ArrayList<>();
    for (PropTag t : tags) {
      f.getProp(t).ifPresent(out::add);
    }
    ObjectNode o = F.objectNode();
    o.set("properties", PropCodec.object(out));
    return o;
  }

  void setRights(Req r) {
    JsonNode b = r.json();
    FolderRights rights = Json.enumValue(FolderRights.class, b, "rights", "");
    folder(r).setRights(r.ctx().pathParam("user"), rights);
    r.noContent();
  }

  void softDeleted(Req r) {
    ObjectNode o = F.objectNode();
    ArrayNode ids = o.putArray("ids");
    folder(r).softDeletedMessages().forEach(m -> ids.add(m.toString()));
    r.json(200, o);
  }

  void readFlags(Req r) {
    JsonNode b = r.json();
    List<MessageId> ids = ids(b, "ids");
    folder(r).setReadFlags(ids, Json.bool(b, "read", ""));
    r.noContent();
  }

  private static List<MessageId> ids(JsonNode b, String name) {
    JsonNode a = b.get(name);
    if (a == null || !a.isArray()) {
      throw new WireException(MapiError.INVALID_PARAMETER, name, "expected an array of message ids");
    }
    List<MessageId> out = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      out.add(Json.messageId(a.get(i).asText(), name + "[" + i + "]"));
    }
    return out;
  }

  // ---- contents table

  void contents(Req r) {
    Folder f = folder(r);
    List<PropTag> columns = r.query("columns").map(c -> Json.tagsParam(c, "columns")).orElse(List.of());
    List<SortOrder> sort = Json.sortParam(r.ctx().queryParam("sort"), "sort");
    Restriction restriction = r.query("restriction").map(t -> Json.restriction(Wire.parse(
        t.getBytes(java.nio.charset.StandardCharsets.UTF_8)), "restriction")).orElse(null);
    table(r, f, columns, sort, restriction, r.intQuery("offset", 0, 0, Integer.MAX_VALUE),
        r.intQuery("limit", 50, 0, 10_000));
  }

  void query(Req r) {
    JsonNode b = r.json();
    Folder f = folder(r);
    List<PropTag> columns = new ArrayList<>();
    JsonNode c = b.get("columns");
    if (c != null && !c.isNull()) {
      if (!c.isArray()) {
        throw new WireException(MapiError.INVALID_PARAMETER, "columns", "expected an array of property tags");
      }
      for (int i = 0; i < c.size(); i++) {
        columns.add(PropCodec.tag(c.get(i), "columns[" + i + "]"));
      }
    }
    List<SortOrder> sort = new ArrayList<>();
    JsonNode s = b.get("sort");
    if (s != null && !s.isNull()) {
      if (!s.isArray()) {
        throw new WireException(MapiError.INVALID_PARAMETER, "sort", "expected an array of sort keys");
      }
      for (int i = 0; i < s.size(); i++) {
        sort.add(Json.sortOrder(s.get(i), "sort[" + i + "]"));
      }
    }
    Restriction restriction = b.hasNonNull("restriction") ? Json.restriction(b.get("restriction"), "restriction") : null;
    int offset = b.hasNonNull("offset") ? (int) Json.integer(b, "offset", "") : 0;
    int limit = b.hasNonNull("limit") ? (int) Json.integer(b, "limit", "") : 50;
    if (offset < 0 || limit < 0 || limit > 10_000) {
      throw new WireException(MapiError.INVALID_PARAMETER, offset < 0 ? "offset" : "limit",
          "offset must be >= 0 and limit 0 to 10000");
    }
    table(r, f, columns, sort, restriction, offset, limit);
  }

  private static void table(Req r, Folder f, List<PropTag> columns, List<SortOrder> sort, Restriction restriction,
      int offset, int limit) {
    ContentsTable t = f.contentsTable();
    if (!columns.isEmpty()) {
      t.setColumns(columns);
    }
    if (!sort.isEmpty()) {
      t.sortBy(sort);
    }
    t.restrict(restriction);
    ServerSupport.TablePage page = ServerSupport.queryTable(t, offset, limit); // count and rows: one snapshot
    ObjectNode o = F.objectNode();
    o.put("rowCount", page.rowCount());
    ArrayNode rows = o.putArray("rows");
    for (TableRow row : page.rows()) {
      rows.add(Json.tableRow(row));
    }
    r.json(200, o);
  }

  // ---- messages

  /** Checks that a message is in the path's store (and visible at all); deleted ones count. */
  private static void checkMessage(Req r, MessageId id) {
    try (Message h = readableOrAbsent("message " + id, () -> r.session().openMessage(id, OpenFlag.SHOW_SOFT_DELETES))) {
      requireStore(h.storeId(), r.store(), "message " + id);
    }
  }

  /** The media type of a message as RFC 5322 bytes ({@code GET} with Accept, {@code POST} with Content-Type). */
  static final String RFC822 = "message/rfc822";

  /** The media type of an Outlook .msg file ({@code POST} with Content-Type; ADR 0020). */
  static final String OUTLOOK_MSG = "application/vnd.ms-outlook";

  /** Whether the request's Content-Type is an Outlook .msg. */
  static boolean asOutlookMsg(Req r) {
    String v = r.ctx().header("Content-Type");
    return v != null && v.strip().toLowerCase(java.util.Locale.ROOT).startsWith(OUTLOOK_MSG);
  }

  /** Whether the request's Accept (for GET) or Content-Type (for POST) names message/rfc822. */
  static boolean asRfc822(Req r, String header) {
    String v = r.ctx().header(header);
    return v != null && v.toLowerCase(java.util.Locale.ROOT).contains(RFC822);
  }

  /**
   * Whether an Accept header prefers {@code message/rfc822} to JSON (RFC 9110 section 12.5.1): the
   * most specific range that matches each type gives its q-value (default 1); at equal q the type
   * named more specifically wins ({@code message/rfc822, *}{@code /*} is the RFC 5322 form), and JSON
   * wins a full tie, so {@code *}{@code /*} or no Accept stays JSON and {@code message/rfc822;q=0}
   * never gets the RFC 5322 form.
   */
  static boolean prefersRfc822(String accept) {
    if (accept == null) {
      return false;
    }
    double[] rfc822 = quality(accept, "message", "rfc822");
    double[] json = quality(accept, "application", "json");
    return rfc822[0] > 0 && (rfc822[0] > json[0] || rfc822[0] == json[0] && rfc822[1] > json[1]);
  }

  /**
   * The q-value an Accept header gives {@code type/subtype} (0 when no range matches) and how
   * specifically it was matched (-1 none, 0 {@code *}{@code /*}, 1 {@code type/*}, 2 the type itself).
   */
  static double[] quality(String accept, String type, String subtype) {
    double q = 0;
    int best = -1; // 0: */*, 1: type/*, 2: type/subtype
    for (String range : accept.split(",")) {
      String[] parts = range.split(";");
      String media = parts[0].strip().toLowerCase(java.util.Locale.ROOT);
      int slash = media.indexOf('/');
      if (slash < 0) {
        continue;
      }
      String t = media.substring(0, slash);
      String st = media.substring(slash + 1);
      int specificity = t.equals("*") && st.equals("*") ? 0 : t.equals(type) && st.equals("*") ? 1
          : t.equals(type) && st.equals(subtype) ? 2 : -1;
      if (specificity <= best) {
        continue;
      }
      double rangeQ = 1;
      for (int i = 1; i < parts.length; i++) {
        String p = parts[i].strip();
        if (p.length() > 2 && (p.charAt(0) == 'q' || p.charAt(0) == 'Q') && p.charAt(1) == '=') {
          try {
            rangeQ = Math.max(0, Math.min(1, Double.parseDouble(p.substring(2).strip())));
          } catch (NumberFormatException e) {
            rangeQ = 1; // a malformed weight: as if none were given
          }
        }
      }
      best = specificity;
      q = rangeQ;
    }
    return new double[] {q, best};
  }

  void getMessage(Req r) {
    MessageId id = r.message();
    if (prefersRfc822(r.ctx().header("Accept"))) {
      OnSelector.mayBlock();
      getMessageRfc822(r, id);
      return;
    }
    OpenFlag[] flags = r.query("open").map(o -> openFlags(o).toArray(OpenFlag[]::new)).orElse(new OpenFlag[0]);
    if (flags.length == 0) { // a plain read-only open: answered from what was rendered for the same view
      RenderedBodies.Body hit = ServerSupport.viewKey(r.session(), id)
          .filter(k -> k.store().equals(r.store().guid())).map(bodies::get).orElse(null);
      if (hit != null) {
        r.ctx().header("ETag", hit.etag());
        r.ctx().status(200).contentType(Req.JSON).result(hit.json());
        return;
      }
    }
    OnSelector.mayBlock(); // an open and a render: on a request thread (ADR 0037)
    try (Message h = r.session().openMessage(id, flags)) {
      requireStore(h.storeId(), r.store(), "message " + id);
      String etag = h.baseChangeKey().map(k -> "\"" + k + "\"").orElse(null);
      if (etag != null) {
        r.ctx().header("ETag", etag);
      }
      byte[] json = MessageBody.of(h.snapshot(), h.storeId(), h.accessLevel(), Saves.read(h)).toBytes();
      if (flags.length == 0 && etag != null) {
        ServerSupport.viewKey(h).ifPresent(k -> bodies.put(k, new RenderedBodies.Body(etag, json)));
      }
      r.ctx().status(200).contentType(Req.JSON).result(json);
    }
  }

  /**
   * The message as RFC 5322 ({@link MailExport}: the bytes that came in when unchanged since import,
   * else rendered), streamed; the ETag is its change key, as for the JSON form.
   */
  private static void getMessageRfc822(Req r, MessageId id) {
    try (Message h = r.session().openMessage(id)) {
      requireStore(h.storeId(), r.store(), "message " + id);
      h.baseChangeKey().ifPresent(k -> r.ctx().header("ETag", "\"" + k + "\""));
      r.ctx().status(200).contentType(RFC822);
      OutputStream out = r.ctx().outputStream();
      MailExport.write(h, out);
      out.flush();
    } catch (IOException e) {
      throw new StoreException(MapiError.DISK_ERROR, "streaming message " + id + " as RFC 5322 failed: " + e);
    }
  }

  /**
   * {@code POST .../folders/{f}/messages} with {@code Content-Type: message/rfc822}: imports the
   * body as one message ({@link MailImport}, streamed; at most the store's attachment size limit,
   * like a content upload). 201 with Location and ETag and the message as JSON; with {@code
   * ?skipIfPresent=true}, a message already in the folder with the same Message-ID and bytes is
   * answered 200 instead of imported again. With {@code Content-Type: application/vnd.ms-outlook}
   * the body is an Outlook .msg, whose MAPI properties are copied as they are ({@link MsgImport}).
   */
  void importRfc822(Req r) {
    FolderId fid = r.folder();
    Folder folder = r.session().openFolder(fid);
    requireStore(folder.storeId(), r.store(), "folder " + fid);
    long max = store.limits().maxAttachmentBytes();
    long declared = r.ctx().contentLength();
    if (declared > max) {
      throw new StoreException(MapiError.TOO_BIG, "the message is " + declared + " bytes; the limit is " + max + " bytes");
    }
    MailImport.ImportOptions options = MailImport.ImportOptions.defaults().withMaxBytes(max)
        .withRead(r.query("read").map(Boolean::parseBoolean).orElse(false))
        .withSkipIfPresent(r.query("skipIfPresent").map(Boolean::parseBoolean).orElse(false));
    MailImport.Imported imported;
    try (InputStream in = r.ctx().inputStream()) {
      imported = asOutlookMsg(r)
          ? MsgImport.importMessage(folder, in, options, MsgImport.NamedProps.of(r.session(), folder.storeId()))
          : MailImport.importMessage(folder, in, options);
    } catch (IOException e) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "cannot read the uploaded message: " + e.getMessage());
    }
    try (Message h = r.session().openMessage(imported.id())) {
      h.baseChangeKey().ifPresent(k -> r.ctx().header("ETag", "\"" + k + "\""));
      r.ctx().header("Location", r.storePath(h.storeId()) + "/messages/" + imported.id());
      r.json(imported.alreadyPresent() ? 200 : 201,
          MessageBody.of(h.snapshot(), h.storeId(), h.accessLevel(), Saves.read(h)).toJson());
    }
  }

  void deleteMessage(Req r) {
    MessageId id = r.message();
    checkMessage(r, id);
    r.session().deleteMessages(List.of(id), mode(r.query("mode"), "mode"));
    r.noContent();
  }

  void deleteMessages(Req r) {
    JsonNode b = r.json();
    List<MessageId> ids = ids(b, "ids");
    DeleteMode mode = mode(Optional.ofNullable(b.get("mode")).filter(JsonNode::isTextual).map(JsonNode::asText),
        "mode");
    for (MessageId id : ids) {
      checkMessage(r, id);
    }
    r.session().deleteMessages(ids, mode);
    r.noContent();
  }

  void undelete(Req r) {
    MessageId id = r.message();
    checkMessage(r, id);
    r.session().undeleteMessage(id);
    r.noContent();
  }

  void move(Req r, boolean copy) {
    MessageId id = r.message();
    JsonNode b = r.json();
    FolderId target = Json.folderId(Json.text(b, "folderId", ""), "folderId");
    checkMessage(r, id);
    readableOrAbsent("folder " + target, () -> r.session().openFolder(target));
    MessageId moved = copy ? r.session().copyMessage(id, target) : r.session().moveMessage(id, target);
    r.ctx().header("Location", r.storePath(r.store()) + "/messages/" + moved);
    r.json(copy ? 201 : 200, F.objectNode().put("id", moved.toString()));
  }

  void setRead(Req r) {
    MessageId id = r.message();
    JsonNode b = r.json();
    boolean read = Json.bool(b, "read", "");
    checkMessage(r, id);
    r.session().setReadFlag(id, read);
    r.noContent();
  }

  /** {@code GET .../folders/{f}/mailbox}: the folder as an IMAP mailbox (ADR 0028). */
  void mailbox(Req r) {
    r.json(200, Json.mailboxState(folder(r).mailboxState()));
  }

  /**
   * {@code POST .../messages/{m}/flags}: an IMAP STORE (ADR 0028), a compare-and-set on MODSEQ
   * when {@code unchangedSince} is given (412 OBJECT_CHANGED, nothing written, when it fails).
   */
  void storeFlags(Req r) {
    MessageId id = r.message();
    JsonNode b = r.json();
    FlagChange change = Json.flagChange(b, "");
    long unchangedSince = Json.unchangedSince(b, "");
    checkMessage(r, id);
    FlagResult res = r.session().storeFlags(id, change, unchangedSince);
    ObjectNode o = F.objectNode().put("id", id.toString()).put("uid", res.uid()).put("modseq", res.modseq());
    res.changeKey().ifPresent(k -> {
      o.put("changeKey", k.toString());
      r.ctx().header("ETag", "\"" + k + "\"");
    });
    r.json(200, o);
  }

  void setStatus(Req r) {
    MessageId id = r.message();
    JsonNode b = r.json();
    int status = (int) Json.integer(b, "status", "");
    int mask = (int) Json.integer(b, "mask", "");
    try (Message h = r.session().openMessage(id)) {
      requireStore(h.storeId(), r.store(), "message " + id);
      h.setMessageStatus(status, mask);
    }
    r.noContent();
  }

  void versions(Req r) {
    MessageId id = r.message();
    checkMessage(r, id);
    ArrayNode a = F.arrayNode();
    for (VersionInfo v : r.session().versions(id)) {
      a.add(Json.versionInfo(v));
    }
    r.json(200, a);
  }

  private static ChangeNumber cn(Req r) {
    String t = r.ctx().pathParam("cn");
    try {
      return ChangeNumber.of(Long.parseLong(t));
    } catch (NumberFormatException e) {
      throw new WireException(MapiError.INVALID_PARAMETER, "path.cn", "'" + t + "' is not a change number");
    } catch (StoreException e) {
      throw new WireException(MapiError.INVALID_PARAMETER, "path.cn", e.detail());
    }
  }

  void version(Req r) {
    MessageId id = r.message();
    ChangeNumber cn = cn(r);
    checkMessage(r, id);
    MessageSnapshot s = r.session().readVersion(id, cn);
    r.ctx().header("ETag", "\"" + ChangeKey.of(r.store(), cn) + "\"");
    r.json(200, MessageBody.of(s, r.store(), null, null).toJson());
  }

  void restore(Req r, Metrics metrics) {
    MessageId id = r.message();
    ChangeNumber cn = cn(r);
    checkMessage(r, id);
    SaveResult res = r.session().restoreVersion(id, cn);
    metrics.save(false);
    ObjectNode o = Json.saveResult(res);
    o.set("message", MessageBody.of(r.session().readVersion(id, res.changeNumber()), r.store(), null, null).toJson());
    r.ctx().header("ETag", "\"" + res.changeKey() + "\"");
    r.json(200, o);
  }

  void attachmentContent(Req r) {
    MessageId id = r.message();
    String n = r.ctx().pathParam("n");
    int num;
    try {
      num = Integer.parseInt(n);
    } catch (NumberFormatException e) {
      throw new WireException(MapiError.INVALID_PARAMETER, "path.n", "'" + n + "' is not an attachment number");
    }
    try (Message h = r.session().openMessage(id); Attachment a = h.openAttachment(num)) {
      requireStore(h.storeId(), r.store(), "message " + id);
      ContentRef ref = a.content().orElseThrow(() -> new StoreException(MapiError.NOT_FOUND,
          "attachment " + num + " of message " + id + " has no binary content"));
      String type = a.getProp(PropTags.ATTACH_MIME_TAG).map(PropValue::asString).orElse("application/octet-stream");
      try (InputStream in = a.openContent().orElseThrow()) {
        stream(r, in, ref, type);
      }
    } catch (IOException e) {
      throw new StoreException(MapiError.DISK_ERROR, "streaming attachment " + num + " of " + id + " failed: " + e);
    }
  }

  private static void stream(Req r, InputStream in, ContentRef ref, String type) throws IOException {
    r.ctx().status(200).contentType(type).header("ETag", "\"" + ref.sha256() + "\"");
    r.ctx().contentLength(ref.size());
    OutputStream out = r.ctx().outputStream();
    in.transferTo(out);
    out.flush();
  }

  // ---- content, named properties, journal

  void putContent(Req r) {
    StoreId s = r.store();
    ContentRef ref;
    try (InputStream in = r.ctx().inputStream()) {
      ref = ServerSupport.putContent(r.session(), s, in);
    } catch (IOException e) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "cannot read the uploaded content: " + e.getMessage());
    }
    r.ctx().header("Location", r.storePath(s) + "/content/" + ref.sha256());
    r.json(201, Json.contentRef(ref));
  }

  /**
   * A blob by digest, only to a caller who may read a message of this store referring to it (or,
   * while nothing refers to it, to whoever could have uploaded it): {@link
   * ServerSupport#openReadableContent}. Knowing a digest is not a right to its content.
   */
  void getContent(Req r) {
    StoreId s = r.store();
    r.session().store(s);
    String sha = r.ctx().pathParam("sha256");
    if (!sha.matches("[0-9a-f]{64}")) {
      throw new WireException(MapiError.INVALID_PARAMETER, "path.sha256", "not a lower-case SHA-256 hex digest");
    }
    try (InputStream in = ServerSupport.openReadableContent(r.session(), s, sha)) {
      r.ctx().status(200).contentType("application/octet-stream").header("ETag", "\"" + sha + "\"");
      in.transferTo(r.ctx().outputStream());
    } catch (IOException e) {
      throw new StoreException(MapiError.DISK_ERROR, "streaming content " + sha + " failed: " + e);
    }
  }

  void namedPropTag(Req r) {
    JsonNode b = r.json();
    NamedProperty name = Json.namedProperty(b, "");
    PropType type = Json.enumValue(PropType.class, b, "type", "");
    boolean create = b.hasNonNull("create") && Json.bool(b, "create", "");
    PropTag tag = r.session().namedPropTag(r.store(), name, type, create);
    r.json(200, F.objectNode().put("tag", tag.hex()));
  }

  void propName(Req r) {
    PropTag tag = PropCodec.tag(r.ctx().pathParam("tag"), "path.tag");
    r.json(200, Json.namedProperty(r.session().propName(r.store(), tag)));
  }

  /** Journal entries scanned at most per request for a caller who sees only part of a store. */
  static final int JOURNAL_SCAN_LIMIT = 100_000;

  /**
   * Up to {@code limit} journal entries after {@code after} that the caller may see ({@link
   * Visibility}). Entries they may not see are skipped, not counted, so a page is short only at
   * the end of the journal (or after {@link #JOURNAL_SCAN_LIMIT} skipped entries).
   */
  void journal(Req r) {
    StoreId s = r.store();
    long after = r.longQuery("after", 0);
    int limit = r.intQuery("limit", 100, 0, 10_000);
    Visibility v = new Visibility(r.session(), s);
    ArrayNode a = F.arrayNode();
    long position = after;
    int scanned = 0;
    while (a.size() < limit && scanned < JOURNAL_SCAN_LIMIT) {
      List<StoreEvent> page = r.session().readJournal(s, position, limit);
      for (StoreEvent e : page) {
        if (a.size() < limit) {
          v.view(e).ifPresent(seen -> a.add(Json.event(seen)));
        }
        position = e.position();
      }
      scanned += page.size();
      if (page.size() < limit) {
        break;
      }
    }
    r.json(200, a);
  }

  void journalPosition(Req r) {
    r.json(200, F.objectNode().put("position", r.session().journalPosition(r.store())));
  }

  // ---- tokens, users

  void createToken(Req r) {
    JsonNode b = r.json();
    String label = b.hasNonNull("label") ? Json.text(b, "label", "") : "";
    TokenInfo t = accounts.createToken(r.user(), label);
    ObjectNode o = token(t);
    o.put("token", t.token().orElseThrow());
    r.json(201, o);
  }

  private static ObjectNode token(TokenInfo t) {
    ObjectNode o = F.objectNode().put("id", t.id()).put("label", t.label()).put("createdAt", t.createdAt().toString());
    o.put("revokedAt", t.revokedAt().map(Object::toString).orElse(null));
    return o;
  }

  void tokens(Req r) {
    ArrayNode a = F.arrayNode();
    accounts.tokens(r.user()).forEach(t -> a.add(token(t)));
    r.json(200, a);
  }

  void revokeToken(Req r) {
    if (!accounts.revokeToken(r.user(), r.ctx().pathParam("id"))) {
      throw new StoreException(MapiError.NOT_FOUND, "no token " + r.ctx().pathParam("id") + " of " + r.user());
    }
    r.noContent();
  }

  void createUser(Req r) {
    if (!accounts.isAdmin(r.user())) {
      throw new StoreException(MapiError.NO_ACCESS, r.user() + " is not an administrator; only they create users");
    }
    JsonNode b = r.json();
    String name = Json.text(b, "name", "");
    char[] password = Json.text(b, "password", "").toCharArray();
    try {
      accounts.addUser(name, password, true);
    } finally {
      java.util.Arrays.fill(password, '\0');
    }
    r.json(201, F.objectNode().put("name", name));
  }

  static Set<OpenFlag> openFlags(String text) {
    Set<OpenFlag> out = EnumSet.noneOf(OpenFlag.class);
    for (String p : text.split(",")) {
      if (!p.isBlank()) {
        out.add(Json.enumOf(OpenFlag.class, p, "open"));
      }
    }
    return out;
  }
}
