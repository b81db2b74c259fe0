package msgstore.testkit;

import static msgstore.api.PropTags.BODY;
import static msgstore.api.PropTags.IMPORTANCE;
import static msgstore.api.PropTags.SENSITIVITY;
import static msgstore.api.PropTags.SUBJECT;
import static msgstore.api.SaveFlag.KEEP_OPEN_READWRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import msgstore.api.EventScope;
import msgstore.api.EventType;
import msgstore.api.MergeMode;
import msgstore.api.MergeReport;
import msgstore.api.MergeReport.PropertyUnit;
import msgstore.api.MergeReport.Side;
import msgstore.api.MergeReport.UnitChange;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.MessageSnapshot;
import msgstore.api.ObjectChangedException;
import msgstore.api.PredecessorChangeList;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.SaveOptions;
import msgstore.api.SaveResult;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Spec section 13, the EWS-style three-way merge on save (EXT R87-R93). Part of {@link MessageStoreContract}. */
public abstract class MergeRules extends ContractSupport {

  @BeforeEach
  void requireMerge() {
    requires(Capability.MERGE);
  }

  private MessageId baseMessage() {
    return createMessage(inbox(),
        PropValue.of(SUBJECT, "base subject"), PropValue.of(BODY, "base body"),
        PropValue.of(IMPORTANCE, 1), PropValue.of(SENSITIVITY, PropTags.SENSITIVITY_PRIVATE));
  }

  private static UnitChange unit(MergeReport r, PropTag tag) {
    return r.changes().stream().filter(c -> c.unit().equals(new PropertyUnit(tag))).findFirst()
        .orElseThrow(() -> new AssertionError("no unit for " + tag + " in " + r));
  }

  @ParameterizedTest
  @EnumSource(value = MergeMode.class, names = {"NEVER_OVERWRITE", "AUTO_RESOLVE", "ALWAYS_OVERWRITE"})
  @DisplayName("R88, R89: without conflicting units every mode applies ours on top of theirs")
  void mergeSaveShouldKeepBothSidesEditsWhenNoUnitConflicts(MergeMode mode) {
    MessageId id = baseMessage();
    try (Message h = openRw(id)) {
      commit(id, m -> m.set(BODY, "their body"));
      h.set(SUBJECT, "my subject");
      SaveResult r = h.saveChanges(SaveOptions.merge(mode, KEEP_OPEN_READWRITE));
      assertThat(r.committed()).isTrue();
      MergeReport report = r.mergeReport().orElseThrow();
      assertThat(report.mode()).isEqualTo(mode);
      assertThat(report.hasConflicts()).isFalse();
      assertThat(unit(report, SUBJECT).side()).isEqualTo(Side.OURS);
      assertThat(unit(report, BODY).side()).isEqualTo(Side.THEIRS);
      assertThat(h.baseChangeNumber()).contains(r.changeNumber());
    }
    MessageSnapshot s = committed(id);
    assertThat(string(s, SUBJECT)).isEqualTo("my subject");
    assertThat(string(s, BODY)).isEqualTo("their body");
  }

  @Test
  @DisplayName("R89: NEVER_OVERWRITE with a conflict fails with OBJECT_CHANGED, writes nothing, and reports the conflict")
  void neverOverwriteShouldFailWithObjectChangedWhenAUnitConflicts() {
    MessageId id = baseMessage();
    try (Message h = openRw(id)) {
      SaveResult theirs = commit(id, m -> {
        m.set(SUBJECT, "their subject");
        m.set(BODY, "their body");
      });
      long journal = journalPosition();
      h.set(SUBJECT, "my subject");
      h.set(IMPORTANCE, 2);
      ObjectChangedException e = expectObjectChanged(
          () -> h.saveChanges(SaveOptions.merge(MergeMode.NEVER_OVERWRITE, KEEP_OPEN_READWRITE)));
      MergeReport report = e.mergeReport().orElseThrow();
      assertThat(report.conflicts()).extracting(UnitChange::unit).containsExactly(new PropertyUnit(SUBJECT));
      UnitChange subject = unit(report, SUBJECT);
      assertThat(subject.base()).isEqualTo(PropValue.of(SUBJECT, "base subject"));
      assertThat(subject.ours()).isEqualTo(PropValue.of(SUBJECT, "my subject"));
      assertThat(subject.theirs()).isEqualTo(PropValue.of(SUBJECT, "their subject"));
      assertThat(currentCn(id)).isEqualTo(theirs.changeNumber());
      assertThat(journalPosition()).isEqualTo(journal);
      assertThat(subject(h)).isEqualTo("my subject");
      assertThat(h.isOpen()).isTrue();
    }
    assertThat(committedSubject(id)).isEqualTo("their subject");
  }

  @Test
  @DisplayName("R89, R93: ALWAYS_OVERWRITE: ours wins on conflicts, theirs is kept elsewhere (delta force)")
  void alwaysOverwriteShouldTakeOursOnConflictsAndKeepTheirsElsewhereWhenMerging() {
    MessageId id = baseMessage();
    try (Message h = openRw(id)) {
      commit(id, m -> {
        m.set(SUBJECT, "their subject");
        m.set(BODY, "their body");
      });
      h.set(SUBJECT, "my subject");
      SaveResult r = h.saveChanges(SaveOptions.merge(MergeMode.ALWAYS_OVERWRITE, KEEP_OPEN_READWRITE));
      UnitChange subject = unit(r.mergeReport().orElseThrow(), SUBJECT);
      assertThat(subject.side()).isEqualTo(Side.BOTH);
      assertThat(subject.outcome()).isEqualTo(MergeReport.Outcome.OURS);
    }
    MessageSnapshot s = committed(id);
    assertThat(string(s, SUBJECT)).isEqualTo("my subject");
    assertThat(string(s, BODY)).isEqualTo("their body");
  }

  @Test
  @DisplayName("R89: AUTO_RESOLVE: ours wins on conflicts except PR_SENSITIVITY, which keeps the more restrictive value")
  void autoResolveShouldKeepTheMoreRestrictiveSensitivityWhenBothChangedIt() {
    MessageId id = baseMessage();
    try (Message h = openRw(id)) {
      commit(id, m -> {
        m.set(SENSITIVITY, PropTags.SENSITIVITY_CONFIDENTIAL);
        m.set(SUBJECT, "their subject");
      });
      h.set(SENSITIVITY, PropTags.SENSITIVITY_NONE);
      h.set(SUBJECT, "my subject");
      SaveResult r = h.saveChanges(SaveOptions.merge(MergeMode.AUTO_RESOLVE, KEEP_OPEN_READWRITE));
      MergeReport report = r.mergeReport().orElseThrow();
      assertThat(unit(report, SENSITIVITY).outcome()).isEqualTo(MergeReport.Outcome.THEIRS);
      assertThat(unit(report, SUBJECT).outcome()).isEqualTo(MergeReport.Outcome.OURS);
    }
    MessageSnapshot s = committed(id);
    assertThat(s.get(SENSITIVITY)).contains(PropValue.of(SENSITIVITY, PropTags.SENSITIVITY_CONFIDENTIAL));
    assertThat(string(s, SUBJECT)).isEqualTo("my subject");
  }

  @Test
  @DisplayName("R89: AUTO_RESOLVE keeps our PR_SENSITIVITY when ours is the more restrictive")
  void autoResolveShouldTakeOurSensitivityWhenOursIsMoreRestrictive() {
    MessageId id = baseMessage();
    try (Message h = openRw(id)) {
      commit(id, m -> m.set(SENSITIVITY, PropTags.SENSITIVITY_PERSONAL));
      h.set(SENSITIVITY, PropTags.SENSITIVITY_CONFIDENTIAL);
      h.saveChanges(SaveOptions.merge(MergeMode.AUTO_RESOLVE, KEEP_OPEN_READWRITE));
    }
    assertThat(committedProp(id, SENSITIVITY)).contains(PropValue.of(SENSITIVITY, PropTags.SENSITIVITY_CONFIDENTIAL));
  }

  @Test
  @DisplayName("R88: recipient rows merge by PR_ROWID")
  void mergeSaveShouldMergeRecipientRowsWhenSidesChangedDifferentRows() {
    MessageId id = createMessage(inbox(), m -> {
      m.set(SUBJECT, "s");
      addRecipients(m, to("Anna"));
    });
    try (Message h = openRw(id)) {
      commit(id, m -> m.modifyRecipients(msgstore.api.RecipientOp.MODIFY,
          List.of(new msgstore.api.Recipient(recipientNamed(m, "Anna").rowId(), to("Anna Theirs").props()))));
      addRecipients(h, to("Ben"));
      h.saveChanges(SaveOptions.merge(MergeMode.NEVER_OVERWRITE, KEEP_OPEN_READWRITE));
    }
    assertThat(committedRecipientNames(id)).containsExactlyInAnyOrder("Anna Theirs", "Ben");
  }

  @Test
  @DisplayName("R88: an attachment added by us merges with a property changed by them")
  void mergeSaveShouldKeepOurNewAttachmentWhenTheyChangedAProperty() {
    MessageId id = baseMessage();
    try (Message h = openRw(id)) {
      commit(id, m -> m.set(BODY, "their body"));
      addAttachment(h, "mine.txt");
      h.saveChanges(SaveOptions.merge(MergeMode.AUTO_RESOLVE, KEEP_OPEN_READWRITE));
    }
    assertThat(committedAttachmentNames(id)).containsExactly("mine.txt");
    assertThat(committedProp(id, BODY)).contains(PropValue.of(BODY, "their body"));
  }

  @Test
  @DisplayName("R90: a merge is a new version with PCL = merge of both plus the new key, and one OBJECT_MODIFIED")
  void mergeSaveShouldCommitANewVersionWhenMerged() {
    MessageId id = baseMessage();
    EventRecorder rec = fx().has(Capability.NOTIFICATIONS) ? subscribe(EventScope.message(id), EventType.all()) : null;
    SaveResult r;
    SaveResult theirs;
    try (Message h = openRw(id)) {
      theirs = commit(id, m -> m.set(BODY, "their body"));
      h.set(SUBJECT, "mine");
      r = h.saveChanges(SaveOptions.merge(MergeMode.AUTO_RESOLVE, KEEP_OPEN_READWRITE));
    }
    assertThat(r.changeNumber()).isGreaterThan(theirs.changeNumber());
    byte[] pcl = committedProp(id, PropTags.PREDECESSOR_CHANGE_LIST).orElseThrow().asBytes();
    assertThat(PredecessorChangeList.fromBytes(pcl).entries()).containsExactly(r.changeKey());
    if (rec != null) {
      rec.await(modifiedTo(id, r.changeNumber()), "merge commit");
    }
    if (fx().has(Capability.HISTORY)) {
      assertThat(owner().versions(id).getFirst().kind()).isEqualTo(msgstore.api.VersionInfo.VersionKind.MERGED);
    }
  }

  @ParameterizedTest
  @EnumSource(value = MergeMode.class, names = {"NEVER_OVERWRITE", "AUTO_RESOLVE", "ALWAYS_OVERWRITE"})
  @DisplayName("R92: a merge-mode save on a current handle is a normal save")
  void mergeSaveShouldBehaveLikeANormalSaveWhenHandleIsCurrent(MergeMode mode) {
    MessageId id = baseMessage();
    try (Message h = openRw(id)) {
      h.set(SUBJECT, "mine");
      SaveResult r = h.saveChanges(SaveOptions.merge(mode, KEEP_OPEN_READWRITE));
      assertThat(r.committed()).isTrue();
      assertThat(h.baseChangeNumber()).contains(r.changeNumber());
      SaveResult noop = h.saveChanges(SaveOptions.merge(mode, KEEP_OPEN_READWRITE));
      assertThat(noop.committed()).isFalse();
    }
    assertThat(committedSubject(id)).isEqualTo("mine");
  }

  @Test
  @DisplayName("X6: previewMerge reports each side's changes and writes nothing")
  void previewMergeShouldReportWithoutWritingWhenCalled() {
    MessageId id = baseMessage();
    try (Message h = openRw(id)) {
      SaveResult theirs = commit(id, m -> {
        m.set(SUBJECT, "their subject");
        m.set(BODY, "their body");
      });
      long journal = journalPosition();
      h.set(SUBJECT, "my subject");
      h.set(IMPORTANCE, 2);
      MergeReport preview = h.previewMerge(MergeMode.AUTO_RESOLVE);
      assertThat(unit(preview, SUBJECT).side()).isEqualTo(Side.BOTH);
      assertThat(unit(preview, BODY).side()).isEqualTo(Side.THEIRS);
      assertThat(unit(preview, IMPORTANCE).side()).isEqualTo(Side.OURS);
      assertThat(unit(preview, IMPORTANCE).outcome()).isEqualTo(MergeReport.Outcome.OURS);
      assertThat(preview.hasConflicts()).isTrue();
      assertThat(currentCn(id)).isEqualTo(theirs.changeNumber());
      assertThat(journalPosition()).isEqualTo(journal);
      assertThat(subject(h)).isEqualTo("my subject");
      assertThat(h.baseChangeNumber()).isNotEqualTo(java.util.Optional.of(theirs.changeNumber()));
    }
  }
}
