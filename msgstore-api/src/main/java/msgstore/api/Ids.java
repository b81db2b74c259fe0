package msgstore.api;

final class Ids {
  /** The object types of an entry id (MAPI_STORE, MAPI_FOLDER, MAPI_MESSAGE). */
  static final int MAPI_STORE = 1;
  static final int MAPI_FOLDER = 3;
  static final int MAPI_MESSAGE = 5;
  /** 4 flag bytes, 16 bytes of store GUID, a 2-byte object type, an 8-byte object id. */
  static final int ENTRYID_LENGTH = 30;

  private Ids() {}

  /**
   * A PR_ENTRYID as the engine builds it: 4 zero flag bytes, the store GUID (the provider UID), a
   * 2-byte object type and the 8-byte object id, big-endian.
   */
  static byte[] entryId(StoreId store, int type, long id) {
    return java.nio.ByteBuffer.allocate(ENTRYID_LENGTH).putInt(0).putLong(store.guid().getMostSignificantBits())
        .putLong(store.guid().getLeastSignificantBits()).putShort((short) type).putLong(id).array();
  }

  /**
   * The object id of an entry id of {@code type}, after checking its shape and, when {@code store}
   * is given, that it belongs to that store.
   *
   * @throws StoreException INVALID_ENTRYID for a malformed one or one of another object type,
   *     UNKNOWN_ENTRYID for one of another store or another provider
   */
  static long fromEntryId(byte[] entryId, StoreId store, int type, String what) {
    if (entryId == null) {
      throw new StoreException(MapiError.INVALID_ENTRYID, "no entry id given for a " + what);
    }
    if (entryId.length != ENTRYID_LENGTH) {
      throw new StoreException(MapiError.INVALID_ENTRYID, "not a msgstore " + what + " entry id: " + entryId.length
          + " bytes, expected " + ENTRYID_LENGTH);
    }
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(entryId);
    int flags = b.getInt();
    StoreId owner = new StoreId(new java.util.UUID(b.getLong(), b.getLong()));
    int actual = b.getShort() & 0xFFFF;
    long id = b.getLong();
    if (flags != 0) {
      throw new StoreException(MapiError.INVALID_ENTRYID, String.format(
          "not a msgstore %s entry id: flag bytes are 0x%08X, expected 0 (a short-term or foreign entry id)", what, flags));
    }
    if (actual != type) {
      throw new StoreException(MapiError.INVALID_ENTRYID, "entry id names a " + typeName(actual) + " (object type "
          + actual + "), not a " + what);
    }
    if (store != null && !store.equals(owner)) {
      throw new StoreException(MapiError.UNKNOWN_ENTRYID, "entry id of " + what + " " + id + " belongs to store "
          + owner + ", not to store " + store);
    }
    if (id <= 0) {
      throw new StoreException(MapiError.INVALID_ENTRYID, what + " entry id holds id " + id + ", which is not positive");
    }
    return id;
  }

  private static String typeName(int type) {
    return switch (type) {
      case MAPI_STORE -> "store";
      case MAPI_FOLDER -> "folder";
      case MAPI_MESSAGE -> "message";
      default -> "unknown object";
    };
  }

  static long parse(String text, String prefix, String what) {
    String s = text.strip();
    if (s.startsWith(prefix)) {
      s = s.substring(prefix.length());
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new StoreException(MapiError.INVALID_ENTRYID, "not a " + what + " id: '" + text + "'");
    }
  }
}
