package msgstore.engine;

/**
 * The decoded content of recently opened versions, by message id and change number. A version never
 * changes once committed (R33: a save makes a new one), so an entry is never stale; it only spares
 * the decoding when the same version is opened again, which is what many clients racing one message
 * do (each loser reopens the winner's version) and what a client reading a message it just read does.
 * Bounded by the encoded bytes it stands for; the least recently used entries go first, and a
 * server drops the ones unused for a while ({@link EmbeddedMessageStore#expireUnusedCaches}).
 */
final class DecodedVersions {
  /**
   * The encoded bytes the cached entries stand for, at most (the decoded objects take about 2-3x):
   * 16 MiB, about the 2,000 current versions of the peer benchmark's store (docs/BENCHMARKS.md,
   * "An open reads the row alone"); {@code -Dmsgstore.decoded.versions.mib=N} sets another.
   */
  static final long DEFAULT_BUDGET_BYTES = Long.getLong("msgstore.decoded.versions.mib", 16) << 20;

  private record Key(long messageId, long cn) {}

  private final long budgetBytes;
  private final LruBytes<Key, Content> entries;

  DecodedVersions(long budgetBytes) {
    this.budgetBytes = budgetBytes;
    this.entries = new LruBytes<>(budgetBytes);
  }

  /** The content of version {@code cn} of a message, decoded from {@code encoded} unless it is cached. */
  Content get(long messageId, long cn, byte[] encoded) {
    Content cached = cached(messageId, cn);
    if (cached != null) {
      return cached;
    }
    Content decoded = ContentCodec.decode(encoded);
    remember(messageId, cn, decoded, encoded.length);
    return decoded;
  }

  /** The content of version {@code cn} of a message when it is cached, else null. */
  Content cached(long messageId, long cn) {
    return entries.get(new Key(messageId, cn));
  }

  /**
   * Keeps {@code content}, the decoded form of version {@code cn} ({@code encodedBytes} long
   * encoded): a save adds the version it committed, so that the next open of the message (another
   * client's, or the next save's) reads only its row.
   */
  void remember(long messageId, long cn, Content content, int encodedBytes) {
    if (encodedBytes <= budgetBytes / 8) {
      entries.put(new Key(messageId, cn), content, encodedBytes);
    }
  }

  /** Drops the versions not opened or saved for {@code nanos} nanoseconds or more. */
  void expireUnusedFor(long nanos) {
    entries.expireUnusedFor(nanos);
  }

  int size() {
    return entries.size();
  }
}
