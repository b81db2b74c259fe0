package msgstore.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import msgstore.api.MapiError;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import org.junit.jupiter.api.Test;

class AttachmentTableTest {
  /** How a side might hold an attachment: its number and properties. */
  record Att(int num, List<PropValue> props) {}

  private static AttachmentTable<Att> table(Att... base) {
    return new AttachmentTable<>(List.of(base), Att::num, Att::props, () -> "message 1");
  }

  @Test
  void numbersAreGivenInOrderAndNeverAgainEvenAfterASave() { // R50, R56
    AttachmentTable<Att> t = table(new Att(0, List.of()), new Att(3, List.of()));
    assertThat(t.allocate()).isEqualTo(4);
    t.delete(3);
    assertThat(t.allocate()).isEqualTo(5);
    t.rebase(List.of(new Att(0, List.of())));
    assertThat(t.allocate()).as("a handle still open on 4 or 5 keeps meaning that attachment").isEqualTo(6);
  }

  @Test
  void aMissingAttachmentIsNotFoundNamingTheMessage() {
    AttachmentTable<Att> t = table(new Att(0, List.of()));
    assertThatThrownBy(() -> t.require(2)).hasMessageEndingWith("attachment 2 not found in message 1");
    assertThat(Errors.code(() -> t.delete(2))).isEqualTo(MapiError.NOT_FOUND);
    assertThat(t.require(0)).isEqualTo(new Att(0, List.of()));
  }

  @Test
  void anAttachmentSaveLandsInTheTableUpToTheLimitOfNewOnes() { // R51
    AttachmentTable<Att> t = table(new Att(0, List.of()));
    t.put(new Att(0, List.of(PropValue.of(PropTags.DISPLAY_NAME, "again"))), 1);
    assertThat(t.get(0).props()).hasSize(1);
    assertThatThrownBy(() -> t.put(new Att(1, List.of()), 1)).hasMessageEndingWith("message 1 already has 1 attachments, the limit");
    assertThat(t.contains(1)).isFalse();
  }

  @Test
  void hiddenAttachmentsDoNotCountAsAttachments() { // R71 (PR_HASATTACH)
    AttachmentTable<Att> t = table(new Att(0, List.of(PropValue.of(PropTags.ATTACHMENT_HIDDEN, true))));
    assertThat(t.hasAttachments()).isFalse();
    t.put(new Att(1, List.of()), 10);
    assertThat(t.hasAttachments()).isTrue();
  }
}
