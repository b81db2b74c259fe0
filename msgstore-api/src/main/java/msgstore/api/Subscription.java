package msgstore.api;

/** A live subscription (Advise). Closing it (Unadvise) stops delivery; idempotent. */
public interface Subscription extends AutoCloseable {
  /** The position of the last event delivered to this subscriber, or the start position. */
  long lastPosition();

  @Override
  void close();
}
