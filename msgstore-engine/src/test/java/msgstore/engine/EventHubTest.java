package msgstore.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import msgstore.api.EventScope;
import msgstore.api.EventType;
import msgstore.api.StoreEvent;
import msgstore.api.StoreId;
import msgstore.api.Subscription;
import msgstore.engine.spi.Storage;
import org.junit.jupiter.api.Test;

/**
 * The hub's hand-over between the thread publishing entries and the threads draining subscribers'
 * queues, without a storage behind it (an empty journal: every entry arrives live). The drains
 * are made slow where a hand-over can be lost (after the last poll, before letting go), so that an
 * entry published then is stranded unless the drain looks again.
 */
class EventHubTest {
  private static final StoreId STORE = new StoreId(UUID.randomUUID());

  private static Storage emptyJournal() {
    return (Storage) Proxy.newProxyInstance(Storage.class.getClassLoader(), new Class<?>[] {Storage.class},
        (proxy, method, args) -> switch (method.getName()) {
          case "readJournal" -> List.of();
          case "toString" -> "empty journal";
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }

  private static StoreEvent entry(long position) {
    return new StoreEvent(position, EventType.OBJECT_MODIFIED, STORE, StoreEvent.ObjectKind.MESSAGE, position,
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), List.of(), Instant.EPOCH);
  }

  private static void spinMicros(long micros) {
    long end = System.nanoTime() + micros * 1000;
    while (System.nanoTime() < end) {
      Thread.onSpinWait();
    }
  }

  @Test
  void everySubscriberShouldGetEveryEntryOnceInOrderWhenEntriesArriveWhileItsDrainEnds() throws Exception {
    int entries = 300;
    try (EventHub hub = new EventHub(emptyJournal())) {
      List<List<Long>> seen = new ArrayList<>();
      List<Subscription> subs = new ArrayList<>();
      for (int i = 0; i < EventHub.QUICK_BATCH + 8; i++) {
        boolean quick = i % 4 != 0; // most share their delivery threads, some have their own
        List<Long> mine = Collections.synchronizedList(new ArrayList<>());
        seen.add(mine);
        // The caught-up callback runs after a drain's last poll: a slow one holds that window open.
        subs.add(hub.subscribe(STORE, EventScope.store(STORE), EventType.all(), 0, e -> mine.add(e.position()),
            p -> spinMicros(100 + ThreadLocalRandom.current().nextInt(100)), quick));
      }
      List<Long> all = new ArrayList<>();
      for (long p = 1; p <= entries; p++) {
        hub.publish(List.of(entry(p)));
        all.add(p);
        for (int i = 0; i < subs.size(); i++) { // delivered: the next entry comes while the drain ends
          assertThat(subs.get(i).awaitPosition(p, Duration.ofSeconds(10))).as("subscriber %d, entry %d", i, p).isTrue();
        }
      }
      for (int i = 0; i < subs.size(); i++) {
        assertThat(seen.get(i)).as("subscriber %d", i).containsExactlyElementsOf(all);
      }
    }
  }
}
