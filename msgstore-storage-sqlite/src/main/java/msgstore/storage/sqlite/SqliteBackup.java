package msgstore.storage.sqlite;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import msgstore.api.MapiError;
import msgstore.api.StoreException;

/**
 * Online backup and restore of a store file and its blobs, safe beside a running server.
 *
 * <p><b>Backup.</b> The database is copied with {@code VACUUM INTO} on a connection of its own:
 * one read transaction, so the copy is exactly the store as of one commit, whatever the writer
 * (in this process or in the server's) commits meanwhile; in WAL mode it neither blocks nor
 * waits for the writer, and it does not take the store's {@code .lock} file. The blobs the copy
 * references ({@code version_blob}) are then copied from the live blob directory, each checked
 * against its SHA-256 address. A blob is written (fsync, rename) before any commit refers to it
 * and never changes, so every blob the snapshot references exists, except one that lost its last
 * reference after the snapshot (history pruned) and was then garbage-collected: the backup then
 * takes a new snapshot and copies what is missing, up to {@link #MAX_ATTEMPTS} times. The copy
 * is written under a temporary name and renamed into place at the end, so a backup file either
 * is complete or does not exist.
 *
 * <p><b>Restore</b> copies a backup into a new store file, checks every blob against its
 * address, opens the result as a store and runs {@link SqliteStorage#checkIntegrity}.
 */
public final class SqliteBackup {
  /** Snapshots taken at most by one backup before it gives up on blobs vanishing under it. */
  public static final int MAX_ATTEMPTS = 5;

  private static final String PARTIAL = ".partial";

  private SqliteBackup() {}

  /**
   * What a backup copied.
   *
   * @param journalHead the last journal position in the copy: the copy holds exactly the commits
   *     up to it
   * @param messages the messages in the copy (soft-deleted ones included)
   * @param blobs the blob files copied
   * @param blobBytes their size in bytes
   * @param attempts the snapshots taken (more than one when garbage collection raced the copy)
   */
  public record Result(long journalHead, long messages, int blobs, long blobBytes, int attempts) {}

  /**
   * Copies the store file {@code source} and the blobs it references into {@code target} (which
   * must not exist) and {@code <target>.blobs/}. Works while another process holds the store.
   *
   * @throws StoreException NOT_FOUND when {@code source} does not exist, CORRUPT_DATA when it is
   *     not a msgstore database or a referenced blob is missing or damaged, COLLISION when {@code
   *     target} exists, NOT_ENOUGH_DISK / DISK_ERROR / CALL_FAILED on I/O failures
   */
  public static Result backup(Path source, Path target) {
    source = source.toAbsolutePath().normalize();
    target = target.toAbsolutePath().normalize();
    if (!Files.isRegularFile(source)) {
      throw new StoreException(MapiError.NOT_FOUND, "no store file " + source);
    }
    if (Files.exists(target)) {
      throw new StoreException(MapiError.COLLISION, "backup target " + target + " already exists");
    }
    Path sourceBlobs = blobDirectory(source);
    Path targetBlobs = blobDirectory(target);
    Path partial = target.resolveSibling(target.getFileName() + PARTIAL);
    try {
      Files.createDirectories(targetBlobs);
      Files.deleteIfExists(partial);
    } catch (IOException e) {
      throw SqliteErrorTranslator.translate(e, "preparing the backup " + target);
    }
    Set<String> copied = new LinkedHashSet<>();
    long bytes = 0;
    for (int attempt = 1; ; attempt++) {
      snapshot(source, partial, true);
      List<String> referenced = blobsOf(partial);
      String vanished = null;
      for (String sha : referenced) {
        if (copied.contains(sha)) {
          continue;
        }
        Path from = SqliteBlobs.pathIn(sourceBlobs, sha);
        try {
          bytes += copyBlob(from, SqliteBlobs.pathIn(targetBlobs, sha), sha);
          copied.add(sha);
        } catch (NoSuchFileException e) {
          vanished = sha;
          break;
        } catch (IOException e) {
          throw SqliteErrorTranslator.translate(e, "copying blob " + from);
        }
      }
      if (vanished == null) {
        long[] counts = counts(partial);
        try {
          fsync(partial);
          Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
          fsync(target.getParent());
        } catch (IOException e) {
          throw SqliteErrorTranslator.translate(e, "finishing the backup " + target);
        }
        return new Result(counts[0], counts[1], copied.size(), bytes, attempt);
      }
      try {
        Files.delete(partial);
      } catch (IOException e) {
        throw SqliteErrorTranslator.translate(e, "removing the unfinished backup " + partial);
      }
      if (attempt == MAX_ATTEMPTS) {
        throw new StoreException(MapiError.CORRUPT_DATA, "blob " + vanished + " referenced by " + source
            + " is missing from " + sourceBlobs + " (" + attempt + " snapshots tried); msgstore check-integrity"
            + " on the store tells what else is wrong");
      }
    }
  }

  /**
   * Restores the backup {@code backupFile} (and {@code <backupFile>.blobs/}) into {@code target},
   * which must not exist, checks every blob against its address, then opens the result and runs
   * the integrity check. On any failure nothing is left at {@code target}.
   *
   * @return the journal head of the restored store
   * @throws StoreException NOT_FOUND when the backup file is missing, COLLISION when {@code
   *     target} or its blob directory exists, CORRUPT_DATA when a blob is damaged or the integrity
   *     check finds problems (all listed in the message), NOT_ENOUGH_DISK / DISK_ERROR on I/O
   */
  public static long restore(Path backupFile, Path target) {
    backupFile = backupFile.toAbsolutePath().normalize();
    target = target.toAbsolutePath().normalize();
    if (!Files.isRegularFile(backupFile)) {
      throw new StoreException(MapiError.NOT_FOUND, "no backup file " + backupFile);
    }
    Path targetBlobs = blobDirectory(target);
    if (Files.exists(target) || Files.exists(targetBlobs)) {
      throw new StoreException(MapiError.COLLISION, "restore target " + target + " already exists");
    }
    boolean done = false;
    try {
      Path backupBlobs = blobDirectory(backupFile);
      Files.createDirectories(targetBlobs);
      for (String sha : blobsOf(backupFile)) {
        try {
          copyBlob(SqliteBlobs.pathIn(backupBlobs, sha), SqliteBlobs.pathIn(targetBlobs, sha), sha);
        } catch (NoSuchFileException e) {
          throw new StoreException(MapiError.CORRUPT_DATA, "the backup " + backupFile + " lacks blob " + sha
              + " (expected in " + backupBlobs + ")");
        }
      }
      Path partial = target.resolveSibling(target.getFileName() + PARTIAL);
      Files.copy(backupFile, partial, StandardCopyOption.REPLACE_EXISTING);
      fsync(partial);
      Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
      fsync(target.getParent());
      long head;
      try (SqliteStorage restored = SqliteStorage.open(SqliteStorage.Options.defaults(target))) {
        List<String> problems = restored.checkIntegrity();
        if (!problems.isEmpty()) {
          throw new StoreException(MapiError.CORRUPT_DATA, "the restored store " + target + " fails the integrity"
              + " check: " + String.join("; ", problems));
        }
        head = restored.journalHead();
      }
      done = true;
      return head;
    } catch (IOException e) {
      throw SqliteErrorTranslator.translate(e, "restoring " + backupFile + " into " + target);
    } finally {
      if (!done) {
        deleteQuietly(target, targetBlobs);
      }
    }
  }

  /**
   * Copies any SQLite database (in WAL mode or not) consistently into {@code target}, which must
   * not exist, with {@code VACUUM INTO}: one read transaction on a connection of its own.
   */
  public static void copyDatabase(Path source, Path target) {
    snapshot(source.toAbsolutePath().normalize(), target.toAbsolutePath().normalize(), false);
  }

  /** {@code PRAGMA integrity_check} of any SQLite file: its problems, empty when sound. */
  public static List<String> sqliteIntegrity(Path file) {
    List<String> problems = new ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
      while (rs.next()) {
        if (!"ok".equals(rs.getString(1))) {
          problems.add(file + ": " + rs.getString(1));
        }
      }
    } catch (SQLException e) {
      problems.add(file + ": " + e.getMessage());
    }
    return problems;
  }

  /** {@code <file>.blobs}, as {@link SqliteStorage.Options#blobDirectory}. */
  public static Path blobDirectory(Path storeFile) {
    return storeFile.resolveSibling(storeFile.getFileName() + ".blobs");
  }

  // ---- helpers

  private static void snapshot(Path source, Path target, boolean msgstore) {
    if (Files.exists(target)) {
      throw new StoreException(MapiError.COLLISION, "copy target " + target + " already exists");
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + source)) {
      SqlitePragmas.execute(c, "PRAGMA busy_timeout = " + SqlitePragmas.BUSY_TIMEOUT_MILLIS);
      if (msgstore) {
        SqliteSchema.checkRecognised(c, source);
      }
      try (PreparedStatement vacuum = c.prepareStatement("VACUUM INTO ?")) {
        vacuum.setString(1, target.toString());
        vacuum.executeUpdate();
      }
    } catch (SQLException e) {
      throw SqliteErrorTranslator.translate(e, "copying " + source + " into " + target);
    }
  }

  /** The blob files a store file refers to (inline blobs, ADR 0022, are inside the file itself). */
  private static List<String> blobsOf(Path storeFile) {
    List<String> shas = new ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + storeFile);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(SqlitePragmas.queryLong(c,
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'inline_blob'") == 0
            ? "SELECT DISTINCT sha FROM version_blob ORDER BY sha" // written before schema version 4
            : "SELECT DISTINCT sha FROM version_blob WHERE sha NOT IN (SELECT sha FROM inline_blob) ORDER BY sha")) {
      while (rs.next()) {
        String sha = rs.getString(1);
        if (!SqliteBlobs.isSha256(sha)) {
          throw new StoreException(MapiError.CORRUPT_DATA, storeFile + " references a blob named " + sha
              + ", not a SHA-256");
        }
        shas.add(sha);
      }
    } catch (SQLException e) {
      throw SqliteErrorTranslator.translate(e, "listing the blobs of " + storeFile);
    }
    return shas;
  }

  /** journal head, message count. */
  private static long[] counts(Path storeFile) {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + storeFile)) {
      return new long[] {SqlitePragmas.queryLong(c, "SELECT coalesce(max(position), 0) FROM journal"),
          SqlitePragmas.queryLong(c, "SELECT count(*) FROM message")};
    } catch (SQLException e) {
      throw SqliteErrorTranslator.translate(e, "reading " + storeFile);
    }
  }

  /**
   * Copies one blob through a temporary file, checking its content against its address, then
   * renames it into place. Returns its size.
   */
  private static long copyBlob(Path from, Path to, String sha) throws IOException {
    if (Files.isRegularFile(to)) {
      return 0;
    }
    Files.createDirectories(to.getParent());
    Path temp = to.resolveSibling(sha + ".tmp");
    MessageDigest digest = newDigest();
    long size;
    try (InputStream in = Files.newInputStream(from);
        OutputStream out = new DigestOutputStream(Files.newOutputStream(temp), digest)) {
      size = in.transferTo(out);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    String actual = HexFormat.of().formatHex(digest.digest());
    if (!actual.equals(sha)) {
      Files.deleteIfExists(temp);
      throw new StoreException(MapiError.CORRUPT_DATA, "blob " + from + " is damaged: its content hashes to "
          + actual);
    }
    fsync(temp);
    Files.move(temp, to, StandardCopyOption.ATOMIC_MOVE);
    return size;
  }

  private static void fsync(Path p) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  private static void deleteQuietly(Path file, Path blobDir) {
    try {
      Files.deleteIfExists(file);
      Files.deleteIfExists(file.resolveSibling(file.getFileName() + ".lock"));
      Files.deleteIfExists(file.resolveSibling(file.getFileName() + "-wal"));
      Files.deleteIfExists(file.resolveSibling(file.getFileName() + "-shm"));
      Files.deleteIfExists(file.resolveSibling(file.getFileName() + PARTIAL));
      if (Files.isDirectory(blobDir)) {
        try (var walk = Files.walk(blobDir)) {
          for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        }
      }
    } catch (IOException ignored) {
      // best effort: the caller reports the original failure
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
