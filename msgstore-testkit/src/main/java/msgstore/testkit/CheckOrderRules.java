package msgstore.testkit;

import static msgstore.api.MapiError.INVALID_OBJECT;
import static msgstore.api.MapiError.NO_ACCESS;
import static msgstore.api.MapiError.OBJECT_DELETED;
import static msgstore.api.PropTags.BODY;
import static msgstore.api.PropTags.SUBJECT;
import static msgstore.api.SaveFlag.FORCE_SAVE;
import static msgstore.api.SaveFlag.KEEP_OPEN_READONLY;
import static msgstore.api.SaveFlag.KEEP_OPEN_READWRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import msgstore.api.ChangeKey;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.ObjectChangedException;
import msgstore.api.PredecessorChangeList;
import msgstore.api.PropProblem;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.SaveResult;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Spec section 5, conflict detection and the order of the save checks (R25-R34): closed, then
 * read-only, then deleted, then changed. Part of {@link MessageStoreContract}.
 */
public abstract class CheckOrderRules extends ContractSupport {

  @Test
  @DisplayName("R25: a closed handle gives INVALID_OBJECT")
  void saveShouldFailWithInvalidObjectWhenHandleIsClosed() {
    MessageId id = createMessage("v1");
    Message m = openRw(id);
    m.set(SUBJECT, "v2");
    m.close();
    expectError(INVALID_OBJECT, () -> m.saveChanges(KEEP_OPEN_READWRITE));
    expectError(INVALID_OBJECT, () -> m.saveChanges(FORCE_SAVE));
    expectError(INVALID_OBJECT, () -> m.set(SUBJECT, "v3"));
    assertThat(committedSubject(id)).isEqualTo("v1");
  }

  @Test
  @DisplayName("R25 before R27: a closed handle on a deleted message gives INVALID_OBJECT, not OBJECT_DELETED")
  void saveShouldFailWithInvalidObjectWhenHandleIsClosedAndMessageDeleted() {
    MessageId id = createMessage("v1");
    Message m = openRw(id);
    m.set(SUBJECT, "v2");
    m.close();
    owner().deleteMessage(id);
    expectError(INVALID_OBJECT, () -> m.saveChanges(KEEP_OPEN_READWRITE));
    expectError(INVALID_OBJECT, () -> m.saveChanges(FORCE_SAVE));
  }

  @Test
  @DisplayName("R25 before R28: a handle shut down by R18 on a changed message gives INVALID_OBJECT")
  void saveShouldFailWithInvalidObjectWhenHandleWasShutDownAndMessageChanged() {
    MessageId id = createMessage("v1");
    Message m = openRw(id);
    m.set(SUBJECT, "v2");
    m.saveChanges();
    commitSubject(id, "v3");
    expectError(INVALID_OBJECT, () -> m.saveChanges(KEEP_OPEN_READWRITE));
    owner().deleteMessage(id);
    expectError(INVALID_OBJECT, () -> m.saveChanges(FORCE_SAVE));
    m.close();
  }

  @Test
  @DisplayName("R26: a read-only handle gives NO_ACCESS, FORCE_SAVE included")
  void saveShouldFailWithNoAccessWhenHandleIsReadOnly() {
    MessageId id = createMessage("v1");
    var cn = currentCn(id);
    try (Message m = openRo(id)) {
      expectError(NO_ACCESS, m::saveChanges);
      expectError(NO_ACCESS, () -> m.saveChanges(KEEP_OPEN_READWRITE));
      expectError(NO_ACCESS, () -> m.saveChanges(FORCE_SAVE));
      assertThat(m.isOpen()).isTrue();
    }
    assertThat(currentCn(id)).isEqualTo(cn);
  }

  @Test
  @DisplayName("R26 before R27: a read-only handle on a deleted message gives NO_ACCESS")
  void saveShouldFailWithNoAccessWhenReadOnlyHandlesMessageIsDeleted() {
    MessageId id = createMessage("v1");
    try (Message m = openRo(id)) {
      owner().deleteMessage(id);
      expectError(NO_ACCESS, () -> m.saveChanges(KEEP_OPEN_READWRITE));
      expectError(NO_ACCESS, () -> m.saveChanges(FORCE_SAVE));
    }
  }

  @Test
  @DisplayName("R26 before R28: a handle downgraded by KEEP_OPEN_READONLY on a changed message gives NO_ACCESS")
  void saveShouldFailWithNoAccessWhenDowngradedHandleIsStale() {
    MessageId id = createMessage("v1");
    try (Message m = openRw(id)) {
      m.set(SUBJECT, "v2");
      m.saveChanges(KEEP_OPEN_READONLY);
      commitSubject(id, "v3");
      expectError(NO_ACCESS, () -> m.saveChanges(KEEP_OPEN_READWRITE));
      expectError(NO_ACCESS, () -> m.saveChanges(FORCE_SAVE));
    }
    assertThat(committedSubject(id)).isEqualTo("v3");
  }

  @Test
  @DisplayName("R27 before R28: a message changed and then deleted gives OBJECT_DELETED")
  void saveShouldFailWithObjectDeletedWhenMessageWasChangedAndThenDeleted() {
    MessageId id = createMessage("v1");
    try (Message m = openRw(id)) {
      commitSubject(id, "v2");
      owner().deleteMessage(id);
      m.set(SUBJECT, "mine");
      expectError(OBJECT_DELETED, () -> m.saveChanges(KEEP_OPEN_READWRITE));
      expectError(OBJECT_DELETED, () -> m.saveChanges(FORCE_SAVE));
      assertThat(m.isOpen()).isTrue();
    }
  }

  @Test
  @DisplayName("R28: a stale save fails with ObjectChangedException carrying base and current change keys")
  void saveShouldFailWithObjectChangedWhenChangeKeyIsStale() {
    MessageId id = createMessage("v1");
    try (Message m = openRw(id)) {
      ChangeKey base = m.baseChangeKey().orElseThrow();
      SaveResult theirs = commitSubject(id, "theirs");
      m.set(SUBJECT, "mine");
      ObjectChangedException e = expectObjectChanged(() -> m.saveChanges(KEEP_OPEN_READWRITE));
      assertThat(e.baseChangeKey()).isEqualTo(base);
      assertThat(e.currentChangeKey()).isEqualTo(theirs.changeKey());
      assertThat(e.mergeReport()).isEmpty();
    }
    assertThat(committedSubject(id)).isEqualTo("theirs");
  }

  @Test
  @DisplayName("R28, R33, R34: of two saves from one base the first wins, the second is refused, not silently dropped")
  void secondSaveShouldFailWithObjectChangedWhenBothHandlesHaveTheSameBase() {
    MessageId id = createMessage("v1");
    var cn = currentCn(id);
    try (Message a = openRw(id); Message b = openRw(id)) {
      a.set(SUBJECT, "a");
      b.set(SUBJECT, "b");
      b.set(BODY, "b body");
      SaveResult ra = a.saveChanges(KEEP_OPEN_READWRITE);
      assertThat(ra.changeNumber()).isGreaterThan(cn);
      expectObjectChanged(() -> b.saveChanges(KEEP_OPEN_READWRITE));
      expectObjectChanged(() -> b.saveChanges(KEEP_OPEN_READWRITE));
    }
    assertThat(committedSubject(id)).isEqualTo("a");
    assertThat(committedProp(id, BODY)).isEmpty();
    assertThat(currentCn(id)).isGreaterThan(cn);
  }

  @Test
  @DisplayName("R29: one handle saves many times in a row without conflicting with itself")
  void saveShouldSucceedRepeatedlyWhenTheSameHandleSavesAgain() {
    MessageId id = createMessage("v0");
    try (Message m = openRw(id)) {
      var last = m.baseChangeNumber().orElseThrow();
      for (int i = 1; i <= 5; i++) {
        m.set(SUBJECT, "v" + i);
        SaveResult r = m.saveChanges(KEEP_OPEN_READWRITE);
        assertThat(r.changeNumber()).isGreaterThan(last);
        last = r.changeNumber();
      }
    }
    assertThat(committedSubject(id)).isEqualTo("v5");
  }

  @Test
  @DisplayName("R30: a stale handle without edits still gets OBJECT_CHANGED")
  void saveShouldFailWithObjectChangedWhenStaleHandleHasNoEdits() {
    MessageId id = createMessage("v1");
    try (Message m = openRw(id)) {
      commitSubject(id, "v2");
      expectObjectChanged(() -> m.saveChanges(KEEP_OPEN_READWRITE));
    }
  }

  @Test
  @DisplayName("R31: a save without edits on a current handle succeeds and changes nothing")
  void saveShouldCommitNothingWhenHandleHasNoEdits() {
    MessageId id = createMessage("v1");
    var cn = currentCn(id);
    var modified = committedProp(id, PropTags.LAST_MODIFICATION_TIME);
    long journal = journalPosition();
    try (Message m = openRw(id)) {
      SaveResult r = m.saveChanges(KEEP_OPEN_READWRITE);
      assertThat(r.committed()).isFalse();
      assertThat(r.changeNumber()).isEqualTo(cn);
      assertThat(r.messageId()).isEqualTo(id);
      assertThat(m.baseChangeNumber()).contains(cn);
    }
    assertThat(currentCn(id)).isEqualTo(cn);
    assertThat(committedProp(id, PropTags.LAST_MODIFICATION_TIME)).isEqualTo(modified);
    assertThat(journalPosition()).isEqualTo(journal);
  }

  @Test
  @DisplayName("R32: read-only properties are reported by SetProps, kept out of the view, and never stored")
  void setPropsShouldReportProblemsWhenReadOnlyPropertiesAreSet() {
    MessageId id = createMessage("v1");
    var cn = currentCn(id);
    ChangeKey bogus = ChangeKey.of(storeId(), msgstore.api.ChangeNumber.of(cn.value() + 1000));
    List<PropValue> readOnly = List.of(
        PropValue.of(PropTags.CHANGE_KEY, bogus.toBytes()),
        PropValue.of(PropTags.PREDECESSOR_CHANGE_LIST, PredecessorChangeList.of(bogus).toBytes()),
        PropValue.of(PropTags.ACCESS, 0),
        PropValue.of(PropTags.ACCESS_LEVEL, 0),
        PropValue.of(PropTags.OBJECT_TYPE, 3),
        PropValue.of(PropTags.RECORD_KEY, new byte[] {1, 2, 3}),
        PropValue.of(PropTags.MESSAGE_SIZE, 1),
        PropValue.of(PropTags.HAS_ATTACHMENTS, true),
        PropValue.of(PropTags.CREATION_TIME, Instant.parse("2001-01-01T00:00:00Z")),
        PropValue.of(PropTags.LAST_MODIFICATION_TIME, Instant.parse("2001-01-01T00:00:00Z")));
    try (Message m = openRw(id)) {
      List<PropValue> before = readOnly.stream().map(v -> m.getProp(v.tag()).orElse(null)).toList();
      List<PropProblem> problems = m.setProps(readOnly);
      assertThat(problems).extracting(PropProblem::tag)
          .containsExactlyInAnyOrderElementsOf(readOnly.stream().map(PropValue::tag).toList());
      assertThat(problems).extracting(PropProblem::error)
          .allMatch(e -> e == msgstore.api.MapiError.COMPUTED || e == NO_ACCESS);
      List<PropValue> after = readOnly.stream().map(v -> m.getProp(v.tag()).orElse(null)).toList();
      assertThat(after).isEqualTo(before);
      m.set(SUBJECT, "v2");
      SaveResult r = m.saveChanges(KEEP_OPEN_READWRITE);
      assertThat(r.changeKey()).isNotEqualTo(bogus);
    }
    try (Message m = openRo(id)) {
      assertThat(ChangeKey.fromBytes(binary(m, PropTags.CHANGE_KEY))).isNotEqualTo(bogus);
      assertThat(m.getProp(PropTags.HAS_ATTACHMENTS)).isNotEqualTo(java.util.Optional.of(PropValue.of(PropTags.HAS_ATTACHMENTS, true)));
      assertThat(m.getProp(PropTags.CREATION_TIME)).isNotEqualTo(java.util.Optional.of(PropValue.of(PropTags.CREATION_TIME, Instant.parse("2001-01-01T00:00:00Z"))));
      assertThat(m.getProp(PropTags.LAST_MODIFICATION_TIME))
          .isNotEqualTo(java.util.Optional.of(PropValue.of(PropTags.LAST_MODIFICATION_TIME, Instant.parse("2001-01-01T00:00:00Z"))));
      assertThat(integer(m, PropTags.MESSAGE_SIZE)).isNotEqualTo(1);
    }
  }

  @Test
  @DisplayName("R32: DeleteProps reports read-only properties and keeps them")
  void deletePropsShouldReportProblemsWhenReadOnlyPropertiesAreDeleted() {
    MessageId id = createMessage("v1");
    try (Message m = openRw(id)) {
      List<PropTag> tags = List.of(PropTags.CHANGE_KEY, PropTags.ACCESS_LEVEL);
      List<PropProblem> problems = m.deleteProps(tags);
      assertThat(problems).extracting(PropProblem::tag).containsExactlyInAnyOrderElementsOf(tags);
      assertThat(m.getProp(PropTags.CHANGE_KEY)).isPresent();
      assertThat(m.getProp(PropTags.ACCESS_LEVEL)).isPresent();
    }
  }

  @Test
  @DisplayName("R32, R98: PR_MESSAGE_FLAGS is read-only after the first save")
  void setPropsShouldReportAProblemWhenMessageFlagsAreSetAfterTheFirstSave() {
    MessageId id = createMessage("v1");
    int stored;
    try (Message m = openRo(id)) {
      stored = messageFlags(m);
    }
    try (Message m = openRw(id)) {
      int flipped = stored ^ (PropTags.MSGFLAG_UNSENT | PropTags.MSGFLAG_READ);
      assertThat(m.setProps(PropValue.of(PropTags.MESSAGE_FLAGS, flipped))).extracting(PropProblem::tag)
          .containsExactly(PropTags.MESSAGE_FLAGS);
      m.set(SUBJECT, "v2");
      m.saveChanges(KEEP_OPEN_READWRITE);
    }
    try (Message m = openRo(id)) {
      assertThat(messageFlags(m) & (PropTags.MSGFLAG_UNSENT | PropTags.MSGFLAG_READ))
          .isEqualTo(stored & (PropTags.MSGFLAG_UNSENT | PropTags.MSGFLAG_READ));
    }
  }

  @Test
  @DisplayName("R32: msInConflict in PR_MSG_STATUS never reaches the store through SetProps")
  void setPropsShouldNotStoreTheConflictBitWhenMsgStatusIsSet() {
    MessageId id = createMessage("v1");
    try (Message m = openRw(id)) {
      m.setProps(PropValue.of(PropTags.MESSAGE_STATUS, PropTags.MS_IN_CONFLICT));
      m.set(SUBJECT, "v2");
      m.saveChanges(KEEP_OPEN_READWRITE);
    }
    try (Message m = openRo(id)) {
      int status = java.util.Optional.ofNullable(integer(m, PropTags.MESSAGE_STATUS)).orElse(0);
      assertThat(status & PropTags.MS_IN_CONFLICT).isZero();
    }
  }

  @Test
  @DisplayName("R33: a save racing nothing commits; the check and commit are one step (sequential form)")
  void staleHandlesShouldAllFailWhenOneOfManyHandlesCommits() {
    MessageId id = createMessage("v1");
    List<Message> handles = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        Message h = openRw(id);
        h.set(SUBJECT, "h" + i);
        handles.add(h);
      }
      handles.get(2).saveChanges(KEEP_OPEN_READWRITE);
      for (int i = 0; i < 4; i++) {
        if (i != 2) {
          Message h = handles.get(i);
          expectObjectChanged(() -> h.saveChanges(KEEP_OPEN_READWRITE));
        }
      }
    } finally {
      handles.forEach(Message::close);
    }
    assertThat(committedSubject(id)).isEqualTo("h2");
  }
}
