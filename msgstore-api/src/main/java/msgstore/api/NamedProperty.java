package msgstore.api;

import java.util.UUID;

/**
 * A named property: a property set GUID and either a string name or a numeric id (LID). Each store
 * maps it to a property id in 0x8000-0xFFFE ({@link Session#namedPropTag}).
 */
public record NamedProperty(UUID guid, String name, Integer lid) {
  public NamedProperty {
    if (guid == null || (name == null) == (lid == null)) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "a named property needs a GUID and exactly one of name or id");
    }
  }

  public static NamedProperty ofName(UUID guid, String name) {
    return new NamedProperty(guid, name, null);
  }

  public static NamedProperty ofId(UUID guid, int lid) {
    return new NamedProperty(guid, null, lid);
  }

  /** PS_PUBLIC_STRINGS, the property set of Outlook's categories ("Keywords"). */
  public static final UUID PS_PUBLIC_STRINGS = UUID.fromString("00020329-0000-0000-C000-000000000046");
  /** Outlook's categories, which IMAP keywords map to (PT_MV_UNICODE). */
  public static final NamedProperty KEYWORDS = ofName(PS_PUBLIC_STRINGS, "Keywords");
  /** PSETID_Common. */
  public static final UUID PSETID_COMMON = UUID.fromString("00062008-0000-0000-C000-000000000046");
}
