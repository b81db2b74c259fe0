package msgstore.engine;

import java.lang.System.Logger.Level;
import java.time.Duration;
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
 * <p>A subscriber's {@link Subscription#position()} advances after the sink returns for a matching
 * entry and at once for one that does not match, so it reaches the store's journal head once
 * delivery has caught up. Whenever a subscriber's queue runs empty after its position moved, the
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

  private final class Sub implements Subscription {
    final StoreId store;
    final EventScope scope;
    final Set<EventType> mask;
    final Consumer<StoreEvent> sink;
    final LongConsumer caughtUp;
    final LinkedBlockingQueue<StoreEvent> queue = new LinkedBlockingQueue<>();
    /** The last entry taken (before its sink call). */
    volatile long last;
    /** {@link #position()}: the last entry finished with (after its sink call); guarded writes under {@code this}. */
    volatile long delivered;
    /** The position last told to {@link #caughtUp}; delivery thread only. */
    long reported;
    volatile boolean closed;
    Thread thread;

    Sub(StoreId store, EventScope scope, Set<EventType> mask, long after, Consumer<StoreEvent> sink,
        LongConsumer caughtUp) {
      this.store = store;
      this.scope = scope;
      this.mask = mask;
      this.sink = sink;
      this.caughtUp = caughtUp;
      this.last = after;
      this.delivered = after;
      this.reported = after;
    }

    void run() {
      try {
        while (!closed) {
          List<StoreEvent> batch = storage.readJournal(store.guid(), last, 1000);
          for (StoreEvent e : batch) {
            deliver(e);
          }
          if (batch.size() < 1000) {
            break;
          }
        }
        while (!closed) {
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
        if (!closed) {
          LOG.log(Level.WARNING, "event subscription on " + store + " stopped", e);
        }
      }
    }

    private void deliver(StoreEvent e) {
      if (closed || e.position() <= last) {
        return;
      }
      last = e.position();
      if (mask.contains(e.type()) && matches(e)) {
        try {
          sink.accept(e);
        } catch (RuntimeException ex) {
          LOG.log(Level.WARNING, "event sink failed on " + e, ex);
        }
      }
      synchronized (this) {
        delivered = e.position();
        notifyAll();
      }
    }

    private void reportCaughtUp() {
      long p = delivered;
      if (caughtUp != null && p > reported && !closed) {
        reported = p;
        try {
          caughtUp.accept(p);
        } catch (RuntimeException ex) {
          LOG.log(Level.WARNING, "caught-up callback failed at " + p, ex);
        }
      }
    }

    private boolean matches(StoreEvent e) {
      return switch (scope) {
        case EventScope.Store st -> true;
        case EventScope.Folder f -> e.parentId().map(f.folder()::equals).orElse(false)
            || e.oldParentId().map(f.folder()::equals).orElse(false)
            || e.folderId().map(f.folder()::equals).orElse(false);
        case EventScope.Message m -> e.concerns(m.message());
      };
    }

    @Override
    public long lastPosition() {
      return last;
    }

    @Override
    public long position() {
      return delivered;
    }

    @Override
    public synchronized boolean awaitPosition(long target, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (delivered < target && !closed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return delivered >= target;
    }

    @Override
    public void close() {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        notifyAll();
      }
      subs.remove(this);
      if (thread != null) {
        thread.interrupt();
      }
    }
  }
}
