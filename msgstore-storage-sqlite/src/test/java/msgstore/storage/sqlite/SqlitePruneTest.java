package msgstore.storage.sqlite;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import msgstore.api.EventType;
import msgstore.engine.spi.NewVersion;
import msgstore.engine.spi.StoredFolder;
import msgstore.engine.spi.VersionFactory;
import msgstore.engine.spi.WriteBatch;
import msgstore.engine.spi.WriteOp.Expect;
import msgstore.engine.spi.WriteOp;
import msgstore.storage.jdbc.JdbcRows;
import msgstore.storage.sqlite.SqliteMaintenance.PruneLimits;
import msgstore.storage.sqlite.SqliteStorage.Durability;
import msgstore.testkit.MutableClock;
import msgstore.testkit.Stress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * History pruning (X1, X3) runs in bounded steps: it removes exactly what the one-transaction
 * prune it replaced removed, and saves submitted while it runs commit between its steps.
 */
class SqlitePruneTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final String ALICE = "alice";

  @TempDir Path dir;

  /** A store of seeded random history: versions over 60 days, blob references, soft deletes. */
  private record Built(SqliteStorage storage, MutableClock clock) {}

  private Built build(String name, long seed, Durability durability) {
    MutableClock clock = new MutableClock(T0);
    SqliteStorage s = SqliteStorage.open(SqliteStorage.Options.defaults(dir.resolve(name + ".db")).withClock(clock)
        .withBlobGrace(Duration.ZERO).withDurability(durability));
    UUID store = UUID.randomUUID();
    long root = s.commit(WriteBatch.of(ALICE, new WriteOp.CreateStore(store, "Alice", ALICE, List.of("Inbox"))))
        .get(0).id();
    long inbox = s.childFolders(root).stream().map(StoredFolder::id).findFirst().orElseThrow();
    List<String> blobs = new ArrayList<>();
    for (int b = 0; b < 3; b++) {
      blobs.add(s.putBlob(new ByteArrayInputStream(("attachment " + b).getBytes(UTF_8)), 1000).sha256());
    }
    Random random = new Random(seed);
    List<Long> ids = new ArrayList<>();
    for (int day = 0; day < 60; day++) {
      List<WriteOp> ops = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        ops.add(put(0, inbox, new Expect.New(), "new d" + day, blob(blobs, random)));
      }
      for (int i = 0; i < 12 && !ids.isEmpty(); i++) {
        long id = ids.get(random.nextInt(ids.size()));
        ops.add(put(id, inbox, new Expect.Live(), "d" + day + " " + i, blob(blobs, random)));
      }
      var results = s.commit(new WriteBatch(ALICE, ops)).results();
      for (int i = 0; i < 3; i++) {
        ids.add(results.get(i).id());
      }
      if (day % 7 == 3) {
        long victim = ids.remove(random.nextInt(ids.size()));
        s.commit(WriteBatch.of(ALICE, new WriteOp.DeleteMessage(victim, false, 0)));
      }
      clock.advance(Duration.ofHours(20 + random.nextInt(8)));
    }
    return new Built(s, clock);
  }

  /** One of the blobs for a quarter of the versions, else none (null). */
  private static String blob(List<String> blobs, Random random) {
    return random.nextInt(4) == 0 ? blobs.get(random.nextInt(blobs.size())) : null;
  }

  private static WriteOp.PutMessage put(long id, long folder, Expect expect, String text, String blob) {
    VersionFactory f = ctx -> new NewVersion(text.getBytes(UTF_8), SqliteStorageTest.version(text, ctx).columns(),
        blob == null ? List.of() : List.of(blob), 0);
    return new WriteOp.PutMessage(id, folder, expect, f, id == 0 ? "CREATED" : "SAVED", 0,
        id == 0 ? EventType.OBJECT_CREATED : EventType.OBJECT_MODIFIED, List.of());
  }

  /** The prune as it was before it became incremental: one transaction over the whole store. */
  private static int onePassPrune(SqliteConnection c, Instant olderThan, int keepLast) throws SQLException {
    long cutoff = JdbcRows.micros(olderThan);
    c.execute("CREATE TEMP TABLE IF NOT EXISTS ref_victim (message_id INTEGER NOT NULL, cn INTEGER NOT NULL,"
        + " PRIMARY KEY (message_id, cn)) WITHOUT ROWID");
    c.execute("DELETE FROM temp.ref_victim");
    PreparedStatement old = c.prepare("INSERT INTO temp.ref_victim (message_id, cn)"
        + " SELECT v.message_id, v.cn FROM (SELECT message_id, cn, committed_at,"
        + " row_number() OVER (PARTITION BY message_id ORDER BY cn DESC) AS rank FROM message_version) v"
        + " JOIN message m ON m.id = v.message_id WHERE v.rank > ? AND v.committed_at < ? AND v.cn <> m.cn");
    old.setInt(1, keepLast);
    old.setLong(2, cutoff);
    old.executeUpdate();
    PreparedStatement purged = c.prepare("INSERT OR IGNORE INTO temp.ref_victim (message_id, cn)"
        + " SELECT v.message_id, v.cn FROM message m JOIN message_version v ON v.message_id = m.id"
        + " WHERE m.deleted = 1 AND m.deleted_at < ?");
    purged.setLong(1, cutoff);
    purged.executeUpdate();
    SqliteMaintenance.handOverBlobReferences(c, "temp.ref_victim");
    c.execute("DELETE FROM version_blob WHERE (message_id, cn) IN (SELECT message_id, cn FROM temp.ref_victim)");
    int removed = c.prepare(
        "DELETE FROM message_version WHERE (message_id, cn) IN (SELECT message_id, cn FROM temp.ref_victim)")
        .executeUpdate();
    PreparedStatement messages = c.prepare("DELETE FROM message WHERE deleted = 1 AND deleted_at < ?");
    messages.setLong(1, cutoff);
    messages.executeUpdate();
    return removed;
  }

  /** Every row pruning may touch, as text, in a fixed order. */
  private static List<String> dump(SqliteStorage s) {
    return s.onWriter("dump", (c, now) -> {
      List<String> out = new ArrayList<>();
      for (String sql : List.of(
          "SELECT 'version', message_id, cn, committed_at FROM message_version ORDER BY message_id, cn",
          "SELECT 'blob ref ' || sha, message_id, cn, 0 FROM version_blob ORDER BY message_id, cn, sha",
          "SELECT 'message', id, cn, deleted FROM message ORDER BY id")) {
        try (ResultSet rs = c.prepare(sql).executeQuery()) {
          while (rs.next()) {
            out.add(rs.getString(1) + " " + rs.getLong(2) + " " + rs.getLong(3) + " " + rs.getLong(4));
          }
        }
      }
      return out;
    });
  }

  /**
   * ADR 0036, checked from the versions themselves: one reference row per message and blob that a
   * remaining version lists, held by the oldest such version; no other row.
   */
  private static void assertOneReferencePerMessageAndListedBlob(SqliteStorage s) {
    s.onWriter("check references", (c, now) -> {
      java.util.Set<String> expected = new java.util.TreeSet<>();
      java.util.Set<String> seen = new java.util.HashSet<>();
      try (ResultSet rs = c.prepare("SELECT message_id, cn, blobs FROM message_version WHERE blobs IS NOT NULL"
          + " ORDER BY message_id, cn").executeQuery()) {
        while (rs.next()) {
          for (String sha : rs.getString(3).split(" ")) {
            if (seen.add(rs.getLong(1) + " " + sha)) {
              expected.add(rs.getLong(1) + " " + rs.getLong(2) + " " + sha);
            }
          }
        }
      }
      java.util.Set<String> actual = new java.util.TreeSet<>();
      try (ResultSet rs = c.prepare("SELECT message_id, cn, sha FROM version_blob").executeQuery()) {
        while (rs.next()) {
          actual.add(rs.getLong(1) + " " + rs.getLong(2) + " " + rs.getString(3));
        }
      }
      assertThat(actual).as("blob reference rows").isEqualTo(expected);
      return null;
    });
  }

  @Test
  void pruneHistoryShouldRemoveExactlyWhatOnePassRemovedWhateverTheStepSize() { // X1, X3
    record Case(int keepLast, int cutoffDay, PruneLimits limits) {}
    List<Case> cases = List.of(
        new Case(3, 30, new PruneLimits(7, 3, 2)),
        new Case(0, 45, new PruneLimits(50, 11, 1)),
        new Case(1, 30, PruneLimits.DEFAULT));
    int n = 0;
    for (Case k : cases) {
      Built reference = build("reference" + n, 42 + n, Durability.RELAXED_MAY_LOSE_RECENT_COMMITS_ON_POWER_LOSS);
      Built incremental = build("incremental" + n, 42 + n, Durability.RELAXED_MAY_LOSE_RECENT_COMMITS_ON_POWER_LOSS);
      n++;
      try (SqliteStorage ref = reference.storage(); SqliteStorage inc = incremental.storage()) {
        assertThat(dump(inc)).as("both stores start equal").isEqualTo(dump(ref));
        assertOneReferencePerMessageAndListedBlob(inc);
        Instant cutoff = T0.plus(Duration.ofDays(k.cutoffDay()));
        int expected = ref.onWriter("one-pass prune", (c, now) -> onePassPrune(c, cutoff, k.keepLast()));
        int removed = inc.pruneHistory(cutoff, k.keepLast(), k.limits());
        assertThat(expected).as("%s: the case prunes something", k).isPositive();
        assertThat(removed).as("%s: versions removed", k).isEqualTo(expected);
        assertThat(dump(inc)).as("%s: rows left", k).isEqualTo(dump(ref));
        assertOneReferencePerMessageAndListedBlob(inc);
        assertThat(inc.pruneHistory(cutoff, k.keepLast(), k.limits())).as("%s: a second prune finds nothing", k)
            .isZero();
        assertThat(inc.checkIntegrity()).isEmpty();
      }
    }
  }

  /** What the writer did while a prune ran: its duration, and the saves issued meanwhile and the longest of them. */
  record Stall(int versions, int removed, long pruneMillis, int savesDuringPrune, long longestSaveMillis) {}

  /**
   * Builds {@code messages} messages of {@code versionsEach} versions, all old, then prunes them
   * (keeping one) while another thread saves one message in a loop, timing each save.
   */
  private Stall measureStall(String name, int messages, int versionsEach, boolean incremental) throws Exception {
    MutableClock clock = new MutableClock(T0);
    try (SqliteStorage s = SqliteStorage.open(SqliteStorage.Options.defaults(dir.resolve(name + ".db"))
        .withClock(clock).withBlobGrace(Duration.ZERO))) {
      UUID store = UUID.randomUUID();
      long root = s.commit(WriteBatch.of(ALICE, new WriteOp.CreateStore(store, "S", ALICE, List.of("Inbox"))))
          .get(0).id();
      long inbox = s.childFolders(root).stream().map(StoredFolder::id).findFirst().orElseThrow();
      int perBatch = 1_000;
      List<Long> ids = new ArrayList<>();
      for (int from = 0; from < messages; from += perBatch) {
        List<WriteOp> ops = new ArrayList<>();
        for (int i = from; i < Math.min(messages, from + perBatch); i++) {
          ops.add(put(0, inbox, new Expect.New(), "m" + i, null));
        }
        s.commit(new WriteBatch(ALICE, ops)).results().forEach(r -> ids.add(r.id()));
      }
      for (int v = 1; v < versionsEach; v++) {
        for (int from = 0; from < ids.size(); from += perBatch) {
          List<WriteOp> ops = new ArrayList<>();
          for (long id : ids.subList(from, Math.min(ids.size(), from + perBatch))) {
            ops.add(put(id, inbox, new Expect.Live(), "m" + id + " v" + v, null));
          }
          s.commit(new WriteBatch(ALICE, ops));
        }
      }
      clock.advance(Duration.ofDays(100));
      long hot = s.commit(WriteBatch.of(ALICE, put(0, inbox, new Expect.New(), "hot", null))).get(0).id();
      AtomicBoolean pruning = new AtomicBoolean(true);
      CompletableFuture<Void> saverStarted = new CompletableFuture<>();
      CompletableFuture<long[]> saver = CompletableFuture.supplyAsync(() -> {
        saverStarted.complete(null);
        long longest = 0;
        int during = 0;
        while (pruning.get()) { // a save issued while the prune runs counts, however late it ends
          long t = System.nanoTime();
          s.commit(WriteBatch.of(ALICE, put(hot, inbox, new Expect.Live(), "hot " + during, null)));
          during++;
          longest = Math.max(longest, System.nanoTime() - t);
        }
        return new long[] {during, longest};
      });
      Instant cutoff = T0.plus(Duration.ofDays(50));
      saverStarted.get(60, TimeUnit.SECONDS);
      long start = System.nanoTime();
      int removed = incremental
          ? s.pruneHistory(cutoff, 1)
          : s.onWriter("one-pass prune", (c, now) -> onePassPrune(c, cutoff, 1));
      long pruneNanos = System.nanoTime() - start;
      pruning.set(false);
      long[] saves = saver.get(60, TimeUnit.SECONDS);
      assertThat(removed).isEqualTo(messages * (versionsEach - 1));
      return new Stall(messages * versionsEach, removed, pruneNanos / 1_000_000, (int) saves[0],
          saves[1] / 1_000_000);
    }
  }

  @Test
  void saveShouldCommitBetweenPruneStepsWhenALargePruneRuns() throws Exception { // X1
    int messages = Stress.scale(600, 10_000);
    Stall stall = measureStall("stall", messages, 20, true);
    System.out.println("incremental prune: " + stall);
    assertThat(stall.savesDuringPrune()).as("saves committed while the prune ran: %s", stall).isGreaterThanOrEqualTo(3);
    assertThat(stall.longestSaveMillis()).as("the longest save waited one step, not the whole prune: %s", stall)
        .isLessThan(Math.max(1, stall.pruneMillis() / 2));
  }

  @Test
  void onePassPruneShouldStallSavesForTheWholePruneWhichIsWhatTheStepsAvoid() throws Exception {
    // The figure the incremental prune is compared with (docs/operations.md); full size only.
    org.junit.jupiter.api.Assumptions.assumeTrue(Stress.full(), "measured with -Dmsgstore.stress=full");
    Stall stall = measureStall("one-pass", 10_000, 20, false);
    System.out.println("one-pass prune: " + stall);
    assertThat(stall.removed()).isEqualTo(10_000 * 19);
  }
}
