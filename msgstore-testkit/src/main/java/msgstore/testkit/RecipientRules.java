package msgstore.testkit;

import static msgstore.api.MapiError.NOT_FOUND;
import static msgstore.api.MapiError.NO_ACCESS;
import static msgstore.api.PropTags.SUBJECT;
import static msgstore.api.SaveFlag.FORCE_SAVE;
import static msgstore.api.SaveFlag.KEEP_OPEN_READWRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.RecipientOp;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Spec section 8, recipients inside the message transaction (R47-R49). Part of {@link MessageStoreContract}. */
public abstract class RecipientRules extends ContractSupport {

  private MessageId withRecipients(String... names) {
    return createMessage(inbox(), m -> {
      m.set(SUBJECT, "to " + String.join(", ", names));
      for (String n : names) {
        addRecipients(m, to(n));
      }
    });
  }

  @Test
  @DisplayName("R47: added recipients show at once in the same handle and nowhere else until saved")
  void addedRecipientsShouldBeVisibleOnlyInTheirHandleWhenNotSaved() {
    MessageId id = withRecipients("Anna");
    try (Message m = openRw(id); Message other = openRo(id)) {
      addRecipients(m, to("Ben"), cc("Carla"));
      assertThat(recipientNames(m)).containsExactly("Anna", "Ben", "Carla");
      assertThat(recipientNames(other)).containsExactly("Anna");
      assertThat(committedRecipientNames(id)).containsExactly("Anna");
      m.saveChanges(KEEP_OPEN_READWRITE);
      assertThat(recipientNames(other)).as("R6: still the snapshot").containsExactly("Anna");
    }
    assertThat(committedRecipientNames(id)).containsExactly("Anna", "Ben", "Carla");
  }

  @Test
  @DisplayName("R47: ADD assigns distinct row ids")
  void addShouldAssignDistinctRowIdsWhenRecipientsAreAdded() {
    try (Message m = inbox().createMessage()) {
      addRecipients(m, to("A"), to("B"), to("C"));
      assertThat(m.recipients()).extracting(Recipient::rowId).doesNotHaveDuplicates().hasSize(3);
      m.saveChanges(KEEP_OPEN_READWRITE);
      assertThat(m.recipients()).extracting(Recipient::rowId).doesNotHaveDuplicates().hasSize(3);
    }
  }

  @Test
  @DisplayName("R47: REPLACE_ALL replaces the table; RemoveAllRecipients empties it; both pending only")
  void replaceAllShouldReplaceTheTableWhenCalled() {
    MessageId id = withRecipients("Anna", "Ben");
    try (Message m = openRw(id)) {
      m.modifyRecipients(RecipientOp.REPLACE_ALL, List.of(to("Zoe")));
      assertThat(recipientNames(m)).containsExactly("Zoe");
      assertThat(committedRecipientNames(id)).containsExactly("Anna", "Ben");
      m.saveChanges(KEEP_OPEN_READWRITE);
      assertThat(committedRecipientNames(id)).containsExactly("Zoe");
      m.removeAllRecipients();
      assertThat(m.recipients()).isEmpty();
      assertThat(committedRecipientNames(id)).containsExactly("Zoe");
      m.saveChanges(KEEP_OPEN_READWRITE);
    }
    assertThat(committedRecipientNames(id)).isEmpty();
  }

  @Test
  @DisplayName("R48: MODIFY replaces a row completely; properties not given are removed")
  void modifyShouldReplaceTheWholeRowWhenARowIsModified() {
    MessageId id = withRecipients("Anna");
    try (Message m = openRw(id)) {
      Recipient anna = recipientNamed(m, "Anna");
      assertThat(anna.get(PropTags.SMTP_ADDRESS)).isPresent();
      Recipient replacement = new Recipient(anna.rowId(), List.of(
          PropValue.of(PropTags.RECIPIENT_TYPE, PropTags.MAPI_CC),
          PropValue.of(PropTags.DISPLAY_NAME, "Anna Renamed")));
      m.modifyRecipients(RecipientOp.MODIFY, List.of(replacement));
      Recipient after = recipientNamed(m, "Anna Renamed");
      assertThat(after.rowId()).isEqualTo(anna.rowId());
      assertThat(after.get(PropTags.SMTP_ADDRESS)).isEmpty();
      assertThat(after.get(PropTags.EMAIL_ADDRESS)).isEmpty();
      assertThat(after.get(PropTags.RECIPIENT_TYPE)).contains(PropValue.of(PropTags.RECIPIENT_TYPE, PropTags.MAPI_CC));
      m.saveChanges(KEEP_OPEN_READWRITE);
    }
    try (Message m = openRo(id)) {
      Recipient stored = recipientNamed(m, "Anna Renamed");
      assertThat(stored.get(PropTags.SMTP_ADDRESS)).isEmpty();
      assertThat(m.recipients()).hasSize(1);
    }
  }

  @Test
  @DisplayName("R48: REMOVE works by PR_ROWID")
  void removeShouldDeleteTheRowWithThatRowIdWhenCalled() {
    MessageId id = withRecipients("Anna", "Ben", "Carla");
    try (Message m = openRw(id)) {
      Recipient ben = recipientNamed(m, "Ben");
      m.modifyRecipients(RecipientOp.REMOVE, List.of(new Recipient(ben.rowId(), List.of())));
      assertThat(recipientNames(m)).containsExactly("Anna", "Carla");
      m.saveChanges(KEEP_OPEN_READWRITE);
    }
    assertThat(committedRecipientNames(id)).containsExactly("Anna", "Carla");
  }

  @Test
  @DisplayName("R48: removeRecipients takes bare row ids")
  void removeRecipientsShouldDeleteTheRowsWithThoseRowIdsWhenGivenOnlyRowIds() {
    MessageId id = withRecipients("Anna", "Ben", "Carla");
    try (Message m = openRw(id)) {
      m.removeRecipients(recipientNamed(m, "Anna").rowId(), recipientNamed(m, "Carla").rowId());
      assertThat(recipientNames(m)).containsExactly("Ben");
      m.saveChanges(KEEP_OPEN_READWRITE);
    }
    assertThat(committedRecipientNames(id)).containsExactly("Ben");
  }

  @Test
  @DisplayName("R48: removeRecipients with an unknown row id fails with NOT_FOUND and removes nothing")
  void removeRecipientsShouldFailWithNotFoundAndRemoveNothingWhenARowIdIsUnknown() {
    MessageId id = withRecipients("Anna", "Ben");
    try (Message m = openRw(id)) {
      int unknown = m.recipients().stream().mapToInt(Recipient::rowId).max().orElse(0) + 1000;
      expectError(NOT_FOUND, () -> m.removeRecipients(recipientNamed(m, "Anna").rowId(), unknown));
      assertThat(recipientNames(m)).containsExactly("Anna", "Ben");
    }
  }

  @Test
  @DisplayName("R48: MODIFY of an unknown row id fails with NOT_FOUND")
  void modifyShouldFailWithNotFoundWhenRowIdIsUnknown() {
    MessageId id = withRecipients("Anna");
    try (Message m = openRw(id)) {
      int unknown = m.recipients().stream().mapToInt(Recipient::rowId).max().orElse(0) + 1000;
      expectError(NOT_FOUND, () -> m.modifyRecipients(RecipientOp.MODIFY, List.of(to("Nobody").withRowId(unknown))));
      expectError(NOT_FOUND, () -> m.modifyRecipients(RecipientOp.REMOVE, List.of(to("Nobody").withRowId(unknown))));
      assertThat(recipientNames(m)).containsExactly("Anna");
    }
  }

  @Test
  @DisplayName("R49: a stale handle whose only edit is to recipients still gets OBJECT_CHANGED")
  void saveShouldFailWithObjectChangedWhenOnlyRecipientsChangedOnAStaleHandle() {
    MessageId id = withRecipients("Anna");
    try (Message m = openRw(id)) {
      commitSubject(id, "theirs");
      addRecipients(m, to("Ben"));
      expectObjectChanged(() -> m.saveChanges(KEEP_OPEN_READWRITE));
      assertThat(recipientNames(m)).containsExactly("Anna", "Ben");
    }
    assertThat(committedRecipientNames(id)).containsExactly("Anna");
  }

  @Test
  @DisplayName("R49: recipient changes of others make a handle stale")
  void saveShouldFailWithObjectChangedWhenOthersChangedOnlyRecipients() {
    MessageId id = withRecipients("Anna");
    try (Message m = openRw(id)) {
      commit(id, o -> addRecipients(o, to("Ben")));
      m.set(SUBJECT, "mine");
      expectObjectChanged(() -> m.saveChanges(KEEP_OPEN_READWRITE));
      m.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE);
    }
    assertThat(committedRecipientNames(id)).containsExactly("Anna");
  }

  @Test
  @DisplayName("R23: PR_DISPLAY_TO and PR_DISPLAY_CC are computed from the recipients on save")
  void displayToShouldListRecipientNamesWhenSaved() {
    MessageId id = createMessage(inbox(), m -> {
      m.set(SUBJECT, "s");
      addRecipients(m, to("Anna"), to("Ben"), cc("Carla"));
    });
    try (Message m = openRo(id)) {
      assertThat(string(m, PropTags.DISPLAY_TO)).contains("Anna").contains("Ben").doesNotContain("Carla");
      assertThat(string(m, PropTags.DISPLAY_CC)).contains("Carla");
    }
  }

  @Test
  @DisplayName("R94: recipient changes on a read-only handle fail with NO_ACCESS")
  void modifyRecipientsShouldFailWithNoAccessWhenHandleIsReadOnly() {
    MessageId id = withRecipients("Anna");
    try (Message m = openRo(id)) {
      expectError(NO_ACCESS, () -> addRecipients(m, to("Ben")));
      expectError(NO_ACCESS, () -> m.modifyRecipients(RecipientOp.REPLACE_ALL, List.of(to("Ben"))));
      expectError(NO_ACCESS, m::removeAllRecipients);
      assertThat(recipientNames(m)).containsExactly("Anna");
    }
  }
}
