package msgstore.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import msgstore.api.ContentRef;
import msgstore.api.MapiError;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropType;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.StoreException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class ContentCodecTest {

  @Property(tries = 300)
  void everyContentShouldSurviveAnEncodeDecodeRoundTrip(@ForAll("contents") Content c) {
    assertThat(ContentCodec.decode(ContentCodec.encode(c))).isEqualTo(normalised(c));
  }

  @Property(tries = 100)
  void preparedBytesPlusComputedPropertiesShouldDecodeToTheWholeContent(@ForAll("contents") Content c) {
    ContentCodec.Prepared p = ContentCodec.prepare(c, Set.of(PropTags.SUBJECT));
    List<PropValue> computed = List.of(PropValue.of(PropTags.SUBJECT, "computed"));
    Content back = ContentCodec.decode(p.finish(computed));
    List<PropValue> expected = new ArrayList<>(c.props());
    expected.removeIf(v -> v.tag().equals(PropTags.SUBJECT));
    expected.addAll(computed);
    assertThat(back.props()).isEqualTo(Content.sorted(expected));
    assertThat(back.recipients()).isEqualTo(c.recipients());
  }

  @org.junit.jupiter.api.Test
  void decodeShouldRejectForeignBytesAsCorruptData() {
    assertThatThrownBy(() -> ContentCodec.decode(new byte[] {1, 2, 3}))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.CORRUPT_DATA));
    byte[] good = ContentCodec.encode(new Content(List.of(PropValue.of(PropTags.SUBJECT, "hello")), List.of(), List.of()));
    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 3);
    assertThatThrownBy(() -> ContentCodec.decode(truncated))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.CORRUPT_DATA));
  }

  private static Content normalised(Content c) {
    return new Content(Content.sorted(c.props()), c.recipients(), c.attachments());
  }

  @Provide
  Arbitrary<Content> contents() {
    return content(2);
  }

  private Arbitrary<Content> content(int depth) {
    Arbitrary<List<PropValue>> props = props();
    Arbitrary<List<Recipient>> recips = props().list().ofMaxSize(3).map(l -> {
      List<Recipient> out = new ArrayList<>();
      for (int i = 0; i < l.size(); i++) {
        out.add(new Recipient(i + 1, Content.sorted(l.get(i))));
      }
      return out;
    });
    Arbitrary<Content.Attach> attach = Combinators.combine(props(),
        Arbitraries.of(true, false),
        depth > 0 ? content(depth - 1).injectNull(0.6) : Arbitraries.just((Content) null))
        .as((p, withBlob, emb) -> new Content.Attach(0, Content.sorted(p),
            withBlob ? new ContentRef("ab".repeat(32), 12345) : null, emb));
    Arbitrary<List<Content.Attach>> atts = attach.list().ofMaxSize(2).map(l -> {
      List<Content.Attach> out = new ArrayList<>();
      for (int i = 0; i < l.size(); i++) {
        Content.Attach a = l.get(i);
        out.add(new Content.Attach(i, a.props(), a.content(), a.embedded()));
      }
      return out;
    });
    return Combinators.combine(props, recips, atts).as((p, r, a) -> new Content(Content.sorted(p), r, a));
  }

  private Arbitrary<List<PropValue>> props() {
    return value().list().ofMaxSize(8).map(Content::sorted);
  }

  private Arbitrary<PropValue> value() {
    Arbitrary<Integer> id = Arbitraries.integers().between(1, 0xFFFE);
    return Arbitraries.oneOf(
        id.map(i -> PropValue.of(PropTag.of(i, PropType.SHORT), (short) (i * 7))),
        Combinators.combine(id, Arbitraries.integers()).as((i, v) -> PropValue.of(PropTag.of(i, PropType.LONG), v)),
        Combinators.combine(id, Arbitraries.floats()).as((i, v) -> PropValue.of(PropTag.of(i, PropType.FLOAT), v)),
        Combinators.combine(id, Arbitraries.doubles()).as((i, v) -> PropValue.of(PropTag.of(i, PropType.DOUBLE), v)),
        Combinators.combine(id, Arbitraries.longs()).as((i, v) -> PropValue.of(PropTag.of(i, PropType.I8), v)),
        Combinators.combine(id, Arbitraries.longs()).as((i, v) -> PropValue.of(PropTag.of(i, PropType.CURRENCY), v)),
        Combinators.combine(id, Arbitraries.of(true, false)).as((i, v) -> PropValue.of(PropTag.of(i, PropType.BOOLEAN), v)),
        Combinators.combine(id, Arbitraries.strings().ofMaxLength(40)).as((i, v) -> PropValue.of(PropTag.of(i, PropType.UNICODE), v)),
        Combinators.combine(id, Arbitraries.strings().ascii().ofMaxLength(40)).as((i, v) -> PropValue.of(PropTag.of(i, PropType.STRING8), v)),
        Combinators.combine(id, Arbitraries.longs().between(-50_000_000_000L, 250_000_000_000L))
            .as((i, v) -> PropValue.of(PropTag.of(i, PropType.SYSTIME), Instant.ofEpochSecond(v, (v & 0xFFFF) * 100))),
        Combinators.combine(id, Arbitraries.randomValue(r -> new UUID(r.nextLong(), r.nextLong())))
            .as((i, v) -> PropValue.of(PropTag.of(i, PropType.CLSID), v)),
        Combinators.combine(id, Arbitraries.bytes().array(byte[].class).ofMaxSize(50))
            .as((i, v) -> PropValue.of(PropTag.of(i, PropType.BINARY), v)),
        Combinators.combine(id, Arbitraries.strings().ofMaxLength(10).list().ofMaxSize(4))
            .as((i, v) -> PropValue.of(PropTag.of(i, PropType.MV_UNICODE), v)),
        Combinators.combine(id, Arbitraries.integers().list().ofMaxSize(4))
            .as((i, v) -> PropValue.of(PropTag.of(i, PropType.MV_LONG), v)),
        Combinators.combine(id, Arbitraries.bytes().array(byte[].class).ofMaxSize(8).list().ofMaxSize(3))
            .as((i, v) -> PropValue.of(PropTag.of(i, PropType.MV_BINARY), v)));
  }
}
