package msgstore.storage.sqlite;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import msgstore.api.ContentRef;
import msgstore.api.EventType;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import msgstore.engine.spi.BlobReference;
import msgstore.engine.spi.NewVersion;
import msgstore.engine.spi.WriteBatch;
import msgstore.engine.spi.WriteOp.Expect;
import msgstore.engine.spi.WriteOp;
import msgstore.storage.sqlite.SqliteStorage.Options;
import msgstore.testkit.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteBlobTest {
  static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

  @TempDir Path dir;
  final MutableClock clock = new MutableClock(T0);
  SqliteStorage storage;
  long inbox;

  @BeforeEach
  void open() {
    storage = SqliteStorage.open(Options.defaults(dir.resolve("store.db")).withClock(clock));
    long root = storage.commit(WriteBatch.of("a", new WriteOp.CreateStore(UUID.randomUUID(), "A", "a",
        List.of("Inbox")))).get(0).id();
    inbox = storage.childFolders(root).get(0).id();
  }

  @AfterEach
  void close() {
    assertThat(storage.checkIntegrity()).isEmpty();
    storage.close();
  }

  /** {@code size} pseudo-random bytes, generated as read; never held in memory. */
  static final class GeneratedStream extends InputStream {
    private long remaining;
    private long state;
    int largestRead;

    GeneratedStream(long size, long seed) {
      this.remaining = size;
      this.state = seed;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) == -1 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (remaining == 0) {
        return -1;
      }
      largestRead = Math.max(largestRead, len);
      int n = (int) Math.min(len, remaining);
      for (int i = 0; i < n; i++) {
        state = state * 6364136223846793005L + 1442695040888963407L;
        b[off + i] = (byte) (state >>> 56);
      }
      remaining -= n;
      return n;
    }
  }

  static String sha256(InputStream in) throws Exception {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    byte[] buf = new byte[8192];
    int n;
    while ((n = in.read(buf)) != -1) {
      d.update(buf, 0, n);
    }
    return HexFormat.of().formatHex(d.digest());
  }

  Path pathOf(String sha) {
    return storage.options().blobDirectory().resolve(sha.substring(0, 2)).resolve(sha);
  }

  ContentRef put(String text) {
    return storage.putBlob(new ByteArrayInputStream(text.getBytes(UTF_8)), 1 << 20);
  }

  long createReferring(String... shas) {
    return storage.commit(WriteBatch.of("a", new WriteOp.PutMessage(0, inbox, new Expect.New(), ctx -> new NewVersion(
        "m".getBytes(UTF_8), new NewVersion.Columns("m", null, null, null, 1, null, null, true), List.of(shas), 0),
        "CREATED", 0, EventType.OBJECT_CREATED, List.of()))).get(0).id();
  }

  List<Path> filesUnder(Path root) throws Exception {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  @Test
  void putBlobShouldStreamFiftyMegabytesWithoutHoldingThemInMemory() throws Exception {
    long size = 50L * 1024 * 1024;
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    GeneratedStream content = new GeneratedStream(size, 42);
    long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
    ContentRef ref = storage.putBlob(content, size);
    long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
    assertThat(ref.size()).isEqualTo(size);
    assertThat(ref.sha256()).isEqualTo(sha256(new GeneratedStream(size, 42)));
    assertThat(content.largestRead).isLessThanOrEqualTo(SqliteBlobs.BUFFER_SIZE);
    assertThat(allocated).as("bytes allocated while storing 50 MB").isLessThan(4L * 1024 * 1024);
    assertThat(Files.size(pathOf(ref.sha256()))).isEqualTo(size);
    try (InputStream in = storage.openBlob(ref.sha256())) {
      assertThat(sha256(in)).isEqualTo(ref.sha256());
    }
  }

  @Test
  void putBlobShouldFailWithTooBigAndKeepNothingWhenOverTheLimit() throws Exception {
    GeneratedStream content = new GeneratedStream(1_000_000, 7);
    assertThatThrownBy(() -> storage.putBlob(content, 100_000))
        .isInstanceOfSatisfying(StoreException.class, e -> {
          assertThat(e.error()).isEqualTo(MapiError.TOO_BIG);
          assertThat(e.getMessage()).contains("attachment content exceeds the limit of 100000 bytes");
        });
    assertThat(content.remaining).as("stopped reading soon after the limit").isGreaterThan(800_000);
    assertThat(filesUnder(storage.options().blobDirectory())).isEmpty();
    assertThat(storage.putBlob(new GeneratedStream(100_000, 7), 100_000).size()).isEqualTo(100_000);
  }

  @Test
  void putBlobShouldStoreIdenticalContentOnce() throws Exception {
    ContentRef a = put("same bytes");
    ContentRef b = put("same bytes");
    ContentRef c = put("other bytes");
    assertThat(b).isEqualTo(a);
    assertThat(c.sha256()).isNotEqualTo(a.sha256());
    assertThat(a.size()).isEqualTo(10);
    assertThat(filesUnder(storage.options().blobDirectory())).containsExactlyInAnyOrder(pathOf(a.sha256()),
        pathOf(c.sha256()));
    assertThat(a.sha256()).isEqualTo(sha256(new ByteArrayInputStream("same bytes".getBytes(UTF_8))));
  }

  @Test
  void openBlobShouldFailWithNotFoundWhenMissingOrMalformed() {
    String absent = "0".repeat(64);
    assertThatThrownBy(() -> storage.openBlob(absent))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.NOT_FOUND));
    assertThatThrownBy(() -> storage.openBlob("../../etc/passwd"))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.NOT_FOUND));
  }

  @Test
  void collectGarbageShouldRemoveOnlyUnreferencedBlobsStoredBeforeTheCutoff() {
    ContentRef referenced = put("referenced");
    ContentRef orphan = put("orphan");
    createReferring(referenced.sha256());
    clock.advance(Duration.ofHours(2));
    ContentRef recent = put("recent orphan");
    clock.advance(Duration.ofHours(2));
    // a cut-off between the two orphans: the older goes, the recent and the referenced stay
    assertThat(storage.collectGarbage(T0.plus(Duration.ofHours(1)))).isEqualTo(1);
    assertThat(pathOf(orphan.sha256())).doesNotExist();
    assertThat(pathOf(referenced.sha256())).exists();
    assertThat(pathOf(recent.sha256())).exists();
    assertThat(storage.collectGarbage(clock.instant())).isEqualTo(1);
    assertThat(pathOf(recent.sha256())).doesNotExist();
    assertThat(pathOf(referenced.sha256())).exists();
  }

  @Test
  void collectGarbageShouldNeverRemoveABlobYoungerThanTheGrace() {
    ContentRef orphan = put("orphan");
    clock.advance(Duration.ofMinutes(30)); // the default grace is 1 hour
    assertThat(storage.collectGarbage(clock.instant().plusSeconds(1))).isZero();
    assertThat(pathOf(orphan.sha256())).exists();
    clock.advance(Duration.ofMinutes(31));
    assertThat(storage.collectGarbage(clock.instant())).isEqualTo(1);
  }

  @Test
  void putBlobShouldRefreshTheStoredTimeOfAnExistingBlob() {
    ContentRef first = put("again");
    clock.advance(Duration.ofHours(3));
    put("again"); // someone is about to refer to it again
    assertThat(storage.collectGarbage(T0.plus(Duration.ofHours(1)))).isZero();
    assertThat(pathOf(first.sha256())).exists();
  }

  @Test
  void blobsShouldBecomeGarbageOnceTheVersionsReferringToThemArePruned() {
    ContentRef v1Blob = put("attachment of v1");
    long id = createReferring(v1Blob.sha256());
    storage.commit(WriteBatch.of("a", new WriteOp.PutMessage(id, inbox, new Expect.AtVersion(1), ctx -> new NewVersion(
        "v2".getBytes(UTF_8), new NewVersion.Columns("v2", null, null, null, 2, null, null, false), List.of(), 0),
        "SAVED", 1, EventType.OBJECT_MODIFIED, List.of())));
    clock.advance(Duration.ofDays(2));
    assertThat(storage.collectGarbage(clock.instant())).isZero(); // v1 still refers to it
    assertThat(storage.pruneHistory(clock.instant(), 0)).isEqualTo(1);
    assertThat(storage.collectGarbage(clock.instant())).isEqualTo(1);
    assertThat(pathOf(v1Blob.sha256())).doesNotExist();
  }

  /** Saves {@code id} from its current version with content {@code text} referring to {@code shas}. */
  void save(long id, String text, String... shas) {
    long cn = storage.findMessageRow(id).orElseThrow().cn();
    storage.commit(WriteBatch.of("a", new WriteOp.PutMessage(id, inbox, new Expect.AtVersion(cn), ctx -> new NewVersion(
        text.getBytes(UTF_8), new NewVersion.Columns(text, null, null, null, 2, null, null, shas.length > 0),
        List.of(shas), 0), "SAVED", cn, EventType.OBJECT_MODIFIED, List.of())));
  }

  /** The message's blob reference rows as "cn sha-prefix", in key order. */
  List<String> referenceRows(long id) {
    return storage.onWriter("reference rows", (c, now) -> {
      List<String> rows = new java.util.ArrayList<>();
      try (var ps = c.jdbc().prepareStatement("SELECT cn, sha FROM version_blob WHERE message_id = ? ORDER BY cn, sha")) {
        ps.setLong(1, id);
        try (var rs = ps.executeQuery()) {
          while (rs.next()) {
            rows.add(rs.getLong(1) + " " + rs.getString(2).substring(0, 8));
          }
        }
      }
      return rows;
    });
  }

  @Test
  void saveThatKeepsTheBlobsOfItsBaseShouldWriteNoReferenceRow() { // ADR 0036
    String a = put("original bytes").sha256();
    String b = put("a new attachment").sha256();
    long id = createReferring(a);
    long first = storage.findMessageRow(id).orElseThrow().cn();
    for (int i = 0; i < 3; i++) {
      save(id, "subject " + i, a);
    }
    assertThat(referenceRows(id)).as("one row per message and blob, held by the first version")
        .containsExactly(first + " " + a.substring(0, 8));
    save(id, "with an attachment", a, b);
    long added = storage.findMessageRow(id).orElseThrow().cn();
    assertThat(referenceRows(id)).containsExactly(first + " " + a.substring(0, 8), added + " " + b.substring(0, 8));
  }

  @Test
  void pruneShouldHandAReferenceToTheOldestRemainingVersionListingTheBlobAndDropItWhenNoneDoes() { // X1, ADR 0036
    String a = put("attachment that comes and goes").sha256();
    long id = createReferring(a); // v1 holds the row
    save(id, "v2 without it");
    save(id, "v3 with it again", a);
    long v3 = storage.findMessageRow(id).orElseThrow().cn();
    save(id, "v4 still with it", a);
    long v4 = storage.findMessageRow(id).orElseThrow().cn();
    clock.advance(Duration.ofDays(2));

    assertThat(storage.pruneHistory(clock.instant(), 2)).as("v1 and v2 pruned").isEqualTo(2);
    assertThat(referenceRows(id)).as("the row passed to v3").containsExactly(v3 + " " + a.substring(0, 8));
    assertThat(storage.collectGarbage(clock.instant())).as("v3 and v4 still refer to it").isZero();
    assertThat(storage.checkIntegrity()).isEmpty();

    assertThat(storage.pruneHistory(clock.instant(), 1)).as("v3 pruned").isEqualTo(1);
    assertThat(referenceRows(id)).as("the row passed to v4").containsExactly(v4 + " " + a.substring(0, 8));
    assertThat(storage.collectGarbage(clock.instant())).isZero();

    save(id, "v5 without it");
    clock.advance(Duration.ofDays(2));
    assertThat(storage.pruneHistory(clock.instant(), 1)).as("v4 pruned").isEqualTo(1);
    assertThat(referenceRows(id)).as("no remaining version refers to it").isEmpty();
    assertThat(storage.collectGarbage(clock.instant())).isEqualTo(1);
    assertThat(pathOf(a)).doesNotExist();
  }

  @Test
  void integrityCheckShouldReportAVersionWhoseBlobHasNoReferenceRow() { // ADR 0036
    String a = put("referred to").sha256();
    long id = createReferring(a);
    long cn = storage.findMessageRow(id).orElseThrow().cn();
    storage.onWriter("lose the row", (c, now) -> c.jdbc().createStatement().executeUpdate("DELETE FROM version_blob"));
    assertThat(storage.checkIntegrity()).containsExactly("message " + id + " cn " + cn + ": refers to blob " + a
        + " but the message holds no reference to it (the blob could be collected)");
    storage.onWriter("mend", (c, now) -> {
      try (var ps = c.jdbc().prepareStatement("INSERT INTO version_blob (message_id, cn, sha) VALUES (?, ?, ?)")) {
        ps.setLong(1, id);
        ps.setLong(2, cn);
        ps.setString(3, a);
        return ps.executeUpdate();
      }
    });
  }

  @Test
  void blobReferencesShouldNameEachMessageReferringToABlobFromAnyRetainedVersionOnce() {
    ContentRef shared = put("sent to two messages");
    ContentRef historyOnly = put("only in v1");
    long a = createReferring(shared.sha256(), historyOnly.sha256());
    long b = createReferring(shared.sha256());
    storage.commit(WriteBatch.of("a", new WriteOp.PutMessage(a, inbox, new Expect.AtVersion(storage.findMessage(a)
        .orElseThrow().cn()), ctx -> new NewVersion("v2".getBytes(UTF_8), new NewVersion.Columns("v2", null, null, null,
        2, null, null, true), List.of(shared.sha256()), 0), "SAVED", 1, EventType.OBJECT_MODIFIED, List.of())));

    assertThat(storage.blobReferences(shared.sha256())).extracting(BlobReference::messageId).containsExactly(a, b);
    assertThat(storage.blobReferences(historyOnly.sha256())).singleElement().satisfies(r -> {
      assertThat(r.messageId()).isEqualTo(a);
      assertThat(r.folderId()).isEqualTo(inbox);
      assertThat(r.softDeleted()).isFalse();
    });
    assertThat(storage.blobReferences(put("uploaded, never saved").sha256())).isEmpty();
  }

  @Test
  void blobReferencesShouldBeOneIndexedLookupNotAScan() {
    List<String> plan = storage.onWriter("explain", (c, now) -> {
      List<String> rows = new java.util.ArrayList<>();
      try (var ps = c.jdbc().prepareStatement("EXPLAIN QUERY PLAN " + SqliteReader.BLOB_REFERENCES)) {
        ps.setString(1, "0".repeat(64));
        try (var rs = ps.executeQuery()) {
          while (rs.next()) {
            rows.add(rs.getString("detail"));
          }
        }
      }
      return rows;
    });
    assertThat(plan).as("%s", plan).anyMatch(d -> d.contains("version_blob_by_sha"))
        .noneMatch(d -> d.startsWith("SCAN") && !d.contains("INDEX"));
  }

  @Test
  void openShouldRemoveTemporaryFilesOfAnInterruptedPut() throws Exception {
    Path leftover = Files.createFile(storage.options().blobDirectory().resolve(SqliteBlobs.TEMP_PREFIX + "123"
        + SqliteBlobs.TEMP_SUFFIX));
    storage.close();
    storage = SqliteStorage.open(Options.defaults(dir.resolve("store.db")).withClock(clock));
    assertThat(leftover).doesNotExist();
  }
}
