package msgstore.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * One property: a tag and a value of the Java class its {@link PropType} requires. Immutable;
 * byte arrays are copied in and out, and equality compares contents.
 *
 * @throws StoreException INVALID_TYPE (construction) when the value's class does not match the
 *     tag's type, INVALID_PARAMETER for a null value or a PT_OBJECT tag
 */
public final class PropValue {
  private final PropTag tag;
  private final Object value;

  private PropValue(PropTag tag, Object value) {
    this.tag = tag;
    this.value = value;
  }

  /** A checked property value; see the class comment for the classes allowed per type. */
  public static PropValue of(PropTag tag, Object value) {
    Objects.requireNonNull(tag, "tag");
    if (value == null) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "null value for " + tag.displayName());
    }
    PropType type = tag.type();
    if (type == PropType.OBJECT) {
      throw new StoreException(MapiError.INVALID_PARAMETER,
          "PT_OBJECT property " + tag.displayName() + " has no value; open it instead");
    }
    if (type.isMultiValued()) {
      if (!(value instanceof List<?> list)) {
        throw wrongType(tag, value);
      }
      List<Object> copy = new ArrayList<>(list.size());
      for (Object e : list) {
        copy.add(checkElement(tag, e));
      }
      return new PropValue(tag, List.copyOf(copy));
    }
    return new PropValue(tag, checkElement(tag, value));
  }

  private static Object checkElement(PropTag tag, Object v) {
    Class<?> want = tag.type().elementClass();
    if (v == null || !want.isInstance(v)) {
      throw wrongType(tag, v);
    }
    if (v instanceof byte[] b) {
      return b.clone();
    }
    if (v instanceof Instant i) {
      // MAPI PT_SYSTIME has 100 ns resolution.
      return Instant.ofEpochSecond(i.getEpochSecond(), i.getNano() / 100 * 100);
    }
    return v;
  }

  private static StoreException wrongType(PropTag tag, Object v) {
    return new StoreException(MapiError.INVALID_TYPE, String.format(
        "property %s is of type %s and needs a %s%s, got %s",
        tag.displayName(), tag.type(), tag.type().isMultiValued() ? "list of " : "",
        tag.type().elementClass().getSimpleName(), v == null ? "null" : v.getClass().getSimpleName()));
  }

  public PropTag tag() {
    return tag;
  }

  /** The value; byte arrays are copies. */
  public Object value() {
    if (value instanceof byte[] b) {
      return b.clone();
    }
    if (value instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof byte[]) {
      return l.stream().map(e -> ((byte[]) e).clone()).toList();
    }
    return value;
  }

  /** The value without copying; callers must not modify arrays. For the engine's codecs. */
  public Object rawValue() {
    return value;
  }

  public String asString() {
    return (String) value;
  }

  public int asInt() {
    return (Integer) value;
  }

  public long asLong() {
    return (Long) value;
  }

  public boolean asBoolean() {
    return (Boolean) value;
  }

  public Instant asInstant() {
    return (Instant) value;
  }

  public byte[] asBytes() {
    return ((byte[]) value).clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PropValue p && tag.equals(p.tag) && valueEquals(value, p.value);
  }

  /** Equality of two values as PropValue compares them (byte arrays by content). */
  public static boolean valueEquals(Object a, Object b) {
    if (a instanceof byte[] x && b instanceof byte[] y) {
      return Arrays.equals(x, y);
    }
    if (a instanceof List<?> x && b instanceof List<?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      for (int i = 0; i < x.size(); i++) {
        if (!valueEquals(x.get(i), y.get(i))) {
          return false;
        }
      }
      return true;
    }
    return Objects.equals(a, b);
  }

  @Override
  public int hashCode() {
    return 31 * tag.hashCode() + valueHash(value);
  }

  private static int valueHash(Object v) {
    if (v instanceof byte[] b) {
      return Arrays.hashCode(b);
    }
    if (v instanceof List<?> l) {
      int h = 1;
      for (Object e : l) {
        h = 31 * h + valueHash(e);
      }
      return h;
    }
    return v.hashCode();
  }

  @Override
  public String toString() {
    return tag.displayName() + "=" + render(value);
  }

  private static String render(Object v) {
    if (v instanceof byte[] b) {
      return "0x" + HexFormat.of().formatHex(b, 0, Math.min(b.length, 32)) + (b.length > 32 ? "..." : "");
    }
    if (v instanceof List<?> l) {
      return l.stream().map(PropValue::render).toList().toString();
    }
    return String.valueOf(v);
  }
}
