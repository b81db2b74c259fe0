package msgstore.api;

import java.time.Duration;

/**
 * A live subscription (Advise). Closing it (Unadvise) stops delivery; idempotent.
 *
 * <p>To show that an action raised no matching event, read the journal head after it and wait
 * until delivery has passed it:
 *
 * <pre>{@code
 * long head = session.journalPosition(store);
 * assert sub.awaitPosition(head, Duration.ofSeconds(5)); // every matching event up to head was delivered
 * }</pre>
 */
public interface Subscription extends AutoCloseable {
  /**
   * The position of the last journal entry this subscription has taken, matching or not, or the
   * start position; it can be ahead of what the sink has finished with. Prefer {@link #position()}.
   */
  long lastPosition();

  /**
   * The journal position up to which delivery is complete: every matching entry at or before it
   * has been passed to the sink and the sink has returned. It starts at the start position and
   * advances over entries that do not match the scope or mask too, so it reaches the store's
   * {@link Session#journalPosition journal head} once delivery has caught up, whether or not
   * anything matched. Never decreases.
   */
  long position();

  /**
   * Waits until {@link #position()} is at least {@code target}.
   *
   * @return true when it got there, false when {@code timeout} passed first or the subscription
   *     was closed
   * @throws InterruptedException when the waiting thread is interrupted
   */
  boolean awaitPosition(long target, Duration timeout) throws InterruptedException;

  @Override
  void close();
}
