package msgstore.testkit;

import static msgstore.api.MapiError.INVALID_OBJECT;
import static msgstore.api.MapiError.NO_ACCESS;
import static msgstore.api.MapiError.OBJECT_DELETED;
import static msgstore.api.PropTags.BODY;
import static msgstore.api.PropTags.IMPORTANCE;
import static msgstore.api.PropTags.ORIGINAL_SUBJECT;
import static msgstore.api.PropTags.SENSITIVITY;
import static msgstore.api.PropTags.SUBJECT;
import static msgstore.api.SaveFlag.FORCE_SAVE;
import static msgstore.api.SaveFlag.KEEP_OPEN_READWRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import msgstore.api.ChangeKey;
import msgstore.api.DeleteMode;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.MessageSnapshot;
import msgstore.api.PredecessorChangeList;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.RecipientOp;
import msgstore.api.SaveResult;
import msgstore.api.Session;
import msgstore.api.StoreException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Spec section 6, FORCE_SAVE (R35-R40): the forcing handle's whole view replaces the message,
 * including what it never touched; and X2, the overwritten version is named and kept. Part of
 * {@link MessageStoreContract}.
 */
public abstract class ForceSaveRules extends ContractSupport {

  @Test
  @DisplayName("R35: after OBJECT_CHANGED the same handle may FORCE_SAVE, which never fails with OBJECT_CHANGED")
  void forceSaveShouldCommitWhenHandleGotObjectChanged() {
    MessageId id = createMessage("v1");
    try (Message m = openRw(id)) {
      SaveResult theirs = commitSubject(id, "theirs");
      m.set(SUBJECT, "mine");
      expectObjectChanged(() -> m.saveChanges(KEEP_OPEN_READWRITE));
      SaveResult r = m.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE);
      assertThat(r.committed()).isTrue();
      assertThat(r.changeNumber()).isGreaterThan(theirs.changeNumber());
      assertThat(m.baseChangeNumber()).contains(r.changeNumber());
    }
    assertThat(committedSubject(id)).isEqualTo("mine");
  }

  @Test
  @DisplayName("R36: properties changed, added or deleted by others, and never touched by the forcing handle, are reverted")
  void forceSaveShouldRevertOthersPropertyChangesWhenForcingHandleNeverTouchedThem() {
    MessageId id = createMessage(inbox(),
        PropValue.of(SUBJECT, "base subject"), PropValue.of(BODY, "base body"), PropValue.of(SENSITIVITY, 0));
    try (Message forcing = openRw(id)) {
      commit(id, m -> {
        m.set(BODY, "their body");
        m.set(ORIGINAL_SUBJECT, "their new property");
        m.deleteProps(SENSITIVITY);
      });
      forcing.set(IMPORTANCE, 2);
      forcing.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE);
    }
    MessageSnapshot s = committed(id);
    assertThat(string(s, SUBJECT)).isEqualTo("base subject");
    assertThat(string(s, BODY)).isEqualTo("base body");
    assertThat(s.get(ORIGINAL_SUBJECT)).isEmpty();
    assertThat(s.get(SENSITIVITY)).contains(PropValue.of(SENSITIVITY, 0));
    assertThat(s.get(IMPORTANCE)).contains(PropValue.of(IMPORTANCE, 2));
  }

  @Test
  @DisplayName("R36, R49: FORCE_SAVE replaces the whole recipient table with the forcing handle's")
  void forceSaveShouldReplaceTheRecipientTableWhenOthersChangedRecipients() {
    MessageId id = createMessage(inbox(), m -> {
      m.set(SUBJECT, "s");
      addRecipients(m, to("Anna"), to("Ben"));
    });
    try (Message forcing = openRw(id)) {
      commit(id, m -> {
        m.modifyRecipients(RecipientOp.REMOVE, List.of(recipientNamed(m, "Ben")));
        addRecipients(m, to("Their Carol"));
      });
      assertThat(committedRecipientNames(id)).containsExactlyInAnyOrder("Anna", "Their Carol");
      forcing.set(SUBJECT, "forced");
      forcing.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE);
    }
    assertThat(committedRecipientNames(id)).containsExactlyInAnyOrder("Anna", "Ben");
    assertThat(committedProp(id, PropTags.DISPLAY_TO).map(PropValue::asString).orElse(""))
        .contains("Ben").doesNotContain("Carol");
  }

  @Test
  @DisplayName("R36, R56: FORCE_SAVE leaves exactly the forcing handle's attachment set")
  void forceSaveShouldReplaceTheAttachmentSetWhenOthersChangedAttachments() {
    MessageId id = createMessage(inbox(), m -> {
      m.set(SUBJECT, "s");
      addAttachment(m, "base.txt");
    });
    try (Message forcing = openRw(id)) {
      commit(id, m -> {
        m.deleteAttachment(attachNum(m, "base.txt"));
        addAttachment(m, "theirs.txt");
      });
      addAttachment(forcing, "mine.txt");
      forcing.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE);
    }
    assertThat(committedAttachmentNames(id)).containsExactlyInAnyOrder("base.txt", "mine.txt");
  }

  @Test
  @DisplayName("R36: FORCE_SAVE recomputes PR_HASATTACH and the change key for the forced content")
  void forceSaveShouldRecomputeComputedPropertiesWhenItOverwrites() {
    MessageId id = createMessage("no attachments");
    try (Message forcing = openRw(id)) {
      SaveResult theirs = commit(id, m -> addAttachment(m, "theirs.txt"));
      assertThat(committedProp(id, PropTags.HAS_ATTACHMENTS)).contains(PropValue.of(PropTags.HAS_ATTACHMENTS, true));
      forcing.set(SUBJECT, "forced");
      SaveResult r = forcing.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE);
      assertThat(r.changeKey()).isNotEqualTo(theirs.changeKey());
      assertThat(ChangeKey.fromBytes(binary(forcing, PropTags.CHANGE_KEY))).isEqualTo(r.changeKey());
    }
    try (Message m = openRo(id)) {
      assertThat(m.getProp(PropTags.HAS_ATTACHMENTS)).isNotEqualTo(java.util.Optional.of(PropValue.of(PropTags.HAS_ATTACHMENTS, true)));
      assertThat(messageFlags(m) & PropTags.MSGFLAG_HASATTACH).isZero();
      assertThat(m.attachments()).isEmpty();
    }
  }

  @Test
  @DisplayName("R37: FORCE_SAVE without a conflict behaves like a normal save")
  void forceSaveShouldBehaveLikeANormalSaveWhenThereIsNoConflict() {
    MessageId id = createMessage("v1");
    try (Message m = openRw(id)) {
      m.set(SUBJECT, "v2");
      SaveResult r = m.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE);
      assertThat(r.committed()).isTrue();
      assertThat(r.replaced()).isEmpty();
      SaveResult noop = m.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE);
      assertThat(noop.committed()).as("R31 through R37: nothing to write").isFalse();
      assertThat(noop.changeNumber()).isEqualTo(r.changeNumber());
    }
    assertThat(committedSubject(id)).isEqualTo("v2");
  }

  @Test
  @DisplayName("R37: FORCE_SAVE creates a new, never-saved message")
  void forceSaveShouldCreateTheMessageWhenItIsNew() {
    try (Message m = inbox().createMessage()) {
      m.set(SUBJECT, "forced new");
      SaveResult r = m.saveChanges(FORCE_SAVE);
      assertThat(r.committed()).isTrue();
      assertThat(m.id()).contains(r.messageId());
      assertThat(committedSubject(r.messageId())).isEqualTo("forced new");
    }
  }

  @Test
  @DisplayName("R38: FORCE_SAVE without edits on a stale handle reverts the message to its view, as a new version")
  void forceSaveShouldRevertTheMessageWhenStaleHandleHasNoEdits() {
    MessageId id = createMessage("original");
    try (Message m = openRw(id)) {
      SaveResult theirs = commitSubject(id, "theirs");
      SaveResult r = m.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE);
      assertThat(r.committed()).isTrue();
      assertThat(r.changeNumber()).isGreaterThan(theirs.changeNumber());
    }
    assertThat(committedSubject(id)).isEqualTo("original");
  }

  @Test
  @DisplayName("R39: after a forced save every older handle, the overwritten writer included, gets OBJECT_CHANGED")
  void olderHandlesShouldFailWithObjectChangedWhenAForcedSaveCommitted() {
    MessageId id = createMessage("v1");
    try (Message forcing = openRw(id); Message writer = openRw(id); Message bystander = openRw(id)) {
      writer.set(SUBJECT, "writer");
      writer.saveChanges(KEEP_OPEN_READWRITE);
      forcing.set(SUBJECT, "forcing");
      forcing.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE);
      writer.set(BODY, "more");
      expectObjectChanged(() -> writer.saveChanges(KEEP_OPEN_READWRITE));
      bystander.set(BODY, "other");
      expectObjectChanged(() -> bystander.saveChanges(KEEP_OPEN_READWRITE));
    }
    assertThat(committedSubject(id)).isEqualTo("forcing");
  }

  @Test
  @DisplayName("R40: FORCE_SAVE does not get past a closed handle")
  void forceSaveShouldFailWithInvalidObjectWhenHandleIsClosed() {
    MessageId id = createMessage("v1");
    Message m = openRw(id);
    m.set(SUBJECT, "v2");
    m.close();
    expectError(INVALID_OBJECT, () -> m.saveChanges(FORCE_SAVE));
  }

  @Test
  @DisplayName("R40: FORCE_SAVE does not get past a read-only handle")
  void forceSaveShouldFailWithNoAccessWhenHandleIsReadOnly() {
    MessageId id = createMessage("v1");
    try (Message m = openRo(id)) {
      commitSubject(id, "v2");
      expectError(NO_ACCESS, () -> m.saveChanges(FORCE_SAVE));
    }
    assertThat(committedSubject(id)).isEqualTo("v2");
  }

  @Test
  @DisplayName("R40: FORCE_SAVE does not get past a deleted message")
  void forceSaveShouldFailWithObjectDeletedWhenMessageIsDeleted() {
    MessageId id = createMessage("v1");
    try (Message m = openRw(id)) {
      owner().deleteMessage(id);
      m.set(SUBJECT, "v2");
      expectError(OBJECT_DELETED, () -> m.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE));
    }
    assertNotFound(id);
  }

  @Test
  @DisplayName("R40: FORCE_SAVE does not get past a moved message")
  void forceSaveShouldFailWithObjectDeletedWhenMessageWasMoved() {
    MessageId id = createMessage("v1");
    try (Message m = openRw(id)) {
      MessageId moved = owner().moveMessage(id, drafts().id());
      m.set(SUBJECT, "v2");
      expectError(OBJECT_DELETED, () -> m.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE));
      assertThat(committedSubject(moved)).isEqualTo("v1");
    }
  }

  @Test
  @DisplayName("R40, R27, R42, R43: another client's soft delete, hard delete or move: every save fails with OBJECT_DELETED,"
      + " FORCE_SAVE included, and writes nothing")
  void forceSaveOfADeletedMessageFailsWithObjectDeleted() {
    Session otherClient = fx().openSession(StoreFixture.OWNER);
    for (String how : List.of("soft delete", "hard delete", "move")) {
      MessageId id = createMessage("v1 " + how);
      try (Message m = openRw(id)) {
        m.set(SUBJECT, "mine");
        MessageId moved = switch (how) {
          case "soft delete" -> {
            otherClient.deleteMessages(List.of(id), DeleteMode.SOFT);
            yield null;
          }
          case "hard delete" -> {
            otherClient.deleteMessages(List.of(id), DeleteMode.HARD);
            yield null;
          }
          default -> otherClient.moveMessage(id, drafts().id());
        };
        Long journal = fx().has(Capability.NOTIFICATIONS) ? owner().journalPosition(storeId()) : null;
        StoreException forced = expectError(OBJECT_DELETED, () -> m.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE));
        assertThat(forced.getMessage()).as(how).contains(id.toString());
        expectError(OBJECT_DELETED, () -> m.saveChanges(KEEP_OPEN_READWRITE));
        expectError(OBJECT_DELETED, () -> m.saveChanges(FORCE_SAVE)); // not KEEP_OPEN: the handle stays all the same
        assertThat(m.isOpen()).as(how + ": a failed save keeps the handle (R22)").isTrue();
        assertThat(subject(m)).isEqualTo("mine");
        if (journal != null) {
          assertThat(owner().journalPosition(storeId())).as(how + ": nothing written").isEqualTo(journal);
        }
        if (moved != null) {
          assertThat(committedSubject(moved)).isEqualTo("v1 " + how);
        }
      }
      assertNotFound(id);
    }
    assertThat(drafts().contentsTable().rowCount()).as("only the moved message arrived").isEqualTo(1);
  }

  @Test
  @DisplayName("R64: a forced version's PCL is its base PCL plus the new key: here exactly {new key}")
  void forcedVersionPclShouldBeTheNewChangeKeyWhenAllChangesAreLocal() {
    MessageId id = createMessage("v1");
    try (Message m = openRw(id)) {
      commitSubject(id, "theirs");
      m.set(SUBJECT, "mine");
      SaveResult r = m.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE);
      byte[] pcl = committedProp(id, PropTags.PREDECESSOR_CHANGE_LIST).orElseThrow().asBytes();
      assertThat(PredecessorChangeList.fromBytes(pcl).entries()).containsExactly(r.changeKey());
    }
  }

  @Test
  @DisplayName("X2: a forced save names the version it overwrote, which stays readable in history")
  void forceSaveShouldNameTheOverwrittenVersionWhenItOverwritesAnotherCommit() {
    requires(Capability.HISTORY);
    MessageId id = createMessage("v1");
    try (Message m = openRw(id)) {
      SaveResult theirs = commit(id, t -> {
        t.set(SUBJECT, "theirs");
        t.set(BODY, "their body");
      });
      m.set(SUBJECT, "mine");
      SaveResult r = m.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE);
      assertThat(r.replaced()).contains(theirs.changeNumber());
      MessageSnapshot old = owner().readVersion(id, theirs.changeNumber());
      assertThat(string(old, SUBJECT)).isEqualTo("theirs");
      assertThat(string(old, BODY)).isEqualTo("their body");
      assertThat(old.changeNumber()).contains(theirs.changeNumber());
    }
  }
}
