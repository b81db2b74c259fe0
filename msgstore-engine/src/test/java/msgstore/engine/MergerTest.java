package msgstore.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import msgstore.api.MergeMode;
import msgstore.api.MergeReport;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import org.junit.jupiter.api.Test;

class MergerTest {
  private static Content props(PropValue... p) {
    return new Content(Content.sorted(List.of(p)), List.of(), List.of());
  }

  private static PropValue subject(String s) {
    return PropValue.of(PropTags.SUBJECT, s);
  }

  private static PropValue body(String s) {
    return PropValue.of(PropTags.BODY, s);
  }

  private static PropValue sensitivity(int s) {
    return PropValue.of(PropTags.SENSITIVITY, s);
  }

  @Test
  void unitsChangedByOneSideShouldTakeThatSidesValue() { // R88
    Content base = props(subject("a"), body("x"));
    Merger.Result r = Merger.merge(base, props(subject("ours"), body("x")), props(subject("a"), body("theirs")),
        MergeMode.NEVER_OVERWRITE);
    assertThat(r.merged().get(PropTags.SUBJECT)).contains(subject("ours"));
    assertThat(r.merged().get(PropTags.BODY)).contains(body("theirs"));
    assertThat(r.report().hasConflicts()).isFalse();
    assertThat(r.report().changes()).extracting(MergeReport.UnitChange::side)
        .containsExactlyInAnyOrder(MergeReport.Side.OURS, MergeReport.Side.THEIRS);
  }

  @Test
  void unitChangedByBothSidesShouldBeAConflictThatOursWinsUnderAlwaysOverwrite() { // R88, R89
    Content base = props(subject("a"));
    Merger.Result r = Merger.merge(base, props(subject("ours")), props(subject("theirs")), MergeMode.ALWAYS_OVERWRITE);
    assertThat(r.report().conflicts()).hasSize(1);
    assertThat(r.merged().get(PropTags.SUBJECT)).contains(subject("ours"));
  }

  @Test
  void autoResolveShouldKeepTheMoreRestrictiveSensitivity() { // R89, the EWS example
    Content base = props(sensitivity(PropTags.SENSITIVITY_NONE));
    Merger.Result r = Merger.merge(base, props(sensitivity(PropTags.SENSITIVITY_NONE + 1)),
        props(sensitivity(PropTags.SENSITIVITY_CONFIDENTIAL)), MergeMode.AUTO_RESOLVE);
    assertThat(r.merged().get(PropTags.SENSITIVITY)).contains(sensitivity(PropTags.SENSITIVITY_CONFIDENTIAL));
    Merger.Result r2 = Merger.merge(base, props(sensitivity(PropTags.SENSITIVITY_CONFIDENTIAL)),
        props(sensitivity(PropTags.SENSITIVITY_PERSONAL)), MergeMode.AUTO_RESOLVE);
    assertThat(r2.merged().get(PropTags.SENSITIVITY)).contains(sensitivity(PropTags.SENSITIVITY_CONFIDENTIAL));
  }

  @Test
  void deletionByOneSideShouldBeMerged() { // R88
    Content base = props(subject("a"), body("x"));
    Merger.Result r = Merger.merge(base, props(subject("a")), props(subject("b"), body("x")), MergeMode.NEVER_OVERWRITE);
    assertThat(r.merged().get(PropTags.BODY)).isEmpty();
    assertThat(r.merged().get(PropTags.SUBJECT)).contains(subject("b"));
  }

  @Test
  void recipientsAddedByBothSidesUnderTheSameRowIdShouldBothBeKept() { // R88 by PR_ROWID
    Recipient bob = Recipient.of(PropTags.MAPI_TO, "Bob", "bob@example.org").withRowId(1);
    Recipient carol = Recipient.of(PropTags.MAPI_TO, "Carol", "carol@example.org").withRowId(1);
    Content base = Content.EMPTY;
    Merger.Result r = Merger.merge(base, new Content(List.of(), List.of(bob), List.of()),
        new Content(List.of(), List.of(carol), List.of()), MergeMode.NEVER_OVERWRITE);
    assertThat(r.report().hasConflicts()).isFalse();
    assertThat(r.merged().recipients()).extracting(Recipient::rowId).containsExactly(1, 2);
    assertThat(r.merged().recipients().get(0)).isEqualTo(carol);
  }

  @Test
  void storeComputedPropertiesShouldNotBeMergeUnits() {
    Content base = props(PropValue.of(PropTags.CHANGE_NUMBER, 1L));
    Merger.Result r = Merger.merge(base, props(PropValue.of(PropTags.CHANGE_NUMBER, 1L)),
        props(PropValue.of(PropTags.CHANGE_NUMBER, 5L)), MergeMode.NEVER_OVERWRITE);
    assertThat(r.report().changes()).isEmpty();
  }
}
