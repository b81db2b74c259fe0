package msgstore.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PropTagTest {
  @Test
  void canonicalNamesShouldResolveBothWays() {
    assertThat(PropTag.parse("PidTagSubject")).isEqualTo(PropTags.SUBJECT);
    assertThat(PropTag.parse("PR_SUBJECT")).isEqualTo(PropTags.SUBJECT);
    assertThat(PropTag.parse("pr_subject")).isEqualTo(PropTags.SUBJECT);
    assertThat(PropTag.parse("0x0037001F")).isEqualTo(PropTags.SUBJECT);
    assertThat(PropTags.SUBJECT.displayName()).isEqualTo("PidTagSubject");
    assertThat(PropTags.alias(PropTags.SUBJECT)).contains("PR_SUBJECT");
    assertThat(PropTags.SUBJECT.value()).isEqualTo(0x0037001F);
  }

  @Test
  void everyWellKnownTagShouldHaveADistinctCanonicalName() {
    assertThat(PropTags.all()).hasSizeGreaterThan(60);
    assertThat(PropTags.all().stream().map(t -> t.displayName()).distinct().count()).isEqualTo(PropTags.all().size());
    for (PropTag t : PropTags.all()) {
      assertThat(PropTag.parse(t.displayName())).isEqualTo(t);
    }
  }

  @Test
  void unknownNameShouldFailWithNotFoundNamingIt() {
    assertThatThrownBy(() -> PropTag.parse("PidTagNoSuchThing"))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.NOT_FOUND))
        .hasMessageContaining("PidTagNoSuchThing");
  }

  @Test
  void unknownTypeShouldFailWithInvalidType() {
    assertThatThrownBy(() -> PropTag.of(0x00370099))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.INVALID_TYPE));
  }

  @Test
  void valueOfTheWrongClassShouldFailWithInvalidTypeNamingTagAndClass() {
    assertThatThrownBy(() -> PropValue.of(PropTags.SUBJECT, 42))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.INVALID_TYPE))
        .hasMessageContaining("PidTagSubject").hasMessageContaining("String").hasMessageContaining("Integer");
    assertThatThrownBy(() -> PropValue.of(PropTag.of(0x8001, PropType.MV_LONG), List.of(1, "x")))
        .isInstanceOf(StoreException.class);
  }

  @Test
  void propValueShouldCompareBinariesByContentAndCopyThem() {
    byte[] raw = {1, 2, 3};
    PropValue a = PropValue.of(PropTags.SEARCH_KEY, raw);
    raw[0] = 9;
    assertThat(a).isEqualTo(PropValue.of(PropTags.SEARCH_KEY, new byte[] {1, 2, 3}));
    assertThat(a.hashCode()).isEqualTo(PropValue.of(PropTags.SEARCH_KEY, new byte[] {1, 2, 3}).hashCode());
  }

  @Test
  void systimeShouldBeTruncatedToMapiResolution() {
    PropValue v = PropValue.of(PropTags.CREATION_TIME, Instant.ofEpochSecond(10, 123_456_789));
    assertThat(v.asInstant().getNano()).isEqualTo(123_456_700);
  }

  @Test
  void mapiErrorShouldCarryNameAndHresult() {
    assertThat(MapiError.OBJECT_CHANGED.mapiName()).isEqualTo("MAPI_E_OBJECT_CHANGED");
    assertThat(MapiError.OBJECT_CHANGED.hex()).isEqualTo("0x80040109");
    assertThat(MapiError.OBJECT_DELETED.hresult()).isEqualTo(0x8004010A);
    assertThat(MapiError.fromName("MAPI_E_NOT_FOUND")).isEqualTo(MapiError.NOT_FOUND);
    assertThat(MapiError.fromName("0x80070005")).isEqualTo(MapiError.NO_ACCESS);
  }

  @Test
  void saveFlagsShouldIgnoreUnknownBits() { // R21
    assertThat(SaveFlag.fromBits(0x0C | 0x100)).containsExactlyInAnyOrder(SaveFlag.FORCE_SAVE, SaveFlag.DEFERRED_ERRORS);
  }
}
