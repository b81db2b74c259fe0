package msgstore.testkit;

import static msgstore.api.MapiError.NOT_FOUND;
import static msgstore.api.MapiError.OBJECT_DELETED;
import static msgstore.api.PropTags.BODY;
import static msgstore.api.PropTags.SUBJECT;
import static msgstore.api.SaveFlag.FORCE_SAVE;
import static msgstore.api.SaveFlag.KEEP_OPEN_READWRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import msgstore.api.Attachment;
import msgstore.api.DeleteMode;
import msgstore.api.Folder;
import msgstore.api.FolderRights;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.MessageSnapshot;
import msgstore.api.OpenFlag;
import msgstore.api.PropValue;
import msgstore.api.SaveResult;
import msgstore.api.Session;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Spec section 7, deletion and move while open (R41-R46), and X3's recoverable deletes. Part of
 * {@link MessageStoreContract}.
 */
public abstract class DeleteAndMoveRules extends ContractSupport {

  private MessageId messageWithEverything(String subject) {
    return createMessage(inbox(), m -> {
      m.set(SUBJECT, subject);
      m.set(BODY, "body of " + subject);
      addRecipients(m, to("Anna"));
      addAttachment(m, "kept.txt", bytes("kept content"));
    });
  }

  @Test
  @DisplayName("R41: deleting a message succeeds while handles have it open")
  void deleteShouldSucceedWhenHandlesHaveTheMessageOpen() {
    MessageId id = createMessage("open everywhere");
    try (Message rw = openRw(id); Message ro = openRo(id)) {
      rw.set(SUBJECT, "pending");
      owner().deleteMessage(id);
      assertNotFound(id);
      assertThat(rw.isOpen()).isTrue();
      assertThat(ro.isOpen()).isTrue();
    }
  }

  @Test
  @DisplayName("R42: after a delete an open handle still serves its snapshot: properties, recipients, attachments")
  void openHandleShouldKeepServingItsSnapshotWhenMessageIsDeleted() {
    MessageId id = messageWithEverything("doomed");
    try (Message m = openRw(id)) {
      m.set(BODY, "pending body");
      owner().deleteMessage(id);
      assertThat(subject(m)).isEqualTo("doomed");
      assertThat(string(m, BODY)).isEqualTo("pending body");
      assertThat(recipientNames(m)).containsExactly("Anna");
      assertThat(attachmentNames(m)).containsExactly("kept.txt");
      try (Attachment a = m.openAttachment(attachNum(m, "kept.txt"))) {
        assertThat(readAll(a.openContent().orElseThrow())).isEqualTo(bytes("kept content"));
      }
    }
  }

  @Test
  @DisplayName("R42, R27: every save of a deleted message's handle fails with OBJECT_DELETED; close succeeds")
  void saveShouldFailWithObjectDeletedWhenMessageWasDeleted() {
    MessageId id = createMessage("doomed");
    Message m = openRw(id);
    m.set(SUBJECT, "mine");
    owner().deleteMessage(id);
    expectError(OBJECT_DELETED, () -> m.saveChanges(KEEP_OPEN_READWRITE));
    expectError(OBJECT_DELETED, () -> m.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE));
    assertThat(m.isOpen()).isTrue();
    assertThat(subject(m)).isEqualTo("mine");
    m.close();
    assertNotFound(id);
  }

  @Test
  @DisplayName("R42: a hard delete also gives OBJECT_DELETED to open handles")
  void saveShouldFailWithObjectDeletedWhenMessageWasHardDeleted() {
    MessageId id = createMessage("doomed");
    try (Message m = openRw(id)) {
      m.set(SUBJECT, "mine");
      owner().deleteMessages(List.of(id), DeleteMode.HARD);
      expectError(OBJECT_DELETED, () -> m.saveChanges(KEEP_OPEN_READWRITE));
      assertThat(subject(m)).isEqualTo("mine");
    }
  }

  @Test
  @DisplayName("R43: a move gives a new id; the old id is NOT_FOUND and old handles get OBJECT_DELETED")
  void moveShouldActLikeADeleteForOpenHandlesWhenMessageIsMoved() {
    MessageId id = messageWithEverything("traveller");
    try (Message m = openRw(id)) {
      MessageId moved = owner().moveMessage(id, drafts().id());
      assertThat(moved).isNotEqualTo(id);
      assertNotFound(id);
      m.set(SUBJECT, "mine");
      expectError(OBJECT_DELETED, () -> m.saveChanges(KEEP_OPEN_READWRITE));
      expectError(OBJECT_DELETED, () -> m.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE));
      try (Message n = openRw(moved)) {
        assertThat(n.id()).contains(moved);
        assertThat(n.folderId()).isEqualTo(drafts().id());
        assertThat(subject(n)).isEqualTo("traveller");
        assertThat(recipientNames(n)).containsExactly("Anna");
        assertThat(attachmentNames(n)).containsExactly("kept.txt");
        n.set(SUBJECT, "edited after move");
        n.saveChanges(KEEP_OPEN_READWRITE);
      }
    }
  }

  @Test
  @DisplayName("R43: a move takes the message out of the source folder's table into the target's")
  void moveShouldChangeTheFolderContentsWhenMessageIsMoved() {
    MessageId id = createMessage("traveller");
    MessageId moved = owner().moveMessage(id, drafts().id());
    assertThat(inbox().contentsTable().queryRows(0, 100)).noneMatch(r -> r.messageId().equals(id) || r.messageId().equals(moved));
    assertThat(drafts().contentsTable().queryRows(0, 100)).anyMatch(r -> r.messageId().equals(moved));
  }

  @Test
  @DisplayName("R42, R43, R27: a user the folder is shared with gets OBJECT_DELETED, FORCE_SAVE included, when the"
      + " owner deleted or moved the message they have open")
  void saveByAnEditorShouldFailWithObjectDeletedWhenTheOwnerDeletedOrMovedTheMessage() {
    requires(Capability.RIGHTS);
    Folder shared = inbox().createFolder("Shared");
    shared.setRights(StoreFixture.OTHER_USER, FolderRights.EDITOR);
    Session editor = otherUser();
    for (String how : List.of("soft delete", "hard delete", "move")) {
      MessageId id = createMessage(shared, "shared " + how);
      try (Message m = editor.openMessage(id, OpenFlag.MODIFY)) {
        m.set(SUBJECT, "editor's");
        switch (how) {
          case "soft delete" -> owner().deleteMessages(List.of(id), DeleteMode.SOFT);
          case "hard delete" -> owner().deleteMessages(List.of(id), DeleteMode.HARD);
          default -> owner().moveMessage(id, drafts().id()); // a folder the editor may not read
        }
        expectError(OBJECT_DELETED, () -> m.saveChanges(KEEP_OPEN_READWRITE));
        expectError(OBJECT_DELETED, () -> m.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE));
        assertThat(subject(m)).isEqualTo("editor's");
      }
      assertNotFound(id);
    }
  }

  @Test
  @DisplayName("R44: deleting the parent folder gives open handles OBJECT_DELETED")
  void saveShouldFailWithObjectDeletedWhenParentFolderWasDeleted() {
    Folder projects = inbox().createFolder("Projects");
    MessageId id = createMessage(projects, "inside");
    try (Message m = openRw(id)) {
      projects.delete(DeleteMode.SOFT);
      m.set(SUBJECT, "mine");
      expectError(OBJECT_DELETED, () -> m.saveChanges(KEEP_OPEN_READWRITE));
      expectError(OBJECT_DELETED, () -> m.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE));
      assertThat(subject(m)).isEqualTo("mine");
    }
    assertNotFound(id);
  }

  @Test
  @DisplayName("R44: deleting a grandparent folder reaches messages in subfolders")
  void saveShouldFailWithObjectDeletedWhenAnAncestorFolderWasDeleted() {
    Folder outer = inbox().createFolder("Outer");
    Folder inner = outer.createFolder("Inner");
    MessageId id = createMessage(inner, "deep");
    try (Message m = openRw(id)) {
      outer.delete(DeleteMode.HARD);
      m.set(SUBJECT, "mine");
      expectError(OBJECT_DELETED, () -> m.saveChanges(KEEP_OPEN_READWRITE));
    }
    assertNotFound(id);
  }

  @Test
  @DisplayName("R45: a save that commits before a delete is then removed by the delete")
  void deleteShouldRemoveTheSavedVersionWhenTheSaveCommittedFirst() {
    MessageId id = createMessage("v1");
    try (Message m = openRw(id)) {
      m.set(SUBJECT, "v2");
      m.saveChanges(KEEP_OPEN_READWRITE);
      owner().deleteMessage(id);
      assertNotFound(id);
      m.set(SUBJECT, "v3");
      expectError(OBJECT_DELETED, () -> m.saveChanges(KEEP_OPEN_READWRITE));
    }
    try (Message soft = owner().openMessage(id, OpenFlag.SHOW_SOFT_DELETES)) {
      assertThat(subject(soft)).isEqualTo("v2");
    }
  }

  @Test
  @DisplayName("R46: CopyTo from a deleted message's handle keeps the work in a new message")
  void copyToShouldCopyTheWholeViewWhenSourceMessageWasDeleted() {
    MessageId id = messageWithEverything("lost?");
    MessageId rescued;
    try (Message stale = openRw(id)) {
      stale.set(SUBJECT, "my edit");
      addRecipients(stale, to("Ben"));
      owner().deleteMessage(id);
      expectError(OBJECT_DELETED, () -> stale.saveChanges(KEEP_OPEN_READWRITE));
      try (Message copy = drafts().createMessage()) {
        stale.copyTo(copy);
        rescued = copy.saveChanges(KEEP_OPEN_READWRITE).messageId();
      }
    }
    MessageSnapshot s = committed(rescued);
    assertThat(string(s, SUBJECT)).isEqualTo("my edit");
    assertThat(string(s, BODY)).isEqualTo("body of lost?");
    assertThat(recipientNames(s.recipients())).containsExactly("Anna", "Ben");
    assertThat(snapshotAttachmentNames(s)).containsExactly("kept.txt");
    assertThat(s.folderId()).contains(drafts().id());
  }

  @Test
  @DisplayName("R46, R84: saveAsCopy works on a deleted message's handle and re-binds it to the copy")
  void saveAsCopyShouldCreateANewMessageWhenSourceMessageWasDeleted() {
    MessageId id = messageWithEverything("lost?");
    try (Message stale = openRw(id)) {
      stale.set(SUBJECT, "my edit");
      owner().deleteMessage(id);
      SaveResult r = stale.saveAsCopy(drafts().id(), KEEP_OPEN_READWRITE);
      assertThat(r.messageId()).isNotEqualTo(id);
      assertThat(stale.id()).contains(r.messageId());
      assertThat(stale.baseChangeNumber()).contains(r.changeNumber());
      stale.set(BODY, "edited copy");
      stale.saveChanges(KEEP_OPEN_READWRITE);
      MessageSnapshot s = committed(r.messageId());
      assertThat(string(s, SUBJECT)).isEqualTo("my edit");
      assertThat(string(s, BODY)).isEqualTo("edited copy");
      assertThat(snapshotAttachmentNames(s)).containsExactly("kept.txt");
    }
  }

  @Test
  @DisplayName("X3: a soft-deleted message is listed as recoverable and can be undeleted with its id")
  void undeleteShouldRestoreTheMessageWhenItWasSoftDeleted() {
    MessageId id = createMessage("come back");
    var cn = currentCn(id);
    owner().deleteMessage(id);
    assertThat(inbox().softDeletedMessages()).contains(id);
    assertThat(inbox().contentsTable().queryRows(0, 100)).noneMatch(r -> r.messageId().equals(id));
    owner().undeleteMessage(id);
    assertThat(committedSubject(id)).isEqualTo("come back");
    assertThat(currentCn(id)).isGreaterThanOrEqualTo(cn);
    assertThat(inbox().softDeletedMessages()).doesNotContain(id);
    assertThat(inbox().contentsTable().queryRows(0, 100)).anyMatch(r -> r.messageId().equals(id));
    commitSubject(id, "edited after undelete");
    assertThat(committedSubject(id)).isEqualTo("edited after undelete");
  }

  @Test
  @DisplayName("X3: a hard-deleted message is not recoverable")
  void undeleteShouldFailWithNotFoundWhenMessageWasHardDeleted() {
    MessageId id = createMessage("gone for good");
    owner().deleteMessages(List.of(id), DeleteMode.HARD);
    assertThat(inbox().softDeletedMessages()).doesNotContain(id);
    expectError(NOT_FOUND, () -> owner().undeleteMessage(id));
  }

  @Test
  @DisplayName("X3: moving to Deleted Items is a move, not a delete; history follows the new id")
  void moveShouldKeepTheMessageReadableWhenMovedToDeletedItems() {
    MessageId id = createMessage("binned");
    MessageId moved = owner().moveMessage(id, fx().topFolder("Deleted Items").id());
    assertThat(committedSubject(moved)).isEqualTo("binned");
  }

  @Test
  @DisplayName("copyMessage makes an independent copy with a new id")
  void copyMessageShouldCreateAnIndependentMessageWhenCopied() {
    MessageId id = messageWithEverything("original");
    MessageId copy = owner().copyMessage(id, drafts().id());
    assertThat(copy).isNotEqualTo(id);
    assertThat(committedSubject(copy)).isEqualTo("original");
    assertThat(committedAttachmentNames(copy)).containsExactly("kept.txt");
    commitSubject(copy, "changed copy");
    assertThat(committedSubject(id)).isEqualTo("original");
    assertThat(committedProp(copy, BODY)).contains(PropValue.of(BODY, "body of original"));
  }
}
