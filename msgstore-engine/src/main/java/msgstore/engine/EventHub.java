package msgstore.engine;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
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
 * writer thread ({@link #publish}); the hub only appends them to each subscriber's queue, so a slow
 * sink never delays a commit. Each subscriber has its own virtual thread that first replays the
 * journal after its start position, then drains its queue, skipping what the replay already
 * delivered. Because a subscriber is registered before its replay begins, every entry is either
 * in the journal when the replay reads it or in the queue: nothing is missed, nothing is
 * delivered twice, and delivery follows journal order.
 *
 * <p>Positions, the once-only rule and the scope test are msgstore-core's {@link Delivery}, shared
 * with the SDK's event stream. Whenever a subscriber's queue runs empty after its position moved, the
 * optional {@code caughtUp} callback hears the new position (the server turns it into an SSE
 * {@code id:} line for the remote client's position).
 */
final class EventHub implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(EventHub.class.getName());
  private final Storage storage;
  private final List<Sub> subs = new CopyOnWriteArrayList<>();

  EventHub(Storage storage) {
    this.storage = storage;
  }

  void publish(List<StoreEvent> entries) {
    for (Sub s : subs) {
      for (StoreEvent e : entries) {
        if (e.storeId().equals(s.store)) {
          s.queue.add(e);
        }
      }
    }
  }

  Subscription subscribe(StoreId store, EventScope scope, Set<EventType> mask, long after, Consumer<StoreEvent> sink) {
    return subscribe(store, scope, mask, after, sink, null);
  }

  /** @param caughtUp told the position each time delivery has caught up after moving; may be null */
  Subscription subscribe(StoreId store, EventScope scope, Set<EventType> mask, long after, Consumer<StoreEvent> sink,
      LongConsumer caughtUp) {
    Sub s = new Sub(store, scope, Set.copyOf(mask), after, sink, caughtUp);
    subs.add(s);
    s.thread = Thread.ofVirtual().name("msgstore-events-" + store).start(s::run);
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
    final LinkedBlockingQueue<StoreEvent> queue = new LinkedBlockingQueue<>();
    /** The position last told to {@link #caughtUp}; delivery thread only. */
    long reported;
    Thread thread;

    Sub(StoreId store, EventScope scope, Set<EventType> mask, long after, Consumer<StoreEvent> sink,
        LongConsumer caughtUp) {
      super(after);
      this.store = store;
      this.scope = scope;
      this.mask = mask;
      this.sink = sink;
      this.caughtUp = caughtUp;
      this.reported = after;
    }

    void run() {
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
        while (!isClosed()) {
          StoreEvent e = queue.poll();
          if (e == null) {
            reportCaughtUp();
            e = queue.take();
          }
          deliver(e);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        if (!isClosed()) {
          LOG.log(Level.WARNING, "event subscription on " + store + " stopped", e);
        }
      }
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
      if (thread != null) {
        thread.interrupt();
      }
    }
  }
}
