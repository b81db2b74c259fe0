package msgstore.engine;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The decoded content of recently opened versions, by message id and change number. A version never
 * changes once committed (R33: a save makes a new one), so an entry is never stale; it only spares
 * the decoding when the same version is opened again, which is what many clients racing one message
 * do (each loser reopens the winner's version) and what a client reading a message it just read does.
 * Bounded by the encoded bytes it stands for; the least recently used entries go first.
 */
final class DecodedVersions {
  /** The encoded bytes the cached entries stand for, at most (the decoded objects take about 2-3x). */
  static final long DEFAULT_BUDGET_BYTES = 4L << 20;

  private record Key(long messageId, long cn) {}

  private record Entry(Content content, int encodedBytes) {}

  private final long budgetBytes;
  private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);
  private long bytes;

  DecodedVersions(long budgetBytes) {
    this.budgetBytes = budgetBytes;
  }

  /** The content of version {@code cn} of a message, decoded from {@code encoded} unless it is cached. */
  Content get(long messageId, long cn, byte[] encoded) {
    Key key = new Key(messageId, cn);
    synchronized (this) {
      Entry e = entries.get(key);
      if (e != null) {
        return e.content();
      }
    }
    Content decoded = ContentCodec.decode(encoded);
    if (encoded.length <= budgetBytes / 8) {
      put(key, new Entry(decoded, encoded.length));
    }
    return decoded;
  }

  private synchronized void put(Key key, Entry e) {
    Entry old = entries.put(key, e);
    bytes += e.encodedBytes() - (old == null ? 0 : old.encodedBytes());
    var it = entries.entrySet().iterator();
    while (bytes > budgetBytes && it.hasNext()) {
      Map.Entry<Key, Entry> eldest = it.next();
      bytes -= eldest.getValue().encodedBytes();
      it.remove();
    }
  }

  synchronized int size() {
    return entries.size();
  }
}
