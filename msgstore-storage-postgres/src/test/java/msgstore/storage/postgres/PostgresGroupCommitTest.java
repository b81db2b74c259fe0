package msgstore.storage.postgres;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import msgstore.api.ChangeNumber;
import msgstore.api.EventType;
import msgstore.api.MapiError;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.engine.spi.CommitResult;
import msgstore.engine.spi.NewVersion;
import msgstore.engine.spi.PreconditionFailedException;
import msgstore.engine.spi.StorageDeadline;
import msgstore.engine.spi.StoredMessage;
import msgstore.engine.spi.VersionFactory;
import msgstore.engine.spi.WriteBatch;
import msgstore.engine.spi.WriteOp;
import msgstore.engine.spi.WriteOp.Expect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit per node (ADR 0024, amended): the commits waiting on one node share one
 * transaction, one journal_head lock hold and one WAL flush; a batch whose precondition fails
 * fails alone (R28: MAPI_E_OBJECT_CHANGED) and the others of its group commit. Real threads on a
 * real PostgreSQL: a group is formed by holding journal_head from another connection (as another
 * node's transaction would) while the commits queue.
 */
class PostgresGroupCommitTest {
  @TempDir Path dir;
  String database;
  PostgresStorage storage;
  final UUID store = UUID.randomUUID();
  long inbox;
  final ExecutorService threads = Executors.newCachedThreadPool();

  @BeforeEach
  void open() {
    database = TestPostgres.databaseFor(dir);
    storage = PostgresStorage.open(TestPostgres.options(database).withPoolSize(4));
    long root = storage.commit(WriteBatch.of("alice", new WriteOp.CreateStore(store, "Alice", "alice",
        List.of("Inbox")))).get(0).id();
    inbox = storage.childFolders(root).get(0).id();
  }

  @AfterEach
  void close() {
    threads.shutdownNow();
    assertThat(storage.checkIntegrity()).isEmpty();
    storage.close();
  }

  static VersionFactory text(String text) {
    return ctx -> {
      byte[] b = text.getBytes(UTF_8);
      return new NewVersion(b, new NewVersion.Columns(text, null, null, ctx.commitTime(), b.length, null, null, false),
          List.of(), 0);
    };
  }

  static WriteOp.PutMessage create(long folder, String text) {
    return new WriteOp.PutMessage(0, folder, new Expect.New(), text(text), "CREATED", 0, EventType.OBJECT_CREATED,
        List.of());
  }

  static WriteOp.PutMessage save(long id, long folder, long base, String text) {
    return new WriteOp.PutMessage(id, folder, new Expect.AtVersion(base), text(text), "SAVED", base,
        EventType.OBJECT_MODIFIED, List.of());
  }

  CommitResult.OpResult commit(WriteOp op) {
    return storage.commit(WriteBatch.of("alice", op)).get(0);
  }

  CompletableFuture<CommitResult.OpResult> commitAsync(WriteOp op) {
    return CompletableFuture.supplyAsync(() -> commit(op), threads);
  }

  @Test
  void findMessageRowShouldGiveTheRowOfFindMessageWithoutReadingTheContent() {
    long live = commit(create(inbox, "one")).id();
    long deleted = commit(create(inbox, "two")).id();
    commit(new WriteOp.DeleteMessage(deleted, false, 0));
    for (long id : new long[] {live, deleted}) {
      StoredMessage whole = storage.findMessage(id).orElseThrow();
      StoredMessage row = storage.findMessageRow(id).orElseThrow();
      assertThat(whole.content()).isNotEmpty();
      assertThat(row.content()).isEmpty();
      assertThat(row).usingRecursiveComparison().ignoringFields("content").isEqualTo(whole);
    }
    assertThat(storage.findMessageRow(deleted).orElseThrow().softDeleted()).isTrue();
    assertThat(storage.findMessageRow(999_999)).isEmpty();
  }

  /**
   * Holds journal_head in a transaction of its own connection, as another node's write would:
   * the node's writer waits for it with its first group while later commits queue behind.
   */
  final class JournalHeld implements AutoCloseable {
    final Connection c;

    JournalHeld() throws SQLException {
      c = DriverManager.getConnection(TestPostgres.jdbcUrl(database), "postgres", null);
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.executeQuery("SELECT position FROM journal_head WHERE id = 1 FOR UPDATE").close();
      }
    }

    /** Waits until a transaction of the node waits for the lock. */
    void awaitWaiter() throws Exception {
      try (Connection probe = DriverManager.getConnection(TestPostgres.jdbcUrl(database), "postgres", null);
          Statement s = probe.createStatement()) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
          try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity"
              + " WHERE datname = current_database() AND wait_event_type = 'Lock'")) {
            rs.next();
            if (rs.getLong(1) > 0) {
              return;
            }
          }
          assertThat(System.nanoTime()).as("a commit waits for journal_head within 30 s").isLessThan(until);
          Thread.onSpinWait();
        }
      }
    }

    /** Releases the lock once {@code n} commits are queued behind the waiting one. */
    void releaseWhenQueued(int n) throws SQLException {
      while (storage.queuedWrites() < n) {
        Thread.onSpinWait();
      }
      close();
    }

    @Override
    public void close() throws SQLException {
      if (!c.isClosed()) {
        c.rollback();
        c.close();
      }
    }
  }

  @Test
  void aGroupWithAFailingBatchShouldCommitTheOthersAndFailThatOneAloneWithObjectChanged() throws Exception {
    List<CommitResult.OpResult> created = createInInbox(4);
    List<StoreEvent> events = new CopyOnWriteArrayList<>();
    storage.onCommitted(events::addAll);
    long groupsBeforeGroup = storage.groupCommitStats()[0];
    long batchesBeforeGroup = storage.groupCommitStats()[1];
    List<CompletableFuture<CommitResult.OpResult>> racing = new ArrayList<>();
    CompletableFuture<CommitResult.OpResult> holder;
    try (JournalHeld held = new JournalHeld()) {
      holder = commitAsync(save(created.get(0).id(), inbox, created.get(0).cn(), "holder"));
      held.awaitWaiter();
      racing.add(commitAsync(save(created.get(2).id(), inbox, created.get(2).cn(), "ok 2")));
      racing.add(commitAsync(save(created.get(3).id(), inbox, created.get(3).cn() - 1, "stale base")));
      racing.add(commitAsync(save(created.get(3).id(), inbox, created.get(3).cn(), "ok 3")));
      held.releaseWhenQueued(3);
    }
    long held = holder.get(30, TimeUnit.SECONDS).cn();
    CommitResult.OpResult ok2 = racing.get(0).get(30, TimeUnit.SECONDS);
    CommitResult.OpResult ok3 = racing.get(2).get(30, TimeUnit.SECONDS);
    // The two saves of m3 are queued from two threads: the stale one meets whichever version is
    // current when the writer takes it, the one it was based on or ok 3's.
    assertThatThrownBy(() -> racing.get(1).join()).hasCauseInstanceOf(PreconditionFailedException.class)
        .cause().isInstanceOfSatisfying(PreconditionFailedException.class, e -> {
          assertThat(e.error()).isEqualTo(MapiError.OBJECT_CHANGED);
          assertThat(e.currentCn()).isIn(created.get(3).cn(), ok3.cn());
        });

    long[] stats = storage.groupCommitStats();
    assertThat(stats[0] - groupsBeforeGroup).as("the holder alone, then the three queued in one transaction")
        .isEqualTo(2);
    assertThat(stats[1] - batchesBeforeGroup).isEqualTo(4);
    assertThat(List.of(ok2.cn(), ok3.cn())).as("the failed batch used no change number (R61)")
        .containsExactlyInAnyOrder(held + 1, held + 2);
    assertThat(storage.findMessage(created.get(3).id()).orElseThrow().cn()).isEqualTo(ok3.cn());
    assertThat(storage.findMessage(created.get(2).id()).orElseThrow().cn()).isEqualTo(ok2.cn());
    List<Long> positions = storage.readJournal(0, 100_000).stream().map(StoreEvent::position).toList();
    assertThat(positions).as("journal positions gapless").isEqualTo(
        LongStream.rangeClosed(1, positions.size()).boxed().toList());
    assertThat(events.stream().map(StoreEvent::position).toList()).as("each saved batch's event delivered once, in order")
        .isEqualTo(positions.subList(positions.size() - events.size(), positions.size()));
    assertThat(events).hasSize(3);
  }

  @Test
  void concurrentSavesOnOneNodeShouldTakeFewerTransactionsThanSaves() throws Exception {
    int writers = 16;
    List<CommitResult.OpResult> created = createInInbox(writers);
    long[] before = storage.groupCommitStats();
    List<CompletableFuture<CommitResult.OpResult>> saves = new ArrayList<>();
    try (JournalHeld held = new JournalHeld()) {
      saves.add(commitAsync(save(created.get(0).id(), inbox, created.get(0).cn(), "first")));
      held.awaitWaiter();
      for (int i = 1; i < writers; i++) {
        saves.add(commitAsync(save(created.get(i).id(), inbox, created.get(i).cn(), "save " + i)));
      }
      held.releaseWhenQueued(writers - 1);
    }
    List<Long> cns = new ArrayList<>();
    for (CompletableFuture<CommitResult.OpResult> f : saves) {
      cns.add(f.get(30, TimeUnit.SECONDS).cn());
    }
    long[] after = storage.groupCommitStats();
    assertThat(after[1] - before[1]).isEqualTo(writers);
    assertThat(after[0] - before[0]).as("transactions for " + writers + " concurrent saves").isEqualTo(2);
    long last = created.getLast().cn();
    assertThat(cns).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(last + 1, last + writers).boxed().toList());
  }

  @Test
  void commitsShouldWaitForTheirWalFlushEvenWhereTheServerTurnsSynchronousCommitOff() throws Exception {
    try (Connection c = DriverManager.getConnection(TestPostgres.jdbcUrl(database), "postgres", null);
        Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW synchronous_commit")) {
      rs.next();
      assertThat(rs.getString(1)).as("the test server's own setting (zonky's default)").isEqualTo("off");
    }
    try (Connection c = storage.dataSource().getConnection();
        Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW synchronous_commit")) {
      rs.next();
      assertThat(rs.getString(1)).as("on msgstore's own connections").isEqualTo("on");
    }
  }

  /**
   * A group of saves is one statement that writes each store and folder row once (ADR 0033
   * addendum): the numbers must still be those of saves committed one after the other.
   */
  @Test
  void aGroupOfSavesAcrossStoresAndFoldersShouldTakeTheNumbersOfSavesCommittedOneByOne() throws Exception {
    UUID bobStore = UUID.randomUUID();
    long bobRoot = storage.commit(WriteBatch.of("bob", new WriteOp.CreateStore(bobStore, "Bob", "bob",
        List.of("Inbox")))).get(0).id();
    long bobInbox = storage.childFolders(bobRoot).get(0).id();
    long work = commit(new WriteOp.CreateFolder(storage.findFolder(inbox).orElseThrow().parentId(), "Work")).id();
    String sha = storage.putBlob(new java.io.ByteArrayInputStream("an attachment".getBytes(UTF_8)), 1 << 20).sha256();
    long[] folders = {inbox, work, bobInbox, inbox, work, bobInbox, inbox};
    List<CommitResult.OpResult> created = new ArrayList<>();
    for (long f : folders) {
      created.add(commit(create(f, "m in " + f)));
    }
    List<StoreEvent> events = new CopyOnWriteArrayList<>();
    storage.onCommitted(events::addAll);
    long[] before = storage.groupCommitStats();
    List<CompletableFuture<CommitResult.OpResult>> saves = new ArrayList<>();
    try (JournalHeld held = new JournalHeld()) {
      saves.add(commitAsync(save(created.get(0).id(), inbox, created.get(0).cn(), "holder")));
      held.awaitWaiter();
      for (int i = 1; i < folders.length; i++) {
        CommitResult.OpResult m = created.get(i);
        VersionFactory withBlob = ctx -> new NewVersion("with a blob".getBytes(UTF_8),
            new NewVersion.Columns("with a blob", null, null, ctx.commitTime(), 11, 1, "IPM.Note", true), List.of(sha), 0);
        saves.add(commitAsync(i % 2 == 0 ? save(m.id(), folders[i], m.cn(), "save " + i)
            : new WriteOp.PutMessage(m.id(), folders[i], new Expect.AtVersion(m.cn()), withBlob, "SAVED", m.cn(),
                EventType.OBJECT_MODIFIED, List.of())));
      }
      held.releaseWhenQueued(folders.length - 1);
    }
    List<CommitResult.OpResult> saved = new ArrayList<>();
    for (CompletableFuture<CommitResult.OpResult> f : saves) {
      saved.add(f.get(30, TimeUnit.SECONDS));
    }
    long[] after = storage.groupCommitStats();
    assertThat(after[0] - before[0]).as("the holder alone, then the others in one transaction").isEqualTo(2);
    assertThat(events).hasSize(folders.length);
    List<Long> positions = storage.readJournal(0, 100_000).stream().map(StoreEvent::position).toList();
    assertThat(positions).as("journal positions gapless").isEqualTo(
        LongStream.rangeClosed(1, positions.size()).boxed().toList());
    for (UUID s : List.of(store, bobStore)) {
      List<Long> cns = new ArrayList<>();
      for (int i = 0; i < folders.length; i++) {
        if ((folders[i] == bobInbox) == (s == bobStore)) {
          cns.add(saved.get(i).cn());
        }
      }
      cns.sort(null);
      long first = cns.getFirst();
      assertThat(cns).as("store " + s + ": consecutive change numbers")
          .isEqualTo(LongStream.range(first, first + cns.size()).boxed().toList());
      assertThat(sqlLong("SELECT last_cn FROM store WHERE guid = '" + s + "'")).isEqualTo(cns.getLast());
    }
    for (int i = 0; i < folders.length; i++) {
      StoredMessage m = storage.findMessage(created.get(i).id()).orElseThrow();
      assertThat(m.cn()).isEqualTo(saved.get(i).cn());
      assertThat(sqlLong("SELECT count(*) FROM version_blob WHERE message_id = " + m.id() + " AND sha = '" + sha + "'"))
          .as("blob references of message " + i).isEqualTo(i % 2 == 0 ? 0 : 1);
    }
    try (Connection c = DriverManager.getConnection(TestPostgres.jdbcUrl(database), "postgres", null);
        Statement st = c.createStatement()) {
      for (long f : new long[] {inbox, work, bobInbox}) {
        try (ResultSet rs = st.executeQuery("SELECT f.uid_next, f.highest_modseq, max(m.uid), max(m.modseq),"
            + " count(DISTINCT m.uid), count(*) FROM folder f JOIN message m ON m.folder_id = f.id WHERE f.id = " + f
            + " GROUP BY f.uid_next, f.highest_modseq")) {
          rs.next();
          assertThat(rs.getLong(1)).as("UIDNEXT of folder " + f + " follows its last UID").isEqualTo(rs.getLong(3) + 1);
          assertThat(rs.getLong(2)).as("HIGHESTMODSEQ of folder " + f).isEqualTo(rs.getLong(4));
          assertThat(rs.getLong(5)).as("distinct UIDs in folder " + f).isEqualTo(rs.getLong(6));
        }
      }
      try (ResultSet rs = st.executeQuery("SELECT count(*) FROM message m JOIN journal j ON j.position = m.modseq"
          + " AND j.object_id = m.id AND j.cn = m.cn")) {
        rs.next();
        assertThat(rs.getLong(1)).as("every message's MODSEQ is its last journal entry").isEqualTo(folders.length);
      }
    }
  }

  @Test
  void aQueuedBatchWhoseDeadlinePassedShouldFailAloneWithBusy() throws Exception {
    CommitResult.OpResult a = commit(create(inbox, "a"));
    CommitResult.OpResult b = commit(create(inbox, "b"));
    CompletableFuture<CommitResult.OpResult> first;
    CompletableFuture<CommitResult.OpResult> late;
    try (JournalHeld held = new JournalHeld()) {
      first = commitAsync(save(a.id(), inbox, a.cn(), "no deadline"));
      held.awaitWaiter();
      late = CompletableFuture.supplyAsync(() -> {
        StorageDeadline d = StorageDeadline.start(Duration.ZERO); // over by the time its group runs
        try {
          return commit(save(b.id(), inbox, b.cn(), "too late"));
        } finally {
          d.close();
        }
      }, threads);
      held.releaseWhenQueued(1);
    }
    assertThat(first.get(30, TimeUnit.SECONDS).cn()).isEqualTo(b.cn() + 1);
    assertThat(late).failsWithin(Duration.ofSeconds(30));
    assertThatThrownBy(late::join).cause().isInstanceOfSatisfying(StoreException.class,
        e -> assertThat(e.error()).isEqualTo(MapiError.BUSY));
    assertThat(storage.findMessage(b.id()).orElseThrow().cn()).as("nothing written for the late batch")
        .isEqualTo(b.cn());
  }

  // ---- numbers assumed from the node's last commit (ADR 0033 addendum): one round trip less, checked by the database

  private void sql(String statement) throws SQLException {
    try (Connection c = DriverManager.getConnection(TestPostgres.jdbcUrl(database), "postgres", null);
        Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  private long sqlLong(String query) throws SQLException {
    try (Connection c = DriverManager.getConnection(TestPostgres.jdbcUrl(database), "postgres", null);
        Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private long journalHead() {
    return storage.readJournal(0, 10_000).getLast().position();
  }

  /**
   * Saves {@code m} until a save assumes the numbers of the one before: from then on the node's
   * feed listens (it connects on its own thread, and counts that as possible news of others).
   */
  private CommitResult.OpResult savedUntilAssumed(CommitResult.OpResult m) {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    CommitResult.OpResult last = m;
    for (long assumed = storage.assumptionStats()[0]; storage.assumptionStats()[0] == assumed; ) {
      last = commit(save(m.id(), inbox, last.cn(), "until assumed"));
      assertThat(System.nanoTime()).as("a save assumes its numbers within 30 s").isLessThan(until);
    }
    return last;
  }

  @Test
  void consecutiveSavesOfOneNodeShouldAssumeTheNumbersOfItsLastCommit() {
    CommitResult.OpResult m = commit(create(inbox, "m"));
    long cn = savedUntilAssumed(m).cn();
    long[] before = storage.assumptionStats();
    for (int i = 0; i < 5; i++) {
      CommitResult.OpResult saved = commit(save(m.id(), inbox, cn, "v" + i));
      assertThat(saved.cn()).isEqualTo(cn + 1);
      cn = saved.cn();
    }
    long[] after = storage.assumptionStats();
    assertThat(after[0] - before[0]).as("each save assumes the numbers of the one before").isEqualTo(5);
    assertThat(after[1] - before[1]).as("none was stale").isZero();
  }

  @Test
  void aChangeNumberUsedByAnotherWriterShouldFailTheAssumptionWriteNothingAndSaveWithTheNextOne() throws Exception {
    CommitResult.OpResult m = commit(create(inbox, "m"));
    CommitResult.OpResult first = savedUntilAssumed(m); // the numbers to assume
    sql("UPDATE store SET last_cn = last_cn + 1"); // another writer used a change number and told no one
    long[] before = storage.assumptionStats();

    CommitResult.OpResult second = commit(save(m.id(), inbox, first.cn(), "second"));

    long[] after = storage.assumptionStats();
    assertThat(after[0] - before[0]).isEqualTo(1);
    assertThat(after[1] - before[1]).as("the store's guard found the change number taken").isEqualTo(1);
    assertThat(second.cn()).as("R61: change numbers never reused").isEqualTo(first.cn() + 2);
    assertThat(storage.findMessage(m.id()).orElseThrow().cn()).isEqualTo(second.cn());
    List<Long> positions = storage.readJournal(0, 100_000).stream().map(StoreEvent::position).toList();
    assertThat(positions).as("journal positions gapless").isEqualTo(
        LongStream.rangeClosed(1, positions.size()).boxed().toList());
  }

  @Test
  void aJournalEntryOfAnotherWriterShouldFailTheAssumptionOfAGroupAndItsSavesTakeTheNextPositions() throws Exception {
    int writers = 4;
    List<CommitResult.OpResult> created = createInInbox(writers);
    CommitResult.OpResult first = savedUntilAssumed(created.get(0));
    long head = journalHead();
    // Another writer's entry, without a notification (lost, or not heard yet): the Inbox modified.
    sql("BEGIN; INSERT INTO journal (position, store_guid, type, kind, object_id, parent_id, at)"
        + " SELECT " + (head + 1) + ", store_guid, " + EventType.OBJECT_MODIFIED.bit() + ", 1, id, parent_id, 0"
        + " FROM folder WHERE id = " + inbox + "; UPDATE journal_head SET position = position + 1; COMMIT");
    long[] before = storage.assumptionStats();
    List<CompletableFuture<CommitResult.OpResult>> saves = new ArrayList<>();
    try (JournalHeld held = new JournalHeld()) {
      saves.add(commitAsync(save(first.id(), inbox, first.cn(), "holder")));
      held.awaitWaiter();
      for (int i = 1; i < writers; i++) {
        saves.add(commitAsync(save(created.get(i).id(), inbox, created.get(i).cn(), "save " + i)));
      }
      held.releaseWhenQueued(writers - 1);
    }
    for (CompletableFuture<CommitResult.OpResult> f : saves) {
      f.get(30, TimeUnit.SECONDS);
    }
    long[] after = storage.assumptionStats();
    assertThat(after[1] - before[1]).as("the lone holder's guard found the head moved").isEqualTo(1);
    assertThat(after[0] - before[0]).as("the holder, then the group of the others on the holder's numbers")
        .isEqualTo(2);
    List<StoreEvent> journal = storage.readJournal(0, 100_000); // the whole journal: the class's tests share the database
    List<Long> positions = journal.stream().map(StoreEvent::position).toList();
    assertThat(positions).as("journal positions gapless").isEqualTo(
        LongStream.rangeClosed(1, positions.size()).boxed().toList());
    assertThat(positions.getLast()).isEqualTo(head + 1 + writers);
  }

  @Test
  void aCommitOfAnotherNodeShouldStopTheNextSaveFromAssumingOnceHeard() throws Exception {
    CommitResult.OpResult m = commit(create(inbox, "m"));
    CommitResult.OpResult first = commit(save(m.id(), inbox, m.cn(), "first"));
    CountDownLatch heard = new CountDownLatch(1);
    storage.onCommitted(events -> {
      if (events.stream().anyMatch(e -> e.id() == m.id()
          && e.changeNumber().map(ChangeNumber::value).orElse(0L) == first.cn() + 1)) {
        heard.countDown();
      }
    });
    try (PostgresStorage other = PostgresStorage.open(TestPostgres.options(database).withPoolSize(2))) {
      other.commit(WriteBatch.of("alice", save(m.id(), inbox, first.cn(), "on the other node")));
    }
    assertThat(heard.await(30, TimeUnit.SECONDS)).as("this node's feed delivers the other node's save").isTrue();
    long[] before = storage.assumptionStats();

    CommitResult.OpResult third = commit(save(m.id(), inbox, first.cn() + 1, "third"));

    long[] after = storage.assumptionStats();
    assertThat(after[0] - before[0]).as("numbers read under the lock, not assumed").isZero();
    assertThat(third.cn()).isEqualTo(first.cn() + 2);
  }

  /** {@code n} messages created in the Inbox, one commit each ("m0", "m1", ...). */
  private List<CommitResult.OpResult> createInInbox(int n) {
    List<CommitResult.OpResult> created = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      created.add(commit(create(inbox, "m" + i)));
    }
    return created;
  }
}
