package msgstore.engine.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The per-thread storage deadline of a request (ADR 0030). */
class StorageDeadlineTest {
  @Test
  void remainingShouldBeUnboundedWithoutADeadline() {
    assertThat(StorageDeadline.remainingNanos()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void remainingShouldCountDownFromTheBudgetAndBeUnboundedAgainAfterClose() {
    StorageDeadline d = StorageDeadline.start(Duration.ofSeconds(10));
    assertThat(StorageDeadline.remainingNanos()).isPositive().isLessThanOrEqualTo(TimeUnit.SECONDS.toNanos(10));
    d.close();
    assertThat(StorageDeadline.remainingNanos()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void anInnerDeadlineShouldNotExtendAnOuterOneThatEndsEarlier() {
    StorageDeadline outer = StorageDeadline.start(Duration.ofSeconds(1));
    try {
      StorageDeadline later = StorageDeadline.start(Duration.ofHours(1));
      assertThat(StorageDeadline.remainingNanos()).isLessThanOrEqualTo(TimeUnit.SECONDS.toNanos(1));
      later.close();
      StorageDeadline sooner = StorageDeadline.start(Duration.ZERO);
      assertThat(StorageDeadline.remainingNanos()).isLessThanOrEqualTo(0);
      sooner.close();
      assertThat(StorageDeadline.remainingNanos()).isPositive().isLessThanOrEqualTo(TimeUnit.SECONDS.toNanos(1));
    } finally {
      outer.close();
    }
  }

  @Test
  void aDeadlineShouldBeThisThreadsOnly() throws InterruptedException {
    long[] seen = new long[1];
    StorageDeadline d = StorageDeadline.start(Duration.ofSeconds(1));
    try {
      Thread.ofPlatform().start(() -> seen[0] = StorageDeadline.remainingNanos()).join();
    } finally {
      d.close();
    }
    assertThat(seen[0]).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void aNegativeBudgetShouldBeRefused() {
    assertThatThrownBy(() -> StorageDeadline.start(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT-0.001S");
  }
}
