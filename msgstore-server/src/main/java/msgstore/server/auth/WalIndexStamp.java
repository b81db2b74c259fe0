package msgstore.server.auth;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Tells, without a transaction, whether an SQLite database in WAL mode may have changed since an
 * earlier look: it reads the WAL-index header that SQLite keeps in the database's {@code -shm}
 * file (https://www.sqlite.org/walformat.html, "The WAL-Index Header"), which every connection
 * that commits (in any process) rewrites: its frame count, change counter, salts and checksums.
 * Two equal stamps mean no commit and no checkpoint came between them; anything uncertain (the
 * two copies of the header differ because a writer is between them, the header is not initialised,
 * the file is missing or unreadable) gives no stamp, and the caller reads the database.
 *
 * <p>One positional read of 96 bytes (a system call) replaces a read transaction (locks taken and
 * released on the database and on the {@code -shm} file, and the statement): {@link Accounts}
 * uses it so that a request with cached Basic credentials does not read its user's row while
 * {@code accounts.db} has not changed (ADR 0041). The owner keeps a connection to the database
 * open, so the {@code -shm} file stays in place and in use.
 */
final class WalIndexStamp implements AutoCloseable {
  /** Two copies of the 48-byte header: SQLite writes the second, then the first. */
  private static final int HEADER_BYTES = 48;
  /** The isInit byte of the header: 0 until a connection has built the index. */
  private static final int IS_INIT = 12;

  private final Path shm;
  private FileChannel channel; // guarded by this; null when unavailable

  private WalIndexStamp(Path shm) {
    this.shm = shm;
  }

  /** The stamp source of database {@code db} (its {@code -shm} file). */
  static WalIndexStamp of(Path db) {
    return new WalIndexStamp(db.resolveSibling(db.getFileName() + "-shm"));
  }

  /**
   * The current header, or null when it cannot be trusted now.
   */
  byte[] read() {
    ByteBuffer buf = ByteBuffer.allocate(2 * HEADER_BYTES);
    synchronized (this) {
      try {
        if (channel == null) {
          channel = FileChannel.open(shm, StandardOpenOption.READ);
        }
        while (buf.hasRemaining()) {
          if (channel.read(buf, buf.position()) < 0) {
            return null; // shorter than a header: not initialised yet
          }
        }
      } catch (IOException e) {
        closeChannel();
        return null;
      }
    }
    byte[] both = buf.array();
    if (both[IS_INIT] == 0 || !Arrays.equals(both, 0, HEADER_BYTES, both, HEADER_BYTES, 2 * HEADER_BYTES)) {
      return null; // not built yet, or a writer is between its two copies
    }
    return Arrays.copyOf(both, HEADER_BYTES);
  }

  private void closeChannel() {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing was written through it
      }
      channel = null;
    }
  }

  @Override
  public synchronized void close() {
    closeChannel();
  }
}
