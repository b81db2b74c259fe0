package msgstore.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import msgstore.api.AccessLevel;
import msgstore.api.MessageSnapshot;
import msgstore.api.StoreId;

/**
 * The Message shape: a snapshot plus what an open adds (store, access level, read state). The
 * {@code ETag} of a response carrying one is {@code "<changeKey>"}.
 */
public record MessageBody(MessageSnapshot snapshot, Optional<StoreId> storeId, Optional<AccessLevel> accessLevel,
    Optional<Boolean> read) {

  public static MessageBody of(MessageSnapshot s, StoreId store, AccessLevel access, Boolean read) {
    return new MessageBody(s, Optional.ofNullable(store), Optional.ofNullable(access), Optional.ofNullable(read));
  }

  public ObjectNode toJson() {
    ObjectNode o = Json.snapshot(snapshot);
    ObjectNode out = Json.F.objectNode();
    // id, storeId, folderId, changeNumber, changeKey, accessLevel, read first; then the content.
    if (o.has("id")) {
      out.set("id", o.get("id"));
    }
    storeId.ifPresent(s -> out.put("storeId", s.toString()));
    for (String k : new String[] {"folderId", "changeNumber", "changeKey"}) {
      if (o.has(k)) {
        out.set(k, o.get(k));
      }
    }
    accessLevel.ifPresent(a -> out.put("accessLevel", a.name()));
    read.ifPresent(r -> out.put("read", r));
    out.set("properties", o.get("properties"));
    out.set("recipients", o.get("recipients"));
    out.set("attachments", o.get("attachments"));
    return out;
  }

  public static MessageBody fromJson(JsonNode n, String field) {
    if (n == null || !n.isObject()) {
      throw new WireException(msgstore.api.MapiError.INVALID_PARAMETER, field, "expected a message object");
    }
    return new MessageBody(Json.snapshot(n, field),
        Json.opt(n, "storeId").map(v -> Json.storeId(v.asText(), Json.join(field, "storeId"))),
        Json.opt(n, "accessLevel").map(v -> Json.enumOf(AccessLevel.class, v.asText(), Json.join(field, "accessLevel"))),
        Json.opt(n, "read").map(JsonNode::asBoolean));
  }

  /** The quoted entity tag of this message's change key, or empty for a message never saved. */
  public Optional<String> etag() {
    return snapshot.changeKey().map(k -> "\"" + k + "\"");
  }
}
