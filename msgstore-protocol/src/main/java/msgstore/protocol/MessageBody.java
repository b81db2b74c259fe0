package msgstore.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
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
    return (ObjectNode) Wire.tree(this::write);
  }

  /** The JSON of {@link #toJson}, written straight to bytes (a GET's answer: no tree in between). */
  public byte[] toBytes() {
    return Wire.bytes(this::write);
  }

  private void write(JsonGenerator g) throws IOException {
    Json.writeSnapshot(g, snapshot, storeId.orElse(null), accessLevel.orElse(null), read.orElse(null));
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
