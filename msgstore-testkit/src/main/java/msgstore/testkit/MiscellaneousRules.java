package msgstore.testkit;

import static msgstore.api.MapiError.INVALID_OBJECT;
import static msgstore.api.MapiError.NOT_FOUND;
import static msgstore.api.MapiError.NO_ACCESS;
import static msgstore.api.MapiError.OBJECT_DELETED;
import static msgstore.api.PropTags.SUBJECT;
import static msgstore.api.SaveFlag.KEEP_OPEN_READWRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import msgstore.api.Attachment;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.ObjectChangedException;
import msgstore.api.OpenFlag;
import msgstore.api.PropTags;
import msgstore.api.StoreException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Spec section 14 (R94) and the error-message habit: errors carry the code and name the object. Part of {@link MessageStoreContract}. */
public abstract class MiscellaneousRules extends ContractSupport {

  @Test
  @DisplayName("R94: SetProps and DeleteProps on a read-only handle fail with NO_ACCESS and change nothing")
  void setPropsShouldFailWithNoAccessWhenHandleIsReadOnly() {
    MessageId id = createMessage("read only");
    try (Message m = openRo(id)) {
      expectError(NO_ACCESS, () -> m.set(SUBJECT, "no"));
      expectError(NO_ACCESS, () -> m.deleteProps(SUBJECT));
      assertThat(subject(m)).isEqualTo("read only");
    }
  }

  @Test
  @DisplayName("R94: attachment changes on a read-only handle fail with NO_ACCESS")
  void attachmentChangesShouldFailWithNoAccessWhenHandleIsReadOnly() {
    MessageId id = createMessage(inbox(), m -> {
      m.set(SUBJECT, "s");
      addAttachment(m, "a.txt");
    });
    try (Message m = openRo(id)) {
      int n = attachNum(m, "a.txt");
      expectError(NO_ACCESS, () -> m.createAttachment().close());
      expectError(NO_ACCESS, () -> m.deleteAttachment(n));
      expectError(NO_ACCESS, () -> m.openAttachment(n, OpenFlag.MODIFY).close());
      try (Attachment a = m.openAttachment(n)) {
        expectError(NO_ACCESS, () -> a.set(PropTags.ATTACH_LONG_FILENAME, "no"));
        expectError(NO_ACCESS, () -> a.writeContent(new java.io.ByteArrayInputStream(bytes("no"))));
      }
    }
  }

  @Test
  @DisplayName("StoreException carries the MAPI code; its text starts with the MAPI name and hex value")
  void storeExceptionShouldCarryTheCodeWhenThrown() {
    MessageId id = createMessage("v1");
    try (Message m = openRw(id)) {
      commitSubject(id, "v2");
      m.set(SUBJECT, "mine");
      ObjectChangedException e = expectObjectChanged(() -> m.saveChanges(KEEP_OPEN_READWRITE));
      assertThat(e.error().hresult()).isEqualTo(0x80040109);
      assertThat(e.getMessage()).startsWith("MAPI_E_OBJECT_CHANGED (0x80040109): ");
      assertThat(e.detail()).isNotBlank();
    }
    assertThat(MapiError.fromName("0x8004010A")).isEqualTo(OBJECT_DELETED);
    assertThat(MapiError.fromName("MAPI_E_NOT_FOUND")).isEqualTo(NOT_FOUND);
  }

  @Test
  @DisplayName("Error messages name the object: the message id for NOT_FOUND, OBJECT_CHANGED and OBJECT_DELETED")
  void errorMessagesShouldNameTheMessageWhenAnOperationFails() {
    MessageId missing = MessageId.of(987_654_321L);
    StoreException notFound = expectError(NOT_FOUND, () -> owner().openMessage(missing).close());
    assertThat(notFound.detail()).contains(String.valueOf(missing.value()));

    MessageId id = createMessage("v1");
    try (Message stale = openRw(id); Message doomed = openRw(id)) {
      var theirs = commitSubject(id, "v2");
      stale.set(SUBJECT, "mine");
      ObjectChangedException changed = expectObjectChanged(() -> stale.saveChanges(KEEP_OPEN_READWRITE));
      assertThat(changed.detail()).contains(String.valueOf(id.value()));
      assertThat(changed.detail()).containsAnyOf(theirs.changeKey().toString(), theirs.changeNumber().toString(),
          String.valueOf(theirs.changeNumber().value()));
      owner().deleteMessage(id);
      doomed.set(SUBJECT, "mine");
      StoreException deleted = expectError(OBJECT_DELETED, () -> doomed.saveChanges(KEEP_OPEN_READWRITE));
      assertThat(deleted.detail()).contains(String.valueOf(id.value()));
    }
  }

  @Test
  @DisplayName("INVALID_OBJECT after close, on every kind of call, and close stays idempotent")
  void callsShouldFailWithInvalidObjectWhenTheHandleIsClosed() {
    MessageId id = createMessage(inbox(), m -> {
      m.set(SUBJECT, "s");
      addAttachment(m, "a.txt");
    });
    Message m = openRw(id);
    int n = attachNum(m, "a.txt");
    Attachment a = m.openAttachment(n, OpenFlag.MODIFY);
    a.close();
    expectError(INVALID_OBJECT, () -> a.getProp(PropTags.ATTACH_LONG_FILENAME));
    expectError(INVALID_OBJECT, () -> a.saveChanges());
    m.close();
    expectError(INVALID_OBJECT, m::snapshot);
    expectError(INVALID_OBJECT, () -> m.openAttachment(n).close());
    expectError(INVALID_OBJECT, () -> m.createAttachment().close());
    expectError(INVALID_OBJECT, () -> m.modifyRecipients(msgstore.api.RecipientOp.ADD, List.of(to("x"))));
    expectError(INVALID_OBJECT, () -> m.setReadFlag(true));
    expectError(INVALID_OBJECT, () -> m.previewMerge(msgstore.api.MergeMode.AUTO_RESOLVE));
    m.close();
    assertThat(m.isOpen()).isFalse();
  }
}
