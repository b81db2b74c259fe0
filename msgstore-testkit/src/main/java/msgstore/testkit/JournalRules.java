package msgstore.testkit;

import static msgstore.api.PropTags.SUBJECT;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import msgstore.api.EventScope;
import msgstore.api.EventType;
import msgstore.api.MessageId;
import msgstore.api.SaveResult;
import msgstore.api.StoreEvent;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** msgstore's change journal and subscription resume (X4). Part of {@link MessageStoreContract}. */
public abstract class JournalRules extends ContractSupport {

  @BeforeEach
  void requireJournal() {
    requires(Capability.NOTIFICATIONS);
  }

  @Test
  @DisplayName("X4: commits, read-state changes, moves and deletes are journaled in order")
  void journalShouldRecordEveryKindOfChangeInOrderWhenTheyHappen() {
    long start = journalPosition();
    MessageId id = createMessage("v1");
    SaveResult modified = commitSubject(id, "v2");
    owner().setReadFlag(id, true);
    owner().setReadFlag(id, false);
    MessageId moved = owner().moveMessage(id, drafts().id());
    owner().deleteMessage(moved);
    assertThat(journalPosition()).isGreaterThan(start);
    List<StoreEvent> journal = owner().readJournal(storeId(), start, 1000);
    assertThat(journal).extracting(StoreEvent::position).isSorted().doesNotHaveDuplicates().allMatch(p -> p > start);
    assertThat(journal.getLast().position()).isEqualTo(journalPosition());
    List<StoreEvent> mine = journal.stream()
        .filter(e -> e.messageId().filter(m -> m.equals(id) || m.equals(moved)).isPresent())
        .toList();
    assertThat(mine.getFirst().type()).isEqualTo(EventType.OBJECT_CREATED);
    assertThat(mine.get(1).type()).isEqualTo(EventType.OBJECT_MODIFIED);
    assertThat(mine.get(1).changeNumber()).contains(modified.changeNumber());
    int movedAt = indexOf(mine, EventType.OBJECT_MOVED);
    int deletedAt = indexOf(mine, EventType.OBJECT_DELETED);
    assertThat(movedAt).as("two read-state changes lie between the modification and the move").isGreaterThanOrEqualTo(4);
    assertThat(deletedAt).isGreaterThan(movedAt);
    assertThat(mine.get(deletedAt).id()).isEqualTo(moved.value());
  }

  private static int indexOf(List<StoreEvent> events, EventType type) {
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).type() == type) {
        return i;
      }
    }
    throw new AssertionError("no " + type + " in " + events);
  }

  @Test
  @DisplayName("X4: readJournal pages by position and limit")
  void readJournalShouldPageWhenALimitIsGiven() {
    long start = journalPosition();
    MessageId id = createMessage("v0");
    for (int i = 1; i <= 4; i++) {
      commitSubject(id, "v" + i);
    }
    List<StoreEvent> all = owner().readJournal(storeId(), start, 1000);
    assertThat(all.size()).isGreaterThanOrEqualTo(5);
    List<StoreEvent> first = owner().readJournal(storeId(), start, 2);
    List<StoreEvent> rest = owner().readJournal(storeId(), first.getLast().position(), 1000);
    assertThat(first).hasSize(2);
    assertThat(first).isEqualTo(all.subList(0, 2));
    assertThat(rest).isEqualTo(all.subList(2, all.size()));
  }

  @Test
  @DisplayName("X4: a subscriber resuming from an old position gets what it missed, in order, then live events")
  void subscribeShouldReplayMissedEventsWhenResumingFromAnOldPosition() {
    long lastSeen = journalPosition();
    MessageId id = createMessage("v0");
    SaveResult missed1 = commitSubject(id, "v1");
    SaveResult missed2 = commitSubject(id, "v2");
    EventRecorder rec = subscribe(owner(), EventScope.store(storeId()), EventType.all(), lastSeen);
    List<StoreEvent> replayed = rec.takeThrough(modifiedTo(id, missed2.changeNumber()), "replay of the second modification");
    assertThat(replayed).anyMatch(event(EventType.OBJECT_CREATED, id));
    assertThat(replayed).anyMatch(modifiedTo(id, missed1.changeNumber()));
    assertThat(replayed).extracting(StoreEvent::position).isSorted().doesNotHaveDuplicates().allMatch(p -> p > lastSeen);
    SaveResult live = commitSubject(id, "v3");
    List<StoreEvent> after = rec.takeThrough(modifiedTo(id, live.changeNumber()), "live modification");
    assertThat(after).extracting(StoreEvent::position).allMatch(p -> p > replayed.getLast().position());
    assertThat(rec.subscription().lastPosition()).isGreaterThanOrEqualTo(after.getLast().position());
  }

  @Test
  @DisplayName("X4: subscribing at the current position delivers only new events")
  void subscribeShouldDeliverOnlyNewEventsWhenStartingAtTheCurrentPosition() {
    MessageId id = createMessage("old");
    EventRecorder rec = subscribe(EventScope.store(storeId()), EventType.all());
    SaveResult r = commitSubject(id, "new");
    List<StoreEvent> events = rec.takeThrough(modifiedTo(id, r.changeNumber()), "new modification");
    assertThat(events).noneMatch(event(EventType.OBJECT_CREATED, id));
  }

  @Test
  @DisplayName("X4: journal entries of one store are not mixed with another store's")
  void journalShouldBeSeparatePerStoreWhenTwoStoresExist() {
    var other = owner().createStore("second mailbox");
    long start = journalPosition();
    long otherStart = owner().journalPosition(other.id());
    MessageId inOther = createMessage(owner().rootFolder(other.id()).subfolder("Inbox").orElseThrow(), "elsewhere");
    assertThat(owner().readJournal(storeId(), start, 100)).noneMatch(e -> e.concerns(inOther));
    assertThat(owner().readJournal(other.id(), otherStart, 100)).allMatch(e -> e.storeId().equals(other.id()))
        .anyMatch(event(EventType.OBJECT_CREATED, inOther));
    assertThat(owner().stores()).extracting(s -> s.id()).contains(storeId(), other.id());
    assertThat(owner().store(other.id()).owner()).isEqualTo(StoreFixture.OWNER);
  }

  @Test
  @DisplayName("X4: the journal survives closing and reopening the store")
  void journalShouldSurviveAReopenWhenTheStoreIsClosed() {
    requires(Capability.REOPEN);
    long start = journalPosition();
    MessageId id = createMessage("durable");
    commitSubject(id, "durable 2");
    long end = journalPosition();
    fx().reopen();
    assertThat(journalPosition()).isEqualTo(end);
    assertThat(owner().readJournal(storeId(), start, 100)).anyMatch(event(EventType.OBJECT_CREATED, id));
    assertThat(committedProp(id, SUBJECT).orElseThrow().asString()).isEqualTo("durable 2");
  }
}
