package msgstore.api;

/**
 * The closed set of MAPI error codes msgstore reports, with their mapicode.h names and HRESULT
 * values (spec section 0). Every {@link StoreException} carries exactly one of these.
 */
public enum MapiError {
  CALL_FAILED("MAPI_E_CALL_FAILED", 0x80004005),
  NOT_ENOUGH_MEMORY("MAPI_E_NOT_ENOUGH_MEMORY", 0x8007000E),
  INVALID_PARAMETER("MAPI_E_INVALID_PARAMETER", 0x80070057),
  NO_ACCESS("MAPI_E_NO_ACCESS", 0x80070005),
  NO_SUPPORT("MAPI_E_NO_SUPPORT", 0x80040102),
  INVALID_ENTRYID("MAPI_E_INVALID_ENTRYID", 0x80040107),
  INVALID_OBJECT("MAPI_E_INVALID_OBJECT", 0x80040108),
  OBJECT_CHANGED("MAPI_E_OBJECT_CHANGED", 0x80040109),
  OBJECT_DELETED("MAPI_E_OBJECT_DELETED", 0x8004010A),
  BUSY("MAPI_E_BUSY", 0x8004010B),
  NOT_ENOUGH_DISK("MAPI_E_NOT_ENOUGH_DISK", 0x8004010D),
  NOT_FOUND("MAPI_E_NOT_FOUND", 0x8004010F),
  VERSION("MAPI_E_VERSION", 0x80040110),
  USER_CANCEL("MAPI_E_USER_CANCEL", 0x80040113),
  DISK_ERROR("MAPI_E_DISK_ERROR", 0x80040116),
  COMPUTED("MAPI_E_COMPUTED", 0x8004011A),
  CORRUPT_DATA("MAPI_E_CORRUPT_DATA", 0x8004011B),
  UNKNOWN_ENTRYID("MAPI_E_UNKNOWN_ENTRYID", 0x80040201),
  BAD_VALUE("MAPI_E_BAD_VALUE", 0x80040301),
  INVALID_TYPE("MAPI_E_INVALID_TYPE", 0x80040302),
  UNEXPECTED_TYPE("MAPI_E_UNEXPECTED_TYPE", 0x80040304),
  TOO_BIG("MAPI_E_TOO_BIG", 0x80040305),
  COLLISION("MAPI_E_COLLISION", 0x80040604),
  HAS_FOLDERS("MAPI_E_HAS_FOLDERS", 0x80040609),
  FOLDER_CYCLE("MAPI_E_FOLDER_CYCLE", 0x8004060B);

  private final String mapiName;
  private final int hresult;

  MapiError(String mapiName, int hresult) {
    this.mapiName = mapiName;
    this.hresult = hresult;
  }

  /** The mapicode.h name, for example {@code MAPI_E_OBJECT_CHANGED}. */
  public String mapiName() {
    return mapiName;
  }

  /** The HRESULT value, for example {@code 0x80040109}. */
  public int hresult() {
    return hresult;
  }

  /** The HRESULT as {@code 0x80040109}. */
  public String hex() {
    return String.format("0x%08X", hresult);
  }

  /** Looks an error up by its mapicode.h name or its hex value. */
  public static MapiError fromName(String nameOrHex) {
    for (MapiError e : values()) {
      if (e.mapiName.equals(nameOrHex) || e.hex().equalsIgnoreCase(nameOrHex) || e.name().equals(nameOrHex)) {
        return e;
      }
    }
    throw new IllegalArgumentException("unknown MAPI error: " + nameOrHex);
  }

  @Override
  public String toString() {
    return mapiName + " (" + hex() + ")";
  }
}
