package msgstore.testkit.property;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PropertyCheckTest {

  enum Op { NOOP, INC, DEC }

  /** A counter with a planted bug: it breaks when it reaches 3. */
  private static void runCounter(List<Op> ops) {
    int model = 0;
    int real = 0;
    for (Op op : ops) {
      switch (op) {
        case INC -> {
          model++;
          real = real == 2 ? 0 : real + 1;
        }
        case DEC -> {
          model--;
          real--;
        }
        case NOOP -> { }
      }
      assertThat(real).as("counter after %s", ops).isEqualTo(model);
    }
  }

  @Test
  void listCounterexampleShouldShrinkToTheSingleSmallestFailingElement() {
    Optional<PropertyCheck.Failure<List<Integer>>> f = PropertyCheck.forAll(Gens.integers(0, 1000).list(0, 50))
        .tries(100).run(l -> assertThat(l).allMatch(i -> i < 100));
    assertThat(f).isPresent();
    assertThat(f.get().shrunk()).containsExactly(100);
  }

  @Test
  void anyElementOfAListWithAMinimumSizeShouldBeDeletable() {
    Optional<PropertyCheck.Failure<List<Integer>>> f = PropertyCheck.forAll(Gens.integers(0, 9).list(1, 20))
        .tries(200).run(l -> assertThat(l).doesNotContain(7));
    assertThat(f).isPresent();
    assertThat(f.get().shrunk()).containsExactly(7);
  }

  @Test
  void operationSequenceShouldShrinkToTheStepsThatMatter() {
    Optional<PropertyCheck.Failure<List<Op>>> f = PropertyCheck.forAll(Gens.of(List.of(Op.values())).list(1, 60))
        .tries(200).run(PropertyCheckTest::runCounter);
    assertThat(f).isPresent();
    assertThat(f.get().shrunk()).containsExactly(Op.INC, Op.INC, Op.INC);
    assertThat(f.get().original().size()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void seedShouldReplayTheSameCounterexampleAndShrinkItTheSameWay() {
    PropertyCheck<List<Op>> check = PropertyCheck.forAll(Gens.of(List.of(Op.values())).list(1, 60)).tries(200);
    PropertyCheck.Failure<List<Op>> first = check.run(PropertyCheckTest::runCounter).orElseThrow();
    PropertyCheck.Failure<List<Op>> again = PropertyCheck.forAll(Gens.of(List.of(Op.values())).list(1, 60))
        .seed(first.seed()).run(PropertyCheckTest::runCounter).orElseThrow();
    assertThat(again.original()).isEqualTo(first.original());
    assertThat(again.shrunk()).isEqualTo(first.shrunk());
    assertThat(again.shrinkRuns()).isEqualTo(first.shrinkRuns());
  }

  @Test
  void checkShouldThrowAReportNamingTheSeedTheReplaySwitchAndBothCounterexamples() {
    assertThatThrownBy(() -> PropertyCheck.forAll(Gens.integers(0, 1000)).named("small numbers").tries(100)
        .check(i -> assertThat(i).isLessThan(10)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Property 'small numbers' failed on try")
        .hasMessageMatching("(?s).*replay it with -Dmsgstore\\.seed=-?\\d+\\).*")
        .hasMessageContaining("Shrunk counterexample")
        .hasMessageContaining("\n  10\n")
        .hasMessageContaining("Original counterexample")
        .cause().isInstanceOf(AssertionError.class);
  }

  @Test
  void passingPropertyShouldRunEveryTryAndNoMore() {
    AtomicInteger runs = new AtomicInteger();
    assertThat(PropertyCheck.forAll(Gens.integers()).tries(37).run(i -> runs.incrementAndGet())).isEmpty();
    assertThat(runs).hasValue(37);
  }

  @Test
  void shrinkingShouldStopAtItsRunLimit() {
    PropertyCheck.Failure<List<Integer>> f = PropertyCheck.forAll(Gens.integers(0, 1000).list(20, 50)).tries(10)
        .shrinkLimits(0, Duration.ofSeconds(10)).run(l -> assertThat(l).isEmpty()).orElseThrow();
    assertThat(f.shrinkRuns()).isZero();
    assertThat(f.shrunk()).isEqualTo(f.original());
  }

  @Test
  void numberGeneratorsShouldProduceTheirEdgeCases() {
    Set<Double> doubles = new HashSet<>();
    Set<Float> floats = new HashSet<>();
    Set<Long> longs = new HashSet<>();
    PropertyCheck.forAll(c -> List.of(Gens.doubles().generate(c), Gens.floats().generate(c), Gens.longs().generate(c)))
        .tries(3000).check(l -> {
          doubles.add((Double) l.get(0));
          floats.add((Float) l.get(1));
          longs.add((Long) l.get(2));
        });
    assertThat(doubles).contains(Double.NaN, -0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE, Double.MAX_VALUE);
    assertThat(floats).contains(Float.NaN, -0.0f, Float.POSITIVE_INFINITY, Float.MIN_VALUE);
    assertThat(longs).contains(0L, Long.MIN_VALUE, Long.MAX_VALUE);
  }

  @Test
  void stringsShouldMixPlanesAndNeverHoldALoneSurrogate() {
    List<String> strings = new ArrayList<>();
    PropertyCheck.forAll(Gens.strings(40)).tries(500).check(strings::add);
    assertThat(strings).anyMatch(String::isEmpty);
    assertThat(strings).anyMatch(s -> s.codePoints().anyMatch(cp -> cp > 0xFFFF));
    assertThat(strings).anyMatch(s -> s.codePoints().anyMatch(cp -> cp >= 0x80 && cp <= 0xFFFF));
    for (String s : strings) {
      for (int i = 0; i < s.length(); i++) {
        char ch = s.charAt(i);
        if (Character.isHighSurrogate(ch)) {
          assertThat(i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))).as("pair at %d of %s", i, s).isTrue();
          i++;
        } else {
          assertThat(Character.isLowSurrogate(ch)).as("lone low surrogate in %s", s).isFalse();
        }
      }
    }
  }
}
