package msgstore.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import msgstore.api.ContentRef;
import msgstore.api.MapiError;
import msgstore.api.PropTag;
import msgstore.api.PropValue;
import msgstore.api.Recipient;

/**
 * The PATCH delta for people and scripts (docs/http-api.md, "Merge-patch delta"): a JSON Merge
 * Patch on properties ({@code null} deletes) plus recipient and attachment operations.
 */
public record MergePatch(List<PropValue> set, List<PropTag> delete, Optional<List<Recipient>> replaceRecipients,
    List<Recipient> addRecipients, List<Recipient> modifyRecipients, List<Integer> removeRecipients,
    List<NewAttachment> addAttachments, List<AttachmentPatch> modifyAttachments, List<Integer> deleteAttachments,
    Optional<Boolean> read) {

  /** An attachment to add: properties, and content by reference, inline (base64) or an embedded message. */
  public record NewAttachment(List<PropValue> props, Optional<ContentRef> content, Optional<byte[]> inline,
      Optional<MessageBody> embedded) {}

  /** Properties to set ({@code null}: delete) on an existing attachment. */
  public record AttachmentPatch(int attachNum, List<PropValue> set, List<PropTag> delete) {}

  public static MergePatch fromJson(JsonNode n) {
    if (n == null || !n.isObject()) {
      throw new WireException(MapiError.INVALID_PARAMETER, "", "expected a JSON object");
    }
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!List.of("properties", "recipients", "attachments", "read").contains(k)) {
        throw new WireException(MapiError.INVALID_PARAMETER, k, "unknown field; expected properties, recipients, attachments or read");
      }
    }
    List<PropValue> set = new ArrayList<>();
    List<PropTag> delete = new ArrayList<>();
    patchProps(n.get("properties"), "properties", set, delete);
    JsonNode r = n.get("recipients");
    Optional<List<Recipient>> replace = Json.opt(r, "replaceAll")
        .map(v -> Json.list(v, "recipients.replaceAll", Json::recipient));
    List<Recipient> add = Json.list(r == null ? null : r.get("add"), "recipients.add", Json::recipient);
    List<Recipient> modify = Json.list(r == null ? null : r.get("modify"), "recipients.modify", Json::recipient);
    List<Integer> remove = Json.list(r == null ? null : r.get("remove"), "recipients.remove", MergePatch::intValue);
    JsonNode a = n.get("attachments");
    List<NewAttachment> addA = Json.list(a == null ? null : a.get("add"), "attachments.add", MergePatch::newAttachment);
    List<AttachmentPatch> modA = Json.list(a == null ? null : a.get("modify"), "attachments.modify", (v, f) -> {
      List<PropValue> s = new ArrayList<>();
      List<PropTag> d = new ArrayList<>();
      patchProps(v.get("properties"), f + ".properties", s, d);
      return new AttachmentPatch((int) Json.integer(v, "attachNum", f), s, d);
    });
    List<Integer> delA = Json.list(a == null ? null : a.get("delete"), "attachments.delete", MergePatch::intValue);
    Optional<Boolean> read = Json.opt(n, "read").map(v -> {
      if (!v.isBoolean()) {
        throw new WireException(MapiError.INVALID_PARAMETER, "read", "expected true or false");
      }
      return v.booleanValue();
    });
    return new MergePatch(set, delete, replace, add, modify, remove, addA, modA, delA, read);
  }

  /** Reads an attachment to add (also used for the attachments of a whole-view PUT). */
  public static NewAttachment newAttachment(JsonNode v, String f) {
    if (!v.isObject()) {
      throw new WireException(MapiError.INVALID_PARAMETER, f, "expected an attachment object");
    }
    Optional<ContentRef> ref = Json.opt(v, "content").map(c -> Json.contentRef(c, f + ".content"));
    Optional<byte[]> inline = Json.opt(v, "contentBase64").map(c -> {
      try {
        return java.util.Base64.getDecoder().decode(c.asText());
      } catch (IllegalArgumentException e) {
        throw new WireException(MapiError.INVALID_PARAMETER, f + ".contentBase64", "not valid base64");
      }
    });
    Optional<MessageBody> emb = Json.opt(v, "embedded").map(e -> MessageBody.fromJson(e, f + ".embedded"));
    return new NewAttachment(PropCodec.parseObject(v.get("properties"), f + ".properties"), ref, inline, emb);
  }

  private static int intValue(JsonNode v, String f) {
    if (!v.isIntegralNumber()) {
      throw new WireException(MapiError.INVALID_PARAMETER, f, "expected an integer");
    }
    return v.intValue();
  }

  private static void patchProps(JsonNode obj, String field, List<PropValue> set, List<PropTag> delete) {
    if (obj == null || obj.isNull()) {
      return;
    }
    if (!obj.isObject()) {
      throw new WireException(MapiError.INVALID_PARAMETER, field, "expected an object of properties");
    }
    for (Map.Entry<String, JsonNode> e : obj.properties()) {
      String f = field + "." + e.getKey();
      if (e.getValue().isNull()) {
        delete.add(PropCodec.tag(e.getKey(), f));
      } else {
        set.add(PropCodec.parse(e.getKey(), e.getValue(), f));
      }
    }
  }
}
