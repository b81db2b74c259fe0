package msgstore.testkit;

import static msgstore.api.PropTags.BODY;
import static msgstore.api.PropTags.SUBJECT;
import static msgstore.api.SaveFlag.KEEP_OPEN_READWRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import msgstore.api.ChangeKey;
import msgstore.api.ChangeNumber;
import msgstore.api.FolderRights;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.PredecessorChangeList;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.SaveResult;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Spec section 9, change tracking: change number, change key, PCL and timestamps (R61-R67). Part
 * of {@link MessageStoreContract}.
 */
public abstract class ChangeTrackingRules extends ContractSupport {

  private static Instant ms(Instant t) {
    return t.truncatedTo(ChronoUnit.MILLIS);
  }

  private Instant committedTime(MessageId id, msgstore.api.PropTag tag) {
    return committedProp(id, tag).map(PropValue::asInstant).orElseThrow(() -> new AssertionError(tag + " missing on " + id));
  }

  @Test
  @DisplayName("R61: every commit gets a new, larger change number from one per-store counter, stored as PR_CHANGE_NUMBER")
  void changeNumbersShouldIncreaseStrictlyWhenCommitsFollowEachOther() {
    List<ChangeNumber> seen = new ArrayList<>();
    MessageId a = createMessage("a");
    seen.add(currentCn(a));
    MessageId b = createMessage("b");
    seen.add(currentCn(b));
    seen.add(commitSubject(a, "a2").changeNumber());
    seen.add(commitSubject(b, "b2").changeNumber());
    seen.add(commitSubject(a, "a3").changeNumber());
    assertThat(seen).isSortedAccordingTo(ChangeNumber::compareTo).doesNotHaveDuplicates();
    assertThat(committedProp(a, PropTags.CHANGE_NUMBER).map(PropValue::asLong)).contains(seen.getLast().value());
  }

  @Test
  @DisplayName("R61: a move target gets a new change number")
  void moveShouldGiveTheMessageANewChangeNumberWhenMoved() {
    MessageId id = createMessage("m");
    ChangeNumber before = currentCn(id);
    MessageId moved = owner().moveMessage(id, drafts().id());
    assertThat(currentCn(moved)).isGreaterThan(before);
  }

  @Test
  @DisplayName("R62: PR_CHANGE_KEY is 22 bytes: store GUID and the 6-byte big-endian change number")
  void changeKeyShouldBeTheStoreGuidAndTheCounterWhenCommitted() {
    MessageId id = createMessage("ck");
    SaveResult r = commitSubject(id, "ck2");
    try (Message m = openRo(id)) {
      byte[] ck = binary(m, PropTags.CHANGE_KEY);
      assertThat(ck).hasSize(22);
      assertThat(ck).isEqualTo(ChangeKey.of(storeId(), r.changeNumber()).toBytes());
      assertThat(ChangeKey.fromBytes(ck).namespace()).isEqualTo(storeId().guid());
      assertThat(m.baseChangeKey()).contains(ChangeKey.fromBytes(ck));
      long counter = 0;
      for (int i = 16; i < 22; i++) {
        counter = (counter << 8) | (ck[i] & 0xFF);
      }
      assertThat(counter).isEqualTo(r.changeNumber().value());
    }
  }

  @Test
  @DisplayName("R62: change keys of later commits sort after earlier ones byte-wise")
  void changeKeysShouldSortInCommitOrderWhenComparedByteWise() {
    MessageId id = createMessage("v0");
    byte[] previous = committedProp(id, PropTags.CHANGE_KEY).orElseThrow().asBytes();
    for (int i = 1; i <= 3; i++) {
      commitSubject(id, "v" + i);
      byte[] next = committedProp(id, PropTags.CHANGE_KEY).orElseThrow().asBytes();
      assertThat(Arrays.compareUnsigned(previous, next)).isNegative();
      previous = next;
    }
  }

  @Test
  @DisplayName("R63: the PCL of a local version is exactly {its change key}, serialised as (22, XID)")
  void predecessorChangeListShouldHoldOnlyTheNewChangeKeyWhenAllChangesAreLocal() {
    MessageId id = createMessage("v1");
    for (int i = 2; i <= 3; i++) {
      SaveResult r = commitSubject(id, "v" + i);
      byte[] pcl = committedProp(id, PropTags.PREDECESSOR_CHANGE_LIST).orElseThrow().asBytes();
      assertThat(pcl).hasSize(23);
      assertThat(pcl[0]).isEqualTo((byte) 22);
      assertThat(pcl).isEqualTo(PredecessorChangeList.of(r.changeKey()).toBytes());
    }
  }

  @Test
  @DisplayName("R65, R66: PR_LAST_MODIFICATION_TIME and PR_LOCAL_COMMIT_TIME are the commit time, and move forward")
  void modificationTimesShouldBeTheCommitTimeWhenCommitted() {
    MessageId id = createMessage("v1");
    Instant first = committedTime(id, PropTags.LAST_MODIFICATION_TIME);
    assertThat(ms(committedTime(id, PropTags.LOCAL_COMMIT_TIME))).isEqualTo(ms(first));
    commitSubject(id, "v2");
    Instant second = committedTime(id, PropTags.LAST_MODIFICATION_TIME);
    assertThat(second).isAfterOrEqualTo(first);
    assertThat(ms(committedTime(id, PropTags.LOCAL_COMMIT_TIME))).isEqualTo(ms(second));
    if (fx().has(Capability.HISTORY)) {
      assertThat(ms(owner().versions(id).getFirst().committedAt())).isEqualTo(ms(second));
    }
  }

  @Test
  @DisplayName("R65: PR_LAST_MODIFIER_NAME is the committing user")
  void lastModifierShouldBeTheCommittingUserWhenSaved() {
    MessageId id = createMessage("v1");
    assertThat(committedProp(id, PropTags.LAST_MODIFIER_NAME).map(PropValue::asString)).contains(StoreFixture.OWNER);
    if (fx().has(Capability.RIGHTS)) {
      inbox().setRights(StoreFixture.OTHER_USER, FolderRights.EDITOR);
      try (Message m = otherUser().openMessage(id, msgstore.api.OpenFlag.MODIFY)) {
        m.set(SUBJECT, "by bob");
        m.saveChanges(KEEP_OPEN_READWRITE);
      }
      assertThat(committedProp(id, PropTags.LAST_MODIFIER_NAME).map(PropValue::asString)).contains(StoreFixture.OTHER_USER);
    }
  }

  @Test
  @DisplayName("R65, R32: a client value of PR_LAST_MODIFICATION_TIME after the first save is dropped")
  void lastModificationTimeShouldIgnoreClientValuesWhenMessageWasSaved() {
    MessageId id = createMessage("v1");
    Instant bogus = Instant.parse("1999-12-31T23:59:59Z");
    try (Message m = openRw(id)) {
      m.setProps(PropValue.of(PropTags.LAST_MODIFICATION_TIME, bogus));
      m.set(BODY, "b");
      m.saveChanges(KEEP_OPEN_READWRITE);
    }
    assertThat(committedTime(id, PropTags.LAST_MODIFICATION_TIME)).isNotEqualTo(bogus);
  }

  @Test
  @DisplayName("R67: creation sets PR_CREATION_TIME equal to PR_LAST_MODIFICATION_TIME, PR_SEARCH_KEY and access level 1")
  void creationShouldSetTheInitialPropertiesWhenMessageIsFirstSaved() {
    MessageId id = createMessage("new");
    try (Message m = openRw(id)) {
      Instant created = m.getProp(PropTags.CREATION_TIME).orElseThrow().asInstant();
      assertThat(ms(created)).isEqualTo(ms(m.getProp(PropTags.LAST_MODIFICATION_TIME).orElseThrow().asInstant()));
      assertThat(m.getProp(PropTags.SEARCH_KEY)).isPresent();
      assertThat(integer(m, PropTags.ACCESS_LEVEL)).isEqualTo(1);
    }
    commitSubject(id, "changed");
    try (Message m = openRo(id)) {
      Instant created = m.getProp(PropTags.CREATION_TIME).orElseThrow().asInstant();
      assertThat(m.getProp(PropTags.LAST_MODIFICATION_TIME).orElseThrow().asInstant()).isAfterOrEqualTo(created);
    }
  }

  @Test
  @DisplayName("R67: PR_CREATION_TIME never changes after creation")
  void creationTimeShouldStayTheSameWhenMessageIsSavedAgain() {
    MessageId id = createMessage("new");
    Instant created = committedTime(id, PropTags.CREATION_TIME);
    commitSubject(id, "v2");
    commitSubject(id, "v3");
    assertThat(committedTime(id, PropTags.CREATION_TIME)).isEqualTo(created);
  }

  @Test
  @DisplayName("PR_MESSAGE_SIZE is computed and grows with the content")
  void messageSizeShouldGrowWhenContentGrows() {
    MessageId id = createMessage("small");
    int small = committedProp(id, PropTags.MESSAGE_SIZE).orElseThrow().asInt();
    commit(id, m -> m.set(BODY, repeat('x', 20_000)));
    int big = committedProp(id, PropTags.MESSAGE_SIZE).orElseThrow().asInt();
    assertThat(small).isPositive();
    assertThat(big).isGreaterThan(small + 10_000);
  }
}
