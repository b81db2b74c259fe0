package msgstore.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PredecessorChangeListTest {
  private static final UUID A = UUID.fromString("10000000-0000-0000-0000-000000000000");
  private static final UUID B = UUID.fromString("20000000-0000-0000-0000-000000000000");

  @Test
  void mergeShouldKeepOneXidPerNamespaceWithTheLargerCounter() { // R63
    PredecessorChangeList p = PredecessorChangeList.of(new ChangeKey(B, 5), new ChangeKey(A, 7))
        .merge(List.of(new ChangeKey(A, 9), new ChangeKey(B, 2)));
    assertThat(p.entries()).containsExactly(new ChangeKey(A, 9), new ChangeKey(B, 5));
  }

  @Test
  void serialisationShouldBeSizePrefixedXidsSortedByGuid() { // R63
    PredecessorChangeList p = PredecessorChangeList.of(new ChangeKey(B, 1), new ChangeKey(A, 1));
    byte[] b = p.toBytes();
    assertThat(b).hasSize(46);
    assertThat(b[0]).isEqualTo((byte) 22);
    assertThat(b[1]).isEqualTo((byte) 0x10);
    assertThat(b[23]).isEqualTo((byte) 22);
    assertThat(PredecessorChangeList.fromBytes(b)).isEqualTo(p);
  }

  @Test
  void includesShouldFollowTheReplicaComparisonRule() { // R69
    PredecessorChangeList newer = PredecessorChangeList.of(new ChangeKey(A, 9), new ChangeKey(B, 5));
    PredecessorChangeList older = PredecessorChangeList.of(new ChangeKey(A, 3));
    PredecessorChangeList other = PredecessorChangeList.of(new ChangeKey(A, 1), new ChangeKey(B, 6));
    assertThat(newer.includes(older)).isTrue();
    assertThat(older.includes(newer)).isFalse();
    assertThat(newer.includes(other)).isFalse();
    assertThat(other.includes(newer)).isFalse();
  }

  @Test
  void fromBytesShouldRejectATruncatedListAsCorruptData() {
    assertThatThrownBy(() -> PredecessorChangeList.fromBytes(new byte[] {22, 1, 2}))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.CORRUPT_DATA));
  }
}
