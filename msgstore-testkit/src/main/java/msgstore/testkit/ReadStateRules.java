package msgstore.testkit;

import static msgstore.api.PropTags.MSGFLAG_READ;
import static msgstore.api.PropTags.SUBJECT;
import static msgstore.api.SaveFlag.FORCE_SAVE;
import static msgstore.api.SaveFlag.KEEP_OPEN_READWRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import msgstore.api.ChangeNumber;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Spec section 10, read state and status, which are not transacted (R71-R74). Part of {@link MessageStoreContract}. */
public abstract class ReadStateRules extends ContractSupport {

  private boolean committedRead(MessageId id) {
    try (Message m = openRo(id)) {
      return (messageFlags(m) & MSGFLAG_READ) != 0;
    }
  }

  private record Versioned(ChangeNumber cn, Optional<PropValue> changeKey, Optional<PropValue> pcl, Optional<PropValue> modified) {}

  private Versioned versioned(MessageId id) {
    try (Message m = openRo(id)) {
      return new Versioned(m.baseChangeNumber().orElseThrow(), m.getProp(PropTags.CHANGE_KEY),
          m.getProp(PropTags.PREDECESSOR_CHANGE_LIST), m.getProp(PropTags.LAST_MODIFICATION_TIME));
    }
  }

  @Test
  @DisplayName("R71: SetReadFlag on a handle commits at once, without a new version")
  void setReadFlagShouldCommitAtOnceWithoutANewVersionWhenCalledOnAHandle() {
    MessageId id = createMessage("mail");
    owner().setReadFlag(id, false);
    Versioned before = versioned(id);
    var localCommit = committedProp(id, PropTags.LOCAL_COMMIT_TIME).orElseThrow().asInstant();
    try (Message m = openRw(id)) {
      m.setReadFlag(true);
      assertThat(messageFlags(m) & MSGFLAG_READ).isEqualTo(MSGFLAG_READ);
      assertThat(committedRead(id)).isTrue();
    }
    assertThat(versioned(id)).isEqualTo(before);
    assertThat(committedProp(id, PropTags.LOCAL_COMMIT_TIME).orElseThrow().asInstant())
        .as("R66: a read-state change sets PR_LOCAL_COMMIT_TIME").isAfterOrEqualTo(localCommit);
  }

  @Test
  @DisplayName("R71: SetReadFlag commits only the read state; the handle's other edits stay pending")
  void setReadFlagShouldLeaveOtherEditsPendingWhenHandleHasEdits() {
    MessageId id = createMessage("mail");
    owner().setReadFlag(id, false);
    try (Message m = openRw(id)) {
      m.set(SUBJECT, "pending subject");
      m.setReadFlag(true);
      assertThat(committedRead(id)).isTrue();
      assertThat(committedSubject(id)).isEqualTo("mail");
      assertThat(subject(m)).isEqualTo("pending subject");
      assertThat(messageFlags(m) & MSGFLAG_READ).isEqualTo(MSGFLAG_READ);
      m.saveChanges(KEEP_OPEN_READWRITE);
    }
    assertThat(committedSubject(id)).isEqualTo("pending subject");
    assertThat(committedRead(id)).isTrue();
  }

  @Test
  @DisplayName("R71: Session.setReadFlag and Folder.setReadFlags commit without a handle and both ways")
  void setReadFlagsShouldChangeOnlyTheReadStateWhenCalledWithoutAHandle() {
    MessageId a = createMessage("a");
    MessageId b = createMessage("b");
    inbox().setReadFlags(List.of(a, b), false);
    assertThat(committedRead(a)).isFalse();
    assertThat(committedRead(b)).isFalse();
    Versioned before = versioned(a);
    owner().setReadFlag(a, true);
    assertThat(committedRead(a)).isTrue();
    assertThat(committedRead(b)).isFalse();
    inbox().setReadFlags(List.of(a, b), true);
    assertThat(committedRead(b)).isTrue();
    owner().setReadFlag(a, false);
    assertThat(committedRead(a)).isFalse();
    assertThat(versioned(a)).isEqualTo(before);
  }

  @Test
  @DisplayName("R71: the folder's unread count follows read-state changes")
  void unreadCountShouldFollowReadStateWhenChanged() {
    MessageId a = createMessage("a");
    MessageId b = createMessage("b");
    inbox().setReadFlags(List.of(a, b), false);
    long unread = inbox().info().unreadCount();
    owner().setReadFlag(a, true);
    assertThat(inbox().info().unreadCount()).isEqualTo(unread - 1);
    owner().setReadFlag(a, false);
    assertThat(inbox().info().unreadCount()).isEqualTo(unread);
  }

  @Test
  @DisplayName("R72: a read-state change does not make other open handles stale")
  void saveShouldSucceedWhenOnlyTheReadStateChangedSinceOpen() {
    MessageId id = createMessage("mail");
    owner().setReadFlag(id, false);
    try (Message m = openRw(id)) {
      owner().setReadFlag(id, true);
      m.set(SUBJECT, "edited");
      m.saveChanges(KEEP_OPEN_READWRITE);
    }
    assertThat(committedSubject(id)).isEqualTo("edited");
  }

  @Test
  @DisplayName("R73: a save, forced or not, does not undo a read-state change made after the handle was opened")
  void saveShouldKeepTheReadStateWhenAnotherClientChangedItAfterOpen() {
    MessageId id = createMessage("mail");
    owner().setReadFlag(id, false);
    try (Message plain = openRw(id); Message forced = openRw(id)) {
      owner().setReadFlag(id, true);
      plain.set(SUBJECT, "plain");
      plain.saveChanges(KEEP_OPEN_READWRITE);
      assertThat(committedRead(id)).isTrue();
      forced.set(SUBJECT, "forced");
      forced.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE);
      assertThat(committedRead(id)).isTrue();
    }
    assertThat(committedSubject(id)).isEqualTo("forced");
  }

  @Test
  @DisplayName("R74: SetMessageStatus commits at once, without a new version")
  void setMessageStatusShouldCommitAtOnceWithoutANewVersionWhenCalled() {
    MessageId id = createMessage("mail");
    Versioned before = versioned(id);
    try (Message m = openRw(id)) {
      m.setMessageStatus(0x2, 0x2);
      assertThat(integer(m, PropTags.MESSAGE_STATUS) & 0x2).isEqualTo(0x2);
    }
    try (Message m = openRo(id)) {
      assertThat(integer(m, PropTags.MESSAGE_STATUS) & 0x2).isEqualTo(0x2);
    }
    assertThat(versioned(id)).isEqualTo(before);
    try (Message m = openRw(id)) {
      m.setMessageStatus(0, 0x2);
    }
    try (Message m = openRo(id)) {
      assertThat(Optional.ofNullable(integer(m, PropTags.MESSAGE_STATUS)).orElse(0) & 0x2).isZero();
    }
  }

  @Test
  @DisplayName("X4: a read-state change is appended to the change journal")
  void setReadFlagShouldAppendToTheJournalWhenTheStateChanges() {
    requires(Capability.NOTIFICATIONS);
    MessageId id = createMessage("mail");
    owner().setReadFlag(id, false);
    long before = journalPosition();
    owner().setReadFlag(id, true);
    assertThat(journalPosition()).isGreaterThan(before);
    assertThat(about(owner().readJournal(storeId(), before, 100), id)).isNotEmpty();
  }

  @Test
  @DisplayName("R71: SetReadFlag on a new message only changes its pending flags")
  void setReadFlagShouldOnlyChangePendingFlagsWhenMessageIsNew() {
    long journal = journalPosition();
    try (Message m = inbox().createMessage()) {
      m.set(SUBJECT, "new");
      m.setReadFlag(true);
      assertThat(messageFlags(m) & MSGFLAG_READ).isEqualTo(MSGFLAG_READ);
      assertThat(journalPosition()).isEqualTo(journal);
      MessageId id = m.saveChanges(KEEP_OPEN_READWRITE).messageId();
      assertThat(committedRead(id)).isTrue();
    }
  }
}
