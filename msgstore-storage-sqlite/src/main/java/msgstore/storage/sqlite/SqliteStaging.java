package msgstore.storage.sqlite;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Small content staged for a commit yet to come ({@link SqliteStorage#stageBlob}, ADR 0022): held
 * in memory by address until the first commit whose version refers to it writes it into {@code
 * inline_blob} in that commit's transaction. A staged blob is readable by address at once, like a
 * put one.
 *
 * <p>An entry leaves the map in one of two ways, and both keep "an address that is not staged is
 * stored" true: after the transaction that wrote it inline is durable ({@link #written}, which
 * removes only the very array that was written, so content staged again meanwhile stays), or when
 * the map is over its budget, oldest first, after it was written to a blob file ({@link #stage}
 * returns those for the caller to write before {@link #evicted} drops them). So memory stays
 * bounded even when handles stage content and never save.
 */
final class SqliteStaging {
  /** Content up to this size is staged; larger content is streamed into a blob file at once. */
  static final int MAX_BYTES = 256 * 1024;
  /** The most staged bytes held at once; past it the oldest go to blob files. */
  static final long BUDGET_BYTES = 64L * 1024 * 1024;

  /** Staged content the caller must store as a blob file before calling {@link #evicted}. */
  record Evicted(String sha, byte[] bytes) {}

  /** Content written inline by a transaction: its address and the very array written. */
  record Written(String sha, byte[] bytes) {}

  private final long budget;
  private final Map<String, byte[]> staged = new LinkedHashMap<>();
  private long bytes;

  SqliteStaging() {
    this(BUDGET_BYTES);
  }

  SqliteStaging(long budget) {
    this.budget = budget;
  }

  /** Stages {@code content} under {@code sha}; returns what went over the budget, oldest first. */
  synchronized List<Evicted> stage(String sha, byte[] content) {
    byte[] before = staged.remove(sha);
    if (before != null) {
      bytes -= before.length;
    }
    staged.put(sha, content);
    bytes += content.length;
    List<Evicted> out = List.of();
    long over = bytes - budget;
    for (Iterator<Map.Entry<String, byte[]>> it = staged.entrySet().iterator(); over > 0 && it.hasNext(); ) {
      Map.Entry<String, byte[]> e = it.next();
      if (e.getKey().equals(sha)) {
        continue; // the caller's own content stays until its commit
      }
      if (out.isEmpty()) {
        out = new ArrayList<>();
      }
      out.add(new Evicted(e.getKey(), e.getValue()));
      over -= e.getValue().length;
    }
    return out;
  }

  /** Drops evicted content once it is stored as a blob file (unless staged again since). */
  synchronized void evicted(List<Evicted> gone) {
    for (Evicted e : gone) {
      if (staged.remove(e.sha(), e.bytes())) {
        bytes -= e.bytes().length;
      }
    }
  }

  /** The staged content of {@code sha}, or null when it is not staged (stored, or unknown). */
  synchronized byte[] get(String sha) {
    return staged.get(sha);
  }

  /** A stream of the staged content of {@code sha}, or null when it is not staged. */
  ByteArrayInputStream open(String sha) {
    byte[] b = get(sha);
    return b == null ? null : new ByteArrayInputStream(b);
  }

  /** Drops content that a durable transaction wrote inline (unless staged again since). */
  synchronized void written(List<Written> done) {
    for (Written w : done) {
      if (staged.remove(w.sha(), w.bytes())) {
        bytes -= w.bytes().length;
      }
    }
  }

  synchronized long stagedBytes() {
    return bytes;
  }
}
