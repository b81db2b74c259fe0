package msgstore.engine;

import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * PR_ENTRYID values: 4 zero flag bytes, the store GUID (the provider UID), a 2-byte object type
 * (MAPI_STORE 1, MAPI_FOLDER 3, MAPI_MESSAGE 5) and the 8-byte object id.
 */
final class EntryIds {
  static final int MAPI_STORE = 1;
  static final int MAPI_FOLDER = 3;
  static final int MAPI_MESSAGE = 5;

  private EntryIds() {}

  static byte[] of(UUID store, int type, long id) {
    return ByteBuffer.allocate(30).putInt(0).putLong(store.getMostSignificantBits())
        .putLong(store.getLeastSignificantBits()).putShort((short) type).putLong(id).array();
  }
}
