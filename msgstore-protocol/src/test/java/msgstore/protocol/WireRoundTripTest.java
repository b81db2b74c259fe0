package msgstore.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import msgstore.api.ChangeKey;
import msgstore.api.ChangeNumber;
import msgstore.api.ConflictChoice;
import msgstore.api.ContentRef;
import msgstore.api.FolderId;
import msgstore.api.MapiError;
import msgstore.api.MergeMode;
import msgstore.api.MergeReport;
import msgstore.api.MessageId;
import msgstore.api.MessageSnapshot;
import msgstore.api.ObjectChangedException;
import msgstore.api.OpenFlag;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropType;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.RecipientOp;
import msgstore.api.Restriction;
import msgstore.api.SaveFlag;
import msgstore.api.SaveResult;
import msgstore.api.StoreException;
import msgstore.api.StoreId;
import org.junit.jupiter.api.Test;

class WireRoundTripTest {
  private static final StoreId STORE = new StoreId(UUID.fromString("2b1c7c8e-0000-4000-8000-000000000001"));

  private static JsonNode json(String s) {
    return Wire.parse(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void everyPropertyTypeRoundTripsThroughItsJsonForm() {
    List<PropValue> values = List.of(
        PropValue.of(PropTag.of(0x8001, PropType.SHORT), (short) -7),
        PropValue.of(PropTags.IMPORTANCE, 2),
        PropValue.of(PropTag.of(0x8002, PropType.I8), Long.MAX_VALUE),
        PropValue.of(PropTag.of(0x8003, PropType.CURRENCY), -5L),
        PropValue.of(PropTag.of(0x8004, PropType.FLOAT), 1.5f),
        PropValue.of(PropTag.of(0x8005, PropType.DOUBLE), 2.25),
        PropValue.of(PropTags.READ_RECEIPT_REQUESTED, true),
        PropValue.of(PropTags.SUBJECT, "Grüße \"quoted\""),
        PropValue.of(PropTag.of(0x8006, PropType.STRING8), "ascii"),
        PropValue.of(PropTags.MESSAGE_DELIVERY_TIME, Instant.parse("2026-11-22T06:00:00.1234567Z")),
        PropValue.of(PropTag.of(0x8007, PropType.CLSID), UUID.randomUUID()),
        PropValue.of(PropTag.of(0x8008, PropType.BINARY), new byte[] {0, 1, (byte) 0xff}),
        PropValue.of(PropTag.of(0x8009, PropType.MV_UNICODE), List.of("a", "b")),
        PropValue.of(PropTag.of(0x800A, PropType.MV_LONG), List.of(1, 2, 3)),
        PropValue.of(PropTag.of(0x800B, PropType.MV_BINARY), List.of(new byte[] {9}, new byte[0])),
        PropValue.of(PropTag.of(0x800C, PropType.MV_SYSTIME), List.of(Instant.EPOCH)));
    JsonNode obj = PropCodec.object(values);
    assertThat(obj.has("PidTagSubject")).isTrue();
    assertThat(obj.get("PidTagSubject").get("tag").asText()).isEqualTo("0x0037001F");
    List<PropValue> back = PropCodec.parseObject(Wire.parse(Wire.bytes(obj)), "properties");
    assertThat(back).containsExactlyInAnyOrderElementsOf(values);
  }

  @Test
  void requestsMayKeyPropertiesByNameAliasOrTagWithPlainValues() {
    List<PropValue> props = PropCodec.parseObject(json(
        "{\"PidTagSubject\":\"a\",\"PR_IMPORTANCE\":2,\"0x0E060040\":\"2026-01-01T00:00:00Z\",\"0x80020014\":\"12\"}"),
        "properties");
    assertThat(props).contains(PropValue.of(PropTags.SUBJECT, "a"), PropValue.of(PropTags.IMPORTANCE, 2),
        PropValue.of(PropTag.of(0x8002, PropType.I8), 12L));
  }

  @Test
  void anUnknownPropertyNameIsAnInvalidParameterNamingTheField() {
    assertThatThrownBy(() -> PropCodec.parseObject(json("{\"PidTagSubjct\":\"a\"}"), "properties"))
        .isInstanceOfSatisfying(WireException.class, e -> {
          assertThat(e.error()).isEqualTo(MapiError.INVALID_PARAMETER);
          assertThat(e.field()).isEqualTo("properties.PidTagSubjct");
        });
  }

  @Test
  void aValueOfTheWrongTypeIsInvalidTypeNamingTheField() {
    assertThatThrownBy(() -> PropCodec.parseObject(json("{\"PidTagImportance\":\"high\"}"), "properties"))
        .isInstanceOfSatisfying(WireException.class, e -> {
          assertThat(e.error()).isEqualTo(MapiError.INVALID_TYPE);
          assertThat(e.field()).isEqualTo("properties.PidTagImportance");
          assertThat(e.getMessage()).contains("PidTagImportance", "LONG");
        });
  }

  @Test
  void malformedJsonSaysWhereItBroke() {
    assertThatThrownBy(() -> json("{\"a\": "))
        .isInstanceOfSatisfying(WireException.class, e -> assertThat(e.getMessage()).contains("malformed JSON at line 1"));
  }

  @Test
  void aMessageBodyRoundTripsWithRecipientsAttachmentsAndEmbeddedMessages() throws Exception {
    MessageSnapshot embedded = new MessageSnapshot(Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), List.of(PropValue.of(PropTags.SUBJECT, "inner")), List.of(), List.of());
    MessageSnapshot s = new MessageSnapshot(Optional.of(MessageId.of(5)), Optional.of(FolderId.of(2)),
        Optional.of(ChangeNumber.of(17)), Optional.of(ChangeKey.of(STORE, ChangeNumber.of(17))),
        List.of(PropValue.of(PropTags.SUBJECT, "outer")),
        List.of(new Recipient(1, List.of(PropValue.of(PropTags.DISPLAY_NAME, "Bob")))),
        List.of(new MessageSnapshot.AttachmentSnapshot(0, List.of(PropValue.of(PropTags.ATTACH_FILENAME, "a.txt")),
                Optional.of(new ContentRef("a".repeat(64), 3)), Optional.empty()),
            new MessageSnapshot.AttachmentSnapshot(1, List.of(), Optional.empty(), Optional.of(embedded))));
    MessageBody body = MessageBody.of(s, STORE, msgstore.api.AccessLevel.MODIFY, false);
    String text = Wire.mapper().writeValueAsString(body);
    MessageBody back = Wire.mapper().readValue(text, MessageBody.class);
    assertThat(back).isEqualTo(body);
    assertThat(body.etag()).contains("\"" + ChangeKey.of(STORE, ChangeNumber.of(17)) + "\"");
  }

  @Test
  void theOpsBodyRoundTrips() throws Exception {
    SaveRequest r = new SaveRequest(SaveRequest.Action.SAVE, EnumSet.of(SaveFlag.KEEP_OPEN_READWRITE),
        MergeMode.AUTO_RESOLVE, Optional.empty(), new SaveRequest.OnConflict.Choose(ConflictChoice.saveElsewhere(FolderId.of(3))),
        List.of(new Op.SetProps(0, List.of(PropValue.of(PropTags.SUBJECT, "x"))), new Op.DeleteProps(0, List.of(PropTags.BODY)),
            new Op.ModifyRecipients(0, RecipientOp.ADD, List.of(Recipient.of(1, "A", "a@x"))),
            new Op.RemoveAllRecipients(0), new Op.CreateAttachment(0, 1),
            new Op.OpenAttachment(0, 2, Set.of(OpenFlag.MODIFY), 3), new Op.DeleteAttachment(0, 4),
            new Op.WriteContent(1, new ContentRef("b".repeat(64), 9)), new Op.OpenEmbeddedMessage(1, Set.of(), 4),
            new Op.SaveChanges(4, Set.of()), new Op.Close(1)));
    String text = Wire.mapper().writeValueAsString(r);
    SaveRequest back = Wire.mapper().readValue(text, SaveRequest.class);
    assertThat(Wire.mapper().writeValueAsString(back)).isEqualTo(text);
    assertThat(back.ops()).hasSize(11);
    assertThat(back.onConflict()).isEqualTo(r.onConflict());
  }

  @Test
  void restrictionsRoundTrip() throws Exception {
    Restriction r = Restriction.and(Restriction.compare(Restriction.Relop.GE, PropTags.IMPORTANCE, 1),
        Restriction.not(new Restriction.Content(PropTags.SUBJECT, "x", Restriction.Match.PREFIX, false)),
        Restriction.or(new Restriction.Exist(PropTags.BODY)));
    String text = Wire.mapper().writeValueAsString(r);
    assertThat(Wire.mapper().readValue(text, Restriction.class)).isEqualTo(r);
  }

  @Test
  void aSaveResultWithAMergeReportRoundTrips() throws Exception {
    MergeReport report = new MergeReport(MergeMode.AUTO_RESOLVE, List.of(
        new MergeReport.UnitChange(new MergeReport.PropertyUnit(PropTags.SUBJECT), MergeReport.Side.BOTH,
            PropValue.of(PropTags.SUBJECT, "b"), PropValue.of(PropTags.SUBJECT, "o"), PropValue.of(PropTags.SUBJECT, "t"),
            MergeReport.Outcome.OURS),
        new MergeReport.UnitChange(new MergeReport.RecipientUnit(2), MergeReport.Side.THEIRS, null, null,
            Recipient.of(1, "A", "a@x").withRowId(2), MergeReport.Outcome.THEIRS)));
    SaveResult r = new SaveResult(MessageId.of(5), ChangeNumber.of(20), ChangeKey.of(STORE, ChangeNumber.of(20)), true,
        Optional.of(ChangeNumber.of(19)), Optional.of(report), Optional.of(ConflictChoice.merge(MergeMode.AUTO_RESOLVE)));
    String text = Wire.mapper().writeValueAsString(r);
    assertThat(text).contains("\"replaced\":{\"changeNumber\":19");
    assertThat(Wire.mapper().readValue(text, SaveResult.class)).isEqualTo(r);
  }

  @Test
  void aProblemBecomesTheSameExceptionOnTheClient() {
    ChangeKey base = ChangeKey.of(STORE, ChangeNumber.of(3));
    ChangeKey cur = ChangeKey.of(STORE, ChangeNumber.of(4));
    Problem p = Problem.of(new ObjectChangedException("message m-5 changed", base, cur, null), "/api/v1/x");
    p.extras().put("baseChangeKey", base.toString()).put("currentChangeKey", cur.toString());
    JsonNode j = Wire.parse(Wire.bytes(p.toJson()));
    assertThat(j.get("status").asInt()).isEqualTo(412);
    assertThat(j.get("mapiError").asText()).isEqualTo("MAPI_E_OBJECT_CHANGED");
    StoreException e = Problem.fromJson(j, 412).toException();
    assertThat(e).isInstanceOfSatisfying(ObjectChangedException.class, oc -> {
      assertThat(oc.baseChangeKey()).isEqualTo(base);
      assertThat(oc.currentChangeKey()).isEqualTo(cur);
    });
  }

  @Test
  void everyMapiErrorHasAnHttpStatus() {
    for (MapiError e : MapiError.values()) {
      assertThat(HttpStatus.of(e)).isBetween(400, 599);
    }
    assertThat(HttpStatus.of(MapiError.OBJECT_CHANGED)).isEqualTo(412);
    assertThat(HttpStatus.of(MapiError.TOO_BIG)).isEqualTo(413);
  }

  @Test
  void aMergePatchReadsDeletesRecipientsAndAttachments() {
    MergePatch p = MergePatch.fromJson(json("{\"properties\":{\"PidTagSubject\":\"n\",\"PidTagBody\":null},"
        + "\"recipients\":{\"add\":[{\"properties\":{\"PidTagDisplayName\":\"X\"}}],\"remove\":[1]},"
        + "\"attachments\":{\"add\":[{\"properties\":{\"PidTagAttachFilename\":\"f\"},\"contentBase64\":\"aGk=\"}],\"delete\":[0]}}"));
    assertThat(p.set()).containsExactly(PropValue.of(PropTags.SUBJECT, "n"));
    assertThat(p.delete()).containsExactly(PropTags.BODY);
    assertThat(p.addRecipients()).hasSize(1);
    assertThat(p.removeRecipients()).containsExactly(1);
    assertThat(p.addAttachments().get(0).inline()).hasValueSatisfying(b -> assertThat(new String(b)).isEqualTo("hi"));
    assertThat(p.deleteAttachments()).containsExactly(0);
    assertThatThrownBy(() -> MergePatch.fromJson(json("{\"subject\":\"x\"}")))
        .isInstanceOfSatisfying(WireException.class, e -> assertThat(e.field()).isEqualTo("subject"));
  }

  @Test
  void ifMatchReadsTheFirstEntityTagAndRefusesAListWithoutOne() {
    ChangeKey k = ChangeKey.of(STORE, ChangeNumber.of(7));
    assertThat(Json.ifMatch(" , W/\"" + k + "\", \"00\"", "If-Match")).isEqualTo(k);
    // Found by WireFuzzTest (input finding-if-match-without-entity-tag): "," answered 500.
    for (String header : new String[] {",", " , ,", ""}) {
      assertThatThrownBy(() -> Json.ifMatch(header, "If-Match"))
          .isInstanceOfSatisfying(WireException.class, e -> {
            assertThat(e.error()).isEqualTo(MapiError.INVALID_PARAMETER);
            assertThat(e.field()).isEqualTo("If-Match");
          });
    }
  }

  @Test
  void recipientsAndAttachmentsThatAreNotObjectsAreRefusedNotAddedEmpty() {
    // Found while writing the fuzz seeds: [1] was read as an empty recipient or attachment and added.
    assertThatThrownBy(() -> MessageBody.fromJson(json("{\"recipients\":[1]}"), ""))
        .isInstanceOfSatisfying(WireException.class, e -> assertThat(e.field()).isEqualTo("recipients[0]"));
    assertThatThrownBy(() -> MergePatch.fromJson(json("{\"recipients\":{\"add\":[\"x\"]}}")))
        .isInstanceOfSatisfying(WireException.class, e -> assertThat(e.field()).isEqualTo("recipients.add[0]"));
    assertThatThrownBy(() -> MergePatch.fromJson(json("{\"attachments\":{\"add\":[1]}}")))
        .isInstanceOfSatisfying(WireException.class, e -> assertThat(e.field()).isEqualTo("attachments.add[0]"));
  }
}
