package msgstore.client;

import static msgstore.api.PropTags.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import msgstore.api.ContentRef;
import msgstore.api.MessageSnapshot;
import msgstore.api.MessageSnapshot.AttachmentSnapshot;
import msgstore.api.OpenFlag;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.RecipientOp;
import msgstore.protocol.Op;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The ops that bring a server-side handle to a client handle's state, without a server. */
class SyncTest {
  private static final ContentRef REF = new ContentRef("ab".repeat(32), 3);

  @Test
  @DisplayName("property sync deletes what is gone, then sets only what differs")
  void propsShouldDeleteMissingAndSetChangedWhenStatesDiffer() {
    OpLog log = new OpLog();
    Sync.props(log, 0, List.of(PropValue.of(SUBJECT, "a"), PropValue.of(BODY, "b"), PropValue.of(IMPORTANCE, 1)),
        List.of(PropValue.of(SUBJECT, "a"), PropValue.of(IMPORTANCE, 2)));
    assertThat(log.ops()).containsExactly(new Op.DeleteProps(0, List.of(BODY)),
        new Op.SetProps(0, List.of(PropValue.of(IMPORTANCE, 2))));
  }

  @Test
  @DisplayName("message sync removes, modifies and adds recipient rows by row id")
  void messageShouldSyncRecipientsByRowIdWhenRowsDiffer() {
    Recipient anna = new Recipient(1, List.of(PropValue.of(DISPLAY_NAME, "Anna")));
    Recipient ben = new Recipient(2, List.of(PropValue.of(DISPLAY_NAME, "Ben")));
    Recipient ben2 = new Recipient(2, List.of(PropValue.of(DISPLAY_NAME, "Benjamin")));
    Recipient cid = new Recipient(3, List.of(PropValue.of(DISPLAY_NAME, "Cid")));
    OpLog log = new OpLog();
    Sync.message(log, 0, Sync.content(List.of(), List.of(anna, ben), List.of()),
        Sync.content(List.of(), List.of(ben2, cid), List.of()), new int[] {0});
    assertThat(log.ops()).containsExactly(
        new Op.ModifyRecipients(0, RecipientOp.REMOVE, List.of(new Recipient(1, List.of()))),
        new Op.ModifyRecipients(0, RecipientOp.MODIFY, List.of(ben2)),
        new Op.ModifyRecipients(0, RecipientOp.ADD, List.of(cid)));
  }

  @Test
  @DisplayName("a new attachment numbered past the server's next number burns the numbers in between")
  void messageShouldBurnAttachmentNumbersWhenTheServerWouldNumberLower() {
    AttachmentSnapshot a3 = new AttachmentSnapshot(3, List.of(PropValue.of(ATTACH_LONG_FILENAME, "x"),
        PropValue.of(ATTACH_METHOD, ATTACH_BY_VALUE)), Optional.of(REF), Optional.empty());
    OpLog log = new OpLog();
    int[] next = {1};
    Sync.message(log, 0, Sync.content(List.of(), List.of(), List.of()), Sync.content(List.of(), List.of(), List.of(a3)),
        next);
    assertThat(log.ops()).containsExactly(
        new Op.CreateAttachment(0, 1), new Op.Close(1),
        new Op.CreateAttachment(0, 2), new Op.Close(2),
        new Op.CreateAttachment(0, 3),
        new Op.WriteContent(3, REF),
        new Op.SetProps(3, List.of(PropValue.of(ATTACH_LONG_FILENAME, "x"))),
        new Op.SaveChanges(3, Set.of()));
    assertThat(next[0]).isEqualTo(4);
  }

  @Test
  @DisplayName("an attachment gaining an embedded message is synced through an embedded handle")
  void attachmentShouldOpenTheEmbeddedMessageWhenItDiffers() {
    MessageSnapshot inner = Sync.content(List.of(PropValue.of(MESSAGE_CLASS, "IPM.Note"), PropValue.of(SUBJECT, "in")),
        List.of(), List.of());
    OpLog log = new OpLog();
    int w = log.alloc();
    Sync.attachment(log, w, Sync.emptyAttachment(0), new AttachmentSnapshot(0,
        List.of(PropValue.of(ATTACH_METHOD, ATTACH_EMBEDDED_MSG)), Optional.empty(), Optional.of(inner)));
    assertThat(log.ops()).containsExactly(
        new Op.OpenEmbeddedMessage(w, Set.of(OpenFlag.MODIFY), 2),
        new Op.SetProps(2, List.of(PropValue.of(SUBJECT, "in"))),
        new Op.SaveChanges(2, Set.of()));
  }

  @Test
  @DisplayName("a reset log starts a new epoch with handle numbers from 1")
  void resetShouldStartANewEpochWhenTheMessageWasSaved() {
    OpLog log = new OpLog();
    log.add(new Op.CreateAttachment(0, log.alloc()));
    int before = log.epoch();
    log.reset();
    assertThat(log.ops()).isEmpty();
    assertThat(log.epoch()).isEqualTo(before + 1);
    assertThat(log.alloc()).isEqualTo(1);
  }
}
