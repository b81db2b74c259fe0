package msgstore.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
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
import msgstore.testkit.property.Gen;
import msgstore.testkit.property.Gens;
import msgstore.testkit.property.PropertyCheck;
import org.junit.jupiter.api.Test;

class ContentCodecTest {

  @Test
  void everyContentShouldSurviveAnEncodeDecodeRoundTrip() {
    PropertyCheck.forAll(contents()).named("everyContentShouldSurviveAnEncodeDecodeRoundTrip").tries(300)
        .check(c -> assertThat(ContentCodec.decode(ContentCodec.encode(c))).isEqualTo(normalised(c)));
  }

  @Test
  void preparedBytesPlusComputedPropertiesShouldDecodeToTheWholeContent() {
    PropertyCheck.forAll(contents()).named("preparedBytesPlusComputedPropertiesShouldDecodeToTheWholeContent").tries(100)
        .check(c -> {
          ContentCodec.Prepared p = ContentCodec.prepare(c, Set.of(PropTags.SUBJECT));
          List<PropValue> computed = List.of(PropValue.of(PropTags.SUBJECT, "computed"));
          Content back = ContentCodec.decode(p.finish(computed));
          List<PropValue> expected = new ArrayList<>(c.props());
          expected.removeIf(v -> v.tag().equals(PropTags.SUBJECT));
          expected.addAll(computed);
          assertThat(back.props()).isEqualTo(Content.sorted(expected));
          assertThat(back.recipients()).isEqualTo(c.recipients());
        });
  }

  /** The round trips above see every property type, special numbers, non-BMP text and two levels of embedding. */
  @Test
  void contentGeneratorShouldCoverEveryTypeEdgeValuesAndNesting() {
    Set<PropType> types = EnumSet.noneOf(PropType.class);
    Set<Object> specials = new HashSet<>();
    int[] deepest = {0};
    boolean[] supplementary = {false};
    PropertyCheck.forAll(contents()).tries(1000).check(c -> visit(c, 0, types, specials, deepest, supplementary));
    assertThat(types).containsExactlyInAnyOrder(PropType.SHORT, PropType.LONG, PropType.FLOAT, PropType.DOUBLE,
        PropType.I8, PropType.CURRENCY, PropType.BOOLEAN, PropType.UNICODE, PropType.STRING8, PropType.SYSTIME,
        PropType.CLSID, PropType.BINARY, PropType.MV_UNICODE, PropType.MV_LONG, PropType.MV_BINARY);
    assertThat(specials).contains(Double.NaN, Double.POSITIVE_INFINITY, -0.0, Float.NaN, Long.MIN_VALUE, Integer.MAX_VALUE);
    assertThat(deepest[0]).isEqualTo(2);
    assertThat(supplementary[0]).isTrue();
  }

  private static void visit(Content c, int depth, Set<PropType> types, Set<Object> specials, int[] deepest, boolean[] supplementary) {
    deepest[0] = Math.max(deepest[0], depth);
    List<PropValue> all = new ArrayList<>(c.props());
    c.recipients().forEach(r -> all.addAll(r.props()));
    for (Content.Attach a : c.attachments()) {
      all.addAll(a.props());
      if (a.embedded() != null) {
        visit(a.embedded(), depth + 1, types, specials, deepest, supplementary);
      }
    }
    for (PropValue v : all) {
      types.add(v.tag().type());
      Object raw = v.value();
      specials.add(raw);
      if (raw instanceof String s && s.codePoints().anyMatch(cp -> cp > 0xFFFF)) {
        supplementary[0] = true;
      }
    }
  }

  @Test
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

  /** Contents with up to 8 properties of every type, 3 recipients and 2 attachments, embedded messages 2 deep. */
  static Gen<Content> contents() {
    return content(2);
  }

  private static Gen<Content> content(int depth) {
    Gen<List<PropValue>> props = props();
    Gen<List<Recipient>> recips = props.list(3).map(l -> {
      List<Recipient> out = new ArrayList<>();
      for (int i = 0; i < l.size(); i++) {
        out.add(new Recipient(i + 1, Content.sorted(l.get(i))));
      }
      return out;
    });
    Gen<Content> embedded = depth > 0 ? content(depth - 1).orNull(60) : Gens.constant(null);
    Gen<Content.Attach> attach = c -> {
      List<PropValue> p = props.generate(c);
      boolean withBlob = Gens.booleans().generate(c);
      Content emb = embedded.generate(c);
      return new Content.Attach(0, Content.sorted(p), withBlob ? new ContentRef("ab".repeat(32), 12345) : null, emb);
    };
    Gen<List<Content.Attach>> atts = attach.list(2).map(l -> {
      List<Content.Attach> out = new ArrayList<>();
      for (int i = 0; i < l.size(); i++) {
        Content.Attach a = l.get(i);
        out.add(new Content.Attach(i, a.props(), a.content(), a.embedded()));
      }
      return out;
    });
    return c -> new Content(Content.sorted(props.generate(c)), recips.generate(c), atts.generate(c));
  }

  private static Gen<List<PropValue>> props() {
    return value().list(8).map(Content::sorted);
  }

  private static Gen<PropValue> value() {
    Gen<Integer> ids = Gens.integers(1, 0xFFFE);
    return Gens.oneOf(List.of(
        c -> {
          int i = ids.generate(c);
          return PropValue.of(PropTag.of(i, PropType.SHORT), (short) (i * 7));
        },
        typed(ids, PropType.LONG, Gens.integers()),
        typed(ids, PropType.FLOAT, Gens.floats()),
        typed(ids, PropType.DOUBLE, Gens.doubles()),
        typed(ids, PropType.I8, Gens.longs()),
        typed(ids, PropType.CURRENCY, Gens.longs()),
        typed(ids, PropType.BOOLEAN, Gens.booleans()),
        typed(ids, PropType.UNICODE, Gens.strings(40)),
        typed(ids, PropType.STRING8, Gens.asciiStrings(40)),
        typed(ids, PropType.SYSTIME, Gens.longs(-50_000_000_000L, 250_000_000_000L)
            .map(v -> Instant.ofEpochSecond(v, (v & 0xFFFF) * 100))),
        typed(ids, PropType.CLSID, Gens.uuids()),
        typed(ids, PropType.BINARY, Gens.bytes(50)),
        typed(ids, PropType.MV_UNICODE, Gens.strings(10).list(4)),
        typed(ids, PropType.MV_LONG, Gens.integers().list(4)),
        typed(ids, PropType.MV_BINARY, Gens.bytes(8).list(3))));
  }

  private static Gen<PropValue> typed(Gen<Integer> ids, PropType type, Gen<?> values) {
    return c -> PropValue.of(PropTag.of(ids.generate(c), type), values.generate(c));
  }
}
