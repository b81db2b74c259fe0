package msgstore.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;
import msgstore.api.ContentRef;
import msgstore.api.MapiError;
import msgstore.api.OpenFlag;
import msgstore.api.PropTag;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.RecipientOp;
import msgstore.api.SaveFlag;

/**
 * One call a client made on a handle, as the ops body carries it (docs/http-api.md, "Ops body").
 * {@code h} names the handle (0: the message being saved); ops that open a handle name it in
 * {@code result}. The server replays them in order on engine handles.
 */
public sealed interface Op {
  int h();

  record SetProps(int h, List<PropValue> props) implements Op {}

  record DeleteProps(int h, List<PropTag> tags) implements Op {}

  record ModifyRecipients(int h, RecipientOp kind, List<Recipient> rows) implements Op {}

  record RemoveAllRecipients(int h) implements Op {}

  record CreateAttachment(int h, int result) implements Op {}

  record OpenAttachment(int h, int attachNum, Set<OpenFlag> flags, int result) implements Op {}

  record DeleteAttachment(int h, int attachNum) implements Op {}

  record WriteContent(int h, ContentRef content) implements Op {}

  record OpenEmbeddedMessage(int h, Set<OpenFlag> flags, int result) implements Op {}

  record SaveChanges(int h, Set<SaveFlag> flags) implements Op {}

  record Close(int h) implements Op {}

  static ObjectNode toJson(Op op) {
    ObjectNode o = Json.F.objectNode().put("h", op.h());
    switch (op) {
      case SetProps s -> o.put("op", "setProps").set("properties", PropCodec.object(s.props()));
      case DeleteProps d -> o.put("op", "deleteProps").set("tags", Json.array(d.tags(), t -> Json.F.textNode(t.hex())));
      case ModifyRecipients m -> o.put("op", "modifyRecipients").put("kind", m.kind().name())
          .set("rows", Json.array(m.rows(), Json::recipient));
      case RemoveAllRecipients r -> o.put("op", "removeAllRecipients");
      case CreateAttachment c -> o.put("op", "createAttachment").put("result", c.result());
      case OpenAttachment a -> {
        o.put("op", "openAttachment").put("attachNum", a.attachNum()).put("result", a.result());
        o.set("flags", flags(a.flags()));
      }
      case DeleteAttachment d -> o.put("op", "deleteAttachment").put("attachNum", d.attachNum());
      case WriteContent w -> o.put("op", "writeContent").set("content", Json.contentRef(w.content()));
      case OpenEmbeddedMessage e -> {
        o.put("op", "openEmbeddedMessage").put("result", e.result());
        o.set("flags", flags(e.flags()));
      }
      case SaveChanges s -> o.put("op", "saveChanges").set("flags", flags(s.flags()));
      case Close c -> o.put("op", "close");
    }
    return o;
  }

  private static ArrayNode flags(Set<? extends Enum<?>> flags) {
    ArrayNode a = Json.F.arrayNode();
    flags.stream().map(Enum::name).sorted().forEach(a::add);
    return a;
  }

  static Op fromJson(JsonNode n, String field) {
    int h = (int) Json.integer(n, "h", field);
    String op = Json.text(n, "op", field);
    return switch (op) {
      case "setProps" -> new SetProps(h, PropCodec.parseObject(Json.need(n, "properties", field), Json.join(field, "properties")));
      case "deleteProps" -> new DeleteProps(h, Json.list(n.get("tags"), Json.join(field, "tags"), PropCodec::tag));
      case "modifyRecipients" -> new ModifyRecipients(h, Json.enumValue(RecipientOp.class, n, "kind", field),
          Json.list(n.get("rows"), Json.join(field, "rows"), Json::recipient));
      case "removeAllRecipients" -> new RemoveAllRecipients(h);
      case "createAttachment" -> new CreateAttachment(h, (int) Json.integer(n, "result", field));
      case "openAttachment" -> new OpenAttachment(h, (int) Json.integer(n, "attachNum", field),
          enums(OpenFlag.class, n.get("flags"), Json.join(field, "flags")), (int) Json.integer(n, "result", field));
      case "deleteAttachment" -> new DeleteAttachment(h, (int) Json.integer(n, "attachNum", field));
      case "writeContent" -> new WriteContent(h, Json.contentRef(Json.need(n, "content", field), Json.join(field, "content")));
      case "openEmbeddedMessage" -> new OpenEmbeddedMessage(h,
          enums(OpenFlag.class, n.get("flags"), Json.join(field, "flags")), (int) Json.integer(n, "result", field));
      case "saveChanges" -> new SaveChanges(h, enums(SaveFlag.class, n.get("flags"), Json.join(field, "flags")));
      case "close" -> new Close(h);
      default -> throw new WireException(MapiError.INVALID_PARAMETER, Json.join(field, "op"), "unknown op '" + op + "'");
    };
  }

  static <E extends Enum<E>> Set<E> enums(Class<E> type, JsonNode n, String field) {
    java.util.EnumSet<E> out = java.util.EnumSet.noneOf(type);
    out.addAll(Json.list(n, field, (v, f) -> Json.enumOf(type, v.asText(), f)));
    return out;
  }
}
