package msgstore.testkit;

import static msgstore.api.PropTags.ATTACH_LONG_FILENAME;
import static msgstore.api.PropTags.SUBJECT;
import static msgstore.api.SaveFlag.KEEP_OPEN_READWRITE;
import static org.assertj.core.api.Assertions.assertThat;

import msgstore.api.Attachment;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.OpenFlag;
import msgstore.api.PropTags;
import msgstore.api.SaveResult;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Spec section 8, embedded messages (R57-R60): the chain embedded save, attachment save, message
 * save. Part of {@link MessageStoreContract}.
 */
public abstract class EmbeddedMessageRules extends ContractSupport {

  @BeforeEach
  void requireEmbeddedMessages() {
    requires(Capability.EMBEDDED_MESSAGES);
  }

  private String storedEmbeddedSubject(MessageId id, String filename) {
    try (Message m = openRo(id); Attachment a = m.openAttachment(attachNum(m, filename)); Message e = a.openEmbeddedMessage()) {
      assertThat(e.isEmbedded()).isTrue();
      return subject(e);
    }
  }

  @Test
  @DisplayName("R57: embedded save, then attachment save, then message save reaches the store")
  void embeddedMessageShouldBeStoredWhenTheWholeChainIsSaved() {
    MessageId id = createMessage("outer");
    try (Message m = openRw(id)) {
      Attachment a = m.createAttachment();
      a.set(ATTACH_LONG_FILENAME, "inner.msg");
      Message e = a.openEmbeddedMessage(OpenFlag.MODIFY);
      assertThat(e.isEmbedded()).isTrue();
      e.set(SUBJECT, "inner");
      e.saveChanges();
      a.saveChanges();
      m.saveChanges(KEEP_OPEN_READWRITE);
      e.close();
      a.close();
    }
    assertThat(storedEmbeddedSubject(id, "inner.msg")).isEqualTo("inner");
    try (Message m = openRo(id)) {
      assertThat(m.attachments().getFirst().get(PropTags.ATTACH_METHOD).map(p -> p.asInt()))
          .contains(PropTags.ATTACH_EMBEDDED_MSG);
    }
  }

  @Test
  @DisplayName("R57: an embedded save alone, or with the attachment save but no message save, stores nothing")
  void embeddedMessageShouldNotBeStoredWhenTheChainIsIncomplete() {
    MessageId id = createMessage("outer");
    long journal = journalPosition();
    try (Message m = openRw(id)) {
      Attachment a = m.createAttachment();
      a.set(ATTACH_LONG_FILENAME, "inner.msg");
      Message e = a.openEmbeddedMessage(OpenFlag.MODIFY);
      e.set(SUBJECT, "inner");
      e.saveChanges(KEEP_OPEN_READWRITE);
      assertThat(m.attachments()).as("attachment not saved into the message yet").isEmpty();
      a.saveChanges(KEEP_OPEN_READWRITE);
      assertThat(attachmentNames(m)).containsExactly("inner.msg");
      assertThat(committedAttachmentNames(id)).isEmpty();
      e.close();
      a.close();
    }
    assertThat(committedAttachmentNames(id)).isEmpty();
    assertThat(journalPosition()).isEqualTo(journal);
  }

  @Test
  @DisplayName("R57: changing a stored embedded message goes through the same chain")
  void embeddedMessageChangeShouldBeStoredWhenTheChainIsSavedAgain() {
    MessageId id = createMessage(inbox(), m -> {
      m.set(SUBJECT, "outer");
      Attachment a = m.createAttachment();
      a.set(ATTACH_LONG_FILENAME, "inner.msg");
      Message e = a.openEmbeddedMessage(OpenFlag.MODIFY);
      e.set(SUBJECT, "inner v1");
      e.saveChanges();
      a.saveChanges();
    });
    try (Message m = openRw(id)) {
      Attachment a = m.openAttachment(attachNum(m, "inner.msg"), OpenFlag.MODIFY);
      Message e = a.openEmbeddedMessage(OpenFlag.MODIFY);
      assertThat(subject(e)).isEqualTo("inner v1");
      e.set(SUBJECT, "inner v2");
      e.saveChanges();
      a.saveChanges();
      SaveResult r = m.saveChanges(KEEP_OPEN_READWRITE);
      assertThat(r.committed()).as("R60: the embedded save marked the message changed").isTrue();
    }
    assertThat(storedEmbeddedSubject(id, "inner.msg")).isEqualTo("inner v2");
  }

  @Test
  @DisplayName("R58: a second read/write open of a new embedded message fails until the first is saved")
  void secondEmbeddedOpenShouldFailWhenTheFirstIsNotSaved() {
    MessageId id = createMessage("outer");
    try (Message m = openRw(id)) {
      Attachment a = m.createAttachment();
      Message first = a.openEmbeddedMessage(OpenFlag.MODIFY);
      first.set(SUBJECT, "inner");
      expectAnyStoreError(() -> a.openEmbeddedMessage(OpenFlag.MODIFY).close());
      first.saveChanges();
      try (Message second = a.openEmbeddedMessage(OpenFlag.MODIFY)) {
        assertThat(subject(second)).isEqualTo("inner");
      }
      first.close();
      a.close();
    }
  }

  @Test
  @DisplayName("R59: embedded saves are local; only the outer save is checked against other clients")
  void embeddedSaveShouldSucceedWhenTheOuterMessageIsStale() {
    MessageId id = createMessage("outer");
    try (Message m = openRw(id)) {
      commitSubject(id, "theirs");
      Attachment a = m.createAttachment();
      a.set(ATTACH_LONG_FILENAME, "inner.msg");
      Message e = a.openEmbeddedMessage(OpenFlag.MODIFY);
      e.set(SUBJECT, "inner");
      e.saveChanges();
      a.saveChanges();
      expectObjectChanged(() -> m.saveChanges(KEEP_OPEN_READWRITE));
      assertThat(attachmentNames(m)).containsExactly("inner.msg");
      e.close();
      a.close();
    }
    assertThat(committedAttachmentNames(id)).isEmpty();
  }

  @Test
  @DisplayName("R57: an embedded message keeps its own recipients and attachments")
  void embeddedMessageShouldKeepItsSubobjectsWhenStored() {
    MessageId id = createMessage(inbox(), m -> {
      m.set(SUBJECT, "outer");
      Attachment a = m.createAttachment();
      a.set(ATTACH_LONG_FILENAME, "inner.msg");
      Message e = a.openEmbeddedMessage(OpenFlag.MODIFY);
      e.set(SUBJECT, "inner");
      addRecipients(e, to("Inner Anna"));
      addAttachment(e, "nested.txt", bytes("nested"));
      e.saveChanges();
      a.saveChanges();
    });
    try (Message m = openRo(id); Attachment a = m.openAttachment(attachNum(m, "inner.msg")); Message e = a.openEmbeddedMessage()) {
      assertThat(recipientNames(e)).containsExactly("Inner Anna");
      assertThat(attachmentNames(e)).containsExactly("nested.txt");
      try (Attachment nested = e.openAttachment(attachNum(e, "nested.txt"))) {
        assertThat(readAll(nested.openContent().orElseThrow())).isEqualTo(bytes("nested"));
      }
    }
  }
}
