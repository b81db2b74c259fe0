package msgstore.testkit;

import static msgstore.api.MapiError.NOT_FOUND;
import static msgstore.api.MapiError.NO_ACCESS;
import static msgstore.api.OpenFlag.BEST_ACCESS;
import static msgstore.api.OpenFlag.MODIFY;
import static msgstore.api.OpenFlag.SHOW_SOFT_DELETES;
import static msgstore.api.PropTags.ACCESS;
import static msgstore.api.PropTags.ACCESS_LEVEL;
import static msgstore.api.PropTags.ENTRYID;
import static msgstore.api.PropTags.SUBJECT;
import static msgstore.api.SaveFlag.KEEP_OPEN_READWRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import msgstore.api.AccessLevel;
import msgstore.api.DeleteMode;
import msgstore.api.FolderRights;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Session;
import msgstore.api.StoreId;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Spec section 2, opening a message (R1-R7), and R96. Part of {@link MessageStoreContract}. */
public abstract class OpenRules extends ContractSupport {

  @Test
  @DisplayName("R1: two read/write opens of one message give two distinct handles, no locking")
  void openShouldReturnDistinctReadWriteHandlesWhenMessageIsAlreadyOpenForModify() {
    MessageId id = createMessage("hello");
    try (Message a = openRw(id); Message b = openRw(id)) {
      assertThat(a).isNotSameAs(b);
      assertThat(a.accessLevel()).isEqualTo(AccessLevel.MODIFY);
      assertThat(b.accessLevel()).isEqualTo(AccessLevel.MODIFY);
      a.set(SUBJECT, "from a");
      b.set(SUBJECT, "from b");
      assertThat(subject(a)).isEqualTo("from a");
      assertThat(subject(b)).isEqualTo("from b");
    }
  }

  @Test
  @DisplayName("R1: handles of different clients on one message coexist")
  void openShouldSucceedWhenAnotherSessionHasTheMessageOpenForModify() {
    MessageId id = createMessage("hello");
    Session second = fx().openSession(StoreFixture.OWNER);
    try (Message a = openRw(id); Message b = second.openMessage(id, MODIFY)) {
      assertThat(b.accessLevel()).isEqualTo(AccessLevel.MODIFY);
      assertThat(subject(a)).isEqualTo(subject(b)).isEqualTo("hello");
    }
  }

  @Test
  @DisplayName("R2: an open without MODIFY or BEST_ACCESS is read-only")
  void openShouldBeReadOnlyWhenNoModifyFlagIsGiven() {
    MessageId id = createMessage("hello");
    try (Message m = openRo(id)) {
      assertThat(m.accessLevel()).isEqualTo(AccessLevel.READ_ONLY);
      assertThat(integer(m, ACCESS_LEVEL)).isEqualTo(0);
      expectError(NO_ACCESS, () -> m.set(SUBJECT, "no"));
    }
  }

  @Test
  @DisplayName("R2: BEST_ACCESS gives read/write when the caller may modify")
  void openWithBestAccessShouldBeReadWriteWhenCallerMayModify() {
    MessageId id = createMessage("hello");
    try (Message m = owner().openMessage(id, BEST_ACCESS)) {
      assertThat(m.accessLevel()).isEqualTo(AccessLevel.MODIFY);
      m.set(SUBJECT, "changed");
      m.saveChanges(KEEP_OPEN_READWRITE);
    }
    assertThat(committedSubject(id)).isEqualTo("changed");
  }

  @Test
  @DisplayName("R2: MODIFY fails with NO_ACCESS for a reviewer")
  void openWithModifyShouldFailWithNoAccessWhenUserIsReviewer() {
    requires(Capability.RIGHTS);
    MessageId id = createMessage("hello");
    inbox().setRights(StoreFixture.OTHER_USER, FolderRights.REVIEWER);
    Session bob = otherUser();
    expectError(NO_ACCESS, () -> bob.openMessage(id, MODIFY).close());
    try (Message m = bob.openMessage(id)) {
      assertThat(subject(m)).isEqualTo("hello");
    }
  }

  @Test
  @DisplayName("R2: BEST_ACCESS opens read-only, and does not fail, for a reviewer")
  void openWithBestAccessShouldBeReadOnlyWhenUserIsReviewer() {
    requires(Capability.RIGHTS);
    MessageId id = createMessage("hello");
    inbox().setRights(StoreFixture.OTHER_USER, FolderRights.REVIEWER);
    try (Message m = otherUser().openMessage(id, BEST_ACCESS)) {
      assertThat(m.accessLevel()).isEqualTo(AccessLevel.READ_ONLY);
      assertThat(integer(m, ACCESS_LEVEL)).isEqualTo(0);
      expectError(NO_ACCESS, () -> m.set(SUBJECT, "no"));
    }
  }

  @Test
  @DisplayName("R2: an editor may open read/write and save")
  void openWithModifyShouldSucceedWhenUserIsEditor() {
    requires(Capability.RIGHTS);
    MessageId id = createMessage("hello");
    inbox().setRights(StoreFixture.OTHER_USER, FolderRights.EDITOR);
    try (Message m = otherUser().openMessage(id, MODIFY)) {
      assertThat(m.accessLevel()).isEqualTo(AccessLevel.MODIFY);
      m.set(SUBJECT, "edited by bob");
      m.saveChanges(KEEP_OPEN_READWRITE);
    }
    assertThat(committedSubject(id)).isEqualTo("edited by bob");
  }

  @Test
  @DisplayName("R3: PR_ACCESS_LEVEL is 1 on a read/write handle and 0 on a read-only one")
  void accessLevelPropertyShouldReportTheHandlesAccessWhenRead() {
    MessageId id = createMessage("hello");
    try (Message rw = openRw(id); Message ro = openRo(id)) {
      assertThat(integer(rw, ACCESS_LEVEL)).isEqualTo(1);
      assertThat(integer(ro, ACCESS_LEVEL)).isEqualTo(0);
      assertThat(rw.accessLevel().value()).isEqualTo(1);
      assertThat(ro.accessLevel().value()).isEqualTo(0);
    }
  }

  @Test
  @DisplayName("R3: PR_ACCESS reports the caller's permission bits (MODIFY 0x1, READ 0x2, DELETE 0x4)")
  void accessPropertyShouldReportPermissionBitsWhenRead() {
    MessageId id = createMessage("hello");
    try (Message m = openRw(id)) {
      assertThat(integer(m, ACCESS)).isNotNull();
      assertThat(integer(m, ACCESS) & 0x7).isEqualTo(0x7);
    }
  }

  @Test
  @DisplayName("R3: a reviewer's PR_ACCESS has READ but not MODIFY")
  void accessPropertyShouldLackModifyWhenUserIsReviewer() {
    requires(Capability.RIGHTS);
    MessageId id = createMessage("hello");
    inbox().setRights(StoreFixture.OTHER_USER, FolderRights.REVIEWER);
    try (Message m = otherUser().openMessage(id)) {
      int access = integer(m, ACCESS);
      assertThat(access & 0x2).isEqualTo(0x2);
      assertThat(access & 0x1).isZero();
    }
  }

  @Test
  @DisplayName("R3, R32: PR_ACCESS_LEVEL and PR_ACCESS cannot be set by clients")
  void setPropsShouldReportAProblemWhenAccessPropertiesAreSet() {
    MessageId id = createMessage("hello");
    try (Message m = openRw(id)) {
      var problems = m.setProps(PropValue.of(ACCESS_LEVEL, 0), PropValue.of(ACCESS, 0));
      assertThat(problems).extracting(p -> p.tag()).containsExactlyInAnyOrder(ACCESS_LEVEL, ACCESS);
      assertThat(integer(m, ACCESS_LEVEL)).isEqualTo(1);
      assertThat(m.accessLevel()).isEqualTo(AccessLevel.MODIFY);
    }
  }

  @Test
  @DisplayName("R4: opening a message that does not exist fails with NOT_FOUND")
  void openShouldFailWithNotFoundWhenMessageDoesNotExist() {
    expectError(NOT_FOUND, () -> owner().openMessage(MessageId.of(987_654_321L)).close());
    expectError(NOT_FOUND, () -> owner().openMessage(MessageId.of(987_654_321L), MODIFY).close());
  }

  @Test
  @DisplayName("R4: opening a soft-deleted message fails with NOT_FOUND")
  void openShouldFailWithNotFoundWhenMessageIsSoftDeleted() {
    MessageId id = createMessage("gone");
    owner().deleteMessage(id);
    expectError(NOT_FOUND, () -> owner().openMessage(id).close());
    expectError(NOT_FOUND, () -> owner().openMessage(id, MODIFY).close());
  }

  @Test
  @DisplayName("R4: SHOW_SOFT_DELETES opens a soft-deleted message, read-only")
  void openShouldSucceedReadOnlyWhenSoftDeletedMessageIsOpenedWithShowSoftDeletes() {
    MessageId id = createMessage("gone");
    owner().deleteMessage(id);
    try (Message m = owner().openMessage(id, SHOW_SOFT_DELETES)) {
      assertThat(subject(m)).isEqualTo("gone");
      assertThat(m.accessLevel()).isEqualTo(AccessLevel.READ_ONLY);
    }
  }

  @Test
  @DisplayName("R4: a hard-deleted message is NOT_FOUND even with SHOW_SOFT_DELETES")
  void openShouldFailWithNotFoundWhenMessageIsHardDeleted() {
    MessageId id = createMessage("gone");
    owner().deleteMessages(List.of(id), DeleteMode.HARD);
    expectError(NOT_FOUND, () -> owner().openMessage(id).close());
    expectError(NOT_FOUND, () -> owner().openMessage(id, SHOW_SOFT_DELETES).close());
  }

  @Test
  @DisplayName("R5: opening without read rights fails with NO_ACCESS")
  void openShouldFailWithNoAccessWhenUserHasNoRights() {
    requires(Capability.RIGHTS);
    MessageId id = createMessage("private");
    Session bob = otherUser();
    expectError(unreadable(), () -> bob.openMessage(id).close());
    expectError(unreadable(), () -> bob.openMessage(id, BEST_ACCESS).close());
    expectError(unreadable(), () -> bob.openMessage(id, MODIFY).close());
  }

  @Test
  @DisplayName("R5: rights NONE are no read rights")
  void openShouldFailWithNoAccessWhenUserHasRightsNone() {
    requires(Capability.RIGHTS);
    MessageId id = createMessage("private");
    inbox().setRights(StoreFixture.OTHER_USER, FolderRights.NONE);
    expectError(unreadable(), () -> otherUser().openMessage(id).close());
  }

  @Test
  @DisplayName("R5: a folder cannot be opened without read rights")
  void openFolderShouldFailWithNoAccessWhenUserHasNoRights() {
    requires(Capability.RIGHTS);
    Session bob = otherUser();
    expectError(unreadable(), () -> bob.openFolder(inbox().id()));
  }

  /** R5's NO_ACCESS, or NOT_FOUND where unreadable objects are hidden (ADR 0009). */
  private msgstore.api.MapiError unreadable() {
    return fx().has(Capability.NO_ACCESS_REVEALS_EXISTENCE) ? NO_ACCESS : NOT_FOUND;
  }

  @Test
  @DisplayName("R6: a handle's view is a snapshot, not refreshed by later commits of others")
  void handleViewShouldStayTheSameWhenAnotherHandleCommits() {
    MessageId id = createMessage("v1");
    try (Message early = openRo(id); Message earlyRw = openRw(id)) {
      var base = early.baseChangeNumber();
      commitSubject(id, "v2");
      assertThat(subject(early)).isEqualTo("v1");
      assertThat(subject(earlyRw)).isEqualTo("v1");
      assertThat(early.baseChangeNumber()).isEqualTo(base);
      assertThat(earlyRw.baseChangeNumber()).isEqualTo(base);
    }
  }

  @Test
  @DisplayName("R7: a handle opened after a commit sees it; its base is the current version")
  void openShouldSeeTheLatestCommitWhenOpenedAfterIt() {
    MessageId id = createMessage("v1");
    var r = commitSubject(id, "v2");
    try (Message m = openRo(id)) {
      assertThat(subject(m)).isEqualTo("v2");
      assertThat(m.baseChangeNumber()).contains(r.changeNumber());
      assertThat(m.baseChangeKey()).contains(r.changeKey());
    }
  }

  @Test
  @DisplayName("R96: PR_ENTRYID stays the same across saves; opens by it get the latest version")
  void entryIdShouldStayTheSameWhenMessageIsSavedAgain() {
    MessageId id = createMessage("v1");
    byte[] before;
    try (Message m = openRo(id)) {
      before = binary(m, ENTRYID);
    }
    assertThat(before).isNotNull().isNotEmpty();
    commitSubject(id, "v2");
    commitSubject(id, "v3");
    try (Message m = openRo(id)) {
      assertThat(binary(m, ENTRYID)).isEqualTo(before);
      assertThat(m.id()).contains(id);
      assertThat(subject(m)).isEqualTo("v3");
    }
  }

  @Test
  @DisplayName("R96: different messages have different entry ids")
  void entryIdShouldDifferWhenMessagesDiffer() {
    MessageId a = createMessage("a");
    MessageId b = createMessage("b");
    assertThat(a).isNotEqualTo(b);
    assertThat(committedProp(a, ENTRYID)).isNotEqualTo(committedProp(b, ENTRYID));
  }

  @Test
  @DisplayName("R96: PR_ENTRYID converts to the MessageId and back; a folder's or another store's entry id is refused")
  void entryIdShouldConvertToTheMessageIdAndBackWhenReadFromAHandle() {
    MessageId id = createMessage("by entry id");
    byte[] eid;
    try (Message m = openRo(id)) {
      eid = binary(m, ENTRYID);
      byte[] parent = binary(m, PropTags.PARENT_ENTRYID);
      expectError(MapiError.INVALID_ENTRYID, () -> MessageId.fromEntryId(parent));
    }
    assertThat(MessageId.fromEntryId(eid)).isEqualTo(id);
    assertThat(MessageId.fromEntryId(storeId(), eid)).isEqualTo(id);
    assertThat(MessageId.storeOfEntryId(eid)).isEqualTo(storeId());
    assertThat(id.toEntryId(storeId())).isEqualTo(eid);
    try (Message m = owner().openMessage(MessageId.fromEntryId(storeId(), eid))) {
      assertThat(subject(m)).isEqualTo("by entry id");
    }
    StoreId elsewhere = new StoreId(java.util.UUID.randomUUID());
    expectError(MapiError.UNKNOWN_ENTRYID, () -> MessageId.fromEntryId(elsewhere, eid));
  }
}
