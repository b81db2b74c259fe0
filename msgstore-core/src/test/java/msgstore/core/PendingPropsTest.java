package msgstore.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import msgstore.api.MapiError;
import msgstore.api.PropProblem;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropType;
import msgstore.api.PropValue;
import msgstore.api.StoreException;
import msgstore.api.StoreLimits;
import org.junit.jupiter.api.Test;

class PendingPropsTest {
  private static final StoreLimits LIMITS = new StoreLimits(16, 1 << 20, 10, 10, 1 << 20, 4, 64, 3);

  private static Optional<MapiError> computed(PropTag t) {
    return PropTags.writeProblem(t, true);
  }

  @Test
  void setPropsOverlaysTheBaseAndReportsReadOnlyPropertiesInTheProblemArray() { // R10, R32
    PendingProps p = new PendingProps(List.of(PropValue.of(PropTags.SUBJECT, "base")));
    List<PropProblem> problems = p.set(List.of(PropValue.of(PropTags.SUBJECT, "edited"),
        PropValue.of(PropTags.MESSAGE_FLAGS, 1)), LIMITS, PendingPropsTest::computed, "message 1");
    assertThat(problems).containsExactly(new PropProblem(PropTags.MESSAGE_FLAGS, MapiError.NO_ACCESS));
    assertThat(p.values()).containsExactly(PropValue.of(PropTags.SUBJECT, "edited"));
  }

  @Test
  void aPropertyIdHoldsOneValueWhateverItsType() {
    PropTag asInt = PropTag.of(0x80010003);
    PropTag asString = PropTag.of(asInt.id(), PropType.UNICODE);
    PendingProps p = new PendingProps(List.of(PropValue.of(asInt, 5)));
    p.set(List.of(PropValue.of(asString, "five")), LIMITS, PendingPropsTest::computed, "message 1");
    assertThat(p.values()).containsExactly(PropValue.of(asString, "five"));
    assertThat(p.get(asInt)).isEmpty();
    p.delete(List.of(asInt), PendingPropsTest::computed);
    assertThat(p.values()).isEmpty();
  }

  @Test
  void aValueOverTheSizeLimitFailsTheWholeCallAndChangesNothing() {
    PendingProps p = new PendingProps(List.of(PropValue.of(PropTags.SUBJECT, "base")));
    assertThatThrownBy(() -> p.set(List.of(PropValue.of(PropTags.SUBJECT, "ok"),
        PropValue.of(PropTags.BODY, "x".repeat(17))), LIMITS, PendingPropsTest::computed, "message 1"))
        .isInstanceOf(StoreException.class).hasMessageContaining("message 1").hasMessageContaining("16 bytes");
    assertThat(p.values()).containsExactly(PropValue.of(PropTags.SUBJECT, "base"));
  }

  @Test
  void moreThanTheMostPropertiesFailsTooBigAndChangesNothing() {
    PendingProps p = new PendingProps(List.of(PropValue.of(PropTags.SUBJECT, "a"), PropValue.of(PropTags.BODY, "b")));
    assertThatThrownBy(() -> p.set(List.of(PropValue.of(PropTags.IMPORTANCE, 1), PropValue.of(PropTags.SENSITIVITY, 1)),
        LIMITS, PendingPropsTest::computed, "message 1"))
        .satisfies(e -> assertThat(((StoreException) e).error()).isEqualTo(MapiError.TOO_BIG));
    assertThat(p.values()).hasSize(2);
    assertThat(p.intValue(PropTags.IMPORTANCE)).isZero();
  }

  @Test
  void deletingAReadOnlyPropertyIsAProblemAndDeletesNothing() { // R32
    PendingProps p = new PendingProps(List.of(PropValue.of(PropTags.MESSAGE_FLAGS, 4)));
    assertThat(p.delete(List.of(PropTags.MESSAGE_FLAGS), PendingPropsTest::computed))
        .containsExactly(new PropProblem(PropTags.MESSAGE_FLAGS, MapiError.NO_ACCESS));
    assertThat(p.intValue(PropTags.MESSAGE_FLAGS)).isEqualTo(4);
  }
}
