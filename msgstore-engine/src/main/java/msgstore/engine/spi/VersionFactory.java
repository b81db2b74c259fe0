package msgstore.engine.spi;

/**
 * Builds a version inside the commit, after the change number is allocated. Called on the
 * backend's writer thread, at most once per attempt; it must be quick and must not call the
 * storage.
 */
@FunctionalInterface
public interface VersionFactory {
  NewVersion build(VersionContext context);

  /**
   * @param messageId the id the version is stored under (new for creations, moves and copies)
   * @param cn the allocated change number
   * @param commitTime the transaction's time
   * @param current the current stored message, or null when creating. For {@code PutMessage} only its
   *     id, store, folder and change number are meaningful (a backend may check the precondition
   *     in the same statement that writes, without reading the row first) and its {@code content}
   *     is null; for {@code MoveMessage} it is the source message with content.
   */
  record VersionContext(long messageId, long cn, java.time.Instant commitTime, StoredMessage current) {}
}
