package msgstore.testkit;

import static msgstore.api.MapiError.INVALID_PARAMETER;
import static msgstore.api.MapiError.INVALID_TYPE;
import static msgstore.api.MapiError.NOT_FOUND;
import static msgstore.api.MapiError.TOO_BIG;
import static msgstore.api.MapiError.UNEXPECTED_TYPE;
import static msgstore.api.PropTags.BODY;
import static msgstore.api.PropTags.SUBJECT;
import static msgstore.api.SaveFlag.KEEP_OPEN_READWRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.NamedProperty;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropType;
import msgstore.api.PropValue;
import msgstore.api.StoreException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Properties: named properties, canonical names, value types and size limits. Part of {@link MessageStoreContract}. */
public abstract class PropertyRules extends ContractSupport {

  private static final NamedProperty KEYWORDS = NamedProperty.ofName(NamedProperty.PS_PUBLIC_STRINGS, "Keywords");
  private static final NamedProperty REMINDER = NamedProperty.ofId(NamedProperty.PSETID_COMMON, 0x8503);

  @Test
  @DisplayName("Named properties (GUID + name, GUID + id) map to stable tags of 0x8000 and above")
  void namedPropTagShouldBeStableAndNamedWhenMappedTwice() {
    requires(Capability.NAMED_PROPERTIES);
    PropTag keywords = owner().namedPropTag(storeId(), KEYWORDS, PropType.MV_UNICODE, true);
    PropTag reminder = owner().namedPropTag(storeId(), REMINDER, PropType.BOOLEAN, true);
    assertThat(keywords.isNamed()).isTrue();
    assertThat(reminder.isNamed()).isTrue();
    assertThat(keywords.id()).isBetween(0x8000, 0xFFFE);
    assertThat(keywords.type()).isEqualTo(PropType.MV_UNICODE);
    assertThat(reminder.type()).isEqualTo(PropType.BOOLEAN);
    assertThat(keywords.id()).isNotEqualTo(reminder.id());
    assertThat(owner().namedPropTag(storeId(), KEYWORDS, PropType.MV_UNICODE, true)).isEqualTo(keywords);
    assertThat(owner().namedPropTag(storeId(), KEYWORDS, PropType.MV_UNICODE, false)).isEqualTo(keywords);
    assertThat(fx().openSession(StoreFixture.OWNER).namedPropTag(storeId(), KEYWORDS, PropType.MV_UNICODE, false)).isEqualTo(keywords);
    assertThat(owner().propName(storeId(), keywords)).isEqualTo(KEYWORDS);
    assertThat(owner().propName(storeId(), reminder)).isEqualTo(REMINDER);
  }

  @Test
  @DisplayName("Name and numeric id in the same property set are different named properties")
  void namedPropTagShouldDifferWhenNameAndIdDiffer() {
    requires(Capability.NAMED_PROPERTIES);
    UUID set = UUID.fromString("11111111-2222-3333-4444-555555555555");
    PropTag byName = owner().namedPropTag(storeId(), NamedProperty.ofName(set, "x"), PropType.UNICODE, true);
    PropTag byId = owner().namedPropTag(storeId(), NamedProperty.ofId(set, 1), PropType.UNICODE, true);
    PropTag otherSet = owner().namedPropTag(storeId(), NamedProperty.ofName(UUID.randomUUID(), "x"), PropType.UNICODE, true);
    assertThat(List.of(byName.id(), byId.id(), otherSet.id())).doesNotHaveDuplicates();
  }

  @Test
  @DisplayName("An unmapped named property is NOT_FOUND without create")
  void namedPropTagShouldFailWithNotFoundWhenNotMappedAndNotCreated() {
    requires(Capability.NAMED_PROPERTIES);
    NamedProperty unknown = NamedProperty.ofName(UUID.randomUUID(), "never mapped");
    expectError(NOT_FOUND, () -> owner().namedPropTag(storeId(), unknown, PropType.UNICODE, false));
  }

  @Test
  @DisplayName("A named property's value is stored and read back like any other")
  void namedPropertyShouldRoundTripWhenSetOnAMessage() {
    requires(Capability.NAMED_PROPERTIES);
    PropTag keywords = owner().namedPropTag(storeId(), KEYWORDS, PropType.MV_UNICODE, true);
    MessageId id = createMessage(inbox(), PropValue.of(SUBJECT, "tagged"), PropValue.of(keywords, List.of("red", "blue")));
    assertThat(committedProp(id, keywords)).contains(PropValue.of(keywords, List.of("red", "blue")));
  }

  @Test
  @DisplayName("Named property mappings survive a reopen")
  void namedPropTagShouldStayTheSameWhenTheStoreIsReopened() {
    requires(Capability.NAMED_PROPERTIES);
    requires(Capability.REOPEN);
    PropTag keywords = owner().namedPropTag(storeId(), KEYWORDS, PropType.MV_UNICODE, true);
    fx().reopen();
    assertThat(owner().namedPropTag(storeId(), KEYWORDS, PropType.MV_UNICODE, false)).isEqualTo(keywords);
    assertThat(owner().propName(storeId(), keywords)).isEqualTo(KEYWORDS);
  }

  @Test
  @DisplayName("Canonical names resolve both ways: PidTag name, PR_ alias, hex")
  void canonicalNamesShouldResolveBothWaysWhenLookedUp() {
    assertThat(PropTags.byName("PidTagSubject")).contains(SUBJECT);
    assertThat(PropTags.byName("PR_SUBJECT")).contains(SUBJECT);
    assertThat(PropTags.byName(" pr_subject ")).contains(SUBJECT);
    assertThat(PropTags.canonicalName(SUBJECT)).contains("PidTagSubject");
    assertThat(PropTags.alias(SUBJECT)).contains("PR_SUBJECT");
    assertThat(PropTag.parse("0x0037001F")).isEqualTo(SUBJECT);
    assertThat(PropTag.parse("0037001f")).isEqualTo(SUBJECT);
    assertThat(PropTag.parse("PidTagChangeKey")).isEqualTo(PropTags.CHANGE_KEY);
    assertThat(SUBJECT.hex()).isEqualTo("0x0037001F");
    assertThat(SUBJECT.displayName()).isEqualTo("PidTagSubject");
    assertThat(PropTag.of(0x80010003).displayName()).isEqualTo("0x80010003");
    for (PropTag t : PropTags.all()) {
      assertThat(PropTags.byName(PropTags.canonicalName(t).orElseThrow())).as("%s", t.hex()).contains(t);
      assertThat(PropTags.byName(PropTags.alias(t).orElseThrow())).as("%s", t.hex()).contains(t);
      assertThat(PropTag.parse(t.hex())).isEqualTo(t);
    }
  }

  @Test
  @DisplayName("An unknown property name is NOT_FOUND; a malformed tag is refused")
  void parseShouldFailWithNotFoundWhenTheNameIsUnknown() {
    StoreException e = expectError(NOT_FOUND, () -> PropTag.parse("PidTagNoSuchThing"));
    assertThat(e.getMessage()).contains("PidTagNoSuchThing");
    expectError(INVALID_TYPE, () -> PropTag.parse("0x0037ABCD"));
    expectError(INVALID_PARAMETER, () -> PropTag.of(0x10000, PropType.LONG));
  }

  @Test
  @DisplayName("A value of the wrong Java type for its tag is INVALID_TYPE")
  void propValueShouldFailWithInvalidTypeWhenTheValueHasTheWrongType() {
    StoreException e = expectError(INVALID_TYPE, () -> PropValue.of(SUBJECT, 42));
    assertThat(e.getMessage()).contains("PidTagSubject");
    expectError(INVALID_TYPE, () -> PropValue.of(PropTags.IMPORTANCE, "high"));
    expectError(INVALID_TYPE, () -> PropValue.of(PropTags.MESSAGE_DELIVERY_TIME, 0L));
    expectError(INVALID_TYPE, () -> PropValue.of(PropTag.of(0x8001101F), List.of(1, 2)));
    expectError(INVALID_PARAMETER, () -> PropValue.of(SUBJECT, null));
  }

  @Test
  @DisplayName("Values of every type round-trip through a save")
  void valuesShouldRoundTripWhenSavedWithEveryCommonType() {
    List<PropValue> values = List.of(
        PropValue.of(PropTag.of(0x6800, PropType.SHORT), (short) -3),
        PropValue.of(PropTag.of(0x6801, PropType.LONG), 123_456),
        PropValue.of(PropTag.of(0x6802, PropType.DOUBLE), 2.5),
        PropValue.of(PropTag.of(0x6803, PropType.I8), 1L << 40),
        PropValue.of(PropTag.of(0x6804, PropType.BOOLEAN), true),
        PropValue.of(PropTag.of(0x6805, PropType.UNICODE), "grüße ✓ 𝄞"),
        PropValue.of(PropTag.of(0x6806, PropType.SYSTIME), Instant.parse("2023-05-06T07:08:09.1234567Z")),
        PropValue.of(PropTag.of(0x6807, PropType.BINARY), new byte[] {0, 1, (byte) 0xFF}),
        PropValue.of(PropTag.of(0x6808, PropType.CLSID), UUID.fromString("00020329-0000-0000-c000-000000000046")),
        PropValue.of(PropTag.of(0x6809, PropType.MV_UNICODE), List.of("a", "b")),
        PropValue.of(PropTag.of(0x680A, PropType.MV_LONG), List.of(1, 2, 3)));
    MessageId id = createMessage(inbox(), m -> {
      m.set(SUBJECT, "types");
      assertThat(m.setProps(values)).isEmpty();
    });
    var stored = committed(id);
    for (PropValue v : values) {
      assertThat(stored.get(v.tag())).as("%s", v.tag()).contains(v);
    }
  }

  @Test
  @DisplayName("A string over maxPropertyBytes is TOO_BIG, names the property, and nothing of the call is set")
  void setPropsShouldFailWithTooBigWhenAValueIsOverTheLimit() {
    int limit = fx().store().limits().maxPropertyBytes();
    assumeTrue(limit <= 64 << 20, "property limit too large for a fast test: " + limit);
    MessageId id = createMessage("limited");
    try (Message m = openRw(id)) {
      String huge = repeat('x', limit + 1);
      StoreException e = expectError(TOO_BIG, () -> m.setProps(PropValue.of(BODY, huge), PropValue.of(SUBJECT, "also not set")));
      assertThat(e.getMessage()).containsAnyOf("PidTagBody", BODY.hex(), "maxPropertyBytes", String.valueOf(limit));
      assertThat(subject(m)).isEqualTo("limited");
      assertThat(m.getProp(BODY)).isEmpty();
      m.set(SUBJECT, "still usable");
      m.saveChanges(KEEP_OPEN_READWRITE);
    }
    assertThat(committedSubject(id)).isEqualTo("still usable");
  }

  @Test
  @DisplayName("The store reports positive limits")
  void limitsShouldBePositiveWhenAsked() {
    var limits = fx().store().limits();
    assertThat(limits.maxPropertyBytes()).isPositive();
    assertThat(limits.maxRecipients()).isPositive();
    assertThat(limits.maxAttachmentBytes()).isPositive();
  }

  @Test
  @DisplayName("Typed getters read the handle's view, empty when absent, the same embedded and remote")
  void typedGettersShouldReadTheViewWhenPropertiesAreSet() {
    Instant sent = Instant.parse("2026-11-20T08:30:00Z");
    MessageId id = createMessage(inbox(), m -> m.setProps(PropValue.of(SUBJECT, "typed"),
        PropValue.of(PropTags.IMPORTANCE, 2), PropValue.of(PropTags.CLIENT_SUBMIT_TIME, sent),
        PropValue.of(PropTags.SEARCH_KEY, new byte[] {1, 2, 3})));
    try (Message m = openRw(id)) {
      m.set(BODY, "pending body");
      assertThat(m.getString(SUBJECT)).contains("typed");
      assertThat(m.getString(BODY)).contains("pending body");
      assertThat(m.getInt(PropTags.IMPORTANCE)).contains(2);
      assertThat(m.getInstant(PropTags.CLIENT_SUBMIT_TIME)).contains(sent);
      assertThat(m.getBytes(PropTags.SEARCH_KEY)).hasValueSatisfying(b -> assertThat(b).containsExactly(1, 2, 3));
      assertThat(m.getLong(PropTags.CHANGE_NUMBER)).contains(m.baseChangeNumber().orElseThrow().value());
      assertThat(m.getLong(PropTags.MID)).contains(id.value());
      assertThat(m.getBoolean(PropTags.HAS_ATTACHMENTS)).contains(false);
      assertThat(m.getInt(PropTags.SENSITIVITY)).isEmpty();
      assertThat(m.snapshot().getString(BODY)).contains("pending body");
    }
    assertThat(committed(id).getInt(PropTags.IMPORTANCE)).contains(2);
  }

  @Test
  @DisplayName("A typed getter of the wrong Java type fails with UNEXPECTED_TYPE, whether or not the property is set")
  void typedGetterShouldFailWithUnexpectedTypeWhenTheTagHoldsAnotherType() {
    MessageId id = createMessage("typed");
    try (Message m = openRo(id)) {
      StoreException e = expectError(UNEXPECTED_TYPE, () -> m.getInt(SUBJECT));
      assertThat(e.getMessage()).contains("PidTagSubject").contains("int");
      expectError(UNEXPECTED_TYPE, () -> m.getString(PropTags.IMPORTANCE));
      expectError(UNEXPECTED_TYPE, () -> m.getString(PropTag.of(0x8500, PropType.MV_UNICODE)));
    }
  }
}
