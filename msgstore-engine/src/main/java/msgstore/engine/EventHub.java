package msgstore.engine;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import msgstore.api.EventScope;
import msgstore.api.EventType;
import msgstore.api.StoreEvent;
import msgstore.api.StoreId;
import msgstore.api.Subscription;
import msgstore.core.Delivery;
import msgstore.engine.spi.Storage;

/**
 * Delivers journal entries to subscribers (R75-R80, X4).
 *
 * <p>The storage hands over the entries of each durable transaction, in journal order, on its
 * writer thread ({@link #publish}); the hub only appends them to each subscriber's queue and starts
 * the virtual threads that drain the queues, so a slow sink never delays a commit. A subscriber
 * first replays the journal after its start position on a virtual thread of its own, then drains
 * its queue, skipping what the replay already delivered. Because a subscriber is registered before
 * its replay begins, every entry is either in the journal when the replay reads it or in the queue:
 * nothing is missed, nothing is delivered twice, and delivery follows journal order.
 *
 * <p>One thread at a time drains a subscriber's queue (its {@code draining} flag, taken by whoever
 * finds the queue not being drained: the replay, then {@link #publish}); the drain ends when the
 * queue is empty, and the next publish starts another. A subscriber whose sink may take its time
 * (the embedded API's: any code) gets a virtual thread of its own for each drain. A <em>quick</em>
 * sink (a server's event stream: it queues a frame and writes without blocking) shares one with up
 * to {@link #QUICK_BATCH} others, drained in turn: one event to a thousand streams costs a few
 * dozen threads, not a thousand wake-ups.
 *
 * <p>Positions, the once-only rule and the scope test are msgstore-core's {@link Delivery}, shared
 * with the SDK's event stream. Whenever a subscriber's queue runs empty after its position moved, the
 * optional {@code caughtUp} callback hears the new position (the server turns it into an SSE
 * {@code id:} line for the remote client's position).
 */
final class EventHub implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(EventHub.class.getName());
  /** Quick subscribers drained in turn by one virtual thread. */
  static final int QUICK_BATCH = 32;
  private final Storage storage;
  private final List<Sub> subs = new CopyOnWriteArrayList<>();

  EventHub(Storage storage) {
    this.storage = storage;
  }

  void publish(List<StoreEvent> entries) {
    List<Sub> quick = null;
    for (Sub s : subs) {
      boolean added = false;
      for (StoreEvent e : entries) {
        if (e.storeId().equals(s.store)) {
          s.queue.add(e);
          added = true;
        }
      }
      if (!added || !s.draining.compareAndSet(false, true)) {
        continue; // nothing for it, or a drain is running and will see the entries
      }
      if (!s.quick) {
        drainer(s.store).start(s::drain);
        continue;
      }
      if (quick == null) {
        quick = new ArrayList<>(QUICK_BATCH);
      }
      quick.add(s);
      if (quick.size() == QUICK_BATCH) {
        startDrains(quick);
        quick = null;
      }
    }
    if (quick != null) {
      startDrains(quick);
    }
  }

  private static void startDrains(List<Sub> batch) {
    drainer(batch.get(0).store).start(() -> {
      for (Sub s : batch) {
        s.drain();
      }
    });
  }

  private static Thread.Builder drainer(StoreId store) {
    return Thread.ofVirtual().name("msgstore-events-" + store);
  }

  Subscription subscribe(StoreId store, EventScope scope, Set<EventType> mask, long after, Consumer<StoreEvent> sink) {
    return subscribe(store, scope, mask, after, sink, null, false);
  }

  /**
   * @param caughtUp told the position each time delivery has caught up after moving; may be null
   * @param quick whether {@code sink} and {@code caughtUp} return at once (never wait for I/O or a
   *     lock held for long), so that the subscriber may share its delivery thread with others
   */
  Subscription subscribe(StoreId store, EventScope scope, Set<EventType> mask, long after, Consumer<StoreEvent> sink,
      LongConsumer caughtUp, boolean quick) {
    Sub s = new Sub(store, scope, Set.copyOf(mask), after, sink, caughtUp, quick);
    subs.add(s);
    s.replay = drainer(store).start(s::replayThenDrain);
    return s;
  }

  int subscriberCount() {
    return subs.size();
  }

  @Override
  public void close() {
    for (Sub s : subs) {
      s.close();
    }
  }

  private final class Sub extends Delivery {
    final StoreId store;
    final EventScope scope;
    final Set<EventType> mask;
    final Consumer<StoreEvent> sink;
    final LongConsumer caughtUp;
    final boolean quick;
    final ConcurrentLinkedQueue<StoreEvent> queue = new ConcurrentLinkedQueue<>();
    /** Held by the one thread draining {@link #queue}; the replay holds it from the start. */
    final AtomicBoolean draining = new AtomicBoolean(true);
    /** The position last told to {@link #caughtUp}; the draining thread only. */
    long reported;
    volatile Thread replay;

    Sub(StoreId store, EventScope scope, Set<EventType> mask, long after, Consumer<StoreEvent> sink,
        LongConsumer caughtUp, boolean quick) {
      super(after);
      this.store = store;
      this.scope = scope;
      this.mask = mask;
      this.sink = sink;
      this.caughtUp = caughtUp;
      this.quick = quick;
      this.reported = after;
    }

    void replayThenDrain() {
      try {
        while (!isClosed()) {
          List<StoreEvent> batch = storage.readJournal(store.guid(), lastPosition(), 1000);
          for (StoreEvent e : batch) {
            deliver(e);
          }
          if (batch.size() < 1000) {
            break;
          }
        }
      } catch (RuntimeException e) {
        if (!isClosed()) {
          LOG.log(Level.WARNING, "event subscription on " + store + " stopped", e);
          close();
        }
        return;
      }
      replay = null;
      drain();
    }

    /** Delivers what is queued, then lets go of {@link #draining}; the caller holds it. */
    void drain() {
      do {
        StoreEvent e;
        while ((e = queue.poll()) != null) {
          deliver(e);
        }
        reportCaughtUp();
        draining.set(false);
        // An entry queued after the last poll whose publisher found the flag still held is ours.
      } while (!queue.isEmpty() && draining.compareAndSet(false, true));
    }

    private void deliver(StoreEvent e) {
      if (!take(e.position())) {
        return;
      }
      if (mask.contains(e.type()) && inScope(scope, e)) {
        hand(sink, e);
      }
      advance(e.position());
    }

    private void reportCaughtUp() {
      long p = position();
      if (caughtUp != null && p > reported && !isClosed()) {
        reported = p;
        try {
          caughtUp.accept(p);
        } catch (RuntimeException ex) {
          LOG.log(Level.WARNING, "caught-up callback failed at " + p, ex);
        }
      }
    }

    @Override
    protected void onClose() {
      subs.remove(this);
      queue.clear();
      Thread t = replay;
      if (t != null) {
        t.interrupt();
      }
    }
  }
}
