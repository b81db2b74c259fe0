package msgstore.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import msgstore.api.EventScope;
import msgstore.api.EventType;
import msgstore.api.FolderId;
import msgstore.api.MessageId;
import msgstore.api.StoreEvent;
import msgstore.api.StoreId;
import org.junit.jupiter.api.Test;

class DeliveryTest {
  private static final StoreId STORE = new StoreId(UUID.fromString("00112233-4455-6677-8899-aabbccddeeff"));

  private static StoreEvent created(long position, long message, long folder) {
    return new StoreEvent(position, EventType.OBJECT_CREATED, STORE, StoreEvent.ObjectKind.MESSAGE, message,
        Optional.of(FolderId.of(folder)), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        List.of(), Instant.EPOCH);
  }

  /** The smallest side: entries pushed by the test, delivered to a list when in scope. */
  static class Feed extends Delivery {
    final EventScope scope;
    final List<Long> got = new ArrayList<>();
    final AtomicInteger closes = new AtomicInteger();

    Feed(EventScope scope, long after) {
      super(after);
      this.scope = scope;
    }

    void push(StoreEvent e) {
      if (take(e.position())) {
        if (inScope(scope, e)) {
          hand(x -> got.add(x.position()), e);
        }
        advance(e.position());
      }
    }

    @Override
    protected void onClose() {
      closes.incrementAndGet();
    }
  }

  @Test
  void whereReplayAndLiveFeedOverlapEachEntryIsDeliveredOnceInJournalOrder() { // X4, R75
    Feed f = new Feed(EventScope.store(STORE), 2);
    for (long p : new long[] {1, 2, 3, 4}) { // replay, from before the start position
      f.push(created(p, 10 + p, 1));
    }
    for (long p : new long[] {3, 4, 5}) { // live: queued while the replay ran
      f.push(created(p, 10 + p, 1));
    }
    assertThat(f.got).containsExactly(3L, 4L, 5L);
    assertThat(f.lastPosition()).isEqualTo(5);
    assertThat(f.position()).isEqualTo(5);
  }

  @Test
  void entriesOutsideTheScopeStillMoveThePositionSoNothingArrivedCanBeAwaited() throws Exception { // R76
    Feed f = new Feed(EventScope.folder(FolderId.of(7)), 0);
    f.push(created(1, 20, 3));
    f.push(created(2, 21, 7));
    f.push(created(3, 22, 3));
    assertThat(f.got).containsExactly(2L);
    assertThat(f.awaitPosition(3, Duration.ZERO)).isTrue();
  }

  @Test
  void aMessageScopeMatchesTheMessageUnderItsOldIdToo() {
    StoreEvent moved = new StoreEvent(4, EventType.OBJECT_MOVED, STORE, StoreEvent.ObjectKind.MESSAGE, 31,
        Optional.of(FolderId.of(2)), Optional.of(30L), Optional.of(FolderId.of(1)), Optional.empty(), Optional.empty(),
        List.of(), Instant.EPOCH);
    assertThat(Delivery.inScope(EventScope.message(MessageId.of(30)), moved)).isTrue();
    assertThat(Delivery.inScope(EventScope.folder(FolderId.of(1)), moved)).as("old parent").isTrue();
    assertThat(Delivery.inScope(EventScope.message(MessageId.of(29)), moved)).isFalse();
  }

  @Test
  void awaitPositionWakesWhenDeliveryReachesTheTargetAndTimesOutOtherwise() throws Exception {
    Feed f = new Feed(EventScope.store(STORE), 0);
    CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> {
      try {
        return f.awaitPosition(2, Duration.ofSeconds(30));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    f.push(created(1, 1, 1));
    f.push(created(2, 2, 1));
    assertThat(waiter.get()).isTrue();
    assertThat(f.awaitPosition(9, Duration.ofMillis(20))).isFalse();
  }

  @Test
  void aSinkThatThrowsDoesNotStopDeliveryAndCloseRunsOnce() {
    Feed f = new Feed(EventScope.store(STORE), 0) {
      @Override
      void push(StoreEvent e) {
        if (take(e.position())) {
          hand(x -> { throw new IllegalStateException("sink bug"); }, e);
          advance(e.position());
        }
      }
    };
    f.push(created(1, 1, 1));
    assertThat(f.position()).isEqualTo(1);
    f.close();
    f.close();
    assertThat(f.closes).hasValue(1);
    f.push(created(2, 2, 1));
    assertThat(f.lastPosition()).as("a closed subscription takes nothing").isEqualTo(1);
  }
}
