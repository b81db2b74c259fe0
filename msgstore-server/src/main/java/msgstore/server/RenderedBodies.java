package msgstore.server;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import msgstore.engine.ServerSupport.ViewKey;

/**
 * The JSON bodies of {@code GET .../messages/{m}} answered lately, by what the read-only open
 * showed ({@link ViewKey}: message, MODSEQ, change number, the caller's access bits). A message's
 * MODSEQ moves with every journaled change of it, so an entry is never stale: a changed message
 * has a new key and its old entry simply ages out. Least recently used first out, at most {@code
 * maxBytes} of bodies; a body larger than a sixteenth of that, or than 1 MiB, is not kept.
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
  private final LinkedHashMap<ViewKey, Body> entries = new LinkedHashMap<>(256, 0.75f, true);
  private long bytes;

  RenderedBodies(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  synchronized Body get(ViewKey key) {
    return entries.get(key);
  }

  synchronized void put(ViewKey key, Body body) {
    if (body.json().length > Math.min(maxBytes / 16, MAX_BODY_BYTES)) {
      return;
    }
    Body old = entries.put(key, body);
    bytes += body.json().length - (old == null ? 0 : old.json().length);
    for (Iterator<Map.Entry<ViewKey, Body>> it = entries.entrySet().iterator(); bytes > maxBytes && it.hasNext(); ) {
      bytes -= it.next().getValue().json().length;
      it.remove();
    }
  }
}
