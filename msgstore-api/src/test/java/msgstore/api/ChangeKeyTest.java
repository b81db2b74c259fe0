package msgstore.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class ChangeKeyTest {
  private static final UUID NS = UUID.fromString("00112233-4455-6677-8899-aabbccddeeff");

  @Test
  void changeKeyShouldBeGuidFollowedBySixBigEndianBytes() { // R62
    byte[] b = new ChangeKey(NS, 0x010203040506L).toBytes();
    assertThat(b).hasSize(22);
    assertThat(b).startsWith(0x00, 0x11, 0x22, 0x33);
    assertThat(java.util.Arrays.copyOfRange(b, 16, 22)).containsExactly(1, 2, 3, 4, 5, 6);
  }

  @Test
  void changeKeyShouldRoundTripThroughBytesAndText() {
    ChangeKey k = new ChangeKey(NS, 987654321L);
    assertThat(ChangeKey.fromBytes(k.toBytes())).isEqualTo(k);
    assertThat(ChangeKey.parse("\"" + k + "\"")).isEqualTo(k);
  }

  @Test
  void byteOrderShouldFollowTimeOrderWithinOneNamespace() { // R62
    ChangeKey a = new ChangeKey(NS, 255);
    ChangeKey b = new ChangeKey(NS, 256);
    assertThat(java.util.Arrays.compareUnsigned(a.toBytes(), b.toBytes())).isNegative();
    assertThat(a).isLessThan(b);
  }

  @Test
  void parseShouldRejectMalformedTextWithInvalidParameter() {
    assertThatThrownBy(() -> ChangeKey.parse("not-hex"))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.INVALID_PARAMETER))
        .hasMessageContaining("not-hex");
  }

  @Test
  void changeNumberShouldRefuseToOverflowFortyEightBits() { // R61
    assertThat(ChangeNumber.of(1).next()).isEqualTo(ChangeNumber.of(2));
    assertThatThrownBy(() -> ChangeNumber.of(ChangeNumber.MAX).next()).isInstanceOf(StoreException.class);
    assertThatThrownBy(() -> ChangeNumber.of(0)).isInstanceOf(StoreException.class);
  }
}
