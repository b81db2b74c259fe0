package msgstore.api;

/**
 * A MAPI property tag: a 16-bit property id and a 16-bit {@link PropType}, written {@code
 * 0x0037001F}. Canonical names ({@code PidTagSubject}, {@code PR_SUBJECT}) are resolved by {@link
 * PropTags}.
 */
public record PropTag(int id, PropType type) implements Comparable<PropTag> {
  private static final java.util.HexFormat HEX = java.util.HexFormat.of().withUpperCase();

  public PropTag {
    if (id < 0 || id > 0xFFFF) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "property id out of range: " + id);
    }
    if (type == null) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "property type is null for id " + id);
    }
  }

  public static PropTag of(int id, PropType type) {
    return new PropTag(id, type);
  }

  /** The tag for a 32-bit value such as {@code 0x0037001F}. */
  public static PropTag of(int tag) {
    return new PropTag(tag >>> 16, PropType.of(tag & 0xFFFF));
  }

  /**
   * Parses {@code 0x0037001F}, {@code 0037001F}, {@code PidTagSubject} or {@code PR_SUBJECT}.
   *
   * @throws StoreException NOT_FOUND for an unknown name, INVALID_PARAMETER for a malformed tag
   */
  public static PropTag parse(String text) {
    String s = text.strip();
    String hex = s.startsWith("0x") || s.startsWith("0X") ? s.substring(2) : s;
    if (hex.length() == 8 && hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      return of((int) Long.parseLong(hex, 16));
    }
    return PropTags.byName(s)
        .orElseThrow(() -> new StoreException(MapiError.NOT_FOUND, "unknown property name '" + text + "'"));
  }

  /** The 32-bit tag value. */
  public int value() {
    return (id << 16) | type.code();
  }

  /** True for named-property ids (0x8000 to 0xFFFE). */
  public boolean isNamed() {
    return id >= 0x8000;
  }

  /** This tag's id with another type. */
  public PropTag withType(PropType t) {
    return new PropTag(id, t);
  }

  /** {@code 0x0037001F}. */
  public String hex() {
    // On every property of every JSON answer: no String.format.
    return "0x" + HEX.toHexDigits(value());
  }

  /** The canonical PidTag name if known, else the hex tag. */
  public String displayName() {
    return PropTags.canonicalName(this).orElse(hex());
  }

  @Override
  public int compareTo(PropTag o) {
    return Integer.compareUnsigned(value(), o.value());
  }

  @Override
  public String toString() {
    return displayName();
  }
}
