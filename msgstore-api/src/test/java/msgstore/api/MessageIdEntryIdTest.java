package msgstore.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** PR_ENTRYID to MessageId and back (R96); the contract suite checks it against real handles. */
class MessageIdEntryIdTest {
  private static final StoreId STORE = new StoreId(UUID.fromString("00112233-4455-6677-8899-aabbccddeeff"));
  private static final StoreId OTHER = new StoreId(UUID.fromString("ffeeddcc-bbaa-9988-7766-554433221100"));

  private static byte[] entryId(int flags, StoreId store, int type, long id) {
    return ByteBuffer.allocate(30).putInt(flags).putLong(store.guid().getMostSignificantBits())
        .putLong(store.guid().getLeastSignificantBits()).putShort((short) type).putLong(id).array();
  }

  @Test
  void toEntryIdShouldBeFlagsStoreGuidMessageTypeAndIdWhenBuilt() {
    assertThat(MessageId.of(0x0102030405L).toEntryId(STORE)).containsExactly(entryId(0, STORE, 5, 0x0102030405L));
  }

  @Test
  void fromEntryIdShouldGiveTheMessageIdAndStoreBackWhenGivenItsEntryId() {
    MessageId id = MessageId.of(42);
    byte[] eid = id.toEntryId(STORE);
    assertThat(MessageId.fromEntryId(eid)).isEqualTo(id);
    assertThat(MessageId.fromEntryId(STORE, eid)).isEqualTo(id);
    assertThat(MessageId.storeOfEntryId(eid)).isEqualTo(STORE);
  }

  @Test
  void fromEntryIdShouldFailWithUnknownEntryIdWhenTheEntryIdIsOfAnotherStore() {
    byte[] eid = MessageId.of(42).toEntryId(OTHER);
    assertThatThrownBy(() -> MessageId.fromEntryId(STORE, eid)).isInstanceOfSatisfying(StoreException.class,
        e -> assertThat(e.error()).isEqualTo(MapiError.UNKNOWN_ENTRYID))
        .hasMessageContaining(OTHER.toString()).hasMessageContaining(STORE.toString());
  }

  @Test
  void fromEntryIdShouldFailWithInvalidEntryIdWhenTheEntryIdIsMalformed() {
    assertInvalid(new byte[12], "12 bytes, expected 30");
    assertInvalid(new byte[0], "0 bytes, expected 30");
    assertInvalid(null, "no entry id");
    assertInvalid(entryId(0x00000001, STORE, 5, 42), "flag bytes are 0x00000001");
    assertInvalid(entryId(0, STORE, 3, 42), "names a folder (object type 3), not a message");
    assertInvalid(entryId(0, STORE, 1, 0), "names a store");
    assertInvalid(entryId(0, STORE, 9, 42), "unknown object (object type 9)");
    assertInvalid(entryId(0, STORE, 5, 0), "holds id 0");
  }

  private static void assertInvalid(byte[] eid, String detail) {
    assertThatThrownBy(() -> MessageId.fromEntryId(eid)).isInstanceOfSatisfying(StoreException.class,
        e -> assertThat(e.error()).isEqualTo(MapiError.INVALID_ENTRYID)).hasMessageContaining(detail);
  }
}
