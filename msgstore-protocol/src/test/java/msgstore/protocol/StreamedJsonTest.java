package msgstore.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import msgstore.api.AccessLevel;
import msgstore.api.ChangeKey;
import msgstore.api.ChangeNumber;
import msgstore.api.ContentRef;
import msgstore.api.FolderId;
import msgstore.api.MessageId;
import msgstore.api.MessageSnapshot;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropType;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.StoreId;
import org.junit.jupiter.api.Test;

/** A message body is written without a tree (a GET's answer); it must be the JSON the tree forms give. */
class StreamedJsonTest {
  private static final StoreId STORE = new StoreId(UUID.fromString("6c1a8f2e-3b6d-4c1e-9a77-2f0d5e8b1c44"));

  /** One value of every type that has a JSON form, two elements for each multi-valued one. */
  private static List<PropValue> everyType() {
    List<PropValue> props = new ArrayList<>();
    int id = 0x8001;
    for (PropType t : PropType.values()) {
      if (t == PropType.OBJECT) {
        continue;
      }
      PropTag tag = PropTag.of(id++, t);
      props.add(t.isMultiValued()
          ? PropValue.of(tag, List.of(sample(t.elementType(), 1), sample(t.elementType(), 2)))
          : PropValue.of(tag, sample(t, 3)));
    }
    return props;
  }

  private static Object sample(PropType t, int n) {
    return switch (t) {
      case SHORT -> (short) -n;
      case LONG, ERROR -> Integer.MIN_VALUE + n;
      case I8, CURRENCY -> Long.MAX_VALUE - n;
      case FLOAT -> 1.5f * n;
      case DOUBLE, APPTIME -> 0.1 * n;
      case BOOLEAN -> n % 2 == 0;
      case STRING8 -> "ascii " + n;
      case UNICODE -> "Grüße \"quoted\" \u2028 " + n;
      case SYSTIME -> Instant.parse("2026-11-22T06:00:00.1234567Z").plusSeconds(n);
      case CLSID -> new UUID(n, -n);
      case SVREID, BINARY -> new byte[] {0, (byte) n, (byte) 0xff};
      default -> throw new IllegalArgumentException(t.name());
    };
  }

  private static List<String> names(JsonNode o) {
    List<String> names = new ArrayList<>();
    o.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void streamedPropertiesShouldBeTheBytesOfTheTreeForEveryType() {
    List<PropValue> props = everyType();
    String tree = new String(Wire.bytes(PropCodec.object(props)), StandardCharsets.UTF_8);
    String streamed = new String(Wire.bytes(g -> PropCodec.writeObject(g, props)), StandardCharsets.UTF_8);
    assertThat(streamed).isEqualTo(tree);
    assertThat(PropCodec.parseObject(Wire.parse(streamed.getBytes(StandardCharsets.UTF_8)), "p"))
        .containsExactlyInAnyOrderElementsOf(props);
  }

  @Test
  void aStreamedMessageBodyShouldKeepTheLayoutAndReadBackAsTheSameMessage() {
    MessageSnapshot embedded = new MessageSnapshot(Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), List.of(PropValue.of(PropTags.SUBJECT, "inner")), List.of(), List.of());
    MessageSnapshot s = new MessageSnapshot(Optional.of(MessageId.of(5)), Optional.of(FolderId.of(2)),
        Optional.of(ChangeNumber.of(17)), Optional.of(ChangeKey.of(STORE, ChangeNumber.of(17))), everyType(),
        List.of(new Recipient(1, List.of(PropValue.of(PropTags.DISPLAY_NAME, "Bob")))),
        List.of(new MessageSnapshot.AttachmentSnapshot(0, List.of(PropValue.of(PropTags.ATTACH_FILENAME, "a.txt")),
                Optional.of(new ContentRef("a".repeat(64), 3)), Optional.empty()),
            new MessageSnapshot.AttachmentSnapshot(1, List.of(), Optional.empty(), Optional.of(embedded))));
    MessageBody body = MessageBody.of(s, STORE, AccessLevel.MODIFY, true);

    byte[] bytes = body.toBytes();
    JsonNode parsed = Wire.parse(bytes);
    assertThat(names(parsed)).containsExactly("id", "storeId", "folderId", "changeNumber",
        "changeKey", "accessLevel", "read", "properties", "recipients", "attachments");
    assertThat(names(parsed.get("attachments").get(0)))
        .containsExactly("attachNum", "properties", "content", "embedded");
    assertThat(names(parsed.get("attachments").get(1).get("embedded")))
        .containsExactly("properties", "recipients", "attachments");
    assertThat(MessageBody.fromJson(parsed, "body")).isEqualTo(body);
    assertThat(Wire.bytes(body.toJson())).isEqualTo(bytes);
    assertThat(Wire.bytes(Json.snapshot(s))).isEqualTo(MessageBody.of(s, null, null, null).toBytes());
  }
}
