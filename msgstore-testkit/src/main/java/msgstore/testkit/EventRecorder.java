package msgstore.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import msgstore.api.StoreEvent;
import msgstore.api.Subscription;

/**
 * A notification sink for tests: events are queued as they arrive (on the store's delivery thread)
 * and the test thread waits for them with {@link BlockingQueue#poll(long, TimeUnit)}, never with a
 * sleep. To show that something did <em>not</em> raise an event, a test makes a later "marker"
 * change and waits for its event: delivery is in journal order (R75, X4), so anything raised
 * before the marker has arrived by then ({@link #takeThrough}).
 */
public final class EventRecorder implements Consumer<StoreEvent>, AutoCloseable {
  /** How long a test waits for one expected event before failing. */
  public static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final BlockingQueue<StoreEvent> queue = new LinkedBlockingQueue<>();
  private final List<StoreEvent> received = Collections.synchronizedList(new ArrayList<>());
  private final Set<Thread> deliveryThreads = ConcurrentHashMap.newKeySet();
  private volatile Consumer<StoreEvent> onEvent = e -> {};
  private volatile Subscription subscription;

  /** Code run inside the sink for every event, before it is queued (R79 tests reopen there). */
  public EventRecorder onEvent(Consumer<StoreEvent> action) {
    this.onEvent = action;
    return this;
  }

  void attach(Subscription s) {
    this.subscription = s;
  }

  public Subscription subscription() {
    return subscription;
  }

  @Override
  public void accept(StoreEvent e) {
    deliveryThreads.add(Thread.currentThread());
    try {
      onEvent.accept(e);
    } finally {
      received.add(e);
      queue.add(e);
    }
  }

  /**
   * Waits for the next event matching {@code p}, dropping the ones before it from the queue.
   *
   * @throws AssertionError when none arrives within {@link #TIMEOUT}
   */
  public StoreEvent await(Predicate<StoreEvent> p, String what) {
    return takeThrough(p, what).getLast();
  }

  /**
   * Takes every queued event up to and including the first one matching {@code marker}, waiting
   * for it; returns them in delivery order.
   */
  public List<StoreEvent> takeThrough(Predicate<StoreEvent> marker, String what) {
    List<StoreEvent> taken = new ArrayList<>();
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      StoreEvent e;
      try {
        e = left <= 0 ? null : queue.poll(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what, ie);
      }
      if (e == null) {
        throw new AssertionError("no event '" + what + "' within " + TIMEOUT + "; got meanwhile: " + taken);
      }
      taken.add(e);
      if (marker.test(e)) {
        return taken;
      }
    }
  }

  /** Every event delivered so far, in delivery order. */
  public List<StoreEvent> received() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  /** The threads the sink was called on. */
  public Set<Thread> deliveryThreads() {
    return Set.copyOf(deliveryThreads);
  }

  @Override
  public void close() {
    Subscription s = subscription;
    if (s != null) {
      s.close();
    }
  }
}
