package msgstore.client;

import static msgstore.api.PropTags.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import msgstore.api.Attachment;
import msgstore.api.AttachmentRow;
import msgstore.api.Folder;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.OpenFlag;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.RecipientOp;
import msgstore.api.SaveFlag;
import msgstore.api.Session;
import msgstore.api.StoreInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Handle-model cases the contract does not reach: child handles that stay open across a save of
 * their message (re-opened on the server with equivalent calls), and views answered locally.
 */
class RemoteHandleTest {
  private ServedStore store;
  private Session alice;
  private Folder inbox;

  @BeforeEach
  void open(@TempDir Path dir) {
    store = ServedStore.open(dir);
    alice = store.openSession("alice");
    StoreInfo s = alice.createStore("Mailbox - alice");
    inbox = alice.rootFolder(s.id()).subfolder("Inbox").orElseThrow();
  }

  @AfterEach
  void close() {
    alice.close();
    assertThat(ServedStore.integrityProblems(store)).isEmpty();
    store.close();
  }

  private static List<String> names(List<AttachmentRow> rows) {
    return rows.stream().map(r -> r.get(ATTACH_LONG_FILENAME).map(PropValue::asString).orElse("?")).toList();
  }

  @Test
  @DisplayName("an attachment handle kept open across the message save is saved again into the next version")
  void attachmentEditsShouldReachTheStoreWhenTheHandleOutlivesAMessageSave() {
    MessageId id;
    try (Message m = inbox.createMessage()) {
      m.set(SUBJECT, "outer");
      Attachment a = m.createAttachment();
      a.set(ATTACH_LONG_FILENAME, "v1.txt");
      a.writeContent(new ByteArrayInputStream("one".getBytes(StandardCharsets.UTF_8)));
      a.saveChanges(SaveFlag.KEEP_OPEN_READWRITE);
      Attachment unsaved = m.createAttachment();
      unsaved.set(ATTACH_LONG_FILENAME, "late.txt");
      id = m.saveChanges(SaveFlag.KEEP_OPEN_READWRITE).messageId();
      a.set(ATTACH_LONG_FILENAME, "v2.txt");
      a.writeContent(new ByteArrayInputStream("two".getBytes(StandardCharsets.UTF_8)));
      a.saveChanges();
      unsaved.saveChanges();
      Attachment third = m.createAttachment();
      third.set(ATTACH_LONG_FILENAME, "third.txt");
      third.saveChanges();
      assertThat(names(m.attachments())).containsExactly("v2.txt", "late.txt", "third.txt");
      List<Integer> local = m.attachments().stream().map(AttachmentRow::attachNum).toList();
      m.saveChanges(SaveFlag.KEEP_OPEN_READWRITE);
      assertThat(m.attachments().stream().map(AttachmentRow::attachNum).toList()).isEqualTo(local);
    }
    try (Message m = alice.openMessage(id)) {
      assertThat(names(m.attachments())).containsExactly("v2.txt", "late.txt", "third.txt");
      try (Attachment a = m.openAttachment(m.attachments().getFirst().attachNum())) {
        assertThat(a.openContent().orElseThrow()).hasContent("two");
      }
    }
  }

  @Test
  @DisplayName("an embedded message handle kept open across the outer save is re-opened on its next save")
  void embeddedEditsShouldReachTheStoreWhenTheHandleOutlivesTheOuterSave() {
    MessageId id;
    try (Message m = inbox.createMessage()) {
      m.set(SUBJECT, "outer");
      Attachment a = m.createAttachment();
      a.set(ATTACH_LONG_FILENAME, "inner.msg");
      Message e = a.openEmbeddedMessage(OpenFlag.MODIFY);
      e.set(SUBJECT, "inner v1");
      e.modifyRecipients(RecipientOp.ADD, List.of(Recipient.of(MAPI_TO, "Anna", "anna@example.com")));
      e.saveChanges(SaveFlag.KEEP_OPEN_READWRITE);
      a.saveChanges(SaveFlag.KEEP_OPEN_READWRITE);
      id = m.saveChanges(SaveFlag.KEEP_OPEN_READWRITE).messageId();
      e.set(SUBJECT, "inner v2");
      e.saveChanges();
      a.saveChanges();
      m.saveChanges(SaveFlag.KEEP_OPEN_READWRITE);
    }
    try (Message m = alice.openMessage(id); Attachment a = m.openAttachment(m.attachments().getFirst().attachNum());
        Message e = a.openEmbeddedMessage()) {
      assertThat(e.getProp(SUBJECT).orElseThrow().asString()).isEqualTo("inner v2");
      assertThat(e.recipients()).hasSize(1);
    }
  }

  @Test
  @DisplayName("CopyTo copies properties, recipients and attachments into the target's pending state")
  void copyToShouldCarryAttachmentsWhenTargetIsSaved() {
    MessageId src;
    try (Message m = inbox.createMessage()) {
      m.set(SUBJECT, "source");
      m.modifyRecipients(RecipientOp.ADD, List.of(Recipient.of(MAPI_TO, "Anna", "anna@example.com")));
      Attachment a = m.createAttachment();
      a.set(ATTACH_LONG_FILENAME, "a.txt");
      a.writeContent(new ByteArrayInputStream("data".getBytes(StandardCharsets.UTF_8)));
      a.saveChanges();
      src = m.saveChanges().messageId();
    }
    MessageId dst;
    try (Message s = alice.openMessage(src); Message t = inbox.createMessage()) {
      s.copyTo(t);
      dst = t.saveChanges().messageId();
    }
    try (Message m = alice.openMessage(dst)) {
      assertThat(m.getProp(SUBJECT).orElseThrow().asString()).isEqualTo("source");
      assertThat(m.recipients()).hasSize(1);
      assertThat(names(m.attachments())).containsExactly("a.txt");
    }
  }
}
