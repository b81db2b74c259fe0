package msgstore.storage.sqlite;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import msgstore.api.ContentRef;
import msgstore.api.MapiError;
import msgstore.api.StoreException;

/**
 * Content-addressed blob files beside the database: {@code <db>.blobs/ab/<sha256 hex>}.
 *
 * <p>A put streams into a temporary file in the blob directory while hashing, fsyncs it and
 * renames it to its address (or drops it when that address exists), then fsyncs the directory;
 * so a blob that a put returned is durable before any commit can refer to it. A blob's mtime is
 * its stored time by the storage clock, refreshed when a put finds it already present; garbage
 * collection only removes unreferenced blobs older than the cut-off, and the lock below makes
 * "refresh on put" and "check age, then delete" exclusive.
 */
final class SqliteBlobs {
  static final int BUFFER_SIZE = 8192;
  static final String TEMP_PREFIX = "put-";
  static final String TEMP_SUFFIX = ".tmp";
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private final Path dir;
  private final Clock clock;
  private final Object addressLock = new Object();

  SqliteBlobs(Path dir, Clock clock) {
    this.dir = dir;
    this.clock = clock;
  }

  Path dir() {
    return dir;
  }

  /** Creates the directory and removes temporary files a crashed put left behind. */
  void open() {
    try {
      Files.createDirectories(dir);
      try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir, TEMP_PREFIX + "*" + TEMP_SUFFIX)) {
        for (Path t : temps) {
          Files.deleteIfExists(t);
        }
      }
    } catch (IOException e) {
      throw SqliteErrorTranslator.translate(e, "opening the blob directory " + dir);
    }
  }

  static boolean isSha256(String sha) {
    return sha != null && SHA256.matcher(sha).matches();
  }

  Path pathOf(String sha) {
    return pathIn(dir, sha);
  }

  /** Where blob {@code sha} lives in the blob directory {@code dir}. */
  static Path pathIn(Path dir, String sha) {
    return dir.resolve(sha.substring(0, 2)).resolve(sha);
  }

  ContentRef put(InputStream content, long maxBytes) {
    if (content == null || maxBytes < 0) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "putBlob needs content and maxBytes >= 0, got " + maxBytes);
    }
    MessageDigest sha256 = newDigest();
    Path temp = null;
    try {
      temp = Files.createTempFile(dir, TEMP_PREFIX, TEMP_SUFFIX);
      long size = 0;
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        byte[] buffer = new byte[BUFFER_SIZE];
        ByteBuffer wrapped = ByteBuffer.wrap(buffer);
        int n;
        while ((n = readSome(content, buffer)) != -1) {
          size += n;
          if (size > maxBytes) {
            throw new StoreException(
                MapiError.TOO_BIG, "attachment content exceeds the limit of " + maxBytes + " bytes");
          }
          sha256.update(buffer, 0, n);
          wrapped.clear().limit(n);
          while (wrapped.hasRemaining()) {
            out.write(wrapped);
          }
        }
        out.force(true);
      }
      String sha = HexFormat.of().formatHex(sha256.digest());
      Path target = pathOf(sha);
      Path subdir = target.getParent();
      boolean newSubdir = !Files.isDirectory(subdir);
      if (newSubdir) {
        Files.createDirectories(subdir);
        fsyncDirectory(dir);
      }
      synchronized (addressLock) {
        if (Files.exists(target)) {
          Files.delete(temp);
          Files.setLastModifiedTime(target, FileTime.from(clock.instant()));
        } else {
          Files.setLastModifiedTime(temp, FileTime.from(clock.instant()));
          Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
          fsyncDirectory(subdir);
        }
      }
      temp = null;
      return new ContentRef(sha, size);
    } catch (IOException e) {
      throw SqliteErrorTranslator.translate(e, "storing a blob in " + dir);
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // open() removes leftovers
        }
      }
    }
  }

  /**
   * Whether blob {@code sha} is stored as a file; when it is, its stored time is refreshed as a put
   * of the same content would, under the lock that garbage collection's "check age, then delete"
   * takes, so it is not collected as an old blob while a new reference to it is being made.
   */
  boolean refreshIfPresent(String sha) {
    Path target = pathOf(sha);
    synchronized (addressLock) {
      if (!Files.isRegularFile(target)) {
        return false;
      }
      try {
        Files.setLastModifiedTime(target, FileTime.from(clock.instant()));
        return true;
      } catch (NoSuchFileException e) {
        return false;
      } catch (IOException e) {
        throw SqliteErrorTranslator.translate(e, "refreshing blob " + sha);
      }
    }
  }

  InputStream open(String sha) {
    if (!isSha256(sha)) {
      throw new StoreException(MapiError.NOT_FOUND, "no blob " + sha + " (not a lowercase SHA-256 hex)");
    }
    try {
      return Files.newInputStream(pathOf(sha));
    } catch (NoSuchFileException e) {
      throw new StoreException(MapiError.NOT_FOUND, "no blob " + sha + " in " + dir);
    } catch (IOException e) {
      throw SqliteErrorTranslator.translate(e, "opening blob " + sha);
    }
  }

  boolean exists(String sha) {
    return isSha256(sha) && Files.isRegularFile(pathOf(sha));
  }

  /**
   * Deletes every blob stored before {@code cutoff} for which {@code referenced} is false.
   * Returns the number removed.
   */
  int collect(Instant cutoff, Predicate<String> referenced) {
    int removed = 0;
    FileTime limit = FileTime.from(cutoff);
    try (DirectoryStream<Path> subdirs = Files.newDirectoryStream(dir, p -> Files.isDirectory(p))) {
      for (Path subdir : subdirs) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(subdir)) {
          for (Path file : files) {
            String sha = file.getFileName().toString();
            if (!isSha256(sha) || !isBefore(file, limit) || referenced.test(sha)) {
              continue;
            }
            synchronized (addressLock) {
              if (isBefore(file, limit) && Files.deleteIfExists(file)) {
                removed++;
              }
            }
          }
        }
      }
    } catch (IOException e) {
      throw SqliteErrorTranslator.translate(e, "collecting garbage in " + dir);
    }
    return removed;
  }

  private static int readSome(InputStream content, byte[] buffer) {
    try {
      return content.read(buffer);
    } catch (IOException e) {
      throw new StoreException(MapiError.CALL_FAILED, "reading the content of a blob failed: " + e, e);
    }
  }

  private static boolean isBefore(Path file, FileTime limit) throws IOException {
    try {
      return Files.getLastModifiedTime(file).compareTo(limit) < 0;
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  private static void fsyncDirectory(Path d) throws IOException {
    try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
