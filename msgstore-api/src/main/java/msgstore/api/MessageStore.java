package msgstore.api;

/**
 * A msgstore instance: an embedded store over a database file, or a remote server. Thread-safe.
 * Obtain one from an implementation's factory (for example {@code SqliteMessageStore.open}).
 */
public interface MessageStore extends AutoCloseable {
  /** A session acting as {@code user}. An embedded store trusts the name it is given. */
  Session openSession(String user);

  /** The limits this store enforces. */
  StoreLimits limits();

  /** Closes the store; in-flight saves finish first. */
  @Override
  void close();
}
