package msgstore.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import org.junit.jupiter.api.Test;

class DecodedVersionsTest {
  private static byte[] encoded(String subject) {
    return ContentCodec.encode(new Content(List.of(PropValue.of(PropTags.SUBJECT, subject)), List.of(), List.of()));
  }

  @Test
  void aVersionOpenedAgainIsNotDecodedAgainAndEqualsItsDecoding() {
    DecodedVersions cache = new DecodedVersions(1 << 20);
    byte[] bytes = encoded("hello");
    Content first = cache.get(7, 3, bytes);
    Content again = cache.get(7, 3, bytes);
    assertThat(again).isSameAs(first);
    assertThat(first).isEqualTo(ContentCodec.decode(bytes));
  }

  @Test
  void anotherVersionOfTheSameMessageIsAnotherEntry() {
    DecodedVersions cache = new DecodedVersions(1 << 20);
    Content v3 = cache.get(7, 3, encoded("three"));
    Content v4 = cache.get(7, 4, encoded("four"));
    assertThat(v3.get(PropTags.SUBJECT).orElseThrow().asString()).isEqualTo("three");
    assertThat(v4.get(PropTags.SUBJECT).orElseThrow().asString()).isEqualTo("four");
    assertThat(cache.size()).isEqualTo(2);
  }

  @Test
  void theCacheStaysWithinItsBudgetDroppingTheLeastRecentlyUsedFirst() {
    byte[] one = encoded("x".repeat(100));
    DecodedVersions cache = new DecodedVersions(one.length * 10L);
    Content kept = cache.get(1, 1, one);
    for (long id = 2; id <= 30; id++) {
      cache.get(id, 1, encoded("x".repeat(100)));
      assertThat(cache.get(1, 1, one)).isSameAs(kept); // used again: stays
    }
    assertThat(cache.size()).isLessThanOrEqualTo(10);
    Content old = cache.get(2, 1, encoded("x".repeat(100)));
    assertThat(cache.get(2, 1, encoded("x".repeat(100)))).isSameAs(old);
  }

  @Test
  void aVersionLargerThanAnEighthOfTheBudgetIsDecodedButNotKept() {
    DecodedVersions cache = new DecodedVersions(64);
    byte[] big = encoded("y".repeat(200));
    assertThat(cache.get(1, 1, big)).isNotSameAs(cache.get(1, 1, big));
    assertThat(cache.size()).isZero();
  }

  @Test
  void versionsUnusedForTheGivenTimeShouldBeDropped() {
    DecodedVersions cache = new DecodedVersions(1 << 20);
    cache.get(7, 3, encoded("three"));
    cache.expireUnusedFor(Long.MAX_VALUE);
    assertThat(cache.size()).isEqualTo(1);
    cache.expireUnusedFor(0);
    assertThat(cache.size()).isZero();
  }
}
