package msgstore.testkit;

import static msgstore.api.PropTags.SUBJECT;
import static msgstore.api.SaveFlag.KEEP_OPEN_READWRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import msgstore.api.ChangeNumber;
import msgstore.api.EventScope;
import msgstore.api.EventType;
import msgstore.api.Folder;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.SaveResult;
import msgstore.api.Session;
import msgstore.api.StoreEvent;
import msgstore.api.Subscription;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Spec section 11, notifications to other openers (R75-R80). Events are awaited with a bounded
 * poll; "no event" is shown by a later marker change whose event must come first (journal order).
 * Part of {@link MessageStoreContract}.
 */
public abstract class NotificationRules extends ContractSupport {

  private MessageId marker;

  @BeforeEach
  void createMarkerMessage() {
    requires(Capability.NOTIFICATIONS);
    marker = createMessage(sentItems(), "marker");
  }

  /** Commits a change to the marker message and waits for its event on {@code r}; returns everything before it. */
  private List<StoreEvent> eventsUntilMarker(EventRecorder r) {
    SaveResult m = commitSubject(marker, "marker " + System.nanoTime());
    List<StoreEvent> events = r.takeThrough(modifiedTo(marker, m.changeNumber()), "marker modification");
    return events.subList(0, events.size() - 1);
  }

  @Test
  @DisplayName("R76: a commit raises exactly one OBJECT_MODIFIED, for the saver's and for other clients' sinks")
  void saveShouldRaiseExactlyOneObjectModifiedWhenItCommits() {
    MessageId id = createMessage("v1");
    Session other = fx().openSession(StoreFixture.OWNER);
    EventRecorder mine = subscribe(EventScope.store(storeId()), EventType.all());
    EventRecorder theirs = subscribe(other, EventScope.store(storeId()), EventType.all(), other.journalPosition(storeId()));
    SaveResult r;
    try (Message m = openRw(id)) {
      m.set(SUBJECT, "v2");
      r = m.saveChanges(KEEP_OPEN_READWRITE);
    }
    for (EventRecorder rec : List.of(mine, theirs)) {
      List<StoreEvent> before = eventsUntilMarker(rec);
      List<StoreEvent> modified = before.stream().filter(event(EventType.OBJECT_MODIFIED, id)).toList();
      assertThat(modified).hasSize(1);
      StoreEvent e = modified.getFirst();
      assertThat(e.changeNumber()).contains(r.changeNumber());
      assertThat(e.changeKey()).contains(r.changeKey());
      assertThat(e.storeId()).isEqualTo(storeId());
      assertThat(e.parentId()).contains(inbox().id());
      assertThat(e.messageId()).contains(id);
    }
  }

  @Test
  @DisplayName("R76: failed saves, no-op saves and pending edits raise nothing")
  void nothingShouldBeRaisedWhenNothingIsCommitted() {
    MessageId id = createMessage("v1");
    EventRecorder rec = subscribe(EventScope.store(storeId()), EventType.all());
    try (Message stale = openRw(id); Message idle = openRw(id)) {
      idle.saveChanges(KEEP_OPEN_READWRITE);
      SaveResult theirs = commitSubject(id, "theirs");
      stale.set(SUBJECT, "pending");
      expectObjectChanged(() -> stale.saveChanges(KEEP_OPEN_READWRITE));
      List<StoreEvent> before = eventsUntilMarker(rec);
      assertThat(before.stream().filter(event(EventType.OBJECT_MODIFIED, id)).toList())
          .singleElement()
          .satisfies(e -> assertThat(e.changeNumber()).contains(theirs.changeNumber()));
    }
  }

  @Test
  @DisplayName("R77: the first save raises OBJECT_CREATED with the folder as parent")
  void firstSaveShouldRaiseObjectCreatedWhenMessageIsNew() {
    EventRecorder rec = subscribe(EventScope.store(storeId()), EventType.all());
    MessageId id = createMessage("new");
    StoreEvent e = rec.await(event(EventType.OBJECT_CREATED, id), "creation of " + id);
    assertThat(e.parentId()).contains(inbox().id());
    assertThat(e.changeNumber()).contains(currentCn(id));
  }

  @Test
  @DisplayName("R77: a delete raises OBJECT_DELETED")
  void deleteShouldRaiseObjectDeletedWhenMessageIsDeleted() {
    MessageId id = createMessage("doomed");
    EventRecorder rec = subscribe(EventScope.store(storeId()), EventType.all());
    owner().deleteMessage(id);
    StoreEvent e = rec.await(event(EventType.OBJECT_DELETED, id), "deletion of " + id);
    assertThat(e.parentId()).contains(inbox().id());
  }

  @Test
  @DisplayName("R77: a move raises OBJECT_MOVED with old and new ids and parents")
  void moveShouldRaiseObjectMovedWithOldAndNewIdsWhenMessageIsMoved() {
    MessageId id = createMessage("traveller");
    EventRecorder rec = subscribe(EventScope.store(storeId()), EventType.all());
    MessageId moved = owner().moveMessage(id, drafts().id());
    StoreEvent e = rec.await(event(EventType.OBJECT_MOVED, moved), "move of " + id);
    assertThat(e.oldMessageId()).contains(id);
    assertThat(e.parentId()).contains(drafts().id());
    assertThat(e.oldParentId()).contains(inbox().id());
  }

  @Test
  @DisplayName("R77: a copy raises OBJECT_COPIED naming the source")
  void copyShouldRaiseObjectCopiedWhenMessageIsCopied() {
    MessageId id = createMessage("original");
    EventRecorder rec = subscribe(EventScope.store(storeId()), EventType.all());
    MessageId copy = owner().copyMessage(id, drafts().id());
    StoreEvent e = rec.await(event(EventType.OBJECT_COPIED, copy), "copy of " + id);
    assertThat(e.oldMessageId()).contains(id);
    assertThat(e.parentId()).contains(drafts().id());
  }

  @Test
  @DisplayName("R79: a sink that reopens the message inside its callback sees the new version")
  void sinkShouldSeeTheNewVersionWhenItReopensTheMessageInItsCallback() {
    MessageId id = createMessage("v1");
    Session reader = fx().openSession(StoreFixture.OWNER);
    AtomicReference<Object> seen = new AtomicReference<>();
    EventRecorder rec = new EventRecorder().onEvent(e -> {
      if (e.type() == EventType.OBJECT_MODIFIED && e.messageId().filter(id::equals).isPresent()) {
        try (Message m = reader.openMessage(id)) {
          seen.set(List.of(m.baseChangeNumber().orElseThrow(), subject(m)));
        } catch (RuntimeException ex) {
          seen.set(ex);
        }
      }
    });
    rec.attach(fx().track(owner().subscribe(EventScope.message(id), EventType.all(), journalPosition(), rec)));
    SaveResult r = commitSubject(id, "v2");
    rec.await(modifiedTo(id, r.changeNumber()), "modification of " + id);
    assertThat(seen.get()).isEqualTo(List.of(r.changeNumber(), "v2"));
  }

  @Test
  @DisplayName("R75: sinks are called on another thread than the committing one")
  void sinkShouldBeCalledOnAnotherThreadWhenEventsAreDelivered() {
    EventRecorder rec = subscribe(EventScope.store(storeId()), EventType.all());
    MessageId id = createMessage("new");
    rec.await(event(EventType.OBJECT_CREATED, id), "creation");
    assertThat(rec.deliveryThreads()).doesNotContain(Thread.currentThread());
  }

  @Test
  @DisplayName("R75: a message scope delivers only that message's events")
  void messageScopeShouldDeliverOnlyThatMessagesEventsWhenSubscribed() {
    MessageId watched = createMessage("watched");
    MessageId other = createMessage("other");
    EventRecorder rec = subscribe(EventScope.message(watched), EventType.all());
    commitSubject(other, "other 2");
    SaveResult r = commitSubject(watched, "watched 2");
    List<StoreEvent> events = rec.takeThrough(modifiedTo(watched, r.changeNumber()), "watched modification");
    assertThat(events).allMatch(e -> e.concerns(watched));
  }

  @Test
  @DisplayName("R75: a folder scope delivers only events of messages in that folder")
  void folderScopeShouldDeliverOnlyThatFoldersEventsWhenSubscribed() {
    Folder watchedFolder = inbox().createFolder("Watched");
    MessageId inWatched = createMessage(watchedFolder, "in watched");
    MessageId elsewhere = createMessage("elsewhere");
    EventRecorder rec = subscribe(EventScope.folder(watchedFolder.id()), EventType.all());
    commitSubject(elsewhere, "elsewhere 2");
    SaveResult r = commitSubject(inWatched, "in watched 2");
    List<StoreEvent> events = rec.takeThrough(modifiedTo(inWatched, r.changeNumber()), "modification in folder");
    assertThat(events).noneMatch(e -> e.concerns(elsewhere));
  }

  @Test
  @DisplayName("R75: the event mask filters event types")
  void maskShouldFilterEventTypesWhenSubscribed() {
    MessageId modified = createMessage("to modify");
    MessageId doomed = createMessage("to delete");
    EventRecorder rec = subscribe(EventScope.store(storeId()), Set.of(EventType.OBJECT_DELETED));
    commitSubject(modified, "modified");
    owner().deleteMessage(doomed);
    List<StoreEvent> events = rec.takeThrough(event(EventType.OBJECT_DELETED, doomed), "deletion");
    assertThat(events).allMatch(e -> e.type() == EventType.OBJECT_DELETED);
  }

  @Test
  @DisplayName("R75: events arrive in journal order, each once")
  void eventsShouldArriveInJournalOrderWhenManyCommitsFollow() {
    MessageId id = createMessage("v0");
    EventRecorder rec = subscribe(EventScope.store(storeId()), EventType.all());
    ChangeNumber last = null;
    for (int i = 1; i <= 5; i++) {
      last = commitSubject(id, "v" + i).changeNumber();
    }
    List<StoreEvent> events = rec.takeThrough(modifiedTo(id, last), "last modification");
    assertThat(events).extracting(StoreEvent::position).isSorted().doesNotHaveDuplicates();
    assertThat(events.stream().filter(event(EventType.OBJECT_MODIFIED, id)).map(e -> e.changeNumber().orElseThrow()).toList())
        .hasSize(5).isSorted();
  }

  @Test
  @DisplayName("Unadvise: a closed subscription gets no more events")
  void closedSubscriptionShouldGetNoMoreEventsWhenClosed() {
    MessageId id = createMessage("v0");
    EventRecorder closed = subscribe(EventScope.store(storeId()), EventType.all());
    EventRecorder open = subscribe(EventScope.store(storeId()), EventType.all());
    SaveResult first = commitSubject(id, "v1");
    closed.await(modifiedTo(id, first.changeNumber()), "first modification");
    closed.close();
    SaveResult second = commitSubject(id, "v2");
    open.await(modifiedTo(id, second.changeNumber()), "second modification on the open subscription");
    assertThat(closed.received()).noneMatch(modifiedTo(id, second.changeNumber()));
    assertThat(closed.subscription().lastPosition()).isGreaterThanOrEqualTo(
        closed.received().stream().mapToLong(StoreEvent::position).max().orElse(0));
  }

  @Test
  @DisplayName("R75, X4: subscribing without a position starts at the journal head of the scope's store")
  void subscribeFromNowShouldStartAtTheJournalHeadWhenGivenNoPosition() {
    MessageId id = createMessage("v1");
    commitSubject(id, "v2");
    long head = journalPosition();
    EventRecorder rec = subscribe(EventScope.message(id), EventType.all());
    assertThat(rec.subscription().position()).isEqualTo(head);
    SaveResult r = commitSubject(id, "v3");
    List<StoreEvent> events = rec.takeThrough(modifiedTo(id, r.changeNumber()), "v3");
    assertThat(events).extracting(StoreEvent::position).allMatch(p -> p > head);
  }

  @Test
  @DisplayName("R75: position() reaches the journal head when no event matches the scope, so 'nothing arrived' can be awaited")
  void positionShouldReachTheJournalHeadWhenNoEventMatchesTheScope() throws InterruptedException {
    MessageId watched = createMessage("watched");
    MessageId other = createMessage("other");
    EventRecorder rec = subscribe(EventScope.message(watched), EventType.all());
    commitSubject(other, "other 2");
    owner().deleteMessage(other);
    long head = journalPosition();
    assertThat(rec.subscription().awaitPosition(head, EventRecorder.TIMEOUT)).isTrue();
    assertThat(rec.subscription().position()).isGreaterThanOrEqualTo(head);
    assertThat(rec.received()).isEmpty();
  }

  @Test
  @DisplayName("R75: position() reaches the journal head when the mask filters out every event")
  void positionShouldReachTheJournalHeadWhenTheMaskFiltersEveryEvent() throws InterruptedException {
    MessageId id = createMessage("v1");
    EventRecorder rec = subscribe(EventScope.store(storeId()), Set.of(EventType.OBJECT_DELETED));
    commitSubject(id, "v2");
    owner().setReadFlag(id, true);
    long head = journalPosition();
    assertThat(rec.subscription().awaitPosition(head, EventRecorder.TIMEOUT)).isTrue();
    assertThat(rec.received()).isEmpty();
  }

  @Test
  @DisplayName("R75, R79: position() passes a matching event only after the sink returned")
  void positionShouldPassAMatchingEventOnlyAfterTheSinkReturnedWhenDelivering() throws InterruptedException {
    MessageId id = createMessage("v1");
    AtomicReference<Subscription> sub = new AtomicReference<>();
    List<Long> positionsInSink = new java.util.concurrent.CopyOnWriteArrayList<>();
    EventRecorder rec = new EventRecorder().onEvent(e -> positionsInSink.add(sub.get().position()));
    sub.set(owner().subscribe(EventScope.message(id), EventType.all(), rec));
    rec.attach(sub.get());
    fx().track(sub.get());
    SaveResult r = commitSubject(id, "v2");
    StoreEvent e = rec.await(modifiedTo(id, r.changeNumber()), "v2");
    assertThat(positionsInSink).hasSize(1).allMatch(p -> p < e.position());
    assertThat(sub.get().awaitPosition(e.position(), EventRecorder.TIMEOUT)).isTrue();
  }

  @Test
  @DisplayName("Unadvise: awaitPosition returns false at once on a closed subscription")
  void awaitPositionShouldReturnFalseWhenTheSubscriptionIsClosed() throws InterruptedException {
    Subscription sub = owner().subscribe(EventScope.store(storeId()), e -> {});
    fx().track(sub);
    sub.close();
    long started = System.nanoTime();
    assertThat(sub.awaitPosition(journalPosition() + 1_000, EventRecorder.TIMEOUT)).isFalse();
    assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isLessThan(EventRecorder.TIMEOUT);
  }

  @Test
  @DisplayName("Notifications never change open handles (note after R80)")
  void eventShouldNotChangeAnOpenHandleWhenDelivered() {
    MessageId id = createMessage("v1");
    EventRecorder rec = subscribe(EventScope.message(id), EventType.all());
    try (Message m = openRw(id)) {
      SaveResult r = commitSubject(id, "v2");
      rec.await(modifiedTo(id, r.changeNumber()), "modification");
      assertThat(subject(m)).isEqualTo("v1");
      m.set(SUBJECT, "mine");
      expectObjectChanged(() -> m.saveChanges(KEEP_OPEN_READWRITE));
    }
  }
}
