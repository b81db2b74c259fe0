package msgstore.api;

import java.util.UUID;

/** A store, identified by its GUID, which is also the namespace GUID of its change keys (R62). */
public record StoreId(UUID guid) {
  public StoreId {
    if (guid == null) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "store GUID is null");
    }
  }

  /** Parses the GUID's text form. */
  public static StoreId parse(String text) {
    try {
      return new StoreId(UUID.fromString(text.strip()));
    } catch (IllegalArgumentException e) {
      throw new StoreException(MapiError.INVALID_ENTRYID, "not a store id: '" + text + "'");
    }
  }

  @Override
  public String toString() {
    return guid.toString();
  }
}
