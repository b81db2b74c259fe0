package msgstore.api;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * MAPI property types ([MS-OXCDATA] 2.11.1) with the Java class that holds a value of each.
 *
 * <p>Values: SHORT {@link Short}, LONG and ERROR {@link Integer}, FLOAT {@link Float}, DOUBLE and
 * APPTIME {@link Double}, CURRENCY and I8 {@link Long}, BOOLEAN {@link Boolean}, STRING8 and
 * UNICODE {@link String}, SYSTIME {@link Instant}, CLSID {@link UUID}, BINARY and SVREID {@code
 * byte[]}. Multi-valued types hold an unmodifiable {@link List} of the single-valued class.
 */
public enum PropType {
  SHORT(0x0002, Short.class),
  LONG(0x0003, Integer.class),
  FLOAT(0x0004, Float.class),
  DOUBLE(0x0005, Double.class),
  CURRENCY(0x0006, Long.class),
  APPTIME(0x0007, Double.class),
  ERROR(0x000A, Integer.class),
  BOOLEAN(0x000B, Boolean.class),
  OBJECT(0x000D, Void.class),
  I8(0x0014, Long.class),
  STRING8(0x001E, String.class),
  UNICODE(0x001F, String.class),
  SYSTIME(0x0040, Instant.class),
  CLSID(0x0048, UUID.class),
  SVREID(0x00FB, byte[].class),
  BINARY(0x0102, byte[].class),
  MV_SHORT(0x1002, Short.class),
  MV_LONG(0x1003, Integer.class),
  MV_FLOAT(0x1004, Float.class),
  MV_DOUBLE(0x1005, Double.class),
  MV_CURRENCY(0x1006, Long.class),
  MV_APPTIME(0x1007, Double.class),
  MV_I8(0x1014, Long.class),
  MV_STRING8(0x101E, String.class),
  MV_UNICODE(0x101F, String.class),
  MV_SYSTIME(0x1040, Instant.class),
  MV_CLSID(0x1048, UUID.class),
  MV_BINARY(0x1102, byte[].class);

  private final int code;
  private final Class<?> elementClass;

  PropType(int code, Class<?> elementClass) {
    this.code = code;
    this.elementClass = elementClass;
  }

  /** The 16-bit type code, for example {@code 0x001F}. */
  public int code() {
    return code;
  }

  /** True for the MV_ types. */
  public boolean isMultiValued() {
    return (code & 0x1000) != 0;
  }

  /** The class of a single value (of each element for MV_ types). */
  public Class<?> elementClass() {
    return elementClass;
  }

  /** The single-valued type of an MV_ type; the type itself otherwise. */
  public PropType elementType() {
    return isMultiValued() ? of(code & ~0x1000) : this;
  }

  /** The type for a 16-bit code. */
  public static PropType of(int code) {
    for (PropType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    throw new StoreException(MapiError.INVALID_TYPE, String.format("unknown property type 0x%04X", code));
  }
}
