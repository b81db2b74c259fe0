import java.nio.file.*; import java.sql.*; import java.util.*;

/**
 * What SQLite allows a versioned, journaled save, in plain SQL without the engine (issue 11,
 * docs/BENCHMARKS.md "What bounds the rest of issue 11"). One connection with the store writer's
 * pragmas, a fresh database of 10,000 messages of 2,003-byte versions, then three rounds of SAVES
 * saves of random messages, GROUP saves a transaction:
 *
 *   A  the statements of today's save (SqliteWriteOps.updateAtVersion), on today's tables: the
 *      message row's conditional UPDATE ... RETURNING, the version INSERT (primary key (message_id,
 *      cn): an index beside the rowid table), the journal INSERT (AUTOINCREMENT, index
 *      journal_by_store, trigger journal_modseq), and store.last_cn once a transaction;
 *   B  one append-only log holding each version with its journal entry (rowid = position; the
 *      message row keeps its version's position, the version its predecessor's), and the folder's
 *      HIGHESTMODSEQ and store.last_cn once a transaction: the least a save could write;
 *   C  RawSqliteBench's UPDATE of one row with a blob of the same size.
 *
 * For A, -DnoTrigger=true, -DnoAutoincrement=true, -DnoJournalByStore=true, -DnoVersionKey=true,
 * -DintStore=true (journal_by_store on an integer) and -DwithoutRowid=true drop or change one part;
 * -DcacheKib=N sets the page cache (default 2048, the writer's below 1 GiB, ADR 0035).
 *
 *   java -cp ~/.m2/repository/org/xerial/sqlite-jdbc/3.54.1.0/sqlite-jdbc-3.54.1.0.jar \
 *       msgstore-bench/experiments/LayoutSql.java A|B|C GROUP SAVES
 */
public class LayoutSql {
  static final int ROWS = 10000, BYTES = 2003;
  static final String DIR = System.getProperty("dir", "msgstore-bench/target/layout-sql");
  static Random rnd = new Random(7);
  static byte[] content = new byte[BYTES];

  public static void main(String[] a) throws Exception {
    String layout = a[0]; int group = Integer.parseInt(a[1]); int saves = Integer.parseInt(a[2]);
    Path dir = Paths.get(DIR, layout + group);
    if (Files.exists(dir)) try (var s = Files.walk(dir)) { s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete()); }
    Files.createDirectories(dir);
    rnd.nextBytes(content);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("x.db"))) {
      Statement s = c.createStatement();
      for (String p : new String[] {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA temp_store = MEMORY",
          "PRAGMA cache_size = -" + Integer.getInteger("cacheKib", 2048), "PRAGMA wal_autocheckpoint = 16384", "PRAGMA journal_size_limit = 134217728"}) s.execute(p);
      c.setAutoCommit(false);
      long[] cn = new long[ROWS + 1];
      Arrays.fill(cn, 1);
      setup(c, s, layout);
      c.commit();
      s.execute("COMMIT"); // the driver's own transaction: ours are explicit from here
      s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
      Saver sv = saver(c, layout);
      long pos = ROWS, storeCn = ROWS;
      for (int round = 0; round < 3; round++) {
        long t0 = System.nanoTime();
        for (int i = 0; i < saves; i += group) {
          s.execute("BEGIN IMMEDIATE");
          for (int k = 0; k < group; k++) {
            int id = 1 + rnd.nextInt(ROWS);
            long next = ++storeCn;
            sv.save(id, cn[id], next, ++pos);
            cn[id] = next;
          }
          sv.endTransaction(storeCn, pos);
          s.execute("COMMIT");
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%s group=%d round %d: %.0f saves/s%n", layout, group, round, saves / secs);
      }
    }
  }

  interface Saver { void save(int id, long expected, long cn, long position) throws SQLException; void endTransaction(long lastCn, long position) throws SQLException; }

  static void setup(Connection c, Statement s, String layout) throws SQLException {
    if (layout.equals("C")) {
      s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, cn INTEGER NOT NULL, body BLOB NOT NULL)");
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?, 1, ?)")) {
        for (int i = 1; i <= ROWS; i++) { ps.setInt(1, i); ps.setBytes(2, content); ps.execute(); }
      }
      return;
    }
    s.execute("CREATE TABLE store (guid TEXT PRIMARY KEY, display_name TEXT, owner TEXT, root_folder_id INTEGER, created_at INTEGER, last_cn INTEGER NOT NULL)");
    s.execute("INSERT INTO store VALUES ('54292521-2d16-44ec-8307-00ef25af9bc8', 'x', 'bench', 1, 0, " + ROWS + ")");
    s.execute("CREATE TABLE folder (id INTEGER PRIMARY KEY AUTOINCREMENT, store_guid TEXT NOT NULL, parent_id INTEGER NOT NULL, display_name TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, props BLOB NOT NULL DEFAULT x'', content_count INTEGER NOT NULL DEFAULT 0, unread_count INTEGER NOT NULL DEFAULT 0, child_count INTEGER NOT NULL DEFAULT 0, uid_next INTEGER NOT NULL DEFAULT 1, highest_modseq INTEGER NOT NULL DEFAULT 0)");
    s.execute("INSERT INTO folder (store_guid, parent_id, display_name, content_count, uid_next) VALUES ('54292521-2d16-44ec-8307-00ef25af9bc8', 0, 'Inbox', " + ROWS + ", " + (ROWS + 1) + ")");
    s.execute("CREATE TABLE message (id INTEGER PRIMARY KEY AUTOINCREMENT, store_guid TEXT NOT NULL, folder_id INTEGER NOT NULL, cn INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, deleted_at INTEGER, read_flags INTEGER NOT NULL DEFAULT 0, status INTEGER NOT NULL DEFAULT 0, local_commit_time INTEGER NOT NULL, subject TEXT, sender_name TEXT, delivery_time INTEGER, last_mod_time INTEGER, size INTEGER NOT NULL DEFAULT 0, importance INTEGER, message_class TEXT, has_attach INTEGER NOT NULL DEFAULT 0, uid INTEGER NOT NULL DEFAULT 0, modseq INTEGER NOT NULL DEFAULT 0, version_position INTEGER)");
    s.execute("CREATE INDEX message_by_delivery ON message (folder_id, deleted, delivery_time, id)");
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO message (id, store_guid, folder_id, cn, local_commit_time, subject, sender_name, delivery_time, last_mod_time, size, importance, message_class, uid, modseq, version_position) VALUES (?, '54292521-2d16-44ec-8307-00ef25af9bc8', 1, 1, 0, ?, 'Jo Smith', ?, 0, 6080, 1, 'IPM.Note', ?, ?, ?)")) {
      for (int i = 1; i <= ROWS; i++) { ps.setInt(1, i); ps.setString(2, "subject " + i); ps.setLong(3, 1700000000000000L + i); ps.setInt(4, i); ps.setInt(5, i); ps.setInt(6, i); ps.execute(); }
    }
    if (layout.equals("A")) {
      s.execute("CREATE TABLE message_version (message_id INTEGER NOT NULL, cn INTEGER NOT NULL, committed_at INTEGER NOT NULL, committed_by TEXT NOT NULL, kind TEXT NOT NULL, based_on_cn INTEGER NOT NULL, size INTEGER NOT NULL, content BLOB NOT NULL, blobs TEXT" + (Boolean.getBoolean("noVersionKey") ? ")" : ", PRIMARY KEY (message_id, cn))" + (Boolean.getBoolean("withoutRowid") ? " WITHOUT ROWID" : "")));
      s.execute("CREATE TABLE journal (position INTEGER PRIMARY KEY" + (Boolean.getBoolean("noAutoincrement") ? "" : " AUTOINCREMENT") + ", store_guid TEXT NOT NULL, type INTEGER NOT NULL, kind INTEGER NOT NULL, object_id INTEGER NOT NULL, parent_id INTEGER NOT NULL, old_id INTEGER, old_parent_id INTEGER, cn INTEGER, changed_tags TEXT, at INTEGER NOT NULL)");
      if (Boolean.getBoolean("intStore")) s.execute("ALTER TABLE journal ADD COLUMN store_id INTEGER NOT NULL DEFAULT 1");
      if (!Boolean.getBoolean("noJournalByStore")) s.execute("CREATE INDEX journal_by_store ON journal (" + (Boolean.getBoolean("intStore") ? "store_id" : "store_guid") + ", position)");
      s.execute("CREATE INDEX journal_message_deleted ON journal (object_id) WHERE type = 8 AND kind = 0");
      s.execute("CREATE INDEX journal_by_old_id ON journal (old_id) WHERE old_id IS NOT NULL");
      if (!Boolean.getBoolean("noTrigger")) s.execute("CREATE TRIGGER journal_modseq AFTER INSERT ON journal WHEN NEW.kind = 0 BEGIN UPDATE message SET modseq = NEW.position WHERE id = NEW.object_id; UPDATE folder SET highest_modseq = NEW.position WHERE id IN (NEW.parent_id, NEW.old_parent_id); END");
      try (PreparedStatement v = c.prepareStatement("INSERT INTO message_version VALUES (?, 1, 0, 'bench', 'CREATED', 0, 6080, ?, NULL)");
           PreparedStatement j = c.prepareStatement("INSERT INTO journal (position, store_guid, type, kind, object_id, parent_id, cn, at) VALUES (?, '54292521-2d16-44ec-8307-00ef25af9bc8', 4, 0, ?, 1, 1, 0)")) {
        for (int i = 1; i <= ROWS; i++) { v.setInt(1, i); v.setBytes(2, content); v.execute(); j.setInt(1, i); j.setInt(2, i); j.execute(); }
      }
    } else {
      s.execute("CREATE TABLE log (position INTEGER PRIMARY KEY, store_id INTEGER NOT NULL, type INTEGER NOT NULL, kind INTEGER NOT NULL, object_id INTEGER NOT NULL, parent_id INTEGER NOT NULL, cn INTEGER, prev_position INTEGER, committed_by TEXT, changed_tags TEXT, at INTEGER NOT NULL, content BLOB)");
      try (PreparedStatement v = c.prepareStatement("INSERT INTO log VALUES (?, 1, 4, 0, ?, 1, 1, NULL, 'bench', NULL, 0, ?)")) {
        for (int i = 1; i <= ROWS; i++) { v.setInt(1, i); v.setInt(2, i); v.setBytes(3, content); v.execute(); }
      }
    }
  }

  static Saver saver(Connection c, String layout) throws SQLException {
    switch (layout) {
      case "C": {
        PreparedStatement u = c.prepareStatement("UPDATE t SET cn = ?, body = ? WHERE id = ? AND cn = ?");
        return new Saver() {
          public void save(int id, long expected, long cn, long position) throws SQLException {
            u.setLong(1, cn); content[0]++; u.setBytes(2, content); u.setInt(3, id); u.setLong(4, expected);
            if (u.executeUpdate() != 1) throw new IllegalStateException();
          }
          public void endTransaction(long lastCn, long position) {}
        };
      }
      case "A": {
        PreparedStatement u = c.prepareStatement("UPDATE message SET cn = ?, local_commit_time = ?, subject = ?, last_mod_time = ?, size = ? WHERE id = ? AND deleted = 0 AND cn = ? AND folder_id = 1 RETURNING delivery_time");
        PreparedStatement v = c.prepareStatement("INSERT INTO message_version VALUES (?, ?, ?, 'bench', 'SAVED', ?, 6080, ?, NULL)");
        PreparedStatement j = c.prepareStatement("INSERT INTO journal (position, store_guid, type, kind, object_id, parent_id, cn, changed_tags, at) VALUES (?, '54292521-2d16-44ec-8307-00ef25af9bc8', 16, 0, ?, 1, ?, '0x0037001F', ?)");
        PreparedStatement st = c.prepareStatement("UPDATE store SET last_cn = ? WHERE guid = '54292521-2d16-44ec-8307-00ef25af9bc8'");
        return new Saver() {
          public void save(int id, long expected, long cn, long position) throws SQLException {
            long now = System.currentTimeMillis() * 1000;
            u.setLong(1, cn); u.setLong(2, now); u.setString(3, "subject " + cn); u.setLong(4, now); u.setInt(5, 6080); u.setInt(6, id); u.setLong(7, expected);
            try (ResultSet rs = u.executeQuery()) { if (!rs.next()) throw new IllegalStateException(); }
            content[0]++;
            v.setInt(1, id); v.setLong(2, cn); v.setLong(3, now); v.setLong(4, expected); v.setBytes(5, content); v.execute();
            j.setLong(1, position); j.setInt(2, id); j.setLong(3, cn); j.setLong(4, now); j.execute();
          }
          public void endTransaction(long lastCn, long position) throws SQLException { st.setLong(1, lastCn); st.execute(); }
        };
      }
      default: {
        long[] versionAt = new long[ROWS + 1]; // each message's version position (the initial ones: position = id)
        for (int i = 1; i <= ROWS; i++) versionAt[i] = i;
        PreparedStatement u = c.prepareStatement("UPDATE message SET cn = ?, local_commit_time = ?, subject = ?, last_mod_time = ?, size = ?, modseq = ?, version_position = ? WHERE id = ? AND deleted = 0 AND cn = ? AND folder_id = 1 RETURNING delivery_time");
        PreparedStatement v = c.prepareStatement("INSERT INTO log VALUES (?, 1, 16, 0, ?, 1, ?, ?, 'bench', '0x0037001F', ?, ?)");
        PreparedStatement f = c.prepareStatement("UPDATE folder SET highest_modseq = ? WHERE id = 1");
        PreparedStatement st = c.prepareStatement("UPDATE store SET last_cn = ? WHERE guid = '54292521-2d16-44ec-8307-00ef25af9bc8'");
        return new Saver() {
          public void save(int id, long expected, long cn, long position) throws SQLException {
            long now = System.currentTimeMillis() * 1000;
            u.setLong(1, cn); u.setLong(2, now); u.setString(3, "subject " + cn); u.setLong(4, now); u.setInt(5, 6080); u.setLong(6, position); u.setLong(7, position); u.setInt(8, id); u.setLong(9, expected);
            try (ResultSet rs = u.executeQuery()) { if (!rs.next()) throw new IllegalStateException(); }
            content[0]++;
            v.setLong(1, position); v.setInt(2, id); v.setLong(3, cn); v.setLong(4, versionAt[id]); versionAt[id] = position; v.setLong(5, now); v.setBytes(6, content); v.execute();
          }
          public void endTransaction(long lastCn, long position) throws SQLException { f.setLong(1, position); f.execute(); st.setLong(1, lastCn); st.execute(); }
        };
      }
    }
  }
}
