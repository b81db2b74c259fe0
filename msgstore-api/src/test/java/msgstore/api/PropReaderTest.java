package msgstore.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The typed getters on the immutable views; the contract suite checks them on handles. */
class PropReaderTest {
  private static final Instant AT = Instant.parse("2026-11-20T08:30:00Z");
  private static final List<PropValue> PROPS = List.of(PropValue.of(PropTags.SUBJECT, "hello"),
      PropValue.of(PropTags.IMPORTANCE, 2), PropValue.of(PropTags.CHANGE_NUMBER, 7L),
      PropValue.of(PropTags.READ, true), PropValue.of(PropTags.CLIENT_SUBMIT_TIME, AT),
      PropValue.of(PropTags.SEARCH_KEY, new byte[] {1, 2}));

  @Test
  void typedGettersShouldReturnTheValuesWhenPresentOnEveryView() {
    MessageSnapshot snapshot = new MessageSnapshot(Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), PROPS, List.of(), List.of());
    List<PropTag> columns = PROPS.stream().map(PropValue::tag).toList();
    for (PropReader r : List.of(snapshot, new Recipient(1, PROPS), new AttachmentRow(0, PROPS),
        new TableRow(MessageId.of(1), columns, PROPS),
        new MessageSnapshot.AttachmentSnapshot(0, PROPS, Optional.empty(), Optional.empty()))) {
      assertThat(r.getString(PropTags.SUBJECT)).contains("hello");
      assertThat(r.getInt(PropTags.IMPORTANCE)).contains(2);
      assertThat(r.getLong(PropTags.CHANGE_NUMBER)).contains(7L);
      assertThat(r.getBoolean(PropTags.READ)).contains(true);
      assertThat(r.getInstant(PropTags.CLIENT_SUBMIT_TIME)).contains(AT);
      assertThat(r.getBytes(PropTags.SEARCH_KEY)).hasValueSatisfying(b -> assertThat(b).containsExactly(1, 2));
      assertThat(r.getString(PropTags.BODY)).isEmpty();
    }
  }

  @Test
  void getBytesShouldReturnACopyWhenTheCallerChangesIt() {
    Recipient r = new Recipient(1, PROPS);
    r.getBytes(PropTags.SEARCH_KEY).orElseThrow()[0] = 9;
    assertThat(r.getBytes(PropTags.SEARCH_KEY).orElseThrow()).containsExactly(1, 2);
  }

  @Test
  void typedGetterShouldFailWithUnexpectedTypeWhenTheTagHoldsAnotherType() {
    Recipient r = new Recipient(1, PROPS);
    assertThatThrownBy(() -> r.getInt(PropTags.SUBJECT)).isInstanceOfSatisfying(StoreException.class,
        e -> assertThat(e.error()).isEqualTo(MapiError.UNEXPECTED_TYPE))
        .hasMessageContaining("PidTagSubject").hasMessageContaining("does not hold an int");
    assertThatThrownBy(() -> r.getString(PropTag.of(0x8500, PropType.MV_UNICODE)))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.UNEXPECTED_TYPE));
    assertThatThrownBy(() -> r.getLong(PropTags.IMPORTANCE)).isInstanceOf(StoreException.class);
  }
}
