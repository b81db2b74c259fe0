package msgstore.storage.sqlite;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import msgstore.api.ContentRef;
import msgstore.api.EventType;
import msgstore.api.HashedContent;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import msgstore.engine.spi.NewVersion;
import msgstore.engine.spi.PreconditionFailedException;
import msgstore.engine.spi.WriteBatch;
import msgstore.engine.spi.WriteOp.Expect;
import msgstore.engine.spi.WriteOp;
import msgstore.storage.sqlite.SqliteStorage.Options;
import msgstore.testkit.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Staged content and inline blobs (ADR 0022): an attachment's small content is stored in the
 * database by the commit that first refers to it, in that commit's transaction; nothing else
 * changes for the blob's readers.
 */
class SqliteInlineBlobTest {
  static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

  @TempDir Path dir;
  final MutableClock clock = new MutableClock(T0);
  SqliteStorage storage;
  long inbox;

  @BeforeEach
  void open() {
    storage = reopen();
    long root = storage.commit(WriteBatch.of("a", new WriteOp.CreateStore(UUID.randomUUID(), "A", "a",
        List.of("Inbox")))).get(0).id();
    inbox = storage.childFolders(root).get(0).id();
  }

  @AfterEach
  void close() {
    assertThat(storage.checkIntegrity()).isEmpty();
    storage.close();
  }

  private SqliteStorage reopen() {
    return SqliteStorage.open(Options.defaults(dir.resolve("store.db")).withClock(clock));
  }

  private ContentRef stage(String text) {
    return storage.stageBlob(new ByteArrayInputStream(text.getBytes(UTF_8)), 1 << 30);
  }

  private String read(String sha) throws Exception {
    try (InputStream in = storage.openBlob(sha)) {
      return new String(in.readAllBytes(), UTF_8);
    }
  }

  private long createReferring(String... shas) {
    return storage.commit(WriteBatch.of("a", newMessage(shas))).get(0).id();
  }

  private WriteOp newMessage(String... shas) {
    return new WriteOp.PutMessage(0, inbox, new Expect.New(), ctx -> new NewVersion("m".getBytes(UTF_8),
        new NewVersion.Columns("m", null, null, null, 1, null, null, true), List.of(shas), 0),
        "CREATED", 0, EventType.OBJECT_CREATED, List.of());
  }

  private List<Path> blobFiles() throws Exception {
    try (Stream<Path> s = Files.walk(storage.options().blobDirectory())) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  private long inlineRows() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("store.db"));
        Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM inline_blob")) {
      return rs.getLong(1);
    }
  }

  @Test
  void stagedContentShouldBeReadableAtOnceAndStoredInTheDatabaseByTheCommitThatRefersToIt() throws Exception {
    ContentRef ref = stage("an attachment");
    assertThat(ref.size()).isEqualTo("an attachment".length());
    assertThat(SqliteBlobs.isSha256(ref.sha256())).isTrue();
    assertThat(read(ref.sha256())).isEqualTo("an attachment"); // before any commit, as after a put

    createReferring(ref.sha256());
    storage.close();
    storage = reopen();

    assertThat(read(ref.sha256())).isEqualTo("an attachment");
    assertThat(blobFiles()).as("no blob file, no fsync of its own").isEmpty();
    assertThat(inlineRows()).isEqualTo(1);
  }

  @Test
  void stagedContentThatNoCommitReferredToShouldBeGoneAfterARestart() throws Exception {
    ContentRef ref = stage("never saved");
    storage.close(); // what a crash leaves: nothing refers to it, so nothing is lost
    storage = reopen();

    assertThatThrownBy(() -> storage.openBlob(ref.sha256()))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.NOT_FOUND));
    assertThat(blobFiles()).isEmpty();
    assertThat(inlineRows()).isZero();
  }

  @Test
  void aBatchThatFailsShouldLeaveItsContentStagedForTheNextCommit() throws Exception {
    ContentRef ref = stage("kept for the retry");
    long id = createReferring();
    // a stale save referring to the staged content fails: its savepoint is rolled back
    assertThatThrownBy(() -> storage.commit(WriteBatch.of("a", new WriteOp.PutMessage(id, inbox,
        new Expect.AtVersion(99), ctx -> new NewVersion("v".getBytes(UTF_8),
            new NewVersion.Columns("v", null, null, null, 1, null, null, true), List.of(ref.sha256()), 0),
        "SAVED", 99, EventType.OBJECT_MODIFIED, List.of()))))
        .isInstanceOf(PreconditionFailedException.class);
    assertThat(inlineRows()).isZero();

    createReferring(ref.sha256());
    storage.close();
    storage = reopen();
    assertThat(read(ref.sha256())).isEqualTo("kept for the retry");
  }

  @Test
  void hashedContentShouldBeStagedUnderItsDigestAndAPartlyReadOneHashedFromWhereItStands() throws Exception {
    HashedContent whole = HashedContent.of("hashed once".getBytes(UTF_8));
    ContentRef ref = storage.stageBlob(whole, 1 << 20);
    assertThat(ref).isEqualTo(new ContentRef(whole.sha256(), 11));
    assertThat(whole.read()).as("consumed, as after a read to the end").isEqualTo(-1);

    HashedContent partly = HashedContent.of("skip this part".getBytes(UTF_8));
    partly.skipNBytes(5);
    ContentRef rest = storage.stageBlob(partly, 1 << 20);
    assertThat(rest).isEqualTo(stage("this part"));
    createReferring(ref.sha256(), rest.sha256());
    assertThat(read(ref.sha256())).isEqualTo("hashed once");
    assertThat(read(rest.sha256())).isEqualTo("this part");
  }

  @Test
  void contentOverTheStagingLimitShouldGoToABlobFileAtOnce() throws Exception {
    String big = "x".repeat(SqliteStaging.MAX_BYTES + 1);
    ContentRef ref = stage(big);
    assertThat(ref.size()).isEqualTo(big.length());
    assertThat(blobFiles()).hasSize(1); // durable before any commit, as a put
    assertThat(read(ref.sha256())).isEqualTo(big);
    createReferring(ref.sha256());
    assertThat(inlineRows()).isZero();
  }

  @Test
  void stagingShouldRefuseContentOverTheCallersLimitWithTooBigAndKeepNothing() throws Exception {
    assertThatThrownBy(() -> storage.stageBlob(new ByteArrayInputStream(new byte[11]), 10))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.TOO_BIG));
    assertThat(blobFiles()).isEmpty();
  }

  @Test
  void contentAlreadyStoredAsAFileShouldNotBeStoredTwiceAndItsStoredTimeShouldBeRefreshed() throws Exception {
    ContentRef uploaded = storage.putBlob(new ByteArrayInputStream("uploaded".getBytes(UTF_8)), 1 << 20);
    clock.advance(Duration.ofHours(3));
    ContentRef again = stage("uploaded"); // a save that uses an uploaded blob re-reads it (useContent)
    assertThat(again).isEqualTo(uploaded);
    assertThat(Files.getLastModifiedTime(blobFiles().get(0))).isEqualTo(FileTime.from(clock.instant()));

    createReferring(again.sha256());
    assertThat(inlineRows()).isZero();
    assertThat(blobFiles()).hasSize(1);
  }

  @Test
  void identicalContentStagedByTwoSavesShouldBeStoredOnce() throws Exception {
    ContentRef a = stage("the same attachment");
    ContentRef b = stage("the same attachment");
    assertThat(a).isEqualTo(b);
    createReferring(a.sha256());
    createReferring(b.sha256());
    assertThat(inlineRows()).isEqualTo(1);
    assertThat(storage.blobReferences(a.sha256())).hasSize(2);
  }

  @Test
  void collectGarbageShouldRemoveUnreferencedInlineBlobsOnlyAfterTheGrace() throws Exception {
    ContentRef ref = stage("attachment of v1");
    long id = createReferring(ref.sha256());
    storage.commit(WriteBatch.of("a", new WriteOp.PutMessage(id, inbox, new Expect.AtVersion(1), ctx -> new NewVersion(
        "v2".getBytes(UTF_8), new NewVersion.Columns("v2", null, null, null, 2, null, null, false), List.of(), 0),
        "SAVED", 1, EventType.OBJECT_MODIFIED, List.of())));
    clock.advance(Duration.ofDays(2));
    assertThat(storage.collectGarbage(clock.instant())).isZero(); // v1 still refers to it
    assertThat(storage.pruneHistory(clock.instant(), 0)).isEqualTo(1);

    assertThat(storage.collectGarbage(T0.minusSeconds(1))).isZero(); // stored after that cut-off
    assertThat(storage.collectGarbage(clock.instant())).isEqualTo(1);
    assertThat(inlineRows()).isZero();
    assertThatThrownBy(() -> storage.openBlob(ref.sha256())).isInstanceOf(StoreException.class);
  }

  @Test
  void theIntegrityCheckShouldFindInlineBlobsAndNameAMissingOne() throws Exception {
    ContentRef ref = stage("checked");
    createReferring(ref.sha256());
    assertThat(storage.checkIntegrity()).isEmpty();
    storage.close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("store.db"));
        Statement st = c.createStatement()) {
      st.executeUpdate("DELETE FROM inline_blob");
    }
    storage = reopen();
    assertThat(storage.checkIntegrity()).singleElement().asString().contains(ref.sha256()).contains("missing");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("store.db"));
        Statement st = c.createStatement()) {
      // sound again for the check after the test: no reference, and no version that lists the blob
      st.executeUpdate("DELETE FROM version_blob");
      st.executeUpdate("UPDATE message_version SET blobs = NULL");
    }
  }

  @Test
  void stagingOverItsBudgetShouldHandTheOldestContentOverToBeStoredAsFiles() {
    SqliteStaging staging = new SqliteStaging(10);
    assertThat(staging.stage("a", new byte[4])).isEmpty();
    assertThat(staging.stage("b", new byte[4])).isEmpty();
    List<SqliteStaging.Evicted> over = staging.stage("c", new byte[4]);
    assertThat(over).extracting(SqliteStaging.Evicted::sha).containsExactly("a");
    assertThat(staging.get("a")).as("still readable until stored as a file").isNotNull();
    staging.evicted(over);
    assertThat(staging.get("a")).isNull();
    assertThat(staging.stagedBytes()).isEqualTo(8);
  }

  @Test
  void stagingShouldKeepContentStagedAgainAfterAnEarlierCopyWasWritten() {
    SqliteStaging staging = new SqliteStaging(1 << 20);
    byte[] first = new byte[] {1};
    staging.stage("s", first);
    byte[] second = new byte[] {1};
    staging.stage("s", second); // a second handle stages the same content before the commit ends
    staging.written(List.of(new SqliteStaging.Written("s", first)));
    assertThat(staging.get("s")).isSameAs(second);
    staging.written(List.of(new SqliteStaging.Written("s", second)));
    assertThat(staging.get("s")).isNull();
    assertThat(staging.stagedBytes()).isZero();
  }

  @Test
  void manyStagedBlobsOverTheBudgetShouldAllStayReadableAndBeStoredByTheirCommits() throws Exception {
    // 300 x 256 KiB = 75 MiB staged, over the 64 MiB budget: the oldest go to files, none is lost
    List<ContentRef> refs = new java.util.ArrayList<>();
    for (int i = 0; i < 300; i++) {
      refs.add(stage(String.format("%06d", i) + "y".repeat(SqliteStaging.MAX_BYTES - 6)));
    }
    assertThat(blobFiles()).isNotEmpty();
    for (ContentRef r : refs) {
      createReferring(r.sha256());
    }
    storage.close();
    storage = reopen();
    for (int i = 0; i < refs.size(); i++) {
      try (InputStream in = storage.openBlob(refs.get(i).sha256())) {
        assertThat(new String(in.readNBytes(6), UTF_8)).isEqualTo(String.format("%06d", i));
      }
    }
    assertThat(blobFiles().size() + inlineRows()).isEqualTo(300);
  }
}
