package msgstore.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import msgstore.api.ChangeKey;
import msgstore.api.MapiError;
import msgstore.api.MergeReport;
import msgstore.api.ObjectChangedException;
import msgstore.api.StoreException;

/**
 * Problem Details (RFC 9457) with the MAPI error: what every error answer carries. {@code extras}
 * holds the fields of particular problems (the 412's current version and conflict).
 */
public record Problem(int status, MapiError mapiError, String title, String detail, String instance, String field,
    ObjectNode extras) {
  public static final String MEDIA_TYPE = "application/problem+json";

  public static Problem of(StoreException e, String instance) {
    String field = e instanceof WireException w ? w.field() : "";
    return new Problem(HttpStatus.of(e.error()), e.error(), HttpStatus.title(e.error()), e.getMessage(), instance,
        field, Json.F.objectNode());
  }

  public static Problem of(int status, MapiError error, String detail, String instance) {
    return new Problem(status, error, HttpStatus.title(error), detail, instance, "", Json.F.objectNode());
  }

  public ObjectNode toJson() {
    ObjectNode o = Json.F.objectNode().put("type", "urn:msgstore:mapi:" + mapiError.mapiName()).put("title", title)
        .put("status", status).put("detail", detail);
    if (instance != null && !instance.isEmpty()) {
      o.put("instance", instance);
    }
    o.put("mapiError", mapiError.mapiName()).put("hresult", mapiError.hex());
    if (field != null && !field.isEmpty()) {
      o.put("field", field);
    }
    if (extras != null) {
      o.setAll(extras);
    }
    return o;
  }

  public static Problem fromJson(JsonNode n, int httpStatus) {
    MapiError e;
    try {
      e = MapiError.fromName(n.path("mapiError").asText("MAPI_E_CALL_FAILED"));
    } catch (RuntimeException ex) {
      e = MapiError.CALL_FAILED;
    }
    ObjectNode extras = n.isObject() ? ((ObjectNode) n).deepCopy() : Json.F.objectNode();
    extras.remove(java.util.List.of("type", "title", "status", "detail", "instance", "mapiError", "hresult", "field"));
    return new Problem(n.path("status").asInt(httpStatus), e, n.path("title").asText(""),
        n.path("detail").asText("HTTP " + httpStatus), n.path("instance").asText(""), n.path("field").asText(""), extras);
  }

  /** The exception an API caller sees: the same MapiError and the server's detail. */
  public StoreException toException() {
    if (mapiError == MapiError.OBJECT_CHANGED) {
      ChangeKey base = Json.opt(extras, "baseChangeKey").map(k -> Json.changeKey(k.asText(), "baseChangeKey")).orElse(null);
      ChangeKey current = Json.opt(extras, "currentChangeKey").map(k -> Json.changeKey(k.asText(), "currentChangeKey"))
          .orElse(null);
      MergeReport report = Json.opt(extras, "mergeReport").map(r -> Json.mergeReport(r, "mergeReport")).orElse(null);
      return new ObjectChangedException(detail, base, current, report);
    }
    return new StoreException(mapiError, detail);
  }

  public Optional<JsonNode> extra(String name) {
    return Json.opt(extras, name);
  }
}
