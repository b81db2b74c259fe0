package msgstore.testkit;

import static msgstore.api.MapiError.INVALID_OBJECT;
import static msgstore.api.MapiError.INVALID_PARAMETER;
import static msgstore.api.MapiError.NO_ACCESS;
import static msgstore.api.PropTags.BODY;
import static msgstore.api.PropTags.SUBJECT;
import static msgstore.api.SaveFlag.DEFERRED_ERRORS;
import static msgstore.api.SaveFlag.FORCE_SAVE;
import static msgstore.api.SaveFlag.KEEP_OPEN_READONLY;
import static msgstore.api.SaveFlag.KEEP_OPEN_READWRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.EnumSet;
import java.util.List;
import msgstore.api.AccessLevel;
import msgstore.api.ChangeKey;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.RecipientOp;
import msgstore.api.SaveFlag;
import msgstore.api.SaveResult;
import msgstore.api.StoreException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Spec section 4, SaveChanges flags and the handle's state after success and failure (R15-R24).
 * Part of {@link MessageStoreContract}.
 */
public abstract class SaveFlagRules extends ContractSupport {

  @Test
  @DisplayName("R15: a save commits properties, recipients and attachments as one version")
  void saveShouldCommitTheWholePendingStateWhenSuccessful() {
    MessageId id = createMessage("before");
    var cn = currentCn(id);
    try (Message m = openRw(id)) {
      m.set(SUBJECT, "after");
      m.set(BODY, "body");
      addRecipients(m, to("Anna"), cc("Ben"));
      addAttachment(m, "one.txt");
      SaveResult r = m.saveChanges(KEEP_OPEN_READWRITE);
      assertThat(r.changeNumber()).isGreaterThan(cn);
    }
    var s = committed(id);
    assertThat(string(s, SUBJECT)).isEqualTo("after");
    assertThat(string(s, BODY)).isEqualTo("body");
    assertThat(recipientNames(s.recipients())).containsExactly("Anna", "Ben");
    assertThat(snapshotAttachmentNames(s)).containsExactly("one.txt");
  }

  @Test
  @DisplayName("R16, R29: KEEP_OPEN_READWRITE keeps the handle read/write with the new version as base")
  void saveShouldKeepHandleReadWriteWhenKeepOpenReadWriteIsGiven() {
    MessageId id = createMessage("v1");
    try (Message m = openRw(id)) {
      m.set(SUBJECT, "v2");
      SaveResult r2 = m.saveChanges(KEEP_OPEN_READWRITE);
      assertThat(m.isOpen()).isTrue();
      assertThat(m.accessLevel()).isEqualTo(AccessLevel.MODIFY);
      assertThat(m.baseChangeNumber()).contains(r2.changeNumber());
      m.set(SUBJECT, "v3");
      SaveResult r3 = m.saveChanges(KEEP_OPEN_READWRITE);
      assertThat(r3.changeNumber()).isGreaterThan(r2.changeNumber());
      assertThat(m.baseChangeNumber()).contains(r3.changeNumber());
    }
    assertThat(committedSubject(id)).isEqualTo("v3");
  }

  @Test
  @DisplayName("R17: KEEP_OPEN_READONLY keeps the handle readable but read-only")
  void saveShouldDowngradeHandleToReadOnlyWhenKeepOpenReadOnlyIsGiven() {
    MessageId id = createMessage("v1");
    try (Message m = openRw(id)) {
      addAttachment(m, "a.txt");
      m.set(SUBJECT, "v2");
      m.saveChanges(KEEP_OPEN_READONLY);
      assertThat(m.isOpen()).isTrue();
      assertThat(m.accessLevel()).isEqualTo(AccessLevel.READ_ONLY);
      assertThat(integer(m, PropTags.ACCESS_LEVEL)).isEqualTo(0);
      assertThat(subject(m)).isEqualTo("v2");
      int num = attachNum(m, "a.txt");
      expectError(NO_ACCESS, () -> m.set(SUBJECT, "v3"));
      expectError(NO_ACCESS, () -> m.deleteProps(SUBJECT));
      expectError(NO_ACCESS, () -> m.modifyRecipients(RecipientOp.ADD, List.of(to("X"))));
      expectError(NO_ACCESS, m::removeAllRecipients);
      expectError(NO_ACCESS, () -> m.createAttachment().close());
      expectError(NO_ACCESS, () -> m.deleteAttachment(num));
      expectError(NO_ACCESS, () -> m.saveChanges(KEEP_OPEN_READWRITE));
      expectError(NO_ACCESS, m::saveChanges);
    }
    assertThat(committedSubject(id)).isEqualTo("v2");
  }

  @Test
  @DisplayName("R18: a save without keep-open flags shuts the handle; only close is allowed")
  void saveShouldCloseHandleWhenNoKeepOpenFlagIsGiven() {
    MessageId id = createMessage("v1");
    Message m = openRw(id);
    m.set(SUBJECT, "v2");
    m.saveChanges();
    assertThat(m.isOpen()).isFalse();
    expectError(INVALID_OBJECT, () -> m.getProp(SUBJECT));
    expectError(INVALID_OBJECT, m::getProps);
    expectError(INVALID_OBJECT, () -> m.set(SUBJECT, "v3"));
    expectError(INVALID_OBJECT, () -> m.deleteProps(SUBJECT));
    expectError(INVALID_OBJECT, m::recipients);
    expectError(INVALID_OBJECT, m::attachments);
    expectError(INVALID_OBJECT, () -> m.saveChanges(KEEP_OPEN_READWRITE));
    expectError(INVALID_OBJECT, () -> m.saveChanges(FORCE_SAVE));
    m.close();
    m.close();
    assertThat(committedSubject(id)).isEqualTo("v2");
  }

  @Test
  @DisplayName("R18, R20: DEFERRED_ERRORS alone also shuts the handle")
  void saveShouldCloseHandleWhenOnlyDeferredErrorsIsGiven() {
    MessageId id = createMessage("v1");
    Message m = openRw(id);
    m.set(SUBJECT, "v2");
    m.saveChanges(DEFERRED_ERRORS);
    assertThat(m.isOpen()).isFalse();
    expectError(INVALID_OBJECT, () -> m.set(SUBJECT, "v3"));
    m.close();
    assertThat(committedSubject(id)).isEqualTo("v2");
  }

  @Test
  @DisplayName("R19: FORCE_SAVE alone keeps the handle open read/write")
  void forceSaveShouldKeepHandleReadWriteWhenNoKeepOpenFlagIsGiven() {
    MessageId id = createMessage("v1");
    try (Message m = openRw(id)) {
      m.set(SUBJECT, "v2");
      m.saveChanges(FORCE_SAVE);
      assertThat(m.isOpen()).isTrue();
      assertThat(m.accessLevel()).isEqualTo(AccessLevel.MODIFY);
      m.set(SUBJECT, "v3");
      m.saveChanges(KEEP_OPEN_READWRITE);
    }
    assertThat(committedSubject(id)).isEqualTo("v3");
  }

  @Test
  @DisplayName("R19: FORCE_SAVE | KEEP_OPEN_READONLY downgrades like R17")
  void forceSaveShouldDowngradeHandleWhenKeepOpenReadOnlyIsGiven() {
    MessageId id = createMessage("v1");
    try (Message m = openRw(id)) {
      m.set(SUBJECT, "v2");
      m.saveChanges(FORCE_SAVE, KEEP_OPEN_READONLY);
      assertThat(m.isOpen()).isTrue();
      assertThat(m.accessLevel()).isEqualTo(AccessLevel.READ_ONLY);
      expectError(NO_ACCESS, () -> m.set(SUBJECT, "v3"));
    }
  }

  @Test
  @DisplayName("R19: FORCE_SAVE | KEEP_OPEN_READWRITE keeps read/write like R16")
  void forceSaveShouldKeepHandleReadWriteWhenKeepOpenReadWriteIsGiven() {
    MessageId id = createMessage("v1");
    try (Message m = openRw(id)) {
      m.set(SUBJECT, "v2");
      SaveResult r = m.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE);
      assertThat(m.accessLevel()).isEqualTo(AccessLevel.MODIFY);
      assertThat(m.baseChangeNumber()).contains(r.changeNumber());
    }
  }

  @Test
  @DisplayName("R20: DEFERRED_ERRORS with another flag never causes an error and the change is kept")
  void saveShouldSucceedWhenDeferredErrorsIsCombinedWithKeepOpen() {
    MessageId id = createMessage("v1");
    try (Message m = openRw(id)) {
      m.set(SUBJECT, "v2");
      m.saveChanges(DEFERRED_ERRORS, KEEP_OPEN_READWRITE);
      assertThat(m.isOpen()).isTrue();
      m.set(BODY, "b");
      // A later save without the flag returns any deferred error at the latest (R20).
      m.saveChanges(KEEP_OPEN_READWRITE);
    }
    assertThat(committedSubject(id)).isEqualTo("v2");
    assertThat(committedProp(id, BODY)).contains(PropValue.of(BODY, "b"));
  }

  @Test
  @DisplayName("R20: a conflict under DEFERRED_ERRORS is reported now or by the next save without it")
  void deferredConflictShouldBeReportedAtTheLatestByTheNextSaveWhenHandleIsStale() {
    MessageId id = createMessage("v1");
    try (Message stale = openRw(id)) {
      commitSubject(id, "theirs");
      stale.set(SUBJECT, "mine");
      Throwable first = catchThrowable(() -> stale.saveChanges(DEFERRED_ERRORS, KEEP_OPEN_READWRITE));
      if (first == null) {
        expectObjectChanged(() -> stale.saveChanges(KEEP_OPEN_READWRITE));
      } else {
        assertThat(first).isInstanceOf(StoreException.class);
        assertThat(((StoreException) first).error()).isEqualTo(MapiError.OBJECT_CHANGED);
      }
    }
    assertThat(committedSubject(id)).isEqualTo("theirs");
  }

  @Test
  @DisplayName("R21: both keep-open flags are refused with INVALID_PARAMETER and nothing is committed")
  void saveShouldFailWithInvalidParameterWhenBothKeepOpenFlagsAreGiven() {
    MessageId id = createMessage("v1");
    var cn = currentCn(id);
    long journal = journalPosition();
    try (Message m = openRw(id)) {
      m.set(SUBJECT, "v2");
      expectError(INVALID_PARAMETER, () -> m.saveChanges(KEEP_OPEN_READONLY, KEEP_OPEN_READWRITE));
      expectError(INVALID_PARAMETER, () -> m.saveChanges(KEEP_OPEN_READONLY, KEEP_OPEN_READWRITE, FORCE_SAVE));
      assertThat(m.isOpen()).isTrue();
      assertThat(m.accessLevel()).isEqualTo(AccessLevel.MODIFY);
      assertThat(subject(m)).isEqualTo("v2");
      assertThat(m.baseChangeNumber()).contains(cn);
    }
    assertThat(currentCn(id)).isEqualTo(cn);
    assertThat(committedSubject(id)).isEqualTo("v1");
    assertThat(journalPosition()).isEqualTo(journal);
  }

  @Test
  @DisplayName("R21: unknown flag bits are ignored")
  void saveFlagsShouldIgnoreUnknownBitsWhenDecoded() {
    assertThat(SaveFlag.fromBits(0x2 | 0x100 | 0x4000_0000)).isEqualTo(EnumSet.of(KEEP_OPEN_READWRITE));
    assertThat(SaveFlag.fromBits(0x0C)).isEqualTo(EnumSet.of(FORCE_SAVE, DEFERRED_ERRORS));
    assertThat(SaveFlag.toBits(EnumSet.of(KEEP_OPEN_READONLY, FORCE_SAVE))).isEqualTo(0x5);
  }

  @Test
  @DisplayName("R22: a failed save keeps the handle open, its access, edits and base; flags have no effect")
  void failedSaveShouldKeepHandleStateWhenMessageChanged() {
    MessageId id = createMessage("v1");
    try (Message stale = openRw(id)) {
      var base = stale.baseChangeNumber();
      var baseKey = stale.baseChangeKey();
      commitSubject(id, "theirs");
      stale.set(SUBJECT, "mine");
      stale.set(BODY, "my body");
      expectObjectChanged(stale::saveChanges);
      expectObjectChanged(() -> stale.saveChanges(KEEP_OPEN_READONLY));
      assertThat(stale.isOpen()).isTrue();
      assertThat(stale.accessLevel()).isEqualTo(AccessLevel.MODIFY);
      assertThat(subject(stale)).isEqualTo("mine");
      assertThat(string(stale, BODY)).isEqualTo("my body");
      assertThat(stale.baseChangeNumber()).isEqualTo(base);
      assertThat(stale.baseChangeKey()).isEqualTo(baseKey);
      stale.set(SUBJECT, "mine again");
      assertThat(subject(stale)).isEqualTo("mine again");
    }
    assertThat(committedSubject(id)).isEqualTo("theirs");
  }

  @Test
  @DisplayName("R23: a save puts the computed properties into the saving handle's view")
  void saveShouldUpdateComputedPropertiesInTheViewWhenSuccessful() {
    try (Message m = inbox().createMessage()) {
      m.set(SUBJECT, "computed");
      addRecipients(m, to("Anna"), to("Ben"));
      addAttachment(m, "a.txt");
      SaveResult r = m.saveChanges(KEEP_OPEN_READWRITE);
      assertThat(m.id()).contains(r.messageId());
      byte[] ck = binary(m, PropTags.CHANGE_KEY);
      assertThat(ck).isNotNull();
      assertThat(ChangeKey.fromBytes(ck)).isEqualTo(r.changeKey());
      assertThat(binary(m, PropTags.PREDECESSOR_CHANGE_LIST)).isNotNull();
      assertThat(m.getProp(PropTags.LAST_MODIFICATION_TIME)).isPresent();
      assertThat(m.getProp(PropTags.LOCAL_COMMIT_TIME)).isPresent();
      assertThat(binary(m, PropTags.ENTRYID)).isNotNull().isNotEmpty();
      assertThat(integer(m, PropTags.MESSAGE_SIZE)).isPositive();
      assertThat(m.getProp(PropTags.HAS_ATTACHMENTS)).contains(PropValue.of(PropTags.HAS_ATTACHMENTS, true));
      assertThat(string(m, PropTags.DISPLAY_TO)).contains("Anna").contains("Ben");
      assertThat(messageFlags(m) & PropTags.MSGFLAG_UNMODIFIED).isZero();
      assertThat(messageFlags(m) & PropTags.MSGFLAG_HASATTACH).isEqualTo(PropTags.MSGFLAG_HASATTACH);
      // The view's computed values are those of the committed version.
      try (Message fresh = openRo(r.messageId())) {
        assertThat(binary(fresh, PropTags.CHANGE_KEY)).isEqualTo(ck);
        assertThat(fresh.getProp(PropTags.LAST_MODIFICATION_TIME)).isEqualTo(m.getProp(PropTags.LAST_MODIFICATION_TIME));
        assertThat(fresh.getProp(PropTags.ENTRYID)).isEqualTo(m.getProp(PropTags.ENTRYID));
      }
    }
  }

  @Test
  @DisplayName("R24: the save result names the committed message and its new version")
  void saveResultShouldNameTheCommittedMessageWhenSuccessful() {
    MessageId id = createMessage("v1");
    try (Message m = openRw(id)) {
      m.set(SUBJECT, "v2");
      SaveResult r = m.saveChanges(KEEP_OPEN_READWRITE);
      assertThat(r.messageId()).isEqualTo(id);
      assertThat(r.committed()).isTrue();
      assertThat(r.changeKey()).isEqualTo(ChangeKey.of(storeId(), r.changeNumber()));
      assertThat(r.replaced()).isEmpty();
      assertThat(r.mergeReport()).isEmpty();
      assertThat(r.choice()).isEmpty();
      assertThat(currentCn(id)).isEqualTo(r.changeNumber());
    }
  }
}
