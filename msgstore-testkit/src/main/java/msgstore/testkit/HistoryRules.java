package msgstore.testkit;

import static msgstore.api.PropTags.ATTACH_LONG_FILENAME;
import static msgstore.api.PropTags.BODY;
import static msgstore.api.PropTags.SUBJECT;
import static msgstore.api.SaveFlag.FORCE_SAVE;
import static msgstore.api.SaveFlag.KEEP_OPEN_READWRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.util.List;
import msgstore.api.Attachment;
import msgstore.api.ChangeNumber;
import msgstore.api.EventScope;
import msgstore.api.EventType;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.MessageSnapshot;
import msgstore.api.OpenFlag;
import msgstore.api.PropValue;
import msgstore.api.SaveResult;
import msgstore.api.VersionInfo;
import msgstore.api.VersionInfo.VersionKind;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** msgstore's own history rules: versions, restore, retention across delete and move (X1-X3). Part of {@link MessageStoreContract}. */
public abstract class HistoryRules extends ContractSupport {

  @BeforeEach
  void requireHistory() {
    requires(Capability.HISTORY);
  }

  @Test
  @DisplayName("X1: every committed version is listed, newest first, with kind, author and predecessor")
  void versionsShouldListEveryCommitNewestFirstWhenMessageWasSavedSeveralTimes() {
    MessageId id = createMessage("v1");
    ChangeNumber c1 = currentCn(id);
    ChangeNumber c2 = commitSubject(id, "v2").changeNumber();
    ChangeNumber c3 = commitSubject(id, "v3").changeNumber();
    List<VersionInfo> versions = owner().versions(id);
    assertThat(versions).extracting(VersionInfo::changeNumber).containsExactly(c3, c2, c1);
    assertThat(versions).extracting(VersionInfo::kind).containsExactly(VersionKind.SAVED, VersionKind.SAVED, VersionKind.CREATED);
    assertThat(versions).extracting(VersionInfo::committedBy).containsOnly(StoreFixture.OWNER);
    assertThat(versions).extracting(VersionInfo::messageId).containsOnly(id);
    assertThat(versions.get(0).basedOn()).contains(c2);
    assertThat(versions.get(1).basedOn()).contains(c1);
    assertThat(versions.get(0).changeKey()).isEqualTo(msgstore.api.ChangeKey.of(storeId(), c3));
    assertThat(versions.get(0).committedAt()).isAfterOrEqualTo(versions.get(2).committedAt());
  }

  @Test
  @DisplayName("X1: no-op saves, failed saves and read-state changes add no version")
  void versionsShouldNotGrowWhenNothingIsCommitted() {
    MessageId id = createMessage("v1");
    try (Message idle = openRw(id); Message stale = openRw(id)) {
      idle.saveChanges(KEEP_OPEN_READWRITE);
      commitSubject(id, "v2");
      stale.set(SUBJECT, "lost");
      expectObjectChanged(() -> stale.saveChanges(KEEP_OPEN_READWRITE));
    }
    owner().setReadFlag(id, true);
    assertThat(owner().versions(id)).hasSize(2);
  }

  @Test
  @DisplayName("X1: an old version can be read with its properties, recipients and attachments")
  void readVersionShouldReturnTheOldContentWhenAskedForAnOldVersion() {
    MessageId id = createMessage(inbox(), m -> {
      m.set(SUBJECT, "v1");
      m.set(BODY, "body 1");
      addRecipients(m, to("Anna"));
      addAttachment(m, "v1.txt", bytes("first content"));
    });
    ChangeNumber c1 = currentCn(id);
    commit(id, m -> {
      m.set(SUBJECT, "v2");
      m.removeAllRecipients();
      try (Attachment a = m.openAttachment(attachNum(m, "v1.txt"), OpenFlag.MODIFY)) {
        a.set(ATTACH_LONG_FILENAME, "v2.txt");
        a.writeContent(new ByteArrayInputStream(bytes("second content")));
        a.saveChanges();
      }
    });
    MessageSnapshot old = owner().readVersion(id, c1);
    assertThat(old.id()).contains(id);
    assertThat(old.changeNumber()).contains(c1);
    assertThat(string(old, SUBJECT)).isEqualTo("v1");
    assertThat(string(old, BODY)).isEqualTo("body 1");
    assertThat(recipientNames(old.recipients())).containsExactly("Anna");
    assertThat(snapshotAttachmentNames(old)).containsExactly("v1.txt");
    var ref = old.attachments().getFirst().content().orElseThrow();
    assertThat(readAll(owner().openContent(ref))).isEqualTo(bytes("first content"));
  }

  @Test
  @DisplayName("X1: restoring a version is a new commit with a new CN whose content equals the old version")
  void restoreVersionShouldCommitTheOldContentAsANewVersionWhenCalled() {
    MessageId id = createMessage(inbox(), m -> {
      m.set(SUBJECT, "v1");
      addRecipients(m, to("Anna"));
    });
    ChangeNumber c1 = currentCn(id);
    ChangeNumber c2 = commit(id, m -> {
      m.set(SUBJECT, "v2");
      m.set(BODY, "added in v2");
      m.removeAllRecipients();
    }).changeNumber();
    EventRecorder rec = fx().has(Capability.NOTIFICATIONS) ? subscribe(EventScope.message(id), EventType.all()) : null;
    try (Message stale = openRw(id)) {
      SaveResult r = owner().restoreVersion(id, c1);
      assertThat(r.committed()).isTrue();
      assertThat(r.messageId()).isEqualTo(id);
      assertThat(r.changeNumber()).isGreaterThan(c2);
      MessageSnapshot now = committed(id);
      assertThat(string(now, SUBJECT)).isEqualTo("v1");
      assertThat(now.get(BODY)).isEmpty();
      assertThat(recipientNames(now.recipients())).containsExactly("Anna");
      assertThat(owner().versions(id).getFirst().kind()).isEqualTo(VersionKind.RESTORED);
      assertThat(owner().versions(id)).extracting(VersionInfo::changeNumber).contains(c1, c2, r.changeNumber());
      stale.set(SUBJECT, "stale edit");
      expectObjectChanged(() -> stale.saveChanges(KEEP_OPEN_READWRITE));
      if (rec != null) {
        rec.await(modifiedTo(id, r.changeNumber()), "restore of " + id);
      }
    }
  }

  @Test
  @DisplayName("X2: a forced save's overwritten version stays in history, and the forced version says FORCED")
  void forcedSaveShouldKeepTheOverwrittenVersionInHistoryWhenItOverwrites() {
    MessageId id = createMessage("v1");
    try (Message h = openRw(id)) {
      SaveResult theirs = commitSubject(id, "theirs");
      h.set(SUBJECT, "forced");
      SaveResult r = h.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE);
      assertThat(r.replaced()).contains(theirs.changeNumber());
      List<VersionInfo> versions = owner().versions(id);
      assertThat(versions.getFirst().kind()).isEqualTo(VersionKind.FORCED);
      assertThat(versions).extracting(VersionInfo::changeNumber).contains(theirs.changeNumber());
      assertThat(string(owner().readVersion(id, theirs.changeNumber()), SUBJECT)).isEqualTo("theirs");
    }
  }

  @Test
  @DisplayName("X2: a forced save that overwrote nobody names no replaced version")
  void forcedSaveShouldNameNoReplacedVersionWhenThereWasNoConflict() {
    MessageId id = createMessage("v1");
    try (Message h = openRw(id)) {
      h.set(SUBJECT, "v2");
      assertThat(h.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE).replaced()).isEmpty();
    }
  }

  @Test
  @DisplayName("X3: a soft-deleted message keeps its history, also after undelete")
  void historyShouldSurviveWhenMessageIsSoftDeletedAndUndeleted() {
    MessageId id = createMessage("v1");
    commitSubject(id, "v2");
    List<ChangeNumber> before = owner().versions(id).stream().map(VersionInfo::changeNumber).toList();
    owner().deleteMessage(id);
    assertThat(owner().versions(id)).extracting(VersionInfo::changeNumber).containsAll(before);
    owner().undeleteMessage(id);
    assertThat(owner().versions(id)).extracting(VersionInfo::changeNumber).containsAll(before);
  }

  @Test
  @DisplayName("X3, R43: a moved message's history is readable under its new id")
  void historyShouldFollowTheMessageWhenItIsMoved() {
    MessageId id = createMessage("v1");
    ChangeNumber c1 = currentCn(id);
    ChangeNumber c2 = commitSubject(id, "v2").changeNumber();
    MessageId moved = owner().moveMessage(id, drafts().id());
    List<VersionInfo> versions = owner().versions(moved);
    assertThat(versions).extracting(VersionInfo::changeNumber).contains(c1, c2);
    assertThat(versions.getFirst().changeNumber()).isEqualTo(currentCn(moved));
    assertThat(string(owner().readVersion(moved, c1), SUBJECT)).isEqualTo("v1");
    assertThat(PropValue.of(SUBJECT, "v2")).isIn(owner().readVersion(moved, c2).props());
  }
}
