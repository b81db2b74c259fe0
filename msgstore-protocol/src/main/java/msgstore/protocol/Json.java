package msgstore.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import msgstore.api.AccessLevel;
import msgstore.api.AttachmentRow;
import msgstore.api.ChangeKey;
import msgstore.api.ChangeNumber;
import msgstore.api.ConflictChoice;
import msgstore.api.ContentRef;
import msgstore.api.EventScope;
import msgstore.api.EventType;
import msgstore.api.FlagChange;
import msgstore.api.FolderId;
import msgstore.api.FolderInfo;
import msgstore.api.FolderRights;
import msgstore.api.MailboxState;
import msgstore.api.MapiError;
import msgstore.api.MergeMode;
import msgstore.api.MergeReport;
import msgstore.api.MessageId;
import msgstore.api.MessageSnapshot;
import msgstore.api.NamedProperty;
import msgstore.api.PropTag;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.Restriction;
import msgstore.api.SaveResult;
import msgstore.api.SortOrder;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.api.StoreId;
import msgstore.api.StoreInfo;
import msgstore.api.StoreLimits;
import msgstore.api.TableRow;
import msgstore.api.VersionInfo;

/**
 * The JSON shapes of the msgstore.api types (docs/http-api.md, "Shapes"), both ways. Readers take
 * the field path they are reading so that every error names the offending field.
 */
public final class Json {
  static final JsonNodeFactory F = JsonNodeFactory.instance;

  private Json() {}

  // ---- small readers

  static JsonNode need(JsonNode o, String name, String field) {
    JsonNode v = o == null ? null : o.get(name);
    if (v == null || v.isNull()) {
      throw new WireException(MapiError.INVALID_PARAMETER, join(field, name), "is required");
    }
    return v;
  }

  static Optional<JsonNode> opt(JsonNode o, String name) {
    JsonNode v = o == null ? null : o.get(name);
    return v == null || v.isNull() ? Optional.empty() : Optional.of(v);
  }

  static String join(String field, String name) {
    return field == null || field.isEmpty() ? name : field + "." + name;
  }

  public static String text(JsonNode o, String name, String field) {
    JsonNode v = need(o, name, field);
    if (!v.isTextual()) {
      throw new WireException(MapiError.INVALID_PARAMETER, join(field, name), "expected a string");
    }
    return v.textValue();
  }

  public static long integer(JsonNode o, String name, String field) {
    JsonNode v = need(o, name, field);
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new WireException(MapiError.INVALID_PARAMETER, join(field, name), "expected an integer");
    }
    return v.longValue();
  }

  public static boolean bool(JsonNode o, String name, String field) {
    JsonNode v = need(o, name, field);
    if (!v.isBoolean()) {
      throw new WireException(MapiError.INVALID_PARAMETER, join(field, name), "expected true or false");
    }
    return v.booleanValue();
  }

  public static <E extends Enum<E>> E enumValue(Class<E> type, JsonNode o, String name, String field) {
    return enumOf(type, text(o, name, field), join(field, name));
  }

  public static <E extends Enum<E>> E enumOf(Class<E> type, String text, String field) {
    try {
      return Enum.valueOf(type, text.strip().toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw new WireException(MapiError.INVALID_PARAMETER, field, "'" + text + "' is not one of "
          + java.util.Arrays.toString(type.getEnumConstants()));
    }
  }

  static <T> T parsed(String field, java.util.function.Supplier<T> p) {
    try {
      return p.get();
    } catch (WireException e) {
      throw e;
    } catch (StoreException e) {
      throw WireException.at(field, e);
    } catch (RuntimeException e) {
      throw new WireException(MapiError.INVALID_PARAMETER, field, String.valueOf(e.getMessage()));
    }
  }

  public static StoreId storeId(String s, String field) {
    return parsed(field, () -> StoreId.parse(s));
  }

  public static FolderId folderId(String s, String field) {
    return parsed(field, () -> FolderId.parse(s));
  }

  public static MessageId messageId(String s, String field) {
    return parsed(field, () -> MessageId.parse(s));
  }

  public static ChangeKey changeKey(String s, String field) {
    return parsed(field, () -> ChangeKey.parse(s));
  }

  /**
   * The base version named by an {@code If-Match} header: the first entity tag of its list
   * ({@code "<changeKey>"}, weak or strong). A list with no entity tag is INVALID_PARAMETER.
   */
  public static ChangeKey ifMatch(String header, String field) {
    for (String tag : header.split(",")) {
      if (!tag.isBlank()) {
        return changeKey(tag, field);
      }
    }
    throw new WireException(MapiError.INVALID_PARAMETER, field, "'" + header + "' names no entity tag");
  }

  static Instant instant(String s, String field) {
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw new WireException(MapiError.INVALID_PARAMETER, field, "'" + s + "' is not an ISO-8601 instant");
    }
  }

  static <T> ArrayNode array(List<T> items, Function<T, JsonNode> f) {
    ArrayNode a = F.arrayNode();
    items.forEach(i -> a.add(f.apply(i)));
    return a;
  }

  interface Reader<T> {
    T read(JsonNode n, String field);
  }

  static <T> List<T> list(JsonNode n, String field, Reader<T> r) {
    if (n == null || n.isNull()) {
      return List.of();
    }
    if (!n.isArray()) {
      throw new WireException(MapiError.INVALID_PARAMETER, field, "expected an array");
    }
    List<T> out = new ArrayList<>(n.size());
    for (int i = 0; i < n.size(); i++) {
      out.add(r.read(n.get(i), field + "[" + i + "]"));
    }
    return out;
  }

  // ---- content, stores, folders, versions, limits, names

  public static ObjectNode contentRef(ContentRef c) {
    return (ObjectNode) Wire.tree(g -> writeContentRef(g, c));
  }

  private static void writeContentRef(JsonGenerator g, ContentRef c) throws IOException {
    g.writeStartObject();
    g.writeStringField("sha256", c.sha256());
    g.writeNumberField("size", c.size());
    g.writeEndObject();
  }

  public static ContentRef contentRef(JsonNode n, String field) {
    String sha = text(n, "sha256", field);
    if (!sha.matches("[0-9a-f]{64}")) {
      throw new WireException(MapiError.INVALID_PARAMETER, join(field, "sha256"), "not a lower-case SHA-256 hex digest");
    }
    return new ContentRef(sha, integer(n, "size", field));
  }

  public static ObjectNode storeInfo(StoreInfo s) {
    return F.objectNode().put("id", s.id().toString()).put("displayName", s.displayName()).put("owner", s.owner())
        .put("rootFolderId", s.rootFolder().toString());
  }

  public static StoreInfo storeInfo(JsonNode n, String field) {
    return new StoreInfo(storeId(text(n, "id", field), join(field, "id")), text(n, "displayName", field),
        text(n, "owner", field), folderId(text(n, "rootFolderId", field), join(field, "rootFolderId")));
  }

  public static ObjectNode folderInfo(FolderInfo f) {
    ObjectNode o = F.objectNode().put("id", f.id().toString()).put("storeId", f.storeId().toString());
    o.put("parentId", f.parentId().map(FolderId::toString).orElse(null));
    return o.put("displayName", f.displayName()).put("contentCount", f.contentCount())
        .put("unreadCount", f.unreadCount()).put("childCount", f.childCount()).put("depth", f.depth())
        .put("rights", f.rights().name());
  }

  public static FolderInfo folderInfo(JsonNode n, String field) {
    return new FolderInfo(folderId(text(n, "id", field), field), storeId(text(n, "storeId", field), field),
        opt(n, "parentId").map(p -> folderId(p.asText(), join(field, "parentId"))), text(n, "displayName", field),
        integer(n, "contentCount", field), integer(n, "unreadCount", field), integer(n, "childCount", field),
        (int) integer(n, "depth", field), enumValue(FolderRights.class, n, "rights", field));
  }

  /** {@code GET .../folders/{f}/mailbox} (ADR 0028). */
  public static ObjectNode mailboxState(MailboxState m) {
    return F.objectNode().put("folder", m.folder().toString()).put("uidValidity", m.uidValidity())
        .put("uidNext", m.uidNext()).put("highestModseq", m.highestModseq()).put("messages", m.messages())
        .put("unseen", m.unseen());
  }

  public static MailboxState mailboxState(JsonNode n, String field) {
    return new MailboxState(folderId(text(n, "folder", field), join(field, "folder")), integer(n, "uidValidity", field),
        integer(n, "uidNext", field), integer(n, "highestModseq", field), integer(n, "messages", field),
        integer(n, "unseen", field));
  }

  /**
   * The body of {@code POST .../messages/{m}/flags} (ADR 0028): {@code read}, {@code deleteMark},
   * {@code draft} (each optional), {@code set} (a properties object), {@code delete} (tags) and
   * {@code unchangedSince} (optional; absent = a forced STORE).
   */
  public static ObjectNode flagChange(FlagChange c, long unchangedSince) {
    ObjectNode o = F.objectNode();
    c.read().ifPresent(v -> o.put("read", v));
    c.deleteMark().ifPresent(v -> o.put("deleteMark", v));
    c.draft().ifPresent(v -> o.put("draft", v));
    o.set("set", PropCodec.object(c.set()));
    o.set("delete", array(c.delete(), t -> F.textNode(t.hex())));
    if (unchangedSince >= 0) {
      o.put("unchangedSince", unchangedSince);
    }
    return o;
  }

  public static FlagChange flagChange(JsonNode n, String field) {
    for (java.util.Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!java.util.Set.of("read", "deleteMark", "draft", "set", "delete", "unchangedSince").contains(k)) {
        throw new WireException(MapiError.INVALID_PARAMETER, join(field, k),
            "unknown field; expected read, deleteMark, draft, set, delete or unchangedSince");
      }
    }
    return new FlagChange(opt(n, "read").map(v -> bool(n, "read", field)),
        opt(n, "deleteMark").map(v -> bool(n, "deleteMark", field)), opt(n, "draft").map(v -> bool(n, "draft", field)),
        opt(n, "set").map(v -> PropCodec.parseObject(v, join(field, "set"))).orElse(List.of()),
        opt(n, "delete").map(v -> list(v, join(field, "delete"), PropCodec::tag)).orElse(List.of()));
  }

  /** {@code unchangedSince} of a flags body: -1 when absent. */
  public static long unchangedSince(JsonNode n, String field) {
    return opt(n, "unchangedSince").isPresent() ? integer(n, "unchangedSince", field) : -1;
  }

  public static ObjectNode versionInfo(VersionInfo v) {
    ObjectNode o = F.objectNode().put("messageId", v.messageId().toString())
        .put("changeNumber", v.changeNumber().value()).put("changeKey", v.changeKey().toString())
        .put("committedAt", v.committedAt().toString()).put("committedBy", v.committedBy())
        .put("kind", v.kind().name());
    o.put("basedOn", v.basedOn().map(ChangeNumber::value).orElse(null));
    return o.put("size", v.size());
  }

  public static VersionInfo versionInfo(JsonNode n, String field) {
    return new VersionInfo(messageId(text(n, "messageId", field), field), ChangeNumber.of(integer(n, "changeNumber", field)),
        changeKey(text(n, "changeKey", field), field), instant(text(n, "committedAt", field), field),
        text(n, "committedBy", field), enumValue(VersionInfo.VersionKind.class, n, "kind", field),
        opt(n, "basedOn").map(b -> ChangeNumber.of(b.asLong())), integer(n, "size", field));
  }

  public static ObjectNode limits(StoreLimits l) {
    return F.objectNode().put("maxPropertyBytes", l.maxPropertyBytes()).put("maxMessageBytes", l.maxMessageBytes())
        .put("maxRecipients", l.maxRecipients()).put("maxAttachments", l.maxAttachments())
        .put("maxAttachmentBytes", l.maxAttachmentBytes()).put("maxEmbeddingDepth", l.maxEmbeddingDepth())
        .put("maxNameLength", l.maxNameLength()).put("maxProperties", l.maxProperties());
  }

  public static StoreLimits limits(JsonNode n, String field) {
    return new StoreLimits((int) integer(n, "maxPropertyBytes", field), (int) integer(n, "maxMessageBytes", field),
        (int) integer(n, "maxRecipients", field), (int) integer(n, "maxAttachments", field),
        integer(n, "maxAttachmentBytes", field), (int) integer(n, "maxEmbeddingDepth", field),
        (int) integer(n, "maxNameLength", field),
        n.has("maxProperties") ? (int) integer(n, "maxProperties", field) : StoreLimits.DEFAULT.maxProperties());
  }

  public static ObjectNode namedProperty(NamedProperty p) {
    ObjectNode o = F.objectNode().put("guid", p.guid().toString());
    if (p.name() != null) {
      o.put("name", p.name());
    } else {
      o.put("id", p.lid());
    }
    return o;
  }

  public static NamedProperty namedProperty(JsonNode n, String field) {
    UUID guid = parsed(join(field, "guid"), () -> UUID.fromString(text(n, "guid", field)));
    Optional<JsonNode> name = opt(n, "name");
    if (name.isPresent()) {
      return parsed(field, () -> NamedProperty.ofName(guid, name.get().asText()));
    }
    return parsed(field, () -> NamedProperty.ofId(guid, (int) integer(n, "id", field)));
  }

  // ---- messages

  public static ObjectNode recipient(Recipient r) {
    return (ObjectNode) Wire.tree(g -> writeRecipient(g, r));
  }

  private static void writeRecipient(JsonGenerator g, Recipient r) throws IOException {
    g.writeStartObject();
    g.writeNumberField("rowId", r.rowId());
    g.writeFieldName("properties");
    PropCodec.writeObject(g, r.props());
    g.writeEndObject();
  }

  public static Recipient recipient(JsonNode n, String field) {
    if (!n.isObject()) {
      throw new WireException(MapiError.INVALID_PARAMETER, field, "expected a recipient object");
    }
    int row = n.has("rowId") ? (int) integer(n, "rowId", field) : 0;
    return new Recipient(row, PropCodec.parseObject(n.get("properties"), join(field, "properties")));
  }

  public static ObjectNode attachmentRow(AttachmentRow a) {
    ObjectNode o = F.objectNode().put("attachNum", a.attachNum());
    o.set("properties", PropCodec.object(a.props()));
    return o;
  }

  public static AttachmentRow attachmentRow(JsonNode n, String field) {
    return new AttachmentRow((int) integer(n, "attachNum", field),
        PropCodec.parseObject(n.get("properties"), join(field, "properties")));
  }

  /** A snapshot as the Message shape (the extras id/storeId/... are added by {@link MessageBody}). */
  public static ObjectNode snapshot(MessageSnapshot s) {
    return (ObjectNode) Wire.tree(g -> writeSnapshot(g, s, null, null, null));
  }

  /**
   * Writes a message: its snapshot, with what an open adds when given ({@link MessageBody}: store,
   * access level, read state; null leaves each out). The one layout of a message on the wire:
   * id, storeId, folderId, changeNumber, changeKey, accessLevel, read, then the content.
   */
  static void writeSnapshot(JsonGenerator g, MessageSnapshot s, StoreId store, AccessLevel access, Boolean read)
      throws IOException {
    g.writeStartObject();
    if (s.id().isPresent()) {
      g.writeStringField("id", s.id().get().toString());
    }
    if (store != null) {
      g.writeStringField("storeId", store.toString());
    }
    if (s.folderId().isPresent()) {
      g.writeStringField("folderId", s.folderId().get().toString());
    }
    if (s.changeNumber().isPresent()) {
      g.writeNumberField("changeNumber", s.changeNumber().get().value());
    }
    if (s.changeKey().isPresent()) {
      g.writeStringField("changeKey", s.changeKey().get().toString());
    }
    if (access != null) {
      g.writeStringField("accessLevel", access.name());
    }
    if (read != null) {
      g.writeBooleanField("read", read);
    }
    g.writeFieldName("properties");
    PropCodec.writeObject(g, s.props());
    g.writeArrayFieldStart("recipients");
    for (Recipient r : s.recipients()) {
      writeRecipient(g, r);
    }
    g.writeEndArray();
    g.writeArrayFieldStart("attachments");
    for (MessageSnapshot.AttachmentSnapshot a : s.attachments()) {
      writeAttachment(g, a);
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  public static ObjectNode attachment(MessageSnapshot.AttachmentSnapshot a) {
    return (ObjectNode) Wire.tree(g -> writeAttachment(g, a));
  }

  private static void writeAttachment(JsonGenerator g, MessageSnapshot.AttachmentSnapshot a) throws IOException {
    g.writeStartObject();
    g.writeNumberField("attachNum", a.attachNum());
    g.writeFieldName("properties");
    PropCodec.writeObject(g, a.props());
    g.writeFieldName("content");
    if (a.content().isPresent()) {
      writeContentRef(g, a.content().get());
    } else {
      g.writeNull();
    }
    g.writeFieldName("embedded");
    if (a.embedded().isPresent()) {
      writeSnapshot(g, a.embedded().get(), null, null, null);
    } else {
      g.writeNull();
    }
    g.writeEndObject();
  }

  public static MessageSnapshot snapshot(JsonNode n, String field) {
    return new MessageSnapshot(
        opt(n, "id").map(v -> messageId(v.asText(), join(field, "id"))),
        opt(n, "folderId").map(v -> folderId(v.asText(), join(field, "folderId"))),
        opt(n, "changeNumber").map(v -> ChangeNumber.of(v.asLong())),
        opt(n, "changeKey").map(v -> changeKey(v.asText(), join(field, "changeKey"))),
        PropCodec.parseObject(n.get("properties"), join(field, "properties")),
        list(n.get("recipients"), join(field, "recipients"), Json::recipient),
        list(n.get("attachments"), join(field, "attachments"), Json::attachment));
  }

  public static MessageSnapshot.AttachmentSnapshot attachment(JsonNode n, String field) {
    return new MessageSnapshot.AttachmentSnapshot((int) integer(n, "attachNum", field),
        PropCodec.parseObject(n.get("properties"), join(field, "properties")),
        opt(n, "content").map(c -> contentRef(c, join(field, "content"))),
        opt(n, "embedded").map(e -> snapshot(e, join(field, "embedded"))));
  }

  // ---- saving, conflicts, merge

  public static ObjectNode conflictChoice(ConflictChoice c) {
    ObjectNode o = F.objectNode();
    switch (c) {
      case ConflictChoice.KeepOriginal k -> o.put("choice", "KEEP_ORIGINAL");
      case ConflictChoice.Overwrite w -> o.put("choice", "OVERWRITE");
      case ConflictChoice.SaveElsewhere s -> o.put("choice", "SAVE_ELSEWHERE").put("folderId", s.folder().toString());
      case ConflictChoice.KeepBoth k -> o.put("choice", "KEEP_BOTH");
      case ConflictChoice.Merge m -> o.put("choice", "MERGE").put("mergeMode", m.mode().name());
    }
    return o;
  }

  public static ConflictChoice conflictChoice(JsonNode n, String field) {
    String c = text(n, "choice", field).toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    return switch (c) {
      case "KEEP_ORIGINAL", "KEEPORIGINAL" -> ConflictChoice.keepOriginal();
      case "OVERWRITE" -> ConflictChoice.overwrite();
      case "SAVE_ELSEWHERE", "SAVEELSEWHERE" ->
          ConflictChoice.saveElsewhere(folderId(text(n, "folderId", field), join(field, "folderId")));
      case "KEEP_BOTH", "KEEPBOTH" -> ConflictChoice.keepBoth();
      case "MERGE" -> ConflictChoice.merge(opt(n, "mergeMode")
          .map(m -> enumOf(MergeMode.class, m.asText(), join(field, "mergeMode"))).orElse(MergeMode.AUTO_RESOLVE));
      default -> throw new WireException(MapiError.INVALID_PARAMETER, join(field, "choice"), "'" + c
          + "' is not one of KEEP_ORIGINAL, OVERWRITE, SAVE_ELSEWHERE, KEEP_BOTH, MERGE");
    };
  }

  public static ObjectNode mergeReport(MergeReport r) {
    ObjectNode o = F.objectNode().put("mode", r.mode().name());
    ArrayNode changes = o.putArray("changes");
    for (MergeReport.UnitChange c : r.changes()) {
      ObjectNode u = F.objectNode();
      switch (c.unit()) {
        case MergeReport.PropertyUnit p -> u.put("kind", "property").put("tag", p.tag().hex())
            .put("name", PropCodec.key(p.tag()));
        case MergeReport.RecipientUnit rr -> u.put("kind", "recipient").put("rowId", rr.rowId());
        case MergeReport.AttachmentUnit a -> u.put("kind", "attachment").put("attachNum", a.attachNum());
      }
      ObjectNode ch = changes.addObject();
      ch.set("unit", u);
      ch.put("side", c.side().name());
      ch.set("base", unitValue(c.base()));
      ch.set("ours", unitValue(c.ours()));
      ch.set("theirs", unitValue(c.theirs()));
      ch.put("outcome", c.outcome() == null ? null : c.outcome().name());
    }
    return o;
  }

  private static JsonNode unitValue(Object v) {
    return switch (v) {
      case null -> F.nullNode();
      case PropValue p -> PropCodec.full(p);
      case Recipient r -> recipient(r);
      case MessageSnapshot.AttachmentSnapshot a -> attachment(a);
      case AttachmentRow a -> attachmentRow(a);
      default -> F.objectNode().put("text", v.toString());
    };
  }

  public static MergeReport mergeReport(JsonNode n, String field) {
    MergeMode mode = enumValue(MergeMode.class, n, "mode", field);
    List<MergeReport.UnitChange> changes = list(n.get("changes"), join(field, "changes"), (c, f) -> {
      JsonNode u = need(c, "unit", f);
      String kind = text(u, "kind", join(f, "unit"));
      MergeReport.Unit unit = switch (kind) {
        case "property" -> new MergeReport.PropertyUnit(PropCodec.tag(u.get("tag"), join(f, "unit.tag")));
        case "recipient" -> new MergeReport.RecipientUnit((int) integer(u, "rowId", join(f, "unit")));
        case "attachment" -> new MergeReport.AttachmentUnit((int) integer(u, "attachNum", join(f, "unit")));
        default -> throw new WireException(MapiError.INVALID_PARAMETER, join(f, "unit.kind"), "unknown unit kind " + kind);
      };
      return new MergeReport.UnitChange(unit, enumValue(MergeReport.Side.class, c, "side", f),
          readUnitValue(kind, c.get("base"), join(f, "base")), readUnitValue(kind, c.get("ours"), join(f, "ours")),
          readUnitValue(kind, c.get("theirs"), join(f, "theirs")),
          opt(c, "outcome").map(o -> enumOf(MergeReport.Outcome.class, o.asText(), join(f, "outcome"))).orElse(null));
    });
    return new MergeReport(mode, changes);
  }

  private static Object readUnitValue(String kind, JsonNode v, String field) {
    if (v == null || v.isNull()) {
      return null;
    }
    return switch (kind) {
      case "property" -> PropCodec.parseValue(PropCodec.tag(v.get("tag"), join(field, "tag")), v.get("value"), field);
      case "recipient" -> recipient(v, field);
      default -> v.has("attachNum") && v.has("properties") && v.has("content") ? attachment(v, field)
          : v.has("attachNum") ? attachmentRow(v, field) : v.path("text").asText();
    };
  }

  /** A save result; {@code message} (the new version) is added by the server where it has it. */
  public static ObjectNode saveResult(SaveResult r) {
    ObjectNode o = F.objectNode();
    o.put("messageId", r.messageId() == null ? null : r.messageId().toString());
    o.put("changeNumber", r.changeNumber() == null ? null : r.changeNumber().value());
    o.put("changeKey", r.changeKey() == null ? null : r.changeKey().toString());
    o.put("committed", r.committed());
    if (r.replaced().isPresent() && r.messageId() != null && r.changeKey() != null) {
      ChangeNumber cn = r.replaced().get();
      o.putObject("replaced").put("changeNumber", cn.value())
          .put("changeKey", new ChangeKey(r.changeKey().namespace(), cn.value()).toString());
    } else {
      o.putNull("replaced");
    }
    o.set("mergeReport", r.mergeReport().<JsonNode>map(Json::mergeReport).orElse(F.nullNode()));
    o.set("choice", r.choice().<JsonNode>map(Json::conflictChoice).orElse(F.nullNode()));
    return o;
  }

  public static SaveResult saveResult(JsonNode n, String field) {
    return new SaveResult(
        opt(n, "messageId").map(v -> messageId(v.asText(), join(field, "messageId"))).orElse(null),
        opt(n, "changeNumber").map(v -> ChangeNumber.of(v.asLong())).orElse(null),
        opt(n, "changeKey").map(v -> changeKey(v.asText(), join(field, "changeKey"))).orElse(null),
        bool(n, "committed", field),
        opt(n, "replaced").map(v -> ChangeNumber.of(integer(v, "changeNumber", join(field, "replaced")))),
        opt(n, "mergeReport").map(v -> mergeReport(v, join(field, "mergeReport"))),
        opt(n, "choice").map(v -> conflictChoice(v, join(field, "choice"))));
  }

  // ---- events

  public static ObjectNode event(StoreEvent e) {
    ObjectNode o = F.objectNode().put("position", e.position()).put("type", e.type().name())
        .put("storeId", e.storeId().toString()).put("objectKind", e.objectKind().name());
    boolean msg = e.objectKind() == StoreEvent.ObjectKind.MESSAGE;
    o.put("id", msg ? e.messageId().orElseThrow().toString() : e.folderId().orElseThrow().toString());
    o.put("parentId", e.parentId().map(FolderId::toString).orElse(null));
    o.put("oldId", (msg ? e.oldMessageId().map(Object::toString) : e.oldFolderId().map(Object::toString)).orElse(null));
    o.put("oldParentId", e.oldParentId().map(FolderId::toString).orElse(null));
    o.put("changeNumber", e.changeNumber().map(ChangeNumber::value).orElse(null));
    o.put("changeKey", e.changeKey().map(ChangeKey::toString).orElse(null));
    o.set("changedTags", array(e.changedTags(), t -> F.textNode(t.hex())));
    o.put("at", e.at().toString());
    return o;
  }

  public static StoreEvent event(JsonNode n, String field) {
    StoreEvent.ObjectKind kind = enumValue(StoreEvent.ObjectKind.class, n, "objectKind", field);
    boolean msg = kind == StoreEvent.ObjectKind.MESSAGE;
    Function<String, Long> id = s -> msg ? messageId(s, field).value() : folderId(s, field).value();
    return new StoreEvent(integer(n, "position", field), enumValue(EventType.class, n, "type", field),
        storeId(text(n, "storeId", field), field), kind, id.apply(text(n, "id", field)),
        opt(n, "parentId").map(v -> folderId(v.asText(), field)), opt(n, "oldId").map(v -> id.apply(v.asText())),
        opt(n, "oldParentId").map(v -> folderId(v.asText(), field)),
        opt(n, "changeNumber").map(v -> ChangeNumber.of(v.asLong())),
        opt(n, "changeKey").map(v -> changeKey(v.asText(), field)),
        list(n.get("changedTags"), join(field, "changedTags"), PropCodec::tag), instant(text(n, "at", field), field));
  }

  /** {@code store}, {@code folder:f-2} or {@code message:m-3}; the store comes from the path. */
  public static EventScope scope(StoreId store, String text, String field) {
    if (text == null || text.isBlank() || text.equals("store")) {
      return EventScope.store(store);
    }
    if (text.startsWith("folder:")) {
      return EventScope.folder(folderId(text.substring(7), field));
    }
    if (text.startsWith("message:")) {
      return EventScope.message(messageId(text.substring(8), field));
    }
    throw new WireException(MapiError.INVALID_PARAMETER, field, "'" + text + "' is not store, folder:ID or message:ID");
  }

  public static String scope(EventScope s) {
    return switch (s) {
      case EventScope.Store st -> "store";
      case EventScope.Folder f -> "folder:" + f.folder();
      case EventScope.Message m -> "message:" + m.message();
    };
  }

  // ---- tables

  public static JsonNode restriction(Restriction r) {
    return switch (r) {
      case Restriction.And a -> F.objectNode().set("and", array(a.terms(), Json::restriction));
      case Restriction.Or o -> F.objectNode().set("or", array(o.terms(), Json::restriction));
      case Restriction.Not n -> F.objectNode().set("not", restriction(n.term()));
      case Restriction.Property p -> {
        ObjectNode b = F.objectNode().put("op", p.op().name()).put("tag", p.value().tag().hex());
        b.set("value", PropCodec.value(p.value()));
        yield F.objectNode().set("property", b);
      }
      case Restriction.Content c -> F.objectNode().set("content", F.objectNode().put("tag", c.tag().hex())
          .put("text", c.text()).put("match", c.match().name()).put("ignoreCase", c.ignoreCase()));
      case Restriction.Exist e -> F.objectNode().set("exist", F.objectNode().put("tag", e.tag().hex()));
    };
  }

  public static Restriction restriction(JsonNode n, String field) {
    if (n == null || !n.isObject() || n.size() != 1) {
      throw new WireException(MapiError.INVALID_PARAMETER, field,
          "a restriction is an object with exactly one of and, or, not, property, content, exist");
    }
    String k = n.fieldNames().next();
    JsonNode b = n.get(k);
    String f = join(field, k);
    return switch (k) {
      case "and" -> new Restriction.And(list(b, f, Json::restriction));
      case "or" -> new Restriction.Or(list(b, f, Json::restriction));
      case "not" -> new Restriction.Not(restriction(b, f));
      case "property" -> {
        PropTag tag = PropCodec.tag(need(b, "tag", f), join(f, "tag"));
        yield new Restriction.Property(enumValue(Restriction.Relop.class, b, "op", f),
            PropCodec.parseValue(tag, need(b, "value", f), join(f, "value")));
      }
      case "content" -> new Restriction.Content(PropCodec.tag(need(b, "tag", f), join(f, "tag")), text(b, "text", f),
          opt(b, "match").map(m -> enumOf(Restriction.Match.class, m.asText(), join(f, "match")))
              .orElse(Restriction.Match.SUBSTRING),
          opt(b, "ignoreCase").map(JsonNode::asBoolean).orElse(true));
      case "exist" -> new Restriction.Exist(PropCodec.tag(need(b, "tag", f), join(f, "tag")));
      default -> throw new WireException(MapiError.INVALID_PARAMETER, f, "unknown restriction '" + k + "'");
    };
  }

  public static ObjectNode sortOrder(SortOrder s) {
    return F.objectNode().put("tag", s.tag().hex()).put("descending", s.descending());
  }

  public static SortOrder sortOrder(JsonNode n, String field) {
    return new SortOrder(PropCodec.tag(need(n, "tag", field), join(field, "tag")),
        opt(n, "descending").map(JsonNode::asBoolean).orElse(false));
  }

  /** {@code -PidTagMessageDeliveryTime,PidTagSubject}: a leading minus sorts descending. */
  public static List<SortOrder> sortParam(String text, String field) {
    List<SortOrder> out = new ArrayList<>();
    if (text == null || text.isBlank()) {
      return out;
    }
    for (String part : text.split(",")) {
      String p = part.strip();
      boolean desc = p.startsWith("-");
      String name = desc || p.startsWith("+") ? p.substring(1) : p;
      out.add(new SortOrder(PropCodec.tag(name, field), desc));
    }
    return out;
  }

  public static List<PropTag> tagsParam(String text, String field) {
    List<PropTag> out = new ArrayList<>();
    if (text == null || text.isBlank()) {
      return out;
    }
    for (String part : text.split(",")) {
      out.add(PropCodec.tag(part.strip(), field));
    }
    return out;
  }

  public static ObjectNode tableRow(TableRow r) {
    ObjectNode o = F.objectNode().put("id", r.messageId().toString());
    List<PropValue> present = new ArrayList<>();
    for (PropValue v : r.values()) {
      if (v != null) {
        present.add(v);
      }
    }
    o.set("properties", PropCodec.object(present));
    return o;
  }

  /** A row; the columns are the query's, values absent from the row are null. */
  public static TableRow tableRow(JsonNode n, List<PropTag> columns, String field) {
    List<PropValue> props = PropCodec.parseObject(n.get("properties"), join(field, "properties"));
    List<PropValue> values = new ArrayList<>(columns.size());
    for (PropTag c : columns) {
      values.add(props.stream().filter(p -> p.tag().equals(c)).findFirst().orElse(null));
    }
    return new TableRow(messageId(text(n, "id", field), field), columns, values);
  }
}
