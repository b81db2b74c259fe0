package msgstore.storage.sqlite;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import msgstore.api.ChangeKey;
import msgstore.api.ChangeNumber;
import msgstore.api.EventType;
import msgstore.api.FolderId;
import msgstore.api.MapiError;
import msgstore.api.PropTags;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.api.StoreId;
import msgstore.engine.spi.CommitResult;
import msgstore.engine.spi.IndexedColumn;
import msgstore.engine.spi.NewVersion;
import msgstore.engine.spi.PreconditionFailedException;
import msgstore.engine.spi.StorageDeadline;
import msgstore.engine.spi.StoredFolder;
import msgstore.engine.spi.StoredMessage;
import msgstore.engine.spi.VersionFactory;
import msgstore.engine.spi.VersionRecord;
import msgstore.engine.spi.WriteBatch;
import msgstore.engine.spi.WriteOp.Expect;
import msgstore.engine.spi.WriteOp;
import msgstore.storage.sqlite.SqliteStorage.Options;
import msgstore.testkit.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStorageTest {
  static final String ALICE = "alice";
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path dir;
  final MutableClock clock = new MutableClock(T0);
  SqliteStorage storage;
  final UUID store = UUID.randomUUID();
  long root;
  long inbox;
  long archive;

  @BeforeEach
  void open() {
    storage = SqliteStorage.open(Options.defaults(dir.resolve("store.db")).withClock(clock).withBlobGrace(Duration.ZERO));
    root = commit(new WriteOp.CreateStore(store, "Alice", ALICE, List.of("Inbox", "Archive"))).get(0).id();
    List<StoredFolder> top = storage.childFolders(root);
    inbox = top.stream().filter(f -> f.displayName().equals("Inbox")).findFirst().orElseThrow().id();
    archive = top.stream().filter(f -> f.displayName().equals("Archive")).findFirst().orElseThrow().id();
  }

  @AfterEach
  void close() {
    assertThat(storage.checkIntegrity()).isEmpty();
    storage.close();
  }

  // ---- helpers

  static VersionFactory text(String text) {
    return ctx -> version(text, ctx);
  }

  static NewVersion version(String text, VersionFactory.VersionContext ctx) {
    byte[] bytes = text.getBytes(UTF_8);
    return new NewVersion(bytes, new NewVersion.Columns(text, "sender " + text, ctx.commitTime(), ctx.commitTime(),
        bytes.length, 1, "IPM.Note", false), List.of(), 0);
  }

  CommitResult commit(WriteOp... ops) {
    return storage.commit(WriteBatch.of(ALICE, ops));
  }

  long create(long folder, String text) {
    return commit(new WriteOp.PutMessage(0, folder, new Expect.New(), text(text), "CREATED", 0,
        EventType.OBJECT_CREATED, List.of())).get(0).id();
  }

  CommitResult.OpResult save(long id, long folder, long baseCn, String text) {
    return commit(new WriteOp.PutMessage(id, folder, new Expect.AtVersion(baseCn), text(text), "SAVED", baseCn,
        EventType.OBJECT_MODIFIED, List.of(PropTags.SUBJECT.value()))).get(0);
  }

  StoredMessage message(long id) {
    return storage.findMessage(id).orElseThrow();
  }

  static String content(StoredMessage m) {
    return new String(m.content(), UTF_8);
  }

  PreconditionFailedException failure(WriteOp... ops) {
    try {
      commit(ops);
    } catch (PreconditionFailedException e) {
      return e;
    }
    throw new AssertionError("the batch did not fail");
  }

  // ---- stores and folders

  @Test
  void createStoreShouldCreateRootAndTopFoldersWhenGuidIsNew() {
    assertThat(storage.findStore(store)).hasValueSatisfying(s -> {
      assertThat(s.displayName()).isEqualTo("Alice");
      assertThat(s.owner()).isEqualTo(ALICE);
      assertThat(s.rootFolderId()).isEqualTo(root);
      assertThat(s.createdAt()).isEqualTo(T0);
    });
    assertThat(storage.findFolder(root)).hasValueSatisfying(f -> {
      assertThat(f.displayName()).isEmpty();
      assertThat(f.parentId()).isZero();
      assertThat(f.childCount()).isEqualTo(2);
    });
    assertThat(storage.childFolders(root)).extracting(StoredFolder::displayName).containsExactly("Archive", "Inbox");
    assertThat(storage.storesVisibleTo(ALICE)).extracting(s -> s.guid()).containsExactly(store);
    assertThat(storage.storesVisibleTo("bob")).isEmpty();
  }

  @Test
  void createStoreShouldFailWithCollisionWhenGuidExists() {
    PreconditionFailedException e = failure(new WriteOp.CreateStore(store, "again", ALICE, List.of()));
    assertThat(e.reason()).isEqualTo(PreconditionFailedException.Reason.COLLISION);
    assertThat(e.error()).isEqualTo(MapiError.COLLISION);
  }

  @Test
  void createFolderShouldJournalObjectCreatedWhenParentIsLive() {
    long head = storage.journalHead(store);
    CommitResult.OpResult r = commit(new WriteOp.CreateFolder(inbox, "Projects")).get(0);
    assertThat(storage.findFolder(r.id())).hasValueSatisfying(f -> {
      assertThat(f.parentId()).isEqualTo(inbox);
      assertThat(f.storeGuid()).isEqualTo(store);
      assertThat(f.props()).isEmpty();
    });
    List<StoreEvent> events = storage.readJournal(store, head, 10);
    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.position()).isEqualTo(r.position());
      assertThat(e.type()).isEqualTo(EventType.OBJECT_CREATED);
      assertThat(e.objectKind()).isEqualTo(StoreEvent.ObjectKind.FOLDER);
      assertThat(e.id()).isEqualTo(r.id());
      assertThat(e.parentId()).contains(FolderId.of(inbox));
      assertThat(e.changeNumber()).isEmpty();
    });
  }

  @Test
  void createFolderShouldFailWithCollisionWhenLiveSiblingHasTheName() {
    assertThat(failure(new WriteOp.CreateFolder(root, "inbox")).reason())
        .isEqualTo(PreconditionFailedException.Reason.COLLISION);
  }

  @Test
  void createFolderShouldFailWithNotFoundWhenParentIsMissingOrDeleted() {
    assertThat(failure(new WriteOp.CreateFolder(987654, "x")).reason())
        .isEqualTo(PreconditionFailedException.Reason.NOT_FOUND);
    commit(new WriteOp.DeleteFolder(archive, false));
    assertThat(failure(new WriteOp.CreateFolder(archive, "x")).reason())
        .isEqualTo(PreconditionFailedException.Reason.NOT_FOUND);
  }

  @Test
  void updateFolderShouldFailWithCycleWhenNewParentIsTheFolderOrUnderIt() {
    long child = commit(new WriteOp.CreateFolder(inbox, "child")).get(0).id();
    long grandchild = commit(new WriteOp.CreateFolder(child, "grandchild")).get(0).id();
    assertThat(failure(new WriteOp.UpdateFolder(inbox, null, grandchild)).reason())
        .isEqualTo(PreconditionFailedException.Reason.CYCLE);
    assertThat(failure(new WriteOp.UpdateFolder(inbox, null, inbox)).reason())
        .isEqualTo(PreconditionFailedException.Reason.CYCLE);
  }

  @Test
  void updateFolderShouldJournalModifiedForRenameAndMovedForMove() {
    long child = commit(new WriteOp.CreateFolder(inbox, "child")).get(0).id();
    long head = storage.journalHead();
    commit(new WriteOp.UpdateFolder(child, "renamed", archive));
    assertThat(storage.findFolder(child)).hasValueSatisfying(f -> {
      assertThat(f.displayName()).isEqualTo("renamed");
      assertThat(f.parentId()).isEqualTo(archive);
    });
    List<StoreEvent> events = storage.readJournal(head, 10);
    assertThat(events).extracting(StoreEvent::type).containsExactly(EventType.OBJECT_MODIFIED, EventType.OBJECT_MOVED);
    assertThat(events.get(0).changedTags()).containsExactly(PropTags.DISPLAY_NAME);
    assertThat(events.get(1).oldParentId()).contains(FolderId.of(inbox));
    assertThat(events.get(1).parentId()).contains(FolderId.of(archive));
  }

  @Test
  void updateFolderShouldFailWithCollisionWhenTargetHasASiblingOfThatName() {
    commit(new WriteOp.CreateFolder(archive, "x"));
    long x = commit(new WriteOp.CreateFolder(inbox, "x")).get(0).id();
    assertThat(failure(new WriteOp.UpdateFolder(x, null, archive)).reason())
        .isEqualTo(PreconditionFailedException.Reason.COLLISION);
  }

  @Test
  void deleteFolderShouldSoftDeleteSubtreeAndJournalMessagesThenFolders() {
    long child = commit(new WriteOp.CreateFolder(inbox, "child")).get(0).id();
    long m1 = create(inbox, "one");
    long m2 = create(child, "two");
    long head = storage.journalHead();
    commit(new WriteOp.DeleteFolder(inbox, false));
    List<StoreEvent> events = storage.readJournal(head, 10);
    assertThat(events).allSatisfy(e -> assertThat(e.type()).isEqualTo(EventType.OBJECT_DELETED));
    assertThat(events).extracting(e -> e.objectKind() + " " + e.id()).containsExactlyInAnyOrder(
        "MESSAGE " + m1, "MESSAGE " + m2, "FOLDER " + child, "FOLDER " + inbox);
    assertThat(events.get(events.size() - 1).id()).isEqualTo(inbox);
    assertThat(events.subList(0, 2)).allSatisfy(e -> assertThat(e.objectKind()).isEqualTo(StoreEvent.ObjectKind.MESSAGE));
    assertThat(message(m1).softDeleted()).isTrue();
    assertThat(storage.findFolder(child)).hasValueSatisfying(f -> assertThat(f.deleted()).isTrue());
    assertThat(storage.childFolders(root)).extracting(StoredFolder::displayName).containsExactly("Archive");
    assertThat(failure(new WriteOp.DeleteFolder(inbox, false)).reason())
        .isEqualTo(PreconditionFailedException.Reason.NOT_FOUND);
  }

  @Test
  void findMessageRowShouldGiveTheRowOfFindMessageWithoutReadingTheContent() {
    long live = create(inbox, "one");
    long deleted = create(inbox, "two");
    commit(new WriteOp.DeleteMessage(deleted, false, 0));
    for (long id : new long[] {live, deleted}) {
      StoredMessage whole = message(id);
      StoredMessage row = storage.findMessageRow(id).orElseThrow();
      assertThat(whole.content()).isNotEmpty();
      assertThat(row.content()).isEmpty();
      assertThat(row).usingRecursiveComparison().ignoringFields("content").isEqualTo(whole);
    }
    assertThat(storage.findMessageRow(deleted).orElseThrow().softDeleted()).isTrue();
    assertThat(storage.findMessageRow(999_999)).isEmpty();
  }

  @Test
  void deleteFolderHardShouldRemoveRowsAndHistory() {
    long m = create(inbox, "one");
    commit(new WriteOp.DeleteFolder(inbox, true));
    assertThat(storage.findFolder(inbox)).isEmpty();
    assertThat(storage.findMessage(m)).isEmpty();
    assertThat(storage.versions(m)).isEmpty();
  }

  @Test
  void deleteFolderShouldRefuseTheRootFolder() {
    assertThatThrownBy(() -> commit(new WriteOp.DeleteFolder(root, false)))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.INVALID_PARAMETER));
  }

  @Test
  void mergeFolderPropShouldHandTheCommittedPropsToTheMergeAndStoreWhatItReturns() {
    List<byte[]> seen = new ArrayList<>();
    commit(new WriteOp.MergeFolderProp(inbox, 0x3004001F, current -> {
      seen.add(current);
      return new byte[] {1, 2, 3};
    }));
    commit(new WriteOp.MergeFolderProp(inbox, 0x3004001F, current -> {
      seen.add(current);
      return new byte[] {1, 3};
    }));
    assertThat(seen).hasSize(2);
    assertThat(seen.get(0)).isEmpty();
    assertThat(seen.get(1)).containsExactly(1, 2, 3);
    assertThat(storage.findFolder(inbox).orElseThrow().props()).containsExactly(1, 3);
    assertThat(failure(new WriteOp.MergeFolderProp(424242, 0x3004001F, current -> current)).reason())
        .isEqualTo(PreconditionFailedException.Reason.NOT_FOUND);
  }

  @Test
  void mergeFolderPropShouldNeverLoseAConcurrentMergeWhenThreadsMergeAtOnce() throws Exception {
    int threads = 8;
    int merges = 40;
    CyclicBarrier start = new CyclicBarrier(threads);
    List<Thread> workers = new ArrayList<>();
    List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < threads; t++) {
      byte mark = (byte) (t + 1);
      workers.add(Thread.ofPlatform().start(() -> {
        try {
          start.await();
          for (int i = 0; i < merges; i++) {
            commit(new WriteOp.MergeFolderProp(inbox, 0x3004001F, current -> {
              byte[] next = Arrays.copyOf(current, current.length + 1);
              next[current.length] = mark;
              return next;
            }));
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      }));
    }
    for (Thread w : workers) {
      w.join();
    }
    assertThat(errors).isEmpty();
    byte[] props = storage.findFolder(inbox).orElseThrow().props();
    assertThat(props).as("every acknowledged merge is in the set").hasSize(threads * merges);
    for (int t = 1; t <= threads; t++) {
      byte mark = (byte) t;
      int n = 0;
      for (byte b : props) {
        n += b == mark ? 1 : 0;
      }
      assertThat(n).as("merges of thread %d", t).isEqualTo(merges);
    }
  }

  @Test
  void setRightsShouldUpsertAndRemoveRowsAndMakeTheStoreVisible() {
    commit(new WriteOp.SetRights(inbox, "bob", "REVIEWER"));
    commit(new WriteOp.SetRights(inbox, "bob", "EDITOR"));
    assertThat(storage.rightsRow(inbox, "bob")).contains("EDITOR");
    assertThat(storage.storesVisibleTo("bob")).extracting(s -> s.guid()).containsExactly(store);
    commit(new WriteOp.SetRights(inbox, "bob", null));
    assertThat(storage.rightsRow(inbox, "bob")).isEmpty();
    assertThat(failure(new WriteOp.SetRights(424242, "bob", "EDITOR")).reason())
        .isEqualTo(PreconditionFailedException.Reason.NOT_FOUND);
  }

  @Test
  void aRightsRowOfNoneShouldNotMakeTheStoreVisible() {
    commit(new WriteOp.SetRights(inbox, "carol", "NONE")); // e.g. withdrawing rights inherited from above
    assertThat(storage.rightsRow(inbox, "carol")).contains("NONE");
    assertThat(storage.storesVisibleTo("carol")).as("NONE grants nothing, not even the store's existence").isEmpty();
    commit(new WriteOp.SetRights(inbox, "carol", "REVIEWER"));
    assertThat(storage.storesVisibleTo("carol")).extracting(s -> s.guid()).containsExactly(store);
  }

  // ---- messages

  @Test
  void putMessageShouldCreateAMessageWithTheNextChangeNumberWhenExpectNew() {
    CommitResult.OpResult r = commit(new WriteOp.PutMessage(0, inbox, new Expect.New(), text("hello"), "CREATED", 0,
        EventType.NEW_MAIL, List.of())).get(0);
    assertThat(r.cn()).isEqualTo(1);
    assertThat(r.previousCn()).isZero();
    StoredMessage m = message(r.id());
    assertThat(m.cn()).isEqualTo(1);
    assertThat(m.folderId()).isEqualTo(inbox);
    assertThat(m.storeGuid()).isEqualTo(store);
    assertThat(m.softDeleted()).isFalse();
    assertThat(m.localCommitTime()).isEqualTo(T0);
    assertThat(content(m)).isEqualTo("hello");
    // A delivery (NEW_MAIL asked for) journals OBJECT_CREATED with the change number, then NEW_MAIL (R77)
    List<StoreEvent> journal = storage.readJournal(store, 0, 100);
    assertThat(journal.get(journal.size() - 2)).satisfies(e -> {
      assertThat(e.type()).isEqualTo(EventType.OBJECT_CREATED);
      assertThat(e.changeNumber()).contains(ChangeNumber.of(1));
    });
    assertThat(journal).last().satisfies(e -> {
      assertThat(e.type()).isEqualTo(EventType.NEW_MAIL);
      assertThat(e.position()).isEqualTo(r.position());
      assertThat(e.changeNumber()).isEmpty();
    });
  }

  @Test
  void putMessageShouldFailWithNotFoundWhenFolderIsMissingAndDeletedWhenFolderIsDeleted() {
    assertThat(failure(new WriteOp.PutMessage(0, 31337, new Expect.New(), text("x"), "CREATED", 0,
        EventType.OBJECT_CREATED, List.of())).reason()).isEqualTo(PreconditionFailedException.Reason.NOT_FOUND);
    commit(new WriteOp.DeleteFolder(archive, false));
    assertThat(failure(new WriteOp.PutMessage(0, archive, new Expect.New(), text("x"), "CREATED", 0,
        EventType.OBJECT_CREATED, List.of())).reason()).isEqualTo(PreconditionFailedException.Reason.DELETED);
  }

  @Test
  void putMessageShouldWriteANewVersionWhenCnMatches() {
    long id = create(inbox, "v1");
    clock.advance(Duration.ofSeconds(5));
    CommitResult.OpResult r = save(id, inbox, 1, "v2");
    assertThat(r.cn()).isEqualTo(2);
    assertThat(r.previousCn()).isEqualTo(1);
    StoredMessage m = message(id);
    assertThat(m.cn()).isEqualTo(2);
    assertThat(content(m)).isEqualTo("v2");
    assertThat(m.localCommitTime()).isEqualTo(T0.plusSeconds(5));
  }

  @Test
  void putMessageShouldFailWithChangedWhenCnIsStale() {
    long id = create(inbox, "v1");
    save(id, inbox, 1, "v2");
    PreconditionFailedException e = failure(new WriteOp.PutMessage(id, inbox, new Expect.AtVersion(1), text("stale"),
        "SAVED", 1, EventType.OBJECT_MODIFIED, List.of()));
    assertThat(e.reason()).isEqualTo(PreconditionFailedException.Reason.CHANGED);
    assertThat(e.error()).isEqualTo(MapiError.OBJECT_CHANGED);
    assertThat(e.currentCn()).isEqualTo(2);
    assertThat(e.opIndex()).isZero();
    assertThat(e.getMessage()).contains("cn 2").contains("cn 1");
    assertThat(content(message(id))).isEqualTo("v2");
  }

  @Test
  void putMessageShouldSucceedWhateverTheVersionWhenExpectLive() {
    long id = create(inbox, "v1");
    save(id, inbox, 1, "v2");
    CommitResult.OpResult r = commit(new WriteOp.PutMessage(id, inbox, new Expect.Live(), text("forced"), "FORCED", 1,
        EventType.OBJECT_MODIFIED, List.of())).get(0);
    assertThat(r.previousCn()).isEqualTo(2);
    assertThat(content(message(id))).isEqualTo("forced");
    assertThat(storage.version(id, r.cn())).hasValueSatisfying(v -> {
      assertThat(v.kind()).isEqualTo("FORCED");
      assertThat(v.basedOnCn()).isEqualTo(1);
    });
  }

  @Test
  void putMessageShouldFailWithDeletedWhenMessageIsSoftDeleted() {
    long id = create(inbox, "v1");
    commit(new WriteOp.DeleteMessage(id, false, 0));
    assertThat(failure(new WriteOp.PutMessage(id, inbox, new Expect.Live(), text("x"), "FORCED", 1,
        EventType.OBJECT_MODIFIED, List.of())).reason()).isEqualTo(PreconditionFailedException.Reason.DELETED);
  }

  @Test
  void putMessageShouldFailWithDeletedWhenMessageWasMovedOrHardDeleted() {
    long moved = create(inbox, "moved");
    long purged = create(inbox, "purged");
    commit(new WriteOp.MoveMessage(moved, archive, false, text("moved")));
    commit(new WriteOp.DeleteMessage(purged, true, 0));
    assertThat(failure(new WriteOp.PutMessage(moved, inbox, new Expect.AtVersion(1), text("x"), "SAVED", 1,
        EventType.OBJECT_MODIFIED, List.of())).reason()).isEqualTo(PreconditionFailedException.Reason.DELETED);
    assertThat(failure(new WriteOp.PutMessage(purged, inbox, new Expect.AtVersion(2), text("x"), "SAVED", 2,
        EventType.OBJECT_MODIFIED, List.of())).reason()).isEqualTo(PreconditionFailedException.Reason.DELETED);
  }

  @Test
  void putMessageShouldFailWithNotFoundWhenMessageNeverExisted() {
    assertThat(failure(new WriteOp.PutMessage(777_777, inbox, new Expect.Live(), text("x"), "SAVED", 0,
        EventType.OBJECT_MODIFIED, List.of())).reason()).isEqualTo(PreconditionFailedException.Reason.NOT_FOUND);
  }

  @Test
  void putMessageShouldGiveTheFactoryTheAllocatedCnAndTheCurrentIdentityWithoutContent() {
    long id = create(inbox, "v1");
    commit(new WriteOp.SetReadState(id, 1, 1, 0, 0, List.of()));
    AtomicReference<VersionFactory.VersionContext> seen = new AtomicReference<>();
    commit(new WriteOp.PutMessage(id, inbox, new Expect.AtVersion(1), ctx -> {
      seen.set(ctx);
      return version("v2", ctx);
    }, "SAVED", 1, EventType.OBJECT_MODIFIED, List.of()));
    VersionFactory.VersionContext ctx = seen.get();
    assertThat(ctx.messageId()).isEqualTo(id);
    assertThat(ctx.cn()).isEqualTo(2);
    assertThat(ctx.commitTime()).isEqualTo(T0);
    assertThat(ctx.current().cn()).isEqualTo(1);
    assertThat(ctx.current().id()).isEqualTo(id);
    assertThat(ctx.current().folderId()).isEqualTo(inbox);
    assertThat(ctx.current().content()).isNull();
  }

  @Test
  void batchShouldWriteNothingAndUseNoChangeNumberWhenALaterOpFails() {
    long id = create(inbox, "v1");
    long head = storage.journalHead();
    PreconditionFailedException e = failure(
        new WriteOp.PutMessage(0, inbox, new Expect.New(), text("new"), "CREATED", 0, EventType.OBJECT_CREATED, List.of()),
        new WriteOp.PutMessage(id, inbox, new Expect.AtVersion(99), text("x"), "SAVED", 99, EventType.OBJECT_MODIFIED,
            List.of()));
    assertThat(e.opIndex()).isEqualTo(1);
    assertThat(storage.journalHead()).isEqualTo(head);
    assertThat(storage.pageFolder(inbox, IndexedColumn.SUBJECT, false, 0, 10).messages()).hasSize(1);
    assertThat(save(id, inbox, 1, "v2").cn()).isEqualTo(2);
    assertThat(storage.journalHead()).isEqualTo(head + 1);
  }

  @Test
  void batchShouldFailAloneWithTheFactorysExceptionWhenTheFactoryThrows() {
    long id = create(inbox, "v1");
    assertThatThrownBy(() -> commit(new WriteOp.PutMessage(id, inbox, new Expect.AtVersion(1), ctx -> {
      throw new StoreException(MapiError.BAD_VALUE, "cannot encode");
    }, "SAVED", 1, EventType.OBJECT_MODIFIED, List.of())))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.BAD_VALUE));
    assertThat(save(id, inbox, 1, "v2").cn()).isEqualTo(2);
  }

  @Test
  void putMessageShouldKeepEveryVersionInHistory() {
    long id = create(inbox, "v1");
    save(id, inbox, 1, "v2");
    save(id, inbox, 2, "v3");
    assertThat(storage.versions(id)).extracting(VersionRecord::cn).containsExactly(3L, 2L, 1L);
    assertThat(storage.versions(id)).allSatisfy(v -> assertThat(v.content()).isNull());
    assertThat(storage.versions(id).get(0)).satisfies(v -> {
      assertThat(v.committedBy()).isEqualTo(ALICE);
      assertThat(v.kind()).isEqualTo("SAVED");
      assertThat(v.basedOnCn()).isEqualTo(2);
      assertThat(v.size()).isEqualTo(2);
      assertThat(v.committedAt()).isEqualTo(T0);
    });
    assertThat(storage.version(id, 2)).hasValueSatisfying(v -> assertThat(new String(v.content(), UTF_8)).isEqualTo("v2"));
    assertThat(storage.version(id, 9)).isEmpty();
  }

  @Test
  void moveMessageShouldCarryHistoryToTheNewIdAndJournalTheOldIds() {
    long id = create(inbox, "v1");
    save(id, inbox, 1, "v2");
    commit(new WriteOp.SetReadState(id, 1, 1, 0, 0, List.of()));
    AtomicReference<VersionFactory.VersionContext> seen = new AtomicReference<>();
    CommitResult.OpResult r = commit(new WriteOp.MoveMessage(id, archive, false, ctx -> {
      seen.set(ctx);
      return new NewVersion(ctx.current().content(), version("v2", ctx).columns(), List.of(), ctx.current().readFlags());
    })).get(0);
    assertThat(r.id()).isNotEqualTo(id);
    assertThat(r.cn()).isEqualTo(3);
    assertThat(r.previousCn()).isEqualTo(2);
    assertThat(seen.get().current().content()).isEqualTo("v2".getBytes(UTF_8));
    assertThat(seen.get().messageId()).isEqualTo(r.id());
    assertThat(storage.findMessage(id)).isEmpty();
    StoredMessage moved = message(r.id());
    assertThat(moved.folderId()).isEqualTo(archive);
    assertThat(moved.readFlags()).isEqualTo(1);
    assertThat(content(moved)).isEqualTo("v2");
    assertThat(storage.versions(r.id())).extracting(VersionRecord::cn).containsExactly(3L, 2L, 1L);
    assertThat(storage.versions(r.id()).get(0).kind()).isEqualTo("MOVED_IN");
    assertThat(storage.versions(id)).isEmpty();
    assertThat(storage.readJournal(store, r.position() - 1, 10)).singleElement().satisfies(e -> {
      assertThat(e.type()).isEqualTo(EventType.OBJECT_MOVED);
      assertThat(e.id()).isEqualTo(r.id());
      assertThat(e.oldId()).contains(id);
      assertThat(e.parentId()).contains(FolderId.of(archive));
      assertThat(e.oldParentId()).contains(FolderId.of(inbox));
      assertThat(e.changeNumber()).contains(ChangeNumber.of(3));
    });
  }

  @Test
  void copyMessageShouldLeaveTheSourceAndStartANewHistory() {
    long id = create(inbox, "v1");
    CommitResult.OpResult r = commit(new WriteOp.MoveMessage(id, archive, true, text("v1"))).get(0);
    assertThat(message(id).cn()).isEqualTo(1);
    assertThat(storage.versions(r.id())).singleElement().satisfies(v -> assertThat(v.kind()).isEqualTo("COPIED_IN"));
    assertThat(storage.readJournal(store, r.position() - 1, 10)).singleElement()
        .satisfies(e -> assertThat(e.type()).isEqualTo(EventType.OBJECT_COPIED));
  }

  @Test
  void moveMessageShouldFailWithDeletedWhenTheSourceIsDeleted() {
    long id = create(inbox, "v1");
    commit(new WriteOp.DeleteMessage(id, false, 0));
    assertThat(failure(new WriteOp.MoveMessage(id, archive, false, text("x"))).reason())
        .isEqualTo(PreconditionFailedException.Reason.DELETED);
  }

  @Test
  void setReadStateShouldChangeFlagsAndCommitTimeWithoutAChangeNumber() {
    long id = create(inbox, "v1");
    clock.advance(Duration.ofMinutes(1));
    CommitResult.OpResult r = commit(new WriteOp.SetReadState(id, 0x1, 0x1, 0x10, 0x10,
        List.of(PropTags.MESSAGE_FLAGS.value()))).get(0);
    assertThat(r.cn()).isZero();
    StoredMessage m = message(id);
    assertThat(m.readFlags()).isEqualTo(1);
    assertThat(m.status()).isEqualTo(0x10);
    assertThat(m.cn()).isEqualTo(1);
    assertThat(m.localCommitTime()).isEqualTo(T0.plusSeconds(60));
    assertThat(storage.findFolder(inbox).orElseThrow().unreadCount()).isZero();
    assertThat(storage.readJournal(store, r.position() - 1, 10)).singleElement().satisfies(e -> {
      assertThat(e.type()).isEqualTo(EventType.OBJECT_MODIFIED);
      assertThat(e.changeNumber()).isEmpty();
      assertThat(e.changeKey()).isEmpty();
      assertThat(e.changedTags()).containsExactly(PropTags.MESSAGE_FLAGS);
    });
    commit(new WriteOp.SetReadState(id, 0x1, 0, 0, 0, List.of()));
    assertThat(message(id).readFlags()).isZero();
    assertThat(message(id).status()).isEqualTo(0x10);
    // a read-state change does not make a base stale (R72)
    assertThat(save(id, inbox, 1, "v2").cn()).isEqualTo(2);
  }

  @Test
  void deleteMessageSoftThenUndeleteShouldJournalDeletedThenCreated() {
    long id = create(inbox, "v1");
    long head = storage.journalHead();
    commit(new WriteOp.DeleteMessage(id, false, 0));
    assertThat(message(id).softDeleted()).isTrue();
    assertThat(storage.softDeletedInFolder(inbox)).containsExactly(id);
    assertThat(storage.findFolder(inbox).orElseThrow().contentCount()).isZero();
    assertThat(failure(new WriteOp.DeleteMessage(id, false, 0)).reason())
        .isEqualTo(PreconditionFailedException.Reason.DELETED);
    commit(new WriteOp.UndeleteMessage(id));
    assertThat(message(id).softDeleted()).isFalse();
    assertThat(storage.readJournal(head, 10)).extracting(StoreEvent::type)
        .containsExactly(EventType.OBJECT_DELETED, EventType.OBJECT_CREATED);
  }

  @Test
  void undeleteMessageShouldFailWithNotFoundWhenItsFolderIsDeleted() {
    long id = create(inbox, "v1");
    commit(new WriteOp.DeleteMessage(id, false, 0));
    commit(new WriteOp.DeleteFolder(inbox, false));
    assertThat(failure(new WriteOp.UndeleteMessage(id)).reason()).isEqualTo(PreconditionFailedException.Reason.NOT_FOUND);
  }

  @Test
  void deleteMessageShouldFailWithChangedWhenExpectCnDiffers() {
    long id = create(inbox, "v1");
    save(id, inbox, 1, "v2");
    PreconditionFailedException e = failure(new WriteOp.DeleteMessage(id, false, 1));
    assertThat(e.reason()).isEqualTo(PreconditionFailedException.Reason.CHANGED);
    assertThat(e.currentCn()).isEqualTo(2);
    assertThat(failure(new WriteOp.DeleteMessage(id, true, 1)).reason())
        .isEqualTo(PreconditionFailedException.Reason.CHANGED);
    commit(new WriteOp.DeleteMessage(id, false, 2));
    assertThat(message(id).softDeleted()).isTrue();
  }

  @Test
  void deleteMessageHardShouldRemoveHistoryAndNotJournalAnAlreadySoftDeletedMessage() {
    long id = create(inbox, "v1");
    commit(new WriteOp.DeleteMessage(id, false, 0));
    long head = storage.journalHead();
    CommitResult.OpResult r = commit(new WriteOp.DeleteMessage(id, true, 0)).get(0);
    assertThat(r.position()).isZero();
    assertThat(storage.journalHead()).isEqualTo(head);
    assertThat(storage.findMessage(id)).isEmpty();
    assertThat(storage.versions(id)).isEmpty();
    assertThat(failure(new WriteOp.DeleteMessage(id, true, 0)).reason())
        .isEqualTo(PreconditionFailedException.Reason.DELETED);
  }

  @Test
  void journalEntriesShouldCarryTheChangeKeyOfStoreAndCn() {
    long id = create(inbox, "v1");
    CommitResult.OpResult r = save(id, inbox, 1, "v2");
    StoreEvent e = storage.readJournal(store, r.position() - 1, 1).get(0);
    assertThat(e.storeId()).isEqualTo(new StoreId(store));
    assertThat(e.objectKind()).isEqualTo(StoreEvent.ObjectKind.MESSAGE);
    assertThat(e.messageId()).hasValueSatisfying(mid -> assertThat(mid.value()).isEqualTo(id));
    assertThat(e.parentId()).contains(FolderId.of(inbox));
    assertThat(e.changeKey()).contains(ChangeKey.of(new StoreId(store), ChangeNumber.of(2)));
    assertThat(e.changedTags()).containsExactly(PropTags.SUBJECT);
    assertThat(e.at()).isEqualTo(T0);
    assertThat(e.oldId()).isEmpty();
  }

  @Test
  void readJournalShouldReturnOnlyTheEntriesOfOneStoreAfterAPosition() {
    UUID other = UUID.randomUUID();
    long otherRoot = commit(new WriteOp.CreateStore(other, "Bob", "bob", List.of())).get(0).id();
    long a = commit(new WriteOp.CreateFolder(inbox, "a")).get(0).position();
    long b = commit(new WriteOp.CreateFolder(otherRoot, "b")).get(0).position();
    long c = commit(new WriteOp.CreateFolder(inbox, "c")).get(0).position();
    assertThat(storage.readJournal(store, 0, 10)).extracting(StoreEvent::position).containsExactly(a, c);
    assertThat(storage.readJournal(store, a, 10)).extracting(StoreEvent::position).containsExactly(c);
    assertThat(storage.readJournal(0, 2)).extracting(StoreEvent::position).containsExactly(a, b);
    assertThat(storage.journalHead(store)).isEqualTo(c);
    assertThat(storage.journalHead(other)).isEqualTo(b);
    assertThat(storage.journalHead()).isEqualTo(c);
    assertThat(storage.journalHead(UUID.randomUUID())).isZero();
  }

  @Test
  void changeNumbersShouldBeCountedPerStore() {
    UUID other = UUID.randomUUID();
    long otherRoot = commit(new WriteOp.CreateStore(other, "Bob", "bob", List.of())).get(0).id();
    assertThat(commit(new WriteOp.PutMessage(0, inbox, new Expect.New(), text("a"), "CREATED", 0,
        EventType.OBJECT_CREATED, List.of())).get(0).cn()).isEqualTo(1);
    assertThat(commit(new WriteOp.PutMessage(0, otherRoot, new Expect.New(), text("b"), "CREATED", 0,
        EventType.OBJECT_CREATED, List.of())).get(0).cn()).isEqualTo(1);
    assertThat(commit(new WriteOp.PutMessage(0, inbox, new Expect.New(), text("c"), "CREATED", 0,
        EventType.OBJECT_CREATED, List.of())).get(0).cn()).isEqualTo(2);
  }

  @Test
  void mapNamedPropShouldBeIdempotentAndAllocateIdsFrom0x8000PerStore() {
    UUID set = UUID.randomUUID();
    int byName = (int) commit(new WriteOp.MapNamedProp(store, set, "Keywords", null)).get(0).id();
    int byLid = (int) commit(new WriteOp.MapNamedProp(store, set, null, 0x8501)).get(0).id();
    int again = (int) commit(new WriteOp.MapNamedProp(store, set, "Keywords", null)).get(0).id();
    assertThat(byName).isEqualTo(0x8000);
    assertThat(byLid).isEqualTo(0x8001);
    assertThat(again).isEqualTo(byName);
    assertThat(storage.findNamedProp(store, set, "Keywords", null)).contains(0x8000);
    assertThat(storage.findNamedProp(store, set, null, 0x8501)).contains(0x8001);
    assertThat(storage.findNamedProp(store, set, "Other", null)).isEmpty();
    assertThat(storage.namedPropById(store, 0x8001)).hasValueSatisfying(n -> {
      assertThat(n.guid()).isEqualTo(set);
      assertThat(n.name()).isNull();
      assertThat(n.lid()).isEqualTo(0x8501);
    });
    UUID other = UUID.randomUUID();
    commit(new WriteOp.CreateStore(other, "Bob", "bob", List.of()));
    assertThat(commit(new WriteOp.MapNamedProp(other, set, null, 0x8501)).get(0).id()).isEqualTo(0x8000);
  }

  @Test
  void pageFolderShouldSortByAnIndexedColumnWithIdsBreakingTies() {
    long b = create(inbox, "b");
    long a1 = create(inbox, "a");
    long a2 = create(inbox, "a");
    long c = create(inbox, "c");
    commit(new WriteOp.DeleteMessage(c, false, 0));
    assertThat(storage.pageFolder(inbox, IndexedColumn.SUBJECT, false, 0, 10).messages()).extracting(StoredMessage::id)
        .containsExactly(a1, a2, b);
    assertThat(storage.pageFolder(inbox, IndexedColumn.SUBJECT, true, 0, 10).messages()).extracting(StoredMessage::id)
        .containsExactly(b, a1, a2);
    assertThat(storage.pageFolder(inbox, IndexedColumn.SUBJECT, false, 1, 1).messages()).extracting(StoredMessage::id)
        .containsExactly(a2);
    assertThat(storage.pageFolder(inbox, IndexedColumn.DELIVERY_TIME, false, 0, 10).messages()).extracting(StoredMessage::id)
        .containsExactly(b, a1, a2);
    assertThat(storage.pageFolder(inbox, IndexedColumn.SUBJECT, false, 0, 10).messages().get(0).content())
        .isEqualTo("a".getBytes(UTF_8));
    assertThat(storage.pageFolder(inbox, IndexedColumn.SUBJECT, false, 1, 1).liveCount())
        .as("the folder's live count comes with the page").isEqualTo(3);
    assertThat(storage.pageFolder(inbox, IndexedColumn.SUBJECT, false, 0, 0).liveCount()).isEqualTo(3);
  }

  @Test
  void pageFolderShouldSortTextCaseInsensitivelyAndPutMissingValuesLastBothWays() {
    long upper = create(inbox, "Bravo");
    long lower = create(inbox, "alpha");
    long none = commit(new WriteOp.PutMessage(0, inbox, new Expect.New(), ctx -> new NewVersion(new byte[0],
        new NewVersion.Columns(null, null, null, null, 0, null, null, false), List.of(), 0), "CREATED", 0,
        EventType.OBJECT_CREATED, List.of())).get(0).id();
    assertThat(storage.pageFolder(inbox, IndexedColumn.SUBJECT, false, 0, 10).messages()).extracting(StoredMessage::id)
        .containsExactly(lower, upper, none);
    assertThat(storage.pageFolder(inbox, IndexedColumn.SUBJECT, true, 0, 10).messages()).extracting(StoredMessage::id)
        .containsExactly(upper, lower, none);
    assertThat(storage.pageFolder(inbox, IndexedColumn.DELIVERY_TIME, true, 0, 10).messages()).extracting(StoredMessage::id)
        .containsExactly(upper, lower, none);
    assertThat(storage.pageFolder(inbox, IndexedColumn.IMPORTANCE, false, 0, 10).messages()).extracting(StoredMessage::id)
        .containsExactly(upper, lower, none);
  }

  private List<Long> createMany(long folder, int n) {
    List<WriteOp> ops = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ops.add(new WriteOp.PutMessage(0, folder, new Expect.New(), text("m" + i), "CREATED", 0, EventType.OBJECT_CREATED,
          List.of()));
    }
    return storage.commit(new WriteBatch(ALICE, ops)).results().stream().map(CommitResult.OpResult::id).toList();
  }

  @Test
  void scanFolderShouldVisitEveryLiveMessageInIdOrder() {
    int n = 519;
    List<Long> ids = createMany(inbox, n);
    commit(new WriteOp.DeleteMessage(ids.get(3), false, 0));
    List<StoredMessage> seen = new ArrayList<>();
    storage.scanFolder(inbox, seen::add);
    assertThat(seen).hasSize(n - 1);
    assertThat(seen).extracting(StoredMessage::id).isSorted().doesNotContain(ids.get(3));
    assertThat(seen).extracting(StoredMessage::cn).doesNotHaveDuplicates();
    assertThat(seen).allSatisfy(m -> assertThat(m.content()).isNotNull());
    assertThat(storage.findFolder(inbox).orElseThrow()).satisfies(f -> {
      assertThat(f.contentCount()).isEqualTo(n - 1);
      assertThat(f.unreadCount()).isEqualTo(n - 1);
    });
  }

  @Test
  void scanFolderShouldReadOneSnapshotWhenCommitsLandWhileItRuns() throws Exception {
    List<Long> ids = createMany(inbox, 600);
    long first = ids.getFirst();
    long last = ids.getLast();
    List<Long> seen = new ArrayList<>();
    AtomicReference<Long> movedTo = new AtomicReference<>();
    storage.scanFolder(inbox, m -> {
      if (seen.isEmpty()) {
        // While the scan is at its first row, another thread commits: the first message leaves
        // and comes back under a new (higher) id, the last is deleted, and a new one arrives.
        Thread t = Thread.ofPlatform().start(() -> {
          long out = commit(new WriteOp.MoveMessage(first, archive, false, text("moved"))).get(0).id();
          movedTo.set(commit(new WriteOp.MoveMessage(out, inbox, false, text("moved"))).get(0).id());
          commit(new WriteOp.DeleteMessage(last, false, 0));
          create(inbox, "new");
        });
        try {
          t.join();
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        }
      }
      seen.add(m.id());
    });
    assertThat(movedTo.get()).as("the commits landed during the scan").isNotNull();
    assertThat(seen).as("exactly the messages of the snapshot the scan started on").containsExactlyElementsOf(ids);
    List<Long> after = new ArrayList<>();
    storage.scanFolder(inbox, m -> after.add(m.id()));
    assertThat(after).hasSize(600).contains(movedTo.get()).doesNotContain(first, last);
  }

  @Test
  void aReadShouldWaitForAFreeReaderConnectionUntilItsDeadlineAndNotAtAllWhenItMayNotWait() throws Exception {
    long id = create(inbox, "one");
    storage.close();
    storage = SqliteStorage.open(Options.defaults(dir.resolve("store.db")).withClock(clock)
        .withBlobGrace(Duration.ZERO).withReaderConnections(1));
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread scan = Thread.ofPlatform().start(() -> storage.scanFolder(inbox, m -> {
      holding.countDown(); // the only reader connection is this scan's until release
      try {
        release.await();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }));
    AtomicReference<StoredMessage> waited = new AtomicReference<>();
    Thread patient = null;
    try {
      holding.await();
      StorageDeadline none = StorageDeadline.startWithoutWaiting();
      long start = System.nanoTime();
      try {
        assertThatThrownBy(() -> storage.findMessageRow(id)).as("work that may not wait: only a free connection")
            .isInstanceOfSatisfying(StoreException.class, e -> {
              assertThat(e.error()).isEqualTo(MapiError.BUSY);
              assertThat(e.getMessage()).contains("reader connection", "store.db", "find message " + id);
            });
      } finally {
        none.close();
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("at once").isLessThan(Duration.ofMillis(200));
      start = System.nanoTime();
      StorageDeadline soon = StorageDeadline.start(Duration.ofMillis(400));
      try {
        assertThatThrownBy(() -> storage.findMessageRow(id)).isInstanceOfSatisfying(StoreException.class,
            e -> assertThat(e.error()).isEqualTo(MapiError.BUSY));
      } finally {
        soon.close();
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("it waited for the deadline")
          .isGreaterThanOrEqualTo(Duration.ofMillis(400));
      start = System.nanoTime();
      StorageDeadline passed = StorageDeadline.start(Duration.ZERO);
      try {
        assertThatThrownBy(() -> storage.findMessageRow(id)).isInstanceOfSatisfying(StoreException.class,
            e -> assertThat(e.error()).isEqualTo(MapiError.BUSY));
      } finally {
        passed.close();
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("past its deadline, still the least wait (250 ms)")
          .isGreaterThanOrEqualTo(Duration.ofMillis(250));
      patient = Thread.ofPlatform().start(() -> waited.set(storage.findMessageRow(id).orElseThrow()));
    } finally {
      release.countDown();
      scan.join();
    }
    patient.join();
    assertThat(waited.get().id()).as("without a deadline a read waits until a connection is free").isEqualTo(id);
  }

  @Test
  void readsBetweenCommitsShouldNotKeepTheWalFromStartingOver() throws Exception {
    storage.close();
    storage = SqliteStorage.open(Options.defaults(dir.resolve("store.db")).withClock(clock).withBlobGrace(Duration.ZERO)
        .withDurability(SqliteStorage.Durability.RELAXED_MAY_LOSE_RECENT_COMMITS_ON_POWER_LOSS));
    long id = create(inbox, "first");
    long cn = storage.findMessageRow(id).orElseThrow().cn();
    String big = "x".repeat(32 * 1024); // about nine WAL pages a commit
    Path wal = dir.resolve("store.db-wal");
    long autoCheckpointBytes = 16384L * 4096;
    for (int i = 0; i < 3_600; i++) {
      cn = save(id, inbox, cn, big + i).cn();
      // A read after each commit leaves its connection's read transaction open (one snapshot per
      // commit): the writer must end it before it writes again, or the WAL never starts over.
      assertThat(storage.findMessageRow(id).orElseThrow().cn()).isEqualTo(cn);
    }
    assertThat(Files.size(wal)).as("past the auto-checkpoint size the WAL starts over instead of growing")
        .isLessThan(autoCheckpointBytes + autoCheckpointBytes / 4);
  }

  @Test
  void aReadShouldSeeTheCommitBeforeItAndNothingLaterFromOneSnapshot() {
    long one = create(inbox, "one");
    long first = storage.findMessageRow(one).orElseThrow().cn();
    long two = create(inbox, "two");
    assertThat(storage.findMessageRow(two)).as("a commit is seen by the next read").isPresent();
    long second = save(one, inbox, first, "one, again").cn();
    assertThat(storage.findMessageRow(one).orElseThrow().cn()).isEqualTo(second);
    assertThat(content(message(one))).isEqualTo("one, again");
    assertThat(storage.pageFolder(inbox, List.of(new msgstore.engine.spi.Storage.SortKey(IndexedColumn.IMAP_UID, false)),
        0, 10).liveCount()).isEqualTo(2);
  }

  @Test
  void readsAfterTheIdleReadersGaveBackTheirPageCachesShouldSeeEveryCommit() throws Exception {
    long id = create(inbox, "first");
    long cn = storage.findMessageRow(id).orElseThrow().cn();
    for (int round = 0; round < 3; round++) {
      storage.releaseUnusedMemory(0); // every idle reader, with or without an open snapshot
      assertThat(content(message(id))).isEqualTo(round == 0 ? "first" : "round " + (round - 1));
      cn = save(id, inbox, cn, "round " + round).cn();
      storage.releaseUnusedMemory(0);
      assertThat(storage.findMessageRow(id).orElseThrow().cn()).isEqualTo(cn);
    }
    storage.releaseUnusedMemory(Long.MAX_VALUE); // none unused that long: nothing to do
    assertThat(content(message(id))).isEqualTo("round 2");
  }

  @Test
  void integrityCheckShouldReportRowsThatBreakTheInvariants() throws Exception {
    long broken = create(inbox, "one");
    long other = create(inbox, "two");
    storage.close();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("store.db"));
        java.sql.Statement st = c.createStatement()) {
      st.executeUpdate("UPDATE message SET cn = cn + 1000 WHERE id = " + broken); // no version, no journal entry
      st.executeUpdate("UPDATE message SET folder_id = 424242 WHERE id = " + other);
      st.executeUpdate("UPDATE folder SET content_count = 99 WHERE id = " + inbox); // after the triggers of the move
    }
    storage = SqliteStorage.open(Options.defaults(dir.resolve("store.db")).withClock(clock).withBlobGrace(Duration.ZERO));
    List<String> problems = storage.checkIntegrity();
    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("message " + broken + ": its current cn")
        .endsWith("has no message_version row"));
    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("message " + broken + ": its current cn")
        .endsWith("has no journal entry"));
    assertThat(problems).anySatisfy(p -> assertThat(p).isEqualTo("message " + other + ": its folder 424242 does not exist"));
    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("folder " + inbox + ": kept counts (content 99"));
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("store.db"));
        java.sql.Statement st = c.createStatement()) { // mended, so that the check after each test passes
      storage.close();
      st.executeUpdate("UPDATE message SET cn = cn - 1000 WHERE id = " + broken);
      st.executeUpdate("UPDATE message SET folder_id = " + inbox + " WHERE id = " + other);
      st.executeUpdate("UPDATE folder SET content_count = 2 WHERE id = " + inbox);
    }
    storage = SqliteStorage.open(Options.defaults(dir.resolve("store.db")).withClock(clock).withBlobGrace(Duration.ZERO));
  }

  @Test
  void scanFolderShouldRefuseASinkThatReadsTheStorage() {
    long id = create(inbox, "one");
    assertThatThrownBy(() -> storage.scanFolder(inbox, m -> storage.findMessage(m.id())))
        .isInstanceOfSatisfying(StoreException.class, e -> {
          assertThat(e.error()).isEqualTo(MapiError.CALL_FAILED);
          assertThat(e.getMessage()).contains("sink", "folder " + inbox);
        });
    assertThat(storage.findMessage(id)).as("the reader pool is intact").isPresent();
  }

  @Test
  void pruneHistoryShouldKeepCurrentAndNewestVersionsAndPurgeOldSoftDeletes() {
    long id = create(inbox, "v1");
    save(id, inbox, 1, "v2");
    save(id, inbox, 2, "v3");
    long gone = create(inbox, "gone");
    commit(new WriteOp.DeleteMessage(gone, false, 0));
    clock.advance(Duration.ofDays(40));
    long fresh = create(inbox, "fresh");
    assertThat(storage.pruneHistory(T0.plus(Duration.ofDays(30)), 1)).isEqualTo(3);
    assertThat(storage.versions(id)).extracting(VersionRecord::cn).containsExactly(3L);
    assertThat(storage.findMessage(gone)).isEmpty();
    assertThat(storage.versions(fresh)).hasSize(1);
    assertThat(storage.pruneHistory(T0.plus(Duration.ofDays(365)), 0)).isZero();
    assertThat(content(message(id))).isEqualTo("v3");
  }

  @Test
  void checkIntegrityShouldReportAReferencedBlobThatIsMissing() throws Exception {
    var ref = storage.putBlob(new ByteArrayInputStream("attachment".getBytes(UTF_8)), 1000);
    long id = commit(new WriteOp.PutMessage(0, inbox, new Expect.New(), ctx -> new NewVersion("m".getBytes(UTF_8),
        version("m", ctx).columns(), List.of(ref.sha256()), 0), "CREATED", 0, EventType.OBJECT_CREATED, List.of()))
        .get(0).id();
    assertThat(storage.checkIntegrity()).isEmpty();
    Path blob = storage.options().blobDirectory().resolve(ref.sha256().substring(0, 2)).resolve(ref.sha256());
    byte[] saved = Files.readAllBytes(blob);
    Files.delete(blob);
    assertThat(storage.checkIntegrity()).singleElement().asString()
        .contains(ref.sha256()).contains("message " + id).contains("missing");
    Files.write(blob, saved);
  }

  @Test
  void commitShouldFailWhenTheStorageIsClosed() {
    storage.close();
    assertThatThrownBy(() -> commit(new WriteOp.CreateFolder(inbox, "late")))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.CALL_FAILED))
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> storage.findFolder(inbox)).isInstanceOf(StoreException.class);
    storage = SqliteStorage.open(Options.defaults(dir.resolve("store.db")));
  }
}
