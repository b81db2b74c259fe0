package msgstore.engine;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A cache of immutable values bounded by the bytes they stand for: least recently used out first,
 * and {@link #expireUnusedFor entries unused for a while} out on request, so that a server which
 * has gone quiet gives the memory back (issue 11: under 150 MB resident when idle). Thread-safe:
 * a get or put holds the cache's lock for a map operation or two, an expiry for the entries it
 * drops (and one more).
 *
 * <p>The engine's decoded versions and the server's rendered GET bodies are both kept in one.
 *
 * @param <K> the key
 * @param <V> the value; never null
 */
public final class LruBytes<K, V> {
  private static final class Entry<V> {
    final V value;
    final long bytes;
    long usedAt; // nanoTime of the last get or put, under the cache's lock

    Entry(V value, long bytes, long usedAt) {
      this.value = value;
      this.bytes = bytes;
      this.usedAt = usedAt;
    }
  }

  private final long budgetBytes;
  private final LongSupplier nanoTime;
  private final LinkedHashMap<K, Entry<V>> entries = new LinkedHashMap<>(256, 0.75f, true);
  private long bytes;

  /** A cache of at most {@code budgetBytes}, its entries' use timed by {@link System#nanoTime}. */
  public LruBytes(long budgetBytes) {
    this(budgetBytes, System::nanoTime);
  }

  /** The same, timed by {@code nanoTime} (tests). */
  public LruBytes(long budgetBytes, LongSupplier nanoTime) {
    this.budgetBytes = budgetBytes;
    this.nanoTime = nanoTime;
  }

  /** The value kept for {@code key}, now the most recently used; null when none. */
  public synchronized V get(K key) {
    Entry<V> e = entries.get(key);
    if (e == null) {
      return null;
    }
    e.usedAt = nanoTime.getAsLong(); // the map moved it last already: it is in access order
    return e.value;
  }

  /**
   * Keeps {@code value}, which stands for {@code size} bytes, dropping the least recently used
   * entries while the cache is over its budget. A value larger than the whole budget is not kept.
   */
  public synchronized void put(K key, V value, long size) {
    if (size > budgetBytes) {
      return;
    }
    Entry<V> old = entries.put(key, new Entry<>(value, size, nanoTime.getAsLong()));
    bytes += size - (old == null ? 0 : old.bytes);
    for (Iterator<Entry<V>> it = entries.values().iterator(); bytes > budgetBytes && it.hasNext(); ) {
      bytes -= it.next().bytes;
      it.remove();
    }
  }

  /**
   * Drops the entries not used for {@code nanos} nanoseconds or more. Entries are in the order of
   * their last use, so this stops at the first one used since.
   *
   * @return the bytes the dropped entries stood for
   */
  public synchronized long expireUnusedFor(long nanos) {
    long now = nanoTime.getAsLong();
    long freed = 0;
    for (Iterator<Map.Entry<K, Entry<V>>> it = entries.entrySet().iterator(); it.hasNext(); ) {
      Entry<V> e = it.next().getValue();
      if (now - e.usedAt < nanos) {
        break;
      }
      freed += e.bytes;
      it.remove();
    }
    bytes -= freed;
    return freed;
  }

  /** The number of entries kept. */
  public synchronized int size() {
    return entries.size();
  }

  /** The bytes the kept entries stand for. */
  public synchronized long bytes() {
    return bytes;
  }
}
