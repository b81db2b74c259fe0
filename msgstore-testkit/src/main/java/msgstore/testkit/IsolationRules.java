package msgstore.testkit;

import static msgstore.api.PropTags.BODY;
import static msgstore.api.PropTags.IMPORTANCE;
import static msgstore.api.PropTags.SUBJECT;
import static msgstore.api.SaveFlag.KEEP_OPEN_READWRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.util.List;
import msgstore.api.Attachment;
import msgstore.api.ContentsTable;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Session;
import msgstore.api.TableRow;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Spec section 3, isolation of pending changes (R9-R14). Part of {@link MessageStoreContract}. */
public abstract class IsolationRules extends ContractSupport {

  private List<String> tableSubjects() {
    ContentsTable t = inbox().contentsTable().setColumns(List.of(SUBJECT));
    return t.queryRows(0, 1000).stream().map(r -> r.get(SUBJECT).map(PropValue::asString).orElse(null)).toList();
  }

  @Test
  @DisplayName("R9: two handles of the same session are separate transactions")
  void pendingEditsShouldStayInTheirHandleWhenBothHandlesBelongToOneSession() {
    MessageId id = createMessage("base");
    try (Message a = openRw(id); Message b = openRw(id)) {
      a.set(SUBJECT, "edited in a");
      assertThat(subject(b)).isEqualTo("base");
      b.set(BODY, "body of b");
      assertThat(a.getProp(BODY)).isEmpty();
    }
  }

  @Test
  @DisplayName("R10: SetProps and DeleteProps show at once in the same handle")
  void setPropsShouldBeReadableThroughTheSameHandleWhenNotSaved() {
    MessageId id = createMessage(inbox(), PropValue.of(SUBJECT, "s"), PropValue.of(BODY, "b"));
    try (Message m = openRw(id)) {
      assertThat(m.set(SUBJECT, "new")).isEmpty();
      m.set(IMPORTANCE, 2);
      assertThat(subject(m)).isEqualTo("new");
      assertThat(integer(m, IMPORTANCE)).isEqualTo(2);
      assertThat(m.getProps()).contains(PropValue.of(SUBJECT, "new"), PropValue.of(IMPORTANCE, 2));
      assertThat(m.deleteProps(BODY)).isEmpty();
      assertThat(m.getProp(BODY)).isEmpty();
      assertThat(m.getProps()).extracting(PropValue::tag).doesNotContain(BODY);
    }
  }

  @Test
  @DisplayName("R10: getProps returns the view sorted by tag")
  void getPropsShouldBeSortedByTagWhenRead() {
    MessageId id = createMessage(inbox(), PropValue.of(SUBJECT, "s"), PropValue.of(BODY, "b"), PropValue.of(IMPORTANCE, 1));
    try (Message m = openRo(id)) {
      assertThat(m.getProps()).extracting(PropValue::tag).isSorted();
    }
  }

  @Test
  @DisplayName("R11: pending edits are invisible to other handles, new opens and contents tables")
  void pendingEditsShouldBeInvisibleToOthersWhenNotSaved() {
    MessageId id = createMessage("committed");
    Session other = fx().openSession(StoreFixture.OWNER);
    try (Message open = openRo(id); Message editing = openRw(id)) {
      editing.set(SUBJECT, "pending");
      editing.deleteProps(List.of(PropTags.MESSAGE_CLASS));
      assertThat(subject(open)).isEqualTo("committed");
      assertThat(committedSubject(id)).isEqualTo("committed");
      try (Message viaOther = other.openMessage(id)) {
        assertThat(subject(viaOther)).isEqualTo("committed");
      }
      assertThat(tableSubjects()).containsExactly("committed");
    }
  }

  @Test
  @DisplayName("R11: pending edits write nothing to the change journal")
  void pendingEditsShouldNotReachTheJournalWhenNotSaved() {
    MessageId id = createMessage("committed");
    long before = journalPosition();
    try (Message m = openRw(id)) {
      m.set(SUBJECT, "pending");
      addRecipients(m, to("Carol"));
      addAttachment(m, "a.txt");
      assertThat(journalPosition()).isEqualTo(before);
    }
    assertThat(journalPosition()).isEqualTo(before);
  }

  @Test
  @DisplayName("R12: closing a handle without saving throws its edits away")
  void closeShouldDiscardPendingEditsWhenNotSaved() {
    MessageId id = createMessage("kept");
    var cn = currentCn(id);
    Message m = openRw(id);
    m.set(SUBJECT, "discarded");
    addRecipients(m, to("Dave"));
    addAttachment(m, "x.bin");
    m.close();
    assertThat(m.isOpen()).isFalse();
    assertThat(committedSubject(id)).isEqualTo("kept");
    assertThat(committedRecipientNames(id)).isEmpty();
    assertThat(committedAttachmentNames(id)).isEmpty();
    assertThat(currentCn(id)).isEqualTo(cn);
  }

  @Test
  @DisplayName("R12: closing the session discards the pending edits of its handles")
  void sessionCloseShouldDiscardPendingEditsWhenHandlesAreUnsaved() {
    MessageId id = createMessage("kept");
    Session s = fx().openSession(StoreFixture.OWNER);
    Message m = s.openMessage(id, msgstore.api.OpenFlag.MODIFY);
    m.set(SUBJECT, "discarded");
    s.close();
    assertThat(m.isOpen()).isFalse();
    assertThat(committedSubject(id)).isEqualTo("kept");
  }

  @Test
  @DisplayName("R12: a new message closed without saving never exists")
  void closeShouldLeaveNoMessageWhenNewMessageIsNotSaved() {
    long before = journalPosition();
    long count = inbox().info().contentCount();
    Message m = inbox().createMessage();
    m.set(SUBJECT, "never saved");
    m.close();
    assertThat(inbox().info().contentCount()).isEqualTo(count);
    assertThat(tableSubjects()).doesNotContain("never saved");
    assertThat(journalPosition()).isEqualTo(before);
  }

  @Test
  @DisplayName("R13: CopyTo into a message handle is a pending edit of the target")
  void copyToShouldOnlyChangeTheTargetsPendingStateWhenNotSaved() {
    MessageId source = createMessage(inbox(), PropValue.of(SUBJECT, "source"), PropValue.of(BODY, "source body"));
    MessageId target = createMessage("target");
    try (Message src = openRo(source); Message dst = openRw(target)) {
      src.copyTo(dst);
      assertThat(subject(dst)).isEqualTo("source");
      assertThat(string(dst, BODY)).isEqualTo("source body");
      assertThat(committedSubject(target)).isEqualTo("target");
      dst.saveChanges(KEEP_OPEN_READWRITE);
    }
    assertThat(committedSubject(target)).isEqualTo("source");
    assertThat(committedSubject(source)).isEqualTo("source");
  }

  @Test
  @DisplayName("R13: streamed attachment content stays pending until the message is saved")
  void writeContentShouldStayPendingWhenMessageIsNotSaved() {
    MessageId id = createMessage("with stream");
    try (Message m = openRw(id)) {
      Attachment a = m.createAttachment();
      a.set(PropTags.ATTACH_LONG_FILENAME, "data.bin");
      a.writeContent(new ByteArrayInputStream(bytes("streamed")));
      a.saveChanges();
      assertThat(committedAttachmentNames(id)).isEmpty();
      m.saveChanges(KEEP_OPEN_READWRITE);
    }
    assertThat(committedAttachmentNames(id)).containsExactly("data.bin");
  }

  @Test
  @DisplayName("R14: a new message has no id and is invisible before its first save")
  void newMessageShouldBeInvisibleWhenNotYetSaved() {
    long before = journalPosition();
    long count = inbox().info().contentCount();
    try (Message m = inbox().createMessage()) {
      assertThat(m.id()).isEmpty();
      assertThat(m.baseChangeNumber()).isEmpty();
      assertThat(m.baseChangeKey()).isEmpty();
      assertThat(m.folderId()).isEqualTo(inbox().id());
      m.set(SUBJECT, "draft");
      assertThat(subject(m)).isEqualTo("draft");
      assertThat(inbox().info().contentCount()).isEqualTo(count);
      assertThat(inbox().contentsTable().rowCount()).isEqualTo((int) count);
      assertThat(journalPosition()).isEqualTo(before);
    }
  }

  @Test
  @DisplayName("R14, R24: the first save gives the message its id and makes it visible")
  void newMessageShouldBeVisibleWhenSaved() {
    try (Message m = inbox().createMessage()) {
      m.set(SUBJECT, "first");
      var r = m.saveChanges(KEEP_OPEN_READWRITE);
      assertThat(m.id()).contains(r.messageId());
      assertThat(r.committed()).isTrue();
      assertThat(committedSubject(r.messageId())).isEqualTo("first");
      List<TableRow> rows = inbox().contentsTable().queryRows(0, 100);
      assertThat(rows).extracting(TableRow::messageId).contains(r.messageId());
    }
  }
}
