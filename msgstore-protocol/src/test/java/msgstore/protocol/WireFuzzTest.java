package msgstore.protocol;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import msgstore.api.ConflictChoice;
import msgstore.api.EventScope;
import msgstore.api.EventType;
import msgstore.api.MergeMode;
import msgstore.api.PropTag;
import msgstore.api.PropValue;
import msgstore.api.SaveFlag;
import msgstore.api.SortOrder;
import msgstore.api.StoreException;
import msgstore.api.StoreId;

/**
 * Coverage-guided fuzzing (Jazzer, ADR 0016) of every reader of the wire contract: request bodies
 * and the text of headers, paths and query parameters. The oracle for every target: an input either
 * parses or fails with a {@link StoreException} whose MAPI error maps to a 4xx
 * ({@link HttpStatus#of} &lt; 500); any other throwable (NPE, StackOverflowError, NumberFormatException,
 * ...) is a finding. Where a shape has a writer, its JSON form is a fixpoint: what the writer makes
 * of a parsed value reads back to the same JSON.
 *
 * <p>The first byte of an input picks the reader ({@code A} the first, {@code B} the second, ...),
 * the rest is the body or the text. Plain {@code mvn verify} replays the committed inputs under
 * {@code src/test/resources/msgstore/protocol/WireFuzzTestInputs/}; with {@code JAZZER_FUZZ=1} one
 * target is fuzzed (the build's {@code fuzz-*} executions, docs/operations.md "Fuzzing").
 */
class WireFuzzTest {
  private static final StoreId STORE = new StoreId(UUID.fromString("2b1c7c8e-0000-4000-8000-000000000001"));

  /** A JSON reader and, when the shape has one, its writer. */
  private record Shape<T>(String name, Json.Reader<T> reader, Function<T, ? extends JsonNode> writer) {
    void check(JsonNode n) {
      T value = reader.read(n, "");
      if (writer == null) {
        return;
      }
      JsonNode written = writer.apply(value);
      JsonNode again;
      try {
        again = writer.apply(reader.read(Wire.parse(Wire.bytes(written)), ""));
      } catch (StoreException e) {
        throw new AssertionError(name + ": the written form of a parsed value does not read back: " + e.getMessage()
            + "\nwritten: " + written, e);
      }
      if (!written.equals(again)) {
        throw new AssertionError(name + ": the JSON form is not a fixpoint\nfirst:  " + written + "\nsecond: " + again);
      }
    }
  }

  private static final List<Shape<?>> BODIES = List.of(
      new Shape<>("message", MessageBody::fromJson, MessageBody::toJson),
      new Shape<>("ops body", (n, f) -> SaveRequest.fromJson(n), SaveRequest::toJson),
      new Shape<>("merge patch", (n, f) -> MergePatch.fromJson(n), null),
      new Shape<>("restriction", Json::restriction, Json::restriction),
      new Shape<>("sort order", Json::sortOrder, Json::sortOrder),
      new Shape<>("properties", PropCodec::parseObject, PropCodec::object),
      new Shape<PropValue>("property value", (n, f) -> PropCodec.parseValue(PropCodec.tag(n.get("tag"), "tag"),
          n.get("value"), "value"), PropCodec::full),
      new Shape<>("conflict choice", Json::conflictChoice, Json::conflictChoice),
      new Shape<>("merge report", Json::mergeReport, Json::mergeReport),
      new Shape<>("save result", Json::saveResult, Json::saveResult),
      new Shape<>("store", Json::storeInfo, Json::storeInfo),
      new Shape<>("folder", Json::folderInfo, Json::folderInfo),
      new Shape<>("version", Json::versionInfo, Json::versionInfo),
      new Shape<>("event", Json::event, Json::event),
      new Shape<>("limits", Json::limits, Json::limits),
      new Shape<>("named property", Json::namedProperty, Json::namedProperty),
      new Shape<>("content", Json::contentRef, Json::contentRef),
      new Shape<>("recipient", Json::recipient, Json::recipient),
      new Shape<>("attachment row", Json::attachmentRow, Json::attachmentRow),
      new Shape<>("snapshot", Json::snapshot, Json::snapshot),
      new Shape<>("problem", (n, f) -> Problem.fromJson(n, 400).toException(), null));

  /** A reader of text (a header, a path segment, a query parameter). */
  private interface TextReader {
    void check(String text);
  }

  private static final List<TextReader> TEXTS = List.of(
      // A: property keys and tags (paths, sort=, columns=, tags=, JSON keys): the key and the hex form read back.
      t -> {
        PropTag tag = PropCodec.tag(t, "tag");
        same(tag, PropCodec.tag(PropCodec.key(tag), "tag"), "property key");
        same(tag, PropCodec.tag(tag.hex(), "tag"), "property hex tag");
      },
      // B: sort=
      t -> {
        List<SortOrder> s = Json.sortParam(t, "sort");
        String back = String.join(",", s.stream().map(o -> (o.descending() ? "-" : "") + PropCodec.key(o.tag())).toList());
        same(s, Json.sortParam(back, "sort"), "sort parameter");
      },
      // C: columns= / tags=
      t -> {
        List<PropTag> tags = Json.tagsParam(t, "tags");
        same(tags, Json.tagsParam(String.join(",", tags.stream().map(PropTag::hex).toList()), "tags"), "tags parameter");
      },
      // D: scope= of an event stream
      t -> {
        EventScope s = Json.scope(STORE, t, "scope");
        same(s, Json.scope(STORE, Json.scope(s), "scope"), "event scope");
      },
      // E: If-Match (the server reads the first entity tag of the list)
      t -> {
        var k = Json.ifMatch(t, "If-Match");
        same(k, Json.changeKey("\"" + k + "\"", "If-Match"), "change key");
      },
      // F: ids in paths
      t -> {
        var id = Json.storeId(t, "path.s");
        same(id, Json.storeId(id.toString(), "path.s"), "store id");
      },
      t -> {
        var id = Json.folderId(t, "path.f");
        same(id, Json.folderId(id.toString(), "path.f"), "folder id");
      },
      t -> {
        var id = Json.messageId(t, "path.m");
        same(id, Json.messageId(id.toString(), "path.m"), "message id");
      },
      // I: enumerations named in query parameters and bodies
      t -> {
        Json.enumOf(MergeMode.class, t, "merge");
        Json.enumOf(EventType.class, t, "types");
        Json.enumOf(SaveFlag.class, t, "flags");
      },
      // J: restriction= (a query parameter holding JSON)
      t -> {
        var r = Json.restriction(Wire.parse(t.getBytes(StandardCharsets.UTF_8)), "restriction");
        same(Json.restriction(r), Json.restriction(Json.restriction(Wire.parse(Wire.bytes(Json.restriction(r))),
            "restriction")), "restriction parameter");
      },
      // K: a conflict choice given as a JSON string field
      t -> {
        ConflictChoice c = Json.conflictChoice(Json.F.objectNode().put("choice", t), "onConflict");
        same(Json.conflictChoice(c), Json.conflictChoice(Json.conflictChoice(Json.conflictChoice(c), "onConflict")),
            "conflict choice");
      });

  /** JSON bodies: the first byte picks the reader, the rest is the body. */
  @DictionaryEntries({"\"properties\"", "\"recipients\"", "\"attachments\"", "\"embedded\"", "\"content\"",
      "\"contentBase64\"", "\"attachNum\"", "\"rowId\"", "\"ops\"", "\"op\"", "\"h\"", "\"flags\"",
      "\"onConflict\"", "\"choice\"", "\"tag\"", "\"value\"", "\"type\"", "\"and\"", "\"or\"", "\"not\"",
      "\"exist\"", "\"property\"", "\"add\"", "\"modify\"", "\"remove\"", "\"delete\"", "\"replaceAll\"",
      "\"PidTagSubject\"", "\"0x80050005\"", "\"0x80040004\"", "\"0x80030002\"", "\"0x80020014\"",
      "\"0x8006101F\"", "\"0x80070040\"", "\"0x80080048\"", "\"0x80090102\"", "1e400", "-0.0", "[1]", "{}", "null",
      "\"\\ud800\""})
  @FuzzTest(maxDuration = "10s")
  void jsonBodiesEitherParseOrFailWith4xx(byte[] input) {
    if (input.length == 0) {
      return;
    }
    Shape<?> shape = BODIES.get(Math.floorMod((input[0] & 0xff) - 'A', BODIES.size()));
    byte[] body = Arrays.copyOfRange(input, 1, input.length);
    oracle(shape.name(), () -> shape.check(Wire.parse(body)));
  }

  /** Headers, path segments and query parameters: the first byte picks the reader, the rest is UTF-8 text. */
  @FuzzTest(maxDuration = "10s")
  void textParametersEitherParseOrFailWith4xx(byte[] input) {
    if (input.length == 0) {
      return;
    }
    int i = Math.floorMod((input[0] & 0xff) - 'A', TEXTS.size());
    String text = new String(input, 1, input.length - 1, StandardCharsets.UTF_8);
    oracle("text reader " + (char) ('A' + i), () -> TEXTS.get(i).check(text));
  }

  /** The oracle: bad input is a StoreException of a 4xx; anything else propagates as a finding. */
  static void oracle(String what, Runnable r) {
    try {
      r.run();
    } catch (StoreException e) {
      int status = HttpStatus.of(e.error());
      if (status >= 500) {
        throw new AssertionError(what + ": bad input answered " + status + " " + e.error().mapiName() + ": "
            + e.getMessage(), e);
      }
      if (e.getMessage() == null || e.getMessage().isBlank()) {
        throw new AssertionError(what + ": a " + e.error().mapiName() + " without a message", e);
      }
    }
  }

  private static void same(Object a, Object b, String what) {
    if (!a.equals(b)) {
      throw new AssertionError(what + " does not read back: " + a + " became " + b);
    }
  }
}
