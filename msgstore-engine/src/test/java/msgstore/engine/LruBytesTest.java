package msgstore.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link LruBytes}: the cache behind decoded versions and rendered GET bodies (issue 11). */
class LruBytesTest {
  private final AtomicLong now = new AtomicLong(1_000);

  @Test
  void entriesUnusedForTheGivenTimeShouldBeDroppedAndTheOthersKept() {
    LruBytes<String, String> cache = new LruBytes<>(1_000, now::get);
    cache.put("old", "a", 100);
    cache.put("used", "b", 200);
    now.addAndGet(50);
    cache.put("new", "c", 300);
    now.addAndGet(50);
    assertThat(cache.get("used")).isEqualTo("b"); // a get counts as a use
    now.addAndGet(10);

    assertThat(cache.expireUnusedFor(100)).isEqualTo(100); // old: 110 unused; new: 60

    assertThat(cache.get("old")).isNull();
    assertThat(cache.get("used")).isEqualTo("b");
    assertThat(cache.get("new")).isEqualTo("c");
    assertThat(cache.bytes()).isEqualTo(500);
  }

  @Test
  void aQuietCacheShouldEndEmptyAndTakeNewEntriesAfterwards() {
    LruBytes<Integer, String> cache = new LruBytes<>(1_000, now::get);
    for (int i = 0; i < 10; i++) {
      cache.put(i, "v" + i, 50);
    }
    now.addAndGet(1_000);
    assertThat(cache.expireUnusedFor(1_000)).isEqualTo(500);
    assertThat(cache.size()).isZero();
    assertThat(cache.bytes()).isZero();
    cache.put(1, "again", 10);
    assertThat(cache.get(1)).isEqualTo("again");
  }

  @Test
  void theBudgetShouldPushOutTheLeastRecentlyUsedFirst() {
    LruBytes<Integer, String> cache = new LruBytes<>(300, now::get);
    cache.put(1, "one", 100);
    cache.put(2, "two", 100);
    cache.put(3, "three", 100);
    cache.get(1);
    cache.put(4, "four", 100);
    assertThat(cache.get(2)).isNull();
    assertThat(cache.get(1)).isEqualTo("one");
    assertThat(cache.bytes()).isEqualTo(300);
  }

  @Test
  void aValueReplacedUnderItsKeyShouldCountOnlyItsNewSize() {
    LruBytes<Integer, String> cache = new LruBytes<>(300, now::get);
    cache.put(1, "small", 100);
    cache.put(1, "large", 250);
    assertThat(cache.bytes()).isEqualTo(250);
    assertThat(cache.size()).isEqualTo(1);
  }

  @Test
  void aValueLargerThanTheWholeBudgetShouldNotBeKeptNorPushOthersOut() {
    LruBytes<Integer, String> cache = new LruBytes<>(300, now::get);
    cache.put(1, "one", 100);
    cache.put(2, "huge", 301);
    assertThat(cache.get(2)).isNull();
    assertThat(cache.get(1)).isEqualTo("one");
  }
}
