package msgstore.storage.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import msgstore.api.ContentRef;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import msgstore.storage.jdbc.JdbcRows;

/**
 * Content-addressed blobs in the database (ADR 0024): {@code blob} names, by SHA-256, the upload
 * whose {@code blob_chunk} rows of {@value #CHUNK_BYTES} bytes hold the content. Neither a put nor
 * a read ever holds more than one chunk in memory.
 *
 * <p>A put writes its chunks and then its blob row in one transaction; when the address exists
 * already it drops its own chunks and refreshes the stored time instead (the same row lock that a
 * collection's DELETE takes, so "refresh" and "check age, then delete" exclude each other: a
 * collection that deleted the row first makes the put insert it anew with its own chunks).
 */
final class PostgresBlobs {
  static final int CHUNK_BYTES = 256 * 1024;
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private final PostgresPool pool;
  private final Clock clock;

  PostgresBlobs(PostgresPool pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
  }

  static boolean isSha256(String sha) {
    return sha != null && SHA256.matcher(sha).matches();
  }

  ContentRef put(InputStream content, long maxBytes) {
    if (content == null || maxBytes < 0) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "putBlob needs content and maxBytes >= 0, got " + maxBytes);
    }
    try {
      return pool.inTransaction("store a blob", c -> put(c, content, maxBytes));
    } catch (SQLException e) {
      throw PostgresErrors.translate(e, "storing a blob in " + pool.name());
    }
  }

  private ContentRef put(PostgresTx c, InputStream content, long maxBytes) throws SQLException {
    MessageDigest sha256 = newDigest();
    long upload = c.queryLong("SELECT nextval('blob_upload_seq')");
    PreparedStatement chunk = c.prepare("INSERT INTO blob_chunk (upload_id, seq, data) VALUES (?, ?, ?)");
    byte[] buffer = new byte[CHUNK_BYTES];
    long size = 0;
    int seq = 0;
    while (true) {
      int n = read(content, buffer);
      if (n == 0) {
        break;
      }
      size += n;
      if (size > maxBytes) {
        throw new StoreException(MapiError.TOO_BIG, "attachment content exceeds the limit of " + maxBytes + " bytes");
      }
      sha256.update(buffer, 0, n);
      chunk.setLong(1, upload);
      chunk.setInt(2, seq++);
      chunk.setBytes(3, n == buffer.length ? buffer : Arrays.copyOf(buffer, n));
      chunk.executeUpdate();
      if (n < buffer.length) {
        break;
      }
    }
    String sha = HexFormat.of().formatHex(sha256.digest());
    PreparedStatement row = c.prepare("INSERT INTO blob (sha, upload_id, size, stored_at) VALUES (?, ?, ?, ?)"
        + " ON CONFLICT (sha) DO UPDATE SET stored_at = greatest(blob.stored_at, excluded.stored_at) RETURNING upload_id");
    row.setString(1, sha);
    row.setLong(2, upload);
    row.setLong(3, size);
    row.setLong(4, JdbcRows.micros(clock.instant()));
    long owner;
    try (ResultSet rs = row.executeQuery()) {
      rs.next();
      owner = rs.getLong(1);
    }
    if (owner != upload) {
      PreparedStatement drop = c.prepare("DELETE FROM blob_chunk WHERE upload_id = ?");
      drop.setLong(1, upload);
      drop.executeUpdate();
    }
    return new ContentRef(sha, size);
  }

  private static int read(InputStream in, byte[] buffer) {
    try {
      return in.readNBytes(buffer, 0, buffer.length);
    } catch (IOException e) {
      throw new StoreException(MapiError.CALL_FAILED, "reading the content of a blob failed: " + e, e);
    }
  }

  /** Streams a blob chunk by chunk, each read on a connection borrowed for that chunk only. */
  InputStream open(String sha) {
    if (!isSha256(sha)) {
      throw new StoreException(MapiError.NOT_FOUND, "no blob '" + sha + "' (not a SHA-256 hex)");
    }
    long upload = find(sha);
    if (upload < 0) {
      throw new StoreException(MapiError.NOT_FOUND, "no blob " + sha + " in " + pool.name());
    }
    return new ChunkStream(sha, upload);
  }

  /** The upload holding blob {@code sha}, or -1. */
  long find(String sha) {
    try (PostgresTx c = pool.borrow("find blob " + sha)) {
      PreparedStatement ps = c.prepare("SELECT upload_id FROM blob WHERE sha = ?");
      ps.setString(1, sha);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : -1;
      }
    } catch (SQLException e) {
      throw PostgresErrors.translate(e, "finding blob " + sha);
    }
  }

  private final class ChunkStream extends InputStream {
    private final String sha;
    private final long upload;
    private int nextSeq;
    private byte[] chunk = new byte[0];
    private int at;
    private boolean last;

    ChunkStream(String sha, long upload) {
      this.sha = sha;
      this.upload = upload;
    }

    private boolean fill() throws IOException {
      while (at >= chunk.length) {
        if (last) {
          return false;
        }
        try (PostgresTx c = pool.borrow("read blob " + sha)) {
          PreparedStatement ps = c.prepare("SELECT data FROM blob_chunk WHERE upload_id = ? AND seq = ?");
          ps.setLong(1, upload);
          ps.setInt(2, nextSeq);
          try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
              if (nextSeq == 0 && find(sha) != upload) {
                throw new IOException("blob " + sha + " was collected while being read");
              }
              last = true;
              return false;
            }
            chunk = rs.getBytes(1);
          }
        } catch (SQLException e) {
          throw new IOException(PostgresErrors.translate(e, "reading blob " + sha).getMessage(), e);
        } catch (StoreException e) {
          throw new IOException(e.getMessage(), e);
        }
        at = 0;
        nextSeq++;
        last = chunk.length < CHUNK_BYTES;
      }
      return true;
    }

    @Override
    public int read() throws IOException {
      return fill() ? chunk[at++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!fill()) {
        return -1;
      }
      int n = Math.min(len, chunk.length - at);
      System.arraycopy(chunk, at, b, off, n);
      at += n;
      return n;
    }
  }

  /**
   * Deletes the blobs no version refers to and stored before {@code cutoff}, with their chunks, in
   * one transaction holding journal_head, so no commit that refers to one interleaves.
   */
  int collect(Instant cutoff) {
    try {
      return pool.inTransaction("collect blobs", c -> {
        c.ids().lockJournal();
        PreparedStatement ps = c.prepare("WITH gone AS (DELETE FROM blob b WHERE b.stored_at < ?"
            + " AND NOT EXISTS (SELECT 1 FROM version_blob vb WHERE vb.sha = b.sha) RETURNING upload_id),"
            + " chunks AS (DELETE FROM blob_chunk WHERE upload_id IN (SELECT upload_id FROM gone))"
            + " SELECT count(*) FROM gone");
        ps.setLong(1, JdbcRows.micros(cutoff));
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getInt(1);
        }
      });
    } catch (SQLException e) {
      throw PostgresErrors.translate(e, "collecting unreferenced blobs stored before " + cutoff);
    }
  }

  /** Blobs whose chunks do not add up to their size (for the integrity check). */
  static List<String> damaged(PostgresTx c) throws SQLException {
    List<String> out = new ArrayList<>();
    try (ResultSet rs = c.prepare("SELECT b.sha, b.size, coalesce(sum(length(k.data)), 0) FROM blob b"
        + " LEFT JOIN blob_chunk k ON k.upload_id = b.upload_id GROUP BY b.sha, b.size"
        + " HAVING coalesce(sum(length(k.data)), 0) <> b.size").executeQuery()) {
      while (rs.next()) {
        out.add("blob " + rs.getString(1) + ": its chunks hold " + rs.getLong(3) + " bytes, not its size "
            + rs.getLong(2));
      }
    }
    return out;
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
