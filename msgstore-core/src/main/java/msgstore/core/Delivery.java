package msgstore.core;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import msgstore.api.EventScope;
import msgstore.api.StoreEvent;
import msgstore.api.Subscription;

/**
 * The delivery side of a subscription (R75-R80, X4), the same embedded and remote: journal entries
 * reach it in journal order, possibly twice where a replay and the live feed overlap (the engine
 * replays the journal while new commits queue up; the SDK reconnects with {@code Last-Event-ID});
 * {@link #take} lets each position through once, so nothing is delivered twice and, as long as the
 * feeds overlap, nothing is missed.
 *
 * <p>Positions: {@link #lastPosition()} is the last entry taken (before its sink call);
 * {@link #position()} the last one finished with (after its sink call, or at once for an entry
 * that does not match, or for a "caught up to" mark), so it reaches the journal head once delivery
 * has caught up, and {@link #awaitPosition} can wait for "nothing arrived". A side supplies how
 * entries arrive and what closing stops ({@link #onClose}).
 */
public abstract class Delivery implements Subscription {
  private static final System.Logger LOG = System.getLogger(Delivery.class.getName());
  private volatile long last;
  /** {@link #position()}; written under {@code this}. */
  private volatile long delivered;
  private volatile boolean closed;

  /** {@code after}: the journal position delivery starts after. */
  protected Delivery(long after) {
    this.last = after;
    this.delivered = after;
  }

  /**
   * Takes the entry (or caught-up mark) at {@code position}: false when the subscription is closed
   * or the position was taken already (replay and live feed overlap), else it becomes {@link
   * #lastPosition()}. Called by the one delivery thread.
   */
  protected final boolean take(long position) {
    if (closed || position <= last) {
      return false;
    }
    last = position;
    return true;
  }

  /** Hands {@code e} to the sink; a sink that throws is logged and does not stop delivery. */
  protected static void hand(Consumer<StoreEvent> sink, StoreEvent e) {
    try {
      sink.accept(e);
    } catch (RuntimeException ex) {
      LOG.log(System.Logger.Level.WARNING, "event sink failed on " + e, ex);
    }
  }

  /** Delivery is complete up to {@code position}: wakes {@link #awaitPosition} callers. */
  protected final void advance(long position) {
    synchronized (this) {
      if (position > delivered) {
        delivered = position;
      }
      notifyAll();
    }
  }

  protected final boolean isClosed() {
    return closed;
  }

  @Override
  public final long lastPosition() {
    return last;
  }

  @Override
  public final long position() {
    return delivered;
  }

  @Override
  public final synchronized boolean awaitPosition(long target, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (delivered < target && !closed) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return delivered >= target;
  }

  /** Closes once: wakes waiters, then {@link #onClose} stops the feed. */
  @Override
  public final void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      notifyAll();
    }
    onClose();
  }

  /** Stops the feed (the delivery thread, the stream); runs once, after the subscription is closed. */
  protected abstract void onClose();

  /** Whether an entry concerns a scope (R76): the store, a folder (as parent, old parent or itself), a message. */
  public static boolean inScope(EventScope scope, StoreEvent e) {
    return switch (scope) {
      case EventScope.Store st -> true;
      case EventScope.Folder f -> e.parentId().map(f.folder()::equals).orElse(false)
          || e.oldParentId().map(f.folder()::equals).orElse(false)
          || e.folderId().map(f.folder()::equals).orElse(false);
      case EventScope.Message m -> e.concerns(m.message());
    };
  }
}
