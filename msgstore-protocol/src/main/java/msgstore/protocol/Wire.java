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
import com.fasterxml.jackson.databind.util.TokenBuffer;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
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
  private static final ObjectMapper MAPPER = build(StreamReadConstraints.builder()
      .maxStringLength(Integer.MAX_VALUE).maxNestingDepth(200).build());

  private Wire() {}

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** Parses a request body under the default {@link InputLimits}. */
  public static JsonNode parse(byte[] body) {
    return parse(body, InputLimits.DEFAULTS);
  }

  /**
   * Parses a request body to a tree. Every way it can be bad is INVALID_PARAMETER (a string over
   * the limit: TOO_BIG) with a message naming the problem and where it is: bytes that are not
   * well-formed UTF-8 (overlong forms, surrogates, truncated sequences; RFC 8259 section 8.1),
   * malformed JSON, nesting, numbers, strings or keys over {@code limits}.
   */
  public static JsonNode parse(byte[] body, InputLimits limits) {
    requireUtf8(body);
    try {
      JsonNode n = mapper(limits).readTree(body);
      if (n == null || n.isMissingNode()) {
        throw new WireException(MapiError.INVALID_PARAMETER, "", "the request body is empty; a JSON object is expected");
      }
      return n;
    } catch (StreamConstraintsException e) {
      throw overLimit(e, limits);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new WireException(MapiError.INVALID_PARAMETER, "", "malformed JSON" + at(e) + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new WireException(MapiError.INVALID_PARAMETER, "", "unreadable body: " + e.getMessage());
    }
  }

  private static final ConcurrentHashMap<InputLimits, ObjectMapper> BY_LIMITS = new ConcurrentHashMap<>();

  private static ObjectMapper mapper(InputLimits limits) {
    return BY_LIMITS.computeIfAbsent(limits, l -> build(StreamReadConstraints.builder()
        .maxNestingDepth(l.maxDepth()).maxNumberLength(l.maxNumberLength()).maxStringLength(l.maxStringLength())
        .maxNameLength(l.maxNameLength()).build()));
  }

  private static String at(com.fasterxml.jackson.core.JsonProcessingException e) {
    var where = e.getLocation();
    return where == null ? "" : " at line " + where.getLineNr() + ", column " + where.getColumnNr();
  }

  /** A limit of {@link StreamReadConstraints} was hit: say which, with the configuration key. */
  private static WireException overLimit(StreamConstraintsException e, InputLimits l) {
    String m = String.valueOf(e.getOriginalMessage());
    if (m.contains("nesting depth")) {
      return new WireException(MapiError.INVALID_PARAMETER, "", "the JSON body nests arrays and objects deeper than "
          + "the limit of " + l.maxDepth() + " (json.max.depth)" + at(e));
    }
    if (m.contains("Number value length")) {
      return new WireException(MapiError.INVALID_PARAMETER, "", "a number in the JSON body is longer than the limit "
          + "of " + l.maxNumberLength() + " characters (json.max.number.length)" + at(e));
    }
    if (m.contains("Name length")) {
      return new WireException(MapiError.INVALID_PARAMETER, "", "a key in the JSON body is longer than the limit of "
          + l.maxNameLength() + " characters (json.max.name.length)" + at(e));
    }
    if (m.contains("String value length")) {
      return new WireException(MapiError.TOO_BIG, "", "a string in the JSON body is longer than the limit of "
          + l.maxStringLength() + " characters (json.max.string.length)" + at(e));
    }
    return new WireException(MapiError.INVALID_PARAMETER, "", "the JSON body is over a limit" + at(e) + ": " + m);
  }

  /**
   * Refuses a body that is not well-formed UTF-8, naming the byte offset: Jackson would accept an
   * overlong {@code C0 AF} as {@code /}, and would take a body with NUL bytes for UTF-16 or UTF-32.
   */
  static void requireUtf8(byte[] body) {
    boolean ascii = true;
    for (int i = 0; i < body.length; i++) {
      if (body[i] == 0) {
        throw new WireException(MapiError.INVALID_PARAMETER, "", "the request body has a NUL byte at offset " + i
            + "; a JSON body is UTF-8 text");
      }
      ascii &= body[i] > 0;
    }
    if (ascii) {
      return;
    }
    CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(body);
    CharBuffer out = CharBuffer.allocate(8192);
    while (true) {
      CoderResult r = d.decode(in, out, true);
      if (r.isError()) {
        throw new WireException(MapiError.INVALID_PARAMETER, "", "the request body is not well-formed UTF-8: "
            + "bad byte sequence at offset " + in.position() + " (" + hex(body, in.position(), r.length()) + ")");
      }
      out.clear();
      if (r.isUnderflow()) {
        return;
      }
    }
  }

  private static String hex(byte[] b, int from, int n) {
    return java.util.HexFormat.ofDelimiter(" ").withUpperCase().formatHex(b, from, Math.min(b.length, from + n));
  }

  public static byte[] bytes(JsonNode n) {
    try {
      return MAPPER.writeValueAsBytes(n);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes JSON to a generator (the streamed forms of {@link Json} and {@link PropCodec}). */
  @FunctionalInterface
  public interface JsonWriter {
    void write(JsonGenerator g) throws IOException;
  }

  /** The UTF-8 JSON {@code w} writes, without a tree in between. */
  public static byte[] bytes(JsonWriter w) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    try (JsonGenerator g = MAPPER.createGenerator(out)) {
      w.write(g);
    } catch (IOException e) {
      throw new IllegalStateException(e); // a byte array does not fail
    }
    return out.toByteArray();
  }

  /** The tree of the JSON {@code w} writes (for a caller that embeds it in a larger answer). */
  public static JsonNode tree(JsonWriter w) {
    try (TokenBuffer b = new TokenBuffer(MAPPER, false)) {
      w.write(b);
      try (JsonParser p = b.asParser(MAPPER)) {
        return MAPPER.readTree(p);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e); // a token buffer does not fail
    }
  }

  private static ObjectMapper build(StreamReadConstraints constraints) {
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
    mapper.getFactory().setStreamReadConstraints(constraints);
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
