package msgstore.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import msgstore.api.ConflictResolver;
import msgstore.api.MapiError;
import msgstore.api.MergeReport;
import msgstore.api.MessageSnapshot;
import msgstore.api.SaveResult;
import msgstore.api.StoreException;
import msgstore.protocol.MessageBody;
import msgstore.protocol.Wire;

/** The answers of the save routes, read into API values; CORRUPT_DATA naming the object when unreadable. */
final class SaveWire {
  private SaveWire() {}

  /** A save's answer: its result and, when the server sent it, the committed message. */
  record Saved(SaveResult result, MessageBody message) {}

  /** The {@code conflict} of a 412 asked for with {@code onConflict: ASK}. */
  static ConflictResolver.Conflict conflict(JsonNode c, String what) {
    try {
      return new ConflictResolver.Conflict(
          Wire.mapper().treeToValue(c.get("view"), MessageSnapshot.class),
          Wire.mapper().treeToValue(c.get("current"), MessageSnapshot.class),
          Wire.mapper().treeToValue(c.get("base"), MessageSnapshot.class),
          c.hasNonNull("mergePreview") ? Wire.mapper().treeToValue(c.get("mergePreview"), MergeReport.class) : null);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw unreadable("conflict for " + what, e);
    }
  }

  static Saved saved(JsonNode body, String what) {
    try {
      return new Saved(Wire.mapper().treeToValue(body, SaveResult.class),
          body.hasNonNull("message") ? MessageBody.fromJson(body.get("message"), "message") : null);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw unreadable("save result for " + what, e);
    }
  }

  static MergeReport mergeReport(JsonNode body) {
    try {
      return Wire.mapper().treeToValue(body.get("mergeReport"), MergeReport.class);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw unreadable("merge preview", e);
    }
  }

  private static StoreException unreadable(String what, Exception e) {
    return new StoreException(MapiError.CORRUPT_DATA, "the server's " + what + " is unreadable: " + e.getMessage(), e);
  }
}
