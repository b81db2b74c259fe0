package msgstore.server;

import msgstore.engine.LruBytes;
import msgstore.engine.ServerSupport.ViewKey;

/**
 * The JSON bodies of {@code GET .../messages/{m}} answered lately, by what the read-only open
 * showed ({@link ViewKey}: message, MODSEQ, change number, the caller's access bits). A message's
 * MODSEQ moves with every journaled change of it, so an entry is never stale: a changed message
 * has a new key and its old entry simply ages out. Least recently used first out, at most {@code
 * maxBytes} of bodies; a body larger than a sixteenth of that, or than 1 MiB, is not kept; the
 * server drops the bodies nobody asked for in a while ({@link #expireUnusedFor}).
 *
 * <p>What it saves per GET (JFR of a 4-client GET load, 10.8 KB messages): decoding the version,
 * building the snapshot and its JSON tree, and serialising it, about half of the request's CPU.
 */
final class RenderedBodies {
  /** A body with the ETag it was answered with. */
  record Body(String etag, byte[] json) {}

  /** The largest body kept: a large message is rare and would crowd out many small ones. */
  static final long MAX_BODY_BYTES = 1L << 20;

  private final long maxBytes;
  private final LruBytes<ViewKey, Body> entries;

  RenderedBodies(long maxBytes) {
    this.maxBytes = maxBytes;
    this.entries = new LruBytes<>(maxBytes);
  }

  Body get(ViewKey key) {
    return entries.get(key);
  }

  void put(ViewKey key, Body body) {
    if (body.json().length <= Math.min(maxBytes / 16, MAX_BODY_BYTES)) {
      entries.put(key, body, body.json().length);
    }
  }

  /** Drops the bodies not asked for in {@code nanos} nanoseconds or more. */
  void expireUnusedFor(long nanos) {
    entries.expireUnusedFor(nanos);
  }

  /** The number of bodies kept. */
  int size() {
    return entries.size();
  }
}
