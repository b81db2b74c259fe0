package msgstore.storage.sqlite;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import msgstore.api.MapiError;
import msgstore.api.StoreException;

/**
 * Recognises a msgstore database and migrates its schema.
 *
 * <p>Migrations are the numbered SQL resources {@code V<n>__<name>.sql} listed in {@link
 * #MIGRATIONS}; the schema version is PRAGMA user_version. Each pending migration runs in one
 * transaction together with the user_version and application_id it sets, so a crash leaves the
 * database at the previous version.
 */
final class SqliteSchema {
  static final List<String> MIGRATIONS = List.of("V1__schema.sql", "V2__folder_counts_and_save_io.sql",
      "V3__journal_deletions_and_moves_by_message.sql", "V4__inline_blobs.sql", "V5__imap_uid_and_modseq.sql",
      "V6__blob_references_per_message.sql");

  private static final String RESOURCE_DIR = "/msgstore/storage/sqlite/";

  private SqliteSchema() {}

  /** The schema version this code writes. */
  static int latestVersion() {
    return MIGRATIONS.size();
  }

  /**
   * Checks the store file before SQLite opens it, for what SQLite reports late or vaguely: a
   * directory or other non-file in its place, a file that cannot be read, or a database file
   * shorter than its own header says (truncated; SQLite would open it and fail on some later read).
   * The length check is skipped while a non-empty WAL file is there: recovery rewrites those pages.
   *
   * @throws StoreException CORRUPT_DATA naming the file and the damage, NO_ACCESS when it cannot be
   *     read, DISK_ERROR on other I/O errors
   */
  static void checkFile(Path file) {
    if (Files.isDirectory(file)) {
      throw new StoreException(MapiError.CORRUPT_DATA, file + " is a directory, not a msgstore database file");
    }
    if (!Files.exists(file)) {
      return;
    }
    if (!Files.isRegularFile(file)) {
      throw new StoreException(MapiError.CORRUPT_DATA, file + " is not a regular file, so not a msgstore database");
    }
    byte[] h = new byte[100];
    int n;
    long length;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(h, 0, h.length);
      length = Files.size(file);
    } catch (AccessDeniedException e) {
      throw new StoreException(MapiError.NO_ACCESS, file + " cannot be read: permission denied", e);
    } catch (IOException e) {
      throw SqliteErrorTranslator.translate(e, "reading the header of " + file);
    }
    byte[] magic = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
    if (n < h.length || !java.util.Arrays.equals(h, 0, magic.length, magic, 0, magic.length)) {
      return; // empty, or not SQLite: checkRecognised says which
    }
    int pageSize = (h[16] & 0xff) << 8 | (h[17] & 0xff);
    long pageBytes = pageSize == 1 ? 65536 : pageSize;
    long changeCounter = int32(h, 24);
    long pages = int32(h, 28);
    long validFor = int32(h, 92);
    Path wal = file.resolveSibling(file.getFileName() + "-wal");
    boolean walPending;
    try {
      walPending = Files.exists(wal) && Files.size(wal) > 0;
    } catch (IOException e) {
      walPending = true;
    }
    if (pages > 0 && changeCounter == validFor && !walPending && length < pages * pageBytes) {
      throw new StoreException(MapiError.CORRUPT_DATA, file + " is truncated: its header counts " + pages
          + " pages of " + pageBytes + " bytes (" + pages * pageBytes + " bytes), but the file has only " + length
          + " bytes; restore it from a backup");
    }
  }

  private static long int32(byte[] b, int at) {
    return (b[at] & 0xffL) << 24 | (b[at + 1] & 0xffL) << 16 | (b[at + 2] & 0xffL) << 8 | (b[at + 3] & 0xffL);
  }

  /**
   * Checks that {@code c} is a msgstore database (or an empty file) that this code can open,
   * before anything is written to it.
   *
   * @throws StoreException CORRUPT_DATA when it is not SQLite or belongs to another application,
   *     VERSION when its schema is newer than this code
   */
  static void checkRecognised(Connection c, Path file) {
    long applicationId;
    long userVersion;
    long tables;
    try {
      applicationId = SqlitePragmas.queryLong(c, "PRAGMA application_id");
      userVersion = SqlitePragmas.queryLong(c, "PRAGMA user_version");
      tables = SqlitePragmas.queryLong(c, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'");
    } catch (SQLException e) {
      if (SqliteErrorTranslator.primaryCode(e) == SqliteErrorTranslator.SQLITE_NOTADB) {
        throw new StoreException(MapiError.CORRUPT_DATA, file + " is not a msgstore database (not SQLite)", e);
      }
      throw SqliteErrorTranslator.translate(e, "reading the header of " + file);
    }
    boolean ours = applicationId == SqlitePragmas.APPLICATION_ID;
    if (!ours && (applicationId != 0 || tables > 0)) {
      throw new StoreException(
          MapiError.CORRUPT_DATA,
          String.format("%s is not a msgstore database (application_id 0x%08X)", file, applicationId));
    }
    if (userVersion > latestVersion()) {
      throw new StoreException(
          MapiError.VERSION,
          file + " has schema version " + userVersion + " but this msgstore supports versions up to "
              + latestVersion() + "; open it with a newer msgstore");
    }
  }

  /** Applies every migration newer than the database's user_version, each in one transaction. */
  static void migrate(Connection c, Path file) {
    long current;
    try {
      current = SqlitePragmas.queryLong(c, "PRAGMA user_version");
    } catch (SQLException e) {
      throw SqliteErrorTranslator.translate(e, "reading the schema version of " + file);
    }
    for (int v = (int) current + 1; v <= latestVersion(); v++) {
      String name = MIGRATIONS.get(v - 1);
      if (!name.startsWith("V" + v + "__")) {
        throw new IllegalStateException("migration " + v + " is named " + name);
      }
      List<String> statements = statements(load(name));
      boolean autoCommit = true;
      try {
        autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        for (String sql : statements) {
          SqlitePragmas.execute(c, sql);
        }
        SqlitePragmas.execute(c, "PRAGMA application_id = " + SqlitePragmas.APPLICATION_ID);
        SqlitePragmas.execute(c, "PRAGMA user_version = " + v);
        c.commit();
      } catch (SQLException e) {
        try {
          c.rollback();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw SqliteErrorTranslator.translate(e, "migration " + name + " of " + file);
      } finally {
        try {
          c.setAutoCommit(autoCommit);
        } catch (SQLException e) {
          throw SqliteErrorTranslator.translate(e, "migration " + name + " of " + file);
        }
      }
    }
  }

  private static String load(String name) {
    try (InputStream in = SqliteSchema.class.getResourceAsStream(RESOURCE_DIR + name)) {
      if (in == null) {
        throw new IllegalStateException("missing migration resource " + RESOURCE_DIR + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Splits a script into statements: drops {@code --} comments; a statement ends with a line ending
   * in {@code ;}, except inside {@code CREATE TRIGGER}, whose body ends with a line {@code END;}.
   */
  static List<String> statements(String script) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean inTrigger = false;
    for (String raw : script.split("\n", -1)) {
      int comment = raw.indexOf("--");
      String line = (comment < 0 ? raw : raw.substring(0, comment)).strip();
      if (line.isEmpty()) {
        continue;
      }
      if (current.isEmpty() && line.toUpperCase(java.util.Locale.ROOT).startsWith("CREATE TRIGGER")) {
        inTrigger = true;
      }
      current.append(line).append('\n');
      boolean ends = inTrigger ? line.equalsIgnoreCase("END;") : line.endsWith(";");
      if (ends) {
        String sql = current.toString().strip();
        out.add(inTrigger ? sql : sql.substring(0, sql.length() - 1).strip());
        current.setLength(0);
        inTrigger = false;
      }
    }
    if (!current.toString().isBlank()) {
      out.add(current.toString().strip());
    }
    return out;
  }
}
