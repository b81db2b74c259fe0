package msgstore.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import msgstore.api.ConflictChoice;
import msgstore.api.FolderId;
import msgstore.api.MapiError;
import msgstore.api.MergeMode;
import msgstore.api.SaveFlag;

/**
 * The ops body ({@code application/vnd.msgstore.ops+json}): a handle's pending edits as the calls
 * it received, and what to do with them. {@code onConflict}: empty = fail with 412; {@code ask} =
 * fail with 412 carrying the conflict for the client's resolver; a choice = apply it (section 12).
 */
public record SaveRequest(Action action, Set<SaveFlag> flags, MergeMode mergeMode, Optional<FolderId> folderId,
    OnConflict onConflict, List<Op> ops) {
  public static final String MEDIA_TYPE = "application/vnd.msgstore.ops+json";

  public enum Action {
    SAVE,
    SAVE_AS_COPY,
    KEEP_BOTH,
    PREVIEW_MERGE
  }

  /** What the server does when the save meets a newer version. */
  public sealed interface OnConflict {
    record Fail() implements OnConflict {}

    record Ask() implements OnConflict {}

    record Choose(ConflictChoice choice) implements OnConflict {}
  }

  public SaveRequest {
    flags = Set.copyOf(flags);
    ops = List.copyOf(ops);
  }

  public ObjectNode toJson() {
    ObjectNode o = Json.F.objectNode().put("action", action.name());
    o.set("flags", Json.array(flags.stream().map(Enum::name).sorted().toList(), Json.F::textNode));
    o.put("mergeMode", mergeMode.name());
    o.put("folderId", folderId.map(FolderId::toString).orElse(null));
    switch (onConflict) {
      case OnConflict.Fail f -> o.putNull("onConflict");
      case OnConflict.Ask a -> o.putObject("onConflict").put("choice", "ASK");
      case OnConflict.Choose c -> o.set("onConflict", Json.conflictChoice(c.choice()));
    }
    o.set("ops", Json.array(ops, Op::toJson));
    return o;
  }

  public static SaveRequest fromJson(JsonNode n) {
    if (n == null || !n.isObject()) {
      throw new WireException(MapiError.INVALID_PARAMETER, "", "expected an ops body object");
    }
    Action action = Json.opt(n, "action").map(a -> Json.enumOf(Action.class, a.asText(), "action")).orElse(Action.SAVE);
    Set<SaveFlag> flags = Op.enums(SaveFlag.class, n.get("flags"), "flags");
    MergeMode mode = Json.opt(n, "mergeMode").map(m -> Json.enumOf(MergeMode.class, m.asText(), "mergeMode"))
        .orElse(MergeMode.NONE);
    Optional<FolderId> folder = Json.opt(n, "folderId").map(f -> Json.folderId(f.asText(), "folderId"));
    OnConflict on = Json.opt(n, "onConflict").<OnConflict>map(c -> "ASK".equalsIgnoreCase(c.path("choice").asText())
        ? new OnConflict.Ask() : new OnConflict.Choose(Json.conflictChoice(c, "onConflict")))
        .orElse(new OnConflict.Fail());
    List<Op> ops = Json.list(n.get("ops"), "ops", Op::fromJson);
    if (action == Action.SAVE_AS_COPY && folder.isEmpty()) {
      throw new WireException(MapiError.INVALID_PARAMETER, "folderId", "SAVE_AS_COPY needs the target folder");
    }
    return new SaveRequest(action, flags, mode, folder, on, ops);
  }
}
