package msgstore.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.util.function.Function;
import msgstore.api.AttachmentRow;
import msgstore.api.ConflictChoice;
import msgstore.api.ContentRef;
import msgstore.api.FolderInfo;
import msgstore.api.MapiError;
import msgstore.api.MergeReport;
import msgstore.api.MessageSnapshot;
import msgstore.api.NamedProperty;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.Restriction;
import msgstore.api.SaveResult;
import msgstore.api.SortOrder;
import msgstore.api.StoreEvent;
import msgstore.api.StoreInfo;
import msgstore.api.StoreLimits;
import msgstore.api.VersionInfo;

/**
 * The shared Jackson mapper: it reads and writes the msgstore.api types in the shapes of
 * docs/http-api.md (through {@link Json}), so {@code mapper().writeValueAsString(storeInfo)} and
 * {@code mapper().readValue(text, StoreInfo.class)} just work on both sides.
 */
public final class Wire {
  private static final ObjectMapper MAPPER = build();

  private Wire() {}

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** Parses a request body to a tree; malformed JSON is INVALID_PARAMETER naming where it broke. */
  public static JsonNode parse(byte[] body) {
    try {
      JsonNode n = MAPPER.readTree(body);
      if (n == null || n.isMissingNode()) {
        throw new WireException(MapiError.INVALID_PARAMETER, "", "the request body is empty; a JSON object is expected");
      }
      return n;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new WireException(MapiError.INVALID_PARAMETER, "",
          "malformed JSON at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()
              + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new WireException(MapiError.INVALID_PARAMETER, "", "unreadable body: " + e.getMessage());
    }
  }

  public static byte[] bytes(JsonNode n) {
    try {
      return MAPPER.writeValueAsBytes(n);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ObjectMapper build() {
    SimpleModule m = new SimpleModule("msgstore-protocol");
    add(m, StoreInfo.class, Json::storeInfo, Json::storeInfo);
    add(m, FolderInfo.class, Json::folderInfo, Json::folderInfo);
    add(m, VersionInfo.class, Json::versionInfo, Json::versionInfo);
    add(m, StoreEvent.class, Json::event, Json::event);
    add(m, StoreLimits.class, Json::limits, Json::limits);
    add(m, NamedProperty.class, Json::namedProperty, Json::namedProperty);
    add(m, ContentRef.class, Json::contentRef, Json::contentRef);
    add(m, Recipient.class, Json::recipient, Json::recipient);
    add(m, AttachmentRow.class, Json::attachmentRow, Json::attachmentRow);
    add(m, MessageSnapshot.class, Json::snapshot, Json::snapshot);
    add(m, MergeReport.class, Json::mergeReport, Json::mergeReport);
    add(m, SaveResult.class, Json::saveResult, Json::saveResult);
    add(m, SortOrder.class, Json::sortOrder, Json::sortOrder);
    add(m, PropValue.class, PropCodec::full,
        (n, f) -> PropCodec.parseValue(PropCodec.tag(n.get("tag"), f + "tag"), n.get("value"), f));
    m.addSerializer(ConflictChoice.class, ser(Json::conflictChoice));
    m.addDeserializer(ConflictChoice.class, de(Json::conflictChoice));
    m.addSerializer(Restriction.class, ser(Json::restriction));
    m.addDeserializer(Restriction.class, de(Json::restriction));
    m.addSerializer(MessageBody.class, ser(MessageBody::toJson));
    m.addDeserializer(MessageBody.class, de(MessageBody::fromJson));
    m.addSerializer(SaveRequest.class, ser(SaveRequest::toJson));
    m.addDeserializer(SaveRequest.class, de((n, f) -> SaveRequest.fromJson(n)));
    m.addSerializer(Problem.class, ser(Problem::toJson));
    JsonMapper mapper = JsonMapper.builder()
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .addModule(m)
        .build();
    mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
        .maxStringLength(Integer.MAX_VALUE).maxNestingDepth(200).build());
    return mapper;
  }

  private static <T> void add(SimpleModule m, Class<T> type, Function<T, ? extends JsonNode> w, Json.Reader<T> r) {
    m.addSerializer(type, ser(w));
    m.addDeserializer(type, de(r));
  }

  private static <T> JsonSerializer<T> ser(Function<T, ? extends JsonNode> w) {
    return new JsonSerializer<>() {
      @Override
      public void serialize(T value, JsonGenerator gen, SerializerProvider p) throws IOException {
        gen.writeTree(w.apply(value));
      }
    };
  }

  private static <T> JsonDeserializer<T> de(Json.Reader<T> r) {
    return new JsonDeserializer<>() {
      @Override
      public T deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
        JsonNode n = p.readValueAsTree();
        return r.read(n, "");
      }
    };
  }
}
