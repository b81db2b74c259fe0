package msgstore.cli;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import msgstore.api.ContentRef;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import msgstore.server.ServerConfig;
import msgstore.storage.postgres.PostgresStorage;
import msgstore.storage.postgres.PostgresUrl;
import msgstore.storage.sqlite.SqliteStorage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Copies an embedded installation (a data folder: {@code msgstore.db}, its blobs, {@code
 * accounts.db}) into a PostgreSQL database (ADR 0024), row for row: ids, change numbers (so change
 * keys and ETags), history, journal positions, named properties, rights, blobs, users and tokens
 * are kept. The rows go in one transaction (nothing half-copied); blobs first, each re-hashed on
 * the way (its address must match its content). Then both sides are compared table by table:
 * row counts and a SHA-256 over every row in key order, and the integrity check runs on the copy.
 */
@Command(name = "migrate", description = {"Copies a data folder (store, history, journal, blobs, accounts) into a "
    + "PostgreSQL database for msgstore serve --db, keeping every id, change number and change key, and verifies the copy.",
    "Stop the server on the data folder first. An existing msgstore database is refused unless --force."})
final class MigrateCommand implements Callable<Integer> {
  /**
   * A table: its columns in the SQLite source, in PostgreSQL where they are named otherwise (else
   * null), and its key order (text keys compared bytewise on both sides: COLLATE "C" in PostgreSQL).
   */
  private record Table(String name, String columns, String targetColumns, String order) {
    String targetOrder() {
      return order.replace("#", " COLLATE \"C\"");
    }

    String sourceOrder() {
      return order.replace("#", "");
    }
  }

  private static final List<Table> STORE_TABLES = List.of(
      new Table("store", "guid, display_name, owner, root_folder_id, created_at, last_cn", null, "guid#"),
      new Table("folder", "id, store_guid, parent_id, display_name, deleted, props, content_count, unread_count,"
          + " child_count, uid_next, highest_modseq", null, "id"),
      new Table("folder_rights", "folder_id, user AS user_name, rights", "folder_id, user_name, rights",
          "folder_id, user_name#"),
      new Table("message", "id, store_guid, folder_id, cn, deleted, deleted_at, read_flags, status, local_commit_time,"
          + " subject, sender_name, delivery_time, last_mod_time, size, importance, message_class, has_attach, uid,"
          + " modseq", null, "id"),
      new Table("message_version", "message_id, cn, committed_at, committed_by, kind, based_on_cn, size, content,"
          + " blobs", null,
          "message_id, cn"),
      new Table("version_blob", "message_id, cn, sha", null, "message_id, cn, sha#"),
      new Table("journal", "position, store_guid, type, kind, object_id, parent_id, old_id, old_parent_id, cn,"
          + " changed_tags, at", null, "position"),
      new Table("named_prop", "store_guid, prop_id, guid, name, lid", null, "store_guid#, prop_id"));
  private static final List<Table> ACCOUNT_TABLES = List.of(
      new Table("users", "name, phc, admin, mailbox_pending, created_at", null, "name#"),
      new Table("tokens", "id, \"user\", label, token_sha256, created_at, revoked_at, last_used_at", null, "id#"));
  private static final String ALL_TARGET_TABLES = "store, folder, folder_rights, message, message_version, version_blob,"
      + " journal, named_prop, blob, blob_chunk, users, tokens";

  private final Io io;

  @Option(names = "--from", paramLabel = "DATA_DIR", required = true,
      description = "The data folder to copy (msgstore.db, its blobs, accounts.db); the server on it must be stopped.")
  Path from;

  @Option(names = "--to", paramLabel = "postgresql://USER@HOST:PORT/DB", required = true,
      description = "The target database; password from MSGSTORE_DB_PASSWORD_FILE, PGPASSWORD or .pgpass.")
  String to;

  @Option(names = "--force", description = "Empty the target first when it already holds msgstore data.")
  boolean force;

  MigrateCommand(Io io) {
    this.io = io;
  }

  @Override
  public Integer call() throws Exception {
    Path storeFile = from.resolve(ServerConfig.STORE_FILE);
    if (!Files.isRegularFile(storeFile)) {
      throw new CliException(Main.EXIT_IO, "no store file " + storeFile + " (is " + from + " a msgstore data folder?)");
    }
    Path accountsFile = from.resolve(ServerConfig.ACCOUNTS_FILE);
    // Opening the SQLite storage takes its lock (BUSY while a server runs on it) and brings its schema up to date.
    try (SqliteStorage source = SqliteStorage.open(SqliteStorage.Options.defaults(storeFile));
        PostgresStorage target = PostgresStorage.open(PostgresUrl.options(to, name -> io.env(name).orElse(null)));
        Connection src = DriverManager.getConnection("jdbc:sqlite:" + storeFile.toAbsolutePath());
        Connection acc = Files.isRegularFile(accountsFile)
            ? DriverManager.getConnection("jdbc:sqlite:" + accountsFile.toAbsolutePath()) : null;
        Connection dst = target.dataSource().getConnection()) {
      refuseNonEmpty(dst);
      src.setAutoCommit(false); // one read transaction: one snapshot of the source
      int blobs = copyBlobs(src, source, target);
      dst.setAutoCommit(false);
      Map<String, Long> counts = new LinkedHashMap<>();
      try (Statement s = dst.createStatement()) {
        s.execute("ALTER TABLE message DISABLE TRIGGER USER"); // the folder counts are copied as they are
        s.execute("ALTER TABLE folder DISABLE TRIGGER USER");
        s.execute("ALTER TABLE journal DISABLE TRIGGER USER"); // and the IMAP numbers (ADR 0028)
        for (Table t : STORE_TABLES) {
          counts.put(t.name(), copy(src, dst, t));
        }
        if (acc != null) {
          for (Table t : ACCOUNT_TABLES) {
            counts.put(t.name(), copy(acc, dst, t));
          }
        }
        s.execute("ALTER TABLE message ENABLE TRIGGER USER");
        s.execute("ALTER TABLE folder ENABLE TRIGGER USER");
        s.execute("ALTER TABLE journal ENABLE TRIGGER USER");
        s.execute("SELECT setval('message_id_seq', greatest(1, " + sequence(src, "message") + "), "
            + (sequence(src, "message") > 0) + ")");
        s.execute("SELECT setval('folder_id_seq', greatest(1, " + sequence(src, "folder") + "), "
            + (sequence(src, "folder") > 0) + ")");
        s.execute("UPDATE journal_head SET position = " + sequence(src, "journal"));
      }
      dst.commit();
      dst.setAutoCommit(true);
      List<String> problems = new ArrayList<>();
      for (Table t : STORE_TABLES) {
        compare(src, dst, t, problems);
      }
      if (acc != null) {
        for (Table t : ACCOUNT_TABLES) {
          compare(acc, dst, t, problems);
        }
      }
      src.rollback();
      problems.addAll(target.checkIntegrity());
      if (!problems.isEmpty()) {
        throw new CliException(Main.EXIT_MAPI, "the copy in " + target.describe() + " differs from " + from + ":\n  "
            + String.join("\n  ", problems));
      }
      io.out().println("migrated " + from + " to " + target.describe() + ": " + counts.get("store") + " stores, "
          + counts.get("folder") + " folders, " + counts.get("message") + " messages, " + counts.get("message_version")
          + " versions, " + counts.get("journal") + " journal entries, " + blobs + " blobs, "
          + counts.getOrDefault("users", 0L) + " users; counts and row hashes verified, integrity clean");
      return Main.EXIT_OK;
    } catch (SQLException e) {
      throw new StoreException(MapiError.CALL_FAILED, "migrate " + from + " to " + to + " failed: " + e.getMessage(), e);
    }
  }

  private void refuseNonEmpty(Connection dst) throws SQLException {
    long rows;
    try (Statement s = dst.createStatement();
        ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM store) + (SELECT count(*) FROM users)")) {
      rs.next();
      rows = rs.getLong(1);
    }
    if (rows > 0 && !force) {
      throw new CliException(Main.EXIT_USAGE, to + " already holds msgstore data (" + rows
          + " stores and users); give --force to replace it");
    }
    if (rows > 0) {
      try (Statement s = dst.createStatement()) {
        s.execute("TRUNCATE " + ALL_TARGET_TABLES);
      }
    }
  }

  /** Every blob a version refers to, re-hashed on the way: its address must be its content's SHA-256. */
  private static int copyBlobs(Connection src, SqliteStorage source, PostgresStorage target) throws Exception {
    int n = 0;
    try (Statement s = src.createStatement(); ResultSet rs = s.executeQuery("SELECT DISTINCT sha FROM version_blob")) {
      while (rs.next()) {
        String sha = rs.getString(1);
        ContentRef copied;
        try (InputStream in = source.openBlob(sha)) {
          copied = target.putBlob(in, Long.MAX_VALUE);
        }
        if (!copied.sha256().equals(sha)) {
          throw new StoreException(MapiError.CORRUPT_DATA, "blob " + sha + " of " + source + " holds content whose"
              + " SHA-256 is " + copied.sha256());
        }
        n++;
      }
    }
    return n;
  }

  private static long copy(Connection src, Connection dst, Table t) throws SQLException {
    int width = t.columns().split(",").length;
    String insert = "INSERT INTO " + t.name() + " (" + (t.targetColumns() == null ? t.columns() : t.targetColumns())
        + ") VALUES (" + "?, ".repeat(width - 1) + "?)";
    long rows = 0;
    try (Statement s = src.createStatement(); ResultSet rs = s.executeQuery("SELECT " + t.columns() + " FROM " + t.name());
        PreparedStatement ps = dst.prepareStatement(insert)) {
      while (rs.next()) {
        for (int i = 1; i <= width; i++) {
          ps.setObject(i, rs.getObject(i));
        }
        ps.addBatch();
        if (++rows % 500 == 0) {
          ps.executeBatch();
        }
      }
      ps.executeBatch();
    }
    return rows;
  }

  private static long sequence(Connection src, String table) throws SQLException {
    try (PreparedStatement ps = src.prepareStatement("SELECT seq FROM sqlite_sequence WHERE name = ?")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }

  /** Row count and a SHA-256 over every row in key order, on both sides. */
  private static void compare(Connection src, Connection dst, Table t, List<String> problems) throws Exception {
    String[] a = digest(src, "SELECT " + t.columns() + " FROM " + t.name() + " ORDER BY " + t.sourceOrder());
    String[] b = digest(dst, "SELECT " + (t.targetColumns() == null ? t.columns() : t.targetColumns()) + " FROM "
        + t.name() + " ORDER BY " + t.targetOrder());
    if (!a[0].equals(b[0]) || !a[1].equals(b[1])) {
      problems.add(t.name() + ": " + a[0] + " rows hashing " + a[1] + " in the source, " + b[0] + " rows hashing " + b[1]
          + " in the copy");
    }
  }

  private static String[] digest(Connection c, String sql) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    long rows = 0;
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      int width = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        rows++;
        for (int i = 1; i <= width; i++) {
          Object v = rs.getObject(i);
          String text = switch (v) {
            case null -> "\u0000null";
            case byte[] bytes -> HexFormat.of().formatHex(bytes);
            case Number num -> Long.toString(num.longValue());
            default -> v.toString();
          };
          sha.update(text.getBytes(StandardCharsets.UTF_8));
          sha.update((byte) 0x1f);
        }
      }
    }
    return new String[] {Long.toString(rows), HexFormat.of().formatHex(sha.digest())};
  }
}
