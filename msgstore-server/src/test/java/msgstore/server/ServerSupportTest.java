package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import msgstore.api.Attachment;
import msgstore.api.ChangeKey;
import msgstore.api.ContentRef;
import msgstore.api.DeleteMode;
import msgstore.api.EventScope;
import msgstore.api.EventType;
import msgstore.api.Folder;
import msgstore.api.FolderRights;
import msgstore.api.MapiError;
import msgstore.api.MergeMode;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.ObjectChangedException;
import msgstore.api.OpenFlag;
import msgstore.api.PropTags;
import msgstore.api.SaveFlag;
import msgstore.api.SaveOptions;
import msgstore.api.SaveResult;
import msgstore.api.Session;
import msgstore.api.StoreException;
import msgstore.api.StoreInfo;
import msgstore.api.Subscription;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.engine.EngineOptions;
import msgstore.engine.ServerSupport;
import msgstore.storage.sqlite.SqliteMessageStore;
import msgstore.storage.sqlite.SqliteStorage;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine hooks of {@link ServerSupport} on the SQLite backend (the engine module cannot depend
 * on a backend, so these tests live here). A handle opened at an older base behaves as an embedded
 * handle opened on that version would.
 */
class ServerSupportTest {
  @TempDir
  Path dir;
  EmbeddedMessageStore store;
  Session alice;
  StoreInfo info;

  @BeforeEach
  void open() {
    store = SqliteMessageStore.open(SqliteStorage.Options.defaults(dir.resolve("s.db"))
        .withDurability(SqliteStorage.Durability.RELAXED_MAY_LOSE_RECENT_COMMITS_ON_POWER_LOSS),
        EngineOptions.defaults().withMaintenanceInterval(Duration.ZERO).withHistory(Duration.ZERO, 1));
    alice = store.openSession("alice");
    info = alice.createStore("alice");
  }

  @AfterEach
  void close() {
    store.close();
  }

  private SaveResult create(String subject) {
    try (Message m = alice.rootFolder(info.id()).createMessage()) {
      m.set(PropTags.SUBJECT, subject);
      m.set(PropTags.BODY, "body");
      return m.saveChanges();
    }
  }

  private SaveResult edit(MessageId id, String subject) {
    try (Message m = alice.openMessage(id, OpenFlag.MODIFY)) {
      m.set(PropTags.SUBJECT, subject);
      return m.saveChanges();
    }
  }

  @Test
  void atTheCurrentVersionItIsExactlyOpenMessage() {
    SaveResult v1 = create("v1");
    try (Message m = ServerSupport.openAtBase(alice, v1.messageId(), v1.changeKey(), OpenFlag.MODIFY)) {
      assertThat(m.baseChangeKey()).contains(v1.changeKey());
      m.set(PropTags.SUBJECT, "v2");
      assertThat(m.saveChanges().committed()).isTrue();
    }
  }

  @Test
  void atAnOlderRetainedVersionASaveIsStaleAndAMergeUsesItAsBase_R28_R87() {
    SaveResult v1 = create("v1");
    try (Session bob = store.openSession("alice")) {
      try (Message m = bob.openMessage(v1.messageId(), OpenFlag.MODIFY)) {
        m.set(PropTags.BODY, "their body");
        m.saveChanges();
      }
    }
    try (Message m = ServerSupport.openAtBase(alice, v1.messageId(), v1.changeKey(), OpenFlag.MODIFY)) {
      assertThat(m.getProp(PropTags.BODY).orElseThrow().asString()).isEqualTo("body");
      m.set(PropTags.SUBJECT, "ours");
      assertThatThrownBy(m::saveChanges).isInstanceOf(ObjectChangedException.class);
      SaveResult merged = m.saveChanges(SaveOptions.merge(MergeMode.AUTO_RESOLVE, SaveFlag.KEEP_OPEN_READONLY));
      assertThat(merged.mergeReport()).isPresent();
      assertThat(m.getProp(PropTags.SUBJECT).orElseThrow().asString()).isEqualTo("ours");
      assertThat(m.getProp(PropTags.BODY).orElseThrow().asString()).isEqualTo("their body");
    }
  }

  @Test
  void aVersionNoLongerRetainedStillFailsStaleButForceSaveWorks_X2() {
    SaveResult v1 = create("v1");
    SaveResult v2 = edit(v1.messageId(), "v2");
    edit(v1.messageId(), "v3");
    store.runMaintenance(); // keeps only the newest version
    assertThatThrownBy(() -> alice.readVersion(v1.messageId(), v1.changeNumber()))
        .isInstanceOf(StoreException.class);
    try (Message m = ServerSupport.openAtBase(alice, v1.messageId(), v1.changeKey(), OpenFlag.MODIFY)) {
      m.set(PropTags.SUBJECT, "mine");
      assertThatThrownBy(m::saveChanges).isInstanceOf(ObjectChangedException.class);
      SaveResult forced = m.saveChanges(SaveFlag.FORCE_SAVE);
      assertThat(forced.replaced()).isPresent();
      assertThat(forced.replaced().get()).isGreaterThan(v2.changeNumber());
    }
  }

  @Test
  void aKeyOfAnotherStoreOrFromTheFutureIsObjectChanged() {
    SaveResult v1 = create("v1");
    assertThatThrownBy(() -> ServerSupport.openAtBase(alice, v1.messageId(),
        new ChangeKey(UUID.randomUUID(), v1.changeKey().counter()), OpenFlag.MODIFY))
        .isInstanceOf(ObjectChangedException.class);
    assertThatThrownBy(() -> ServerSupport.openAtBase(alice, v1.messageId(),
        new ChangeKey(v1.changeKey().namespace(), v1.changeKey().counter() + 1000), OpenFlag.MODIFY))
        .isInstanceOf(ObjectChangedException.class);
  }

  @Test
  void theOpenChecksAreOpenMessages_R2_R4_R5() {
    SaveResult v1 = create("v1");
    try (Session carol = store.openSession("carol")) {
      assertThatThrownBy(() -> ServerSupport.openAtBase(carol, v1.messageId(), v1.changeKey()))
          .extracting(e -> ((StoreException) e).error()).isEqualTo(MapiError.NO_ACCESS);
      alice.rootFolder(info.id()).setRights("carol", FolderRights.REVIEWER);
      assertThatThrownBy(() -> ServerSupport.openAtBase(carol, v1.messageId(), v1.changeKey(), OpenFlag.MODIFY))
          .extracting(e -> ((StoreException) e).error()).isEqualTo(MapiError.NO_ACCESS);
      ServerSupport.openAtBase(carol, v1.messageId(), v1.changeKey()).close();
    }
    alice.deleteMessage(v1.messageId());
    // A save at that base would fail so (R27): openAtBase is openCurrent, not openMessage (R4).
    assertThatThrownBy(() -> ServerSupport.openAtBase(alice, v1.messageId(), v1.changeKey()))
        .extracting(e -> ((StoreException) e).error()).isEqualTo(MapiError.OBJECT_DELETED);
    assertThatThrownBy(() -> ServerSupport.openAtBase(alice, MessageId.of(987_654_321), v1.changeKey()))
        .extracting(e -> ((StoreException) e).error()).isEqualTo(MapiError.NOT_FOUND);
  }

  private static MapiError error(ThrowingCallable call) {
    return ((StoreException) catchThrowable(call)).error();
  }

  /** Deletes (soft or hard) or moves {@code id} away from where it is; returns the new id of a move. */
  private MessageId takeAway(MessageId id, String how, Folder target) {
    switch (how) {
      case "soft" -> alice.deleteMessages(List.of(id), DeleteMode.SOFT);
      case "hard" -> alice.deleteMessages(List.of(id), DeleteMode.HARD);
      default -> {
        return alice.moveMessage(id, target.id());
      }
    }
    return null;
  }

  @Test
  void openCurrentAnswersObjectDeletedWhereOpenMessageStillAnswersNotFound_R27_R40_R4() {
    Folder elsewhere = alice.rootFolder(info.id()).createFolder("Elsewhere");
    for (String how : List.of("soft", "hard", "move")) {
      SaveResult v1 = create("taken away " + how);
      try (Message live = ServerSupport.openCurrent(alice, v1.messageId(), OpenFlag.MODIFY)) {
        assertThat(live.baseChangeKey()).contains(v1.changeKey()); // a live message: exactly openMessage
      }
      takeAway(v1.messageId(), how, elsewhere);
      assertThat(error(() -> alice.openMessage(v1.messageId()))).as(how + ": an open").isEqualTo(MapiError.NOT_FOUND);
      assertThat(error(() -> ServerSupport.openCurrent(alice, v1.messageId(), OpenFlag.MODIFY))).as(how)
          .isEqualTo(MapiError.OBJECT_DELETED);
      assertThat(error(() -> ServerSupport.openCurrent(alice, v1.messageId()))).as(how)
          .isEqualTo(MapiError.OBJECT_DELETED);
      assertThat(catchThrowable(() -> ServerSupport.openCurrent(alice, v1.messageId()))).hasMessageContaining(
          "message " + v1.messageId() + " was deleted or moved");
    }
    assertThat(error(() -> ServerSupport.openCurrent(alice, MessageId.of(987_654_321), OpenFlag.MODIFY)))
        .as("never existed").isEqualTo(MapiError.NOT_FOUND);
  }

  @Test
  void openCurrentAnswersObjectDeletedOnlyToWhoeverMayReadTheFolderItWasTakenFrom_ADR0009() {
    Folder root = alice.rootFolder(info.id());
    Folder shared = root.createFolder("Shared");
    Folder secret = root.createFolder("Secret");
    shared.setRights("carol", FolderRights.REVIEWER);
    try (Session carol = store.openSession("carol"); Session dave = store.openSession("dave")) {
      for (String how : List.of("soft", "hard", "move")) {
        MessageId inShared;
        try (Message m = shared.createMessage()) {
          m.set(PropTags.SUBJECT, "shared " + how);
          inShared = m.saveChanges().messageId();
        }
        MessageId moved = takeAway(inShared, how, secret); // a move into a folder carol may not read
        assertThat(error(() -> ServerSupport.openCurrent(carol, inShared))).as(how).isEqualTo(MapiError.OBJECT_DELETED);
        Throwable hidden = catchThrowable(() -> ServerSupport.openCurrent(dave, inShared));
        assertThat(((StoreException) hidden).error()).as(how).isEqualTo(MapiError.NOT_FOUND);
        assertThat(hidden.getMessage()).doesNotContain("deleted").doesNotContain("moved");
        if (moved != null) {
          assertThat(catchThrowable(() -> ServerSupport.openCurrent(carol, inShared)))
              .hasMessageNotContaining(moved.toString());
        }
      }
      MessageId inSecret;
      try (Message m = secret.createMessage()) {
        m.set(PropTags.SUBJECT, "secret");
        inSecret = m.saveChanges().messageId();
      }
      alice.moveMessage(inSecret, shared.id()); // out of what carol may read, into it
      assertThat(error(() -> ServerSupport.openCurrent(carol, inSecret))).isEqualTo(MapiError.NOT_FOUND);
    }
  }

  @Test
  void uploadedContentBecomesAnAttachmentsContent() throws Exception {
    ContentRef ref = ServerSupport.putContent(alice, info.id(), new ByteArrayInputStream("hello".getBytes()));
    assertThat(ref.size()).isEqualTo(5);
    SaveResult v1 = create("with attachment");
    try (Message m = alice.openMessage(v1.messageId(), OpenFlag.MODIFY)) {
      try (Attachment a = m.createAttachment()) {
        assertThat(ServerSupport.useContent(alice, a, ref)).isEqualTo(ref);
        a.saveChanges();
      }
      m.saveChanges();
    }
    try (Message m = alice.openMessage(v1.messageId()); Attachment a = m.openAttachment(0)) {
      assertThat(a.content()).contains(ref);
      assertThat(new String(a.openContent().orElseThrow().readAllBytes())).isEqualTo("hello");
      assertThatThrownBy(() -> ServerSupport.useContent(alice, a, ref))
          .extracting(e -> ((StoreException) e).error()).isEqualTo(MapiError.NO_ACCESS);
    }
    try (Message m = alice.openMessage(v1.messageId(), OpenFlag.MODIFY); Attachment a = m.createAttachment()) {
      assertThatThrownBy(() -> ServerSupport.useContent(alice, a, new ContentRef("0".repeat(64), 1)))
          .extracting(e -> ((StoreException) e).error()).isEqualTo(MapiError.NOT_FOUND);
    }
  }

  @Test
  void uploadingNeedsWriteRightsSomewhereInTheStore() {
    try (Session carol = store.openSession("carol")) {
      assertThatThrownBy(() -> ServerSupport.putContent(carol, info.id(), new ByteArrayInputStream(new byte[1])))
          .extracting(e -> ((StoreException) e).error()).isEqualTo(MapiError.NOT_FOUND);
      alice.rootFolder(info.id()).setRights("carol", FolderRights.REVIEWER);
      assertThatThrownBy(() -> ServerSupport.putContent(carol, info.id(), new ByteArrayInputStream(new byte[1])))
          .extracting(e -> ((StoreException) e).error()).isEqualTo(MapiError.NO_ACCESS);
      alice.rootFolder(info.id()).subfolder("Inbox").orElseThrow().setRights("carol", FolderRights.EDITOR);
      assertThat(ServerSupport.putContent(carol, info.id(), new ByteArrayInputStream(new byte[1])).size()).isEqualTo(1);
    }
  }

  /**
   * Event streams' subscriptions share delivery threads (EventHub: quick sinks, several batches of
   * them here): with writers committing on real threads and half the subscribers joining mid-way
   * (replay, then live), each still gets every entry once, in journal order, as a subscriber with a
   * delivery thread of its own does.
   */
  @Test
  void quickSubscribersShouldEachGetEveryEntryOnceInJournalOrderWhenWritersCommitAndOthersJoinMidway()
      throws Exception {
    long from = alice.journalPosition(info.id());
    List<Long> reference = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    Subscription own = alice.subscribe(EventScope.store(info.id()), EventType.all(), from, e -> reference.add(e.position()));
    int subscribers = 101; // several shared delivery threads of up to 32 subscribers each
    List<List<Long>> seen = new java.util.ArrayList<>();
    List<Subscription> subs = new java.util.ArrayList<>();
    Runnable join = () -> {
      List<Long> mine = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
      seen.add(mine);
      subs.add(ServerSupport.subscribe(alice, EventScope.store(info.id()), EventType.all(), from,
          e -> mine.add(e.position()), p -> { }));
    };
    for (int i = 0; i < subscribers / 2; i++) {
      join.run();
    }
    int writers = 4;
    int saves = 40;
    java.util.concurrent.CyclicBarrier go = new java.util.concurrent.CyclicBarrier(writers + 1);
    List<Thread> threads = new java.util.ArrayList<>();
    for (int w = 0; w < writers; w++) {
      int n = w;
      threads.add(Thread.ofPlatform().start(() -> {
        try (Session s = store.openSession("alice")) {
          go.await();
          for (int i = 0; i < saves; i++) {
            try (Message m = s.rootFolder(info.id()).createMessage()) {
              m.set(PropTags.SUBJECT, "writer " + n + " save " + i);
              m.saveChanges();
            }
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    go.await();
    while (alice.journalPosition(info.id()) < from + writers * saves / 2) {
      Thread.onSpinWait(); // half the saves committed: the other subscribers join now
    }
    for (int i = subscribers / 2; i < subscribers; i++) {
      join.run();
    }
    for (Thread t : threads) {
      t.join();
    }
    long head = alice.journalPosition(info.id());
    assertThat(own.awaitPosition(head, Duration.ofSeconds(30))).isTrue();
    assertThat(reference).hasSizeGreaterThanOrEqualTo(writers * saves).isSorted().doesNotHaveDuplicates();
    for (int i = 0; i < subscribers; i++) {
      assertThat(subs.get(i).awaitPosition(head, Duration.ofSeconds(30))).as("subscriber %d", i).isTrue();
      assertThat(seen.get(i)).as("subscriber %d", i).containsExactlyElementsOf(reference);
      subs.get(i).close();
    }
    own.close();
  }

  /**
   * R28 with the engine's claims (LatestVersions): many handles opened at one base save at once,
   * each on its own thread; exactly one wins, every loser is told the winner's change key, and the
   * history holds exactly one new version.
   */
  @Test
  void savesFromOneBaseShouldHaveOneWinnerAndLosersNamingItsChangeKeyWhenManyThreadsSaveAtOnce() throws Exception {
    MessageId id = create("hot").messageId();
    int before = alice.versions(id).size();
    int clients = 16;
    List<Message> handles = new java.util.ArrayList<>();
    List<Session> sessions = new java.util.ArrayList<>();
    for (int i = 0; i < clients; i++) {
      Session s = store.openSession("alice");
      sessions.add(s);
      Message m = s.openMessage(id, OpenFlag.MODIFY);
      m.set(PropTags.SUBJECT, "client " + i);
      handles.add(m);
    }
    java.util.concurrent.CyclicBarrier go = new java.util.concurrent.CyclicBarrier(clients);
    List<java.util.concurrent.Future<Object>> outcomes = new java.util.ArrayList<>();
    try (var pool = java.util.concurrent.Executors.newFixedThreadPool(clients)) {
      for (Message m : handles) {
        outcomes.add(pool.submit(() -> {
          go.await();
          try {
            return m.saveChanges();
          } catch (ObjectChangedException e) {
            return e;
          }
        }));
      }
    }
    List<SaveResult> wins = new java.util.ArrayList<>();
    List<ObjectChangedException> losses = new java.util.ArrayList<>();
    for (var f : outcomes) {
      Object o = f.get();
      if (o instanceof SaveResult r) {
        wins.add(r);
      } else {
        losses.add((ObjectChangedException) o);
      }
    }
    assertThat(wins).hasSize(1);
    assertThat(losses).hasSize(clients - 1)
        .allSatisfy(e -> assertThat(e.currentChangeKey()).isEqualTo(wins.get(0).changeKey()));
    assertThat(alice.versions(id)).hasSize(before + 1);
    handles.forEach(Message::close);
    sessions.forEach(Session::close);
  }
}
