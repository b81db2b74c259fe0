package msgstore.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import msgstore.api.MapiError;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropType;
import msgstore.api.PropValue;
import msgstore.api.StoreException;

/**
 * Property values on the wire (docs/http-api.md, "Property values"): the JSON form is chosen by
 * the tag's type; keys are canonical names or hex tags. Every parse error names its field.
 */
public final class PropCodec {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private PropCodec() {}

  /** The response key of a tag: its canonical PidTag name, else its hex form. */
  public static String key(PropTag tag) {
    return PropTags.canonicalName(tag).orElse(tag.hex());
  }

  /** Parses a property key (canonical name, PR_ alias or hex tag). */
  public static PropTag tag(String key, String field) {
    try {
      return PropTag.parse(key);
    } catch (StoreException e) {
      throw new WireException(MapiError.INVALID_PARAMETER, field, "unknown property '" + key + "'");
    }
  }

  /** Parses a tag given as a JSON string. */
  public static PropTag tag(JsonNode node, String field) {
    if (node == null || !node.isTextual()) {
      throw new WireException(MapiError.INVALID_PARAMETER, field, "expected a property tag or name as a string");
    }
    return tag(node.asText(), field);
  }

  /** {@code {"tag":"0x0037001F","type":"UNICODE","value":…}}. */
  public static ObjectNode full(PropValue p) {
    ObjectNode o = F.objectNode();
    o.put("tag", p.tag().hex());
    o.put("type", p.tag().type().name());
    o.set("value", value(p));
    return o;
  }

  /** The properties object of a response, ordered by tag. */
  public static ObjectNode object(List<PropValue> props) {
    ObjectNode o = F.objectNode();
    props.stream().sorted((a, b) -> a.tag().compareTo(b.tag())).forEach(p -> o.set(key(p.tag()), full(p)));
    return o;
  }

  /**
   * Writes the properties object of a response, ordered by tag: the same JSON as {@link
   * #object}, streamed (a message body is written this way, without building its tree).
   */
  public static void writeObject(JsonGenerator g, List<PropValue> props) throws IOException {
    PropValue[] sorted = props.toArray(PropValue[]::new);
    Arrays.sort(sorted, (a, b) -> a.tag().compareTo(b.tag()));
    g.writeStartObject();
    for (PropValue p : sorted) {
      g.writeFieldName(key(p.tag()));
      g.writeStartObject();
      g.writeStringField("tag", p.tag().hex());
      g.writeStringField("type", p.tag().type().name());
      g.writeFieldName("value");
      PropType t = p.tag().type();
      if (t.isMultiValued()) {
        g.writeStartArray();
        for (Object e : (List<?>) p.value()) {
          writeElement(g, t.elementType(), e);
        }
        g.writeEndArray();
      } else {
        writeElement(g, t, p.value());
      }
      g.writeEndObject();
    }
    g.writeEndObject();
  }

  /** {@link #element}, streamed: the two must give the same JSON (StreamedJsonTest checks every type). */
  private static void writeElement(JsonGenerator g, PropType t, Object v) throws IOException {
    switch (t) {
      case SHORT -> g.writeNumber((Short) v);
      case LONG, ERROR -> g.writeNumber((Integer) v);
      case I8, CURRENCY -> g.writeNumber((Long) v);
      case FLOAT -> g.writeNumber((Float) v);
      case DOUBLE, APPTIME -> g.writeNumber((Double) v);
      case BOOLEAN -> g.writeBoolean((Boolean) v);
      case STRING8, UNICODE -> g.writeString((String) v);
      case SYSTIME, CLSID -> g.writeString(v.toString());
      case SVREID, BINARY -> g.writeString(Base64.getEncoder().encodeToString((byte[]) v));
      default -> throw new StoreException(MapiError.INVALID_TYPE, "no JSON form for type " + t);
    }
  }

  /** The JSON form of a value. */
  public static JsonNode value(PropValue p) {
    PropType t = p.tag().type();
    if (t.isMultiValued()) {
      ArrayNode a = F.arrayNode();
      for (Object e : (List<?>) p.value()) {
        a.add(element(t.elementType(), e));
      }
      return a;
    }
    return element(t, p.value());
  }

  private static JsonNode element(PropType t, Object v) {
    return switch (t) {
      case SHORT -> F.numberNode((Short) v);
      case LONG, ERROR -> F.numberNode((Integer) v);
      case I8, CURRENCY -> F.numberNode((Long) v);
      case FLOAT -> F.numberNode((Float) v);
      case DOUBLE, APPTIME -> F.numberNode((Double) v);
      case BOOLEAN -> F.booleanNode((Boolean) v);
      case STRING8, UNICODE -> F.textNode((String) v);
      case SYSTIME -> F.textNode(v.toString());
      case CLSID -> F.textNode(v.toString());
      case SVREID, BINARY -> F.textNode(Base64.getEncoder().encodeToString((byte[]) v));
      default -> throw new StoreException(MapiError.INVALID_TYPE, "no JSON form for type " + t);
    };
  }

  /** Parses a properties object; values may be plain or in the {@code {"tag","type","value"}} form. */
  public static List<PropValue> parseObject(JsonNode obj, String field) {
    if (obj == null || obj.isNull()) {
      return List.of();
    }
    if (!obj.isObject()) {
      throw new WireException(MapiError.INVALID_PARAMETER, field, "expected an object of properties");
    }
    List<PropValue> out = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : obj.properties()) {
      out.add(parse(e.getKey(), e.getValue(), field + "." + e.getKey()));
    }
    return out;
  }

  /** One property: the key names the tag; the node is a plain value or the full form. */
  public static PropValue parse(String key, JsonNode node, String field) {
    PropTag tag = tag(key, field);
    JsonNode v = node;
    if (node != null && node.isObject() && node.has("value")) {
      if (node.has("tag") && tag(node.get("tag"), field + ".tag").value() != tag.value()) {
        throw new WireException(MapiError.INVALID_PARAMETER, field, "the key and the tag " + node.get("tag").asText()
            + " name different properties");
      }
      v = node.get("value");
    }
    return parseValue(tag, v, field);
  }

  /** A value of a known tag. */
  public static PropValue parseValue(PropTag tag, JsonNode v, String field) {
    if (v == null || v.isNull()) {
      throw new WireException(MapiError.INVALID_PARAMETER, field, "null value for " + tag.displayName());
    }
    PropType t = tag.type();
    if (t == PropType.OBJECT) {
      throw new WireException(MapiError.INVALID_PARAMETER, field, tag.displayName() + " is PT_OBJECT and has no value");
    }
    try {
      if (t.isMultiValued()) {
        if (!v.isArray()) {
          throw wrong(tag, field, "an array");
        }
        List<Object> list = new ArrayList<>(v.size());
        int i = 0;
        for (JsonNode e : v) {
          list.add(element(tag, t.elementType(), e, field + "[" + i++ + "]"));
        }
        return PropValue.of(tag, list);
      }
      return PropValue.of(tag, element(tag, t, v, field));
    } catch (WireException e) {
      throw e;
    } catch (StoreException e) {
      throw WireException.at(field, e);
    }
  }

  private static Object element(PropTag tag, PropType t, JsonNode v, String field) {
    switch (t) {
      case SHORT -> {
        long n = integer(tag, v, field);
        if (n < Short.MIN_VALUE || n > Short.MAX_VALUE) {
          throw new WireException(MapiError.INVALID_TYPE, field, n + " does not fit PT_SHORT");
        }
        return (short) n;
      }
      case LONG, ERROR -> {
        long n = integer(tag, v, field);
        if (n < Integer.MIN_VALUE || n > 0xFFFFFFFFL) {
          throw new WireException(MapiError.INVALID_TYPE, field, n + " does not fit a 32-bit " + t);
        }
        return (int) n;
      }
      case I8, CURRENCY -> {
        return integer(tag, v, field);
      }
      case FLOAT -> {
        double d = number(tag, v, field);
        float f = (float) d;
        if (Float.isInfinite(f) && !Double.isInfinite(d)) {
          throw new WireException(MapiError.INVALID_TYPE, field, v.asText() + " is out of the range of PT_FLOAT "
              + "(about ±3.4e38)");
        }
        return f;
      }
      case DOUBLE, APPTIME -> {
        return number(tag, v, field);
      }
      case BOOLEAN -> {
        if (!v.isBoolean()) {
          throw wrong(tag, field, "true or false");
        }
        return v.booleanValue();
      }
      case STRING8, UNICODE -> {
        if (!v.isTextual()) {
          throw wrong(tag, field, "a string");
        }
        return v.textValue();
      }
      case SYSTIME -> {
        if (!v.isTextual()) {
          throw wrong(tag, field, "an ISO-8601 instant string");
        }
        try {
          return Instant.parse(v.textValue());
        } catch (DateTimeParseException e) {
          throw new WireException(MapiError.INVALID_TYPE, field, "'" + v.textValue() + "' is not an ISO-8601 instant");
        }
      }
      case CLSID -> {
        if (!v.isTextual()) {
          throw wrong(tag, field, "a UUID string");
        }
        try {
          return UUID.fromString(v.textValue());
        } catch (IllegalArgumentException e) {
          throw new WireException(MapiError.INVALID_TYPE, field, "'" + v.textValue() + "' is not a UUID");
        }
      }
      case SVREID, BINARY -> {
        if (!v.isTextual()) {
          throw wrong(tag, field, "a base64 string");
        }
        try {
          return Base64.getDecoder().decode(v.textValue());
        } catch (IllegalArgumentException e) {
          throw new WireException(MapiError.INVALID_TYPE, field, "not valid base64: " + e.getMessage());
        }
      }
      default -> throw new WireException(MapiError.INVALID_TYPE, field, "no JSON form for type " + t);
    }
  }

  private static long integer(PropTag tag, JsonNode v, String field) {
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      return v.longValue();
    }
    if (v.isTextual() && v.textValue().length() <= 40) {
      try {
        return new BigInteger(v.textValue().strip()).longValueExact();
      } catch (NumberFormatException | ArithmeticException e) {
        // fall through to the type error
      }
    }
    throw wrong(tag, field, "an integer");
  }

  /**
   * A floating-point value: a JSON number that fits a double (1e400 is refused, not stored as
   * Infinity), or one of the strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"} that
   * are the wire form of the special values (what Jackson writes for them).
   */
  private static double number(PropTag tag, JsonNode v, String field) {
    if (v.isTextual()) {
      switch (v.textValue()) {
        case "NaN" -> {
          return Double.NaN;
        }
        case "Infinity" -> {
          return Double.POSITIVE_INFINITY;
        }
        case "-Infinity" -> {
          return Double.NEGATIVE_INFINITY;
        }
        default -> throw wrong(tag, field, "a number (or \"NaN\", \"Infinity\", \"-Infinity\")");
      }
    }
    if (!v.isNumber()) {
      throw wrong(tag, field, "a number");
    }
    double d = v.doubleValue();
    if (!Double.isFinite(d)) {
      throw new WireException(MapiError.INVALID_TYPE, field, "the number is out of the range of "
          + tag.type().elementType() + " (about ±1.8e308); write \"Infinity\" or \"-Infinity\" for the special values");
    }
    return d;
  }

  private static WireException wrong(PropTag tag, String field, String want) {
    return new WireException(MapiError.INVALID_TYPE, field,
        tag.displayName() + " is of type " + tag.type() + " and needs " + want);
  }
}
