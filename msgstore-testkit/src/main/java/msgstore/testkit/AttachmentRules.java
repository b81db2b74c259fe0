package msgstore.testkit;

import static msgstore.api.MapiError.INVALID_OBJECT;
import static msgstore.api.MapiError.INVALID_PARAMETER;
import static msgstore.api.MapiError.NOT_FOUND;
import static msgstore.api.MapiError.NO_ACCESS;
import static msgstore.api.MapiError.TOO_BIG;
import static msgstore.api.PropTags.ATTACH_LONG_FILENAME;
import static msgstore.api.PropTags.SUBJECT;
import static msgstore.api.SaveFlag.FORCE_SAVE;
import static msgstore.api.SaveFlag.KEEP_OPEN_READONLY;
import static msgstore.api.SaveFlag.KEEP_OPEN_READWRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import msgstore.api.AccessLevel;
import msgstore.api.Attachment;
import msgstore.api.AttachmentRow;
import msgstore.api.ContentRef;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.MessageSnapshot;
import msgstore.api.OpenFlag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Spec section 8, attachments inside the message transaction (R50-R56), streamed content, and
 * R100. Part of {@link MessageStoreContract}.
 */
public abstract class AttachmentRules extends ContractSupport {

  /** A stream of {@code size} pseudo-random bytes that is never held whole in memory. */
  static InputStream generated(long size, long seed) {
    return new InputStream() {
      private long left = size;
      private long x = seed;

      @Override
      public int read() {
        if (left == 0) {
          return -1;
        }
        left--;
        x = x * 6364136223846793005L + 1442695040888963407L;
        return (int) (x >>> 56) & 0xFF;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left == 0) {
          return -1;
        }
        int n = (int) Math.min(len, left);
        for (int i = 0; i < n; i++) {
          b[off + i] = (byte) read();
        }
        return n;
      }
    };
  }

  static String sha256Of(InputStream in) {
    try (DigestInputStream d = new DigestInputStream(in, MessageDigest.getInstance("SHA-256"))) {
      d.transferTo(java.io.OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(d.getMessageDigest().digest());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  @DisplayName("R50: a new attachment appears in the message handle's table only after its own save")
  void createdAttachmentShouldAppearInTheMessageViewWhenAttachmentIsSaved() {
    MessageId id = createMessage("with attachment");
    try (Message m = openRw(id); Message other = openRo(id)) {
      Attachment a = m.createAttachment();
      a.set(ATTACH_LONG_FILENAME, "a.txt");
      assertThat(m.attachments()).isEmpty();
      a.saveChanges();
      assertThat(attachmentNames(m)).containsExactly("a.txt");
      assertThat(m.attachments()).extracting(AttachmentRow::attachNum).containsExactly(a.attachNum());
      assertThat(other.attachments()).isEmpty();
      assertThat(committedAttachmentNames(id)).isEmpty();
      m.saveChanges(KEEP_OPEN_READWRITE);
    }
    assertThat(committedAttachmentNames(id)).containsExactly("a.txt");
  }

  @Test
  @DisplayName("R50: attachment numbers are unique within the message's view")
  void createAttachmentShouldAssignUniqueNumbersWhenSeveralAreCreated() {
    MessageId id = createMessage(inbox(), m -> {
      m.set(SUBJECT, "s");
      addAttachment(m, "first");
    });
    try (Message m = openRw(id)) {
      int n2 = addAttachment(m, "second");
      int n3 = addAttachment(m, "third");
      assertThat(m.attachments()).extracting(AttachmentRow::attachNum).doesNotHaveDuplicates().contains(n2, n3).hasSize(3);
      m.deleteAttachment(n3);
      int n4 = addAttachment(m, "fourth");
      assertThat(m.attachments()).extracting(AttachmentRow::attachNum).doesNotHaveDuplicates().contains(n4).hasSize(3);
    }
  }

  @Test
  @DisplayName("R51: attachment SaveChanges never checks conflicts and never writes to the store")
  void attachmentSaveShouldSucceedWhenTheMessageIsStale() {
    MessageId id = createMessage("s");
    try (Message m = openRw(id)) {
      var theirs = commitSubject(id, "theirs");
      long journal = journalPosition();
      Attachment a = m.createAttachment();
      a.set(ATTACH_LONG_FILENAME, "late.txt");
      a.saveChanges(KEEP_OPEN_READWRITE);
      a.close();
      assertThat(journalPosition()).isEqualTo(journal);
      assertThat(currentCn(id)).isEqualTo(theirs.changeNumber());
      expectObjectChanged(() -> m.saveChanges(KEEP_OPEN_READWRITE));
      assertThat(attachmentNames(m)).containsExactly("late.txt");
    }
    assertThat(committedAttachmentNames(id)).isEmpty();
  }

  @Test
  @DisplayName("R51: attachment SaveChanges follows R16-R18 for the attachment handle")
  void attachmentSaveShouldApplyTheKeepOpenRulesWhenFlagsAreGiven() {
    MessageId id = createMessage("s");
    try (Message m = openRw(id)) {
      Attachment rw = m.createAttachment();
      rw.set(ATTACH_LONG_FILENAME, "rw.txt");
      rw.saveChanges(KEEP_OPEN_READWRITE);
      assertThat(rw.accessLevel()).isEqualTo(AccessLevel.MODIFY);
      rw.set(ATTACH_LONG_FILENAME, "rw2.txt");
      rw.saveChanges(KEEP_OPEN_READONLY);
      assertThat(rw.isOpen()).isTrue();
      assertThat(rw.accessLevel()).isEqualTo(AccessLevel.READ_ONLY);
      expectError(NO_ACCESS, () -> rw.set(ATTACH_LONG_FILENAME, "no"));
      rw.close();

      Attachment shut = m.createAttachment();
      shut.set(ATTACH_LONG_FILENAME, "shut.txt");
      expectError(INVALID_PARAMETER, () -> shut.saveChanges(KEEP_OPEN_READONLY, KEEP_OPEN_READWRITE));
      assertThat(shut.isOpen()).isTrue();
      shut.saveChanges();
      assertThat(shut.isOpen()).isFalse();
      expectError(INVALID_OBJECT, () -> shut.getProp(ATTACH_LONG_FILENAME));
      shut.close();
      assertThat(attachmentNames(m)).containsExactlyInAnyOrder("rw2.txt", "shut.txt");
    }
  }

  @Test
  @DisplayName("R52: closing the message without saving discards attachments saved into it")
  void closeShouldDiscardSavedAttachmentsWhenMessageIsNotSaved() {
    MessageId id = createMessage(inbox(), m -> {
      m.set(SUBJECT, "s");
      addAttachment(m, "existing.txt");
    });
    Message m = openRw(id);
    addAttachment(m, "new.txt");
    m.deleteAttachment(attachNum(m, "existing.txt"));
    m.close();
    assertThat(committedAttachmentNames(id)).containsExactly("existing.txt");
  }

  @Test
  @DisplayName("R52: saving the message without saving a changed attachment leaves that attachment's edits out")
  void messageSaveShouldLeaveOutUnsavedAttachmentEditsWhenAttachmentWasNotSaved() {
    MessageId id = createMessage(inbox(), m -> {
      m.set(SUBJECT, "s");
      addAttachment(m, "original.txt");
    });
    try (Message m = openRw(id)) {
      Attachment a = m.openAttachment(attachNum(m, "original.txt"), OpenFlag.MODIFY);
      a.set(ATTACH_LONG_FILENAME, "renamed.txt");
      m.set(SUBJECT, "s2");
      m.saveChanges(KEEP_OPEN_READWRITE);
      a.close();
    }
    assertThat(committedAttachmentNames(id)).containsExactly("original.txt");
    assertThat(committedSubject(id)).isEqualTo("s2");
  }

  @Test
  @DisplayName("R53: DeleteAttach removes the attachment from the view at once, and PR_HASATTACH with it")
  void deleteAttachmentShouldChangeOnlyTheViewWhenNotSaved() {
    MessageId id = createMessage(inbox(), m -> {
      m.set(SUBJECT, "s");
      addAttachment(m, "only.txt");
    });
    try (Message m = openRw(id); Message other = openRo(id)) {
      assertThat(m.getProp(PropTags.HAS_ATTACHMENTS)).contains(PropValue.of(PropTags.HAS_ATTACHMENTS, true));
      m.deleteAttachment(attachNum(m, "only.txt"));
      assertThat(m.attachments()).isEmpty();
      assertThat(m.getProp(PropTags.HAS_ATTACHMENTS)).isNotEqualTo(java.util.Optional.of(PropValue.of(PropTags.HAS_ATTACHMENTS, true)));
      assertThat(attachmentNames(other)).containsExactly("only.txt");
      assertThat(committedAttachmentNames(id)).containsExactly("only.txt");
      m.saveChanges(KEEP_OPEN_READWRITE);
    }
    try (Message m = openRo(id)) {
      assertThat(m.attachments()).isEmpty();
      assertThat(m.getProp(PropTags.HAS_ATTACHMENTS)).isNotEqualTo(java.util.Optional.of(PropValue.of(PropTags.HAS_ATTACHMENTS, true)));
    }
  }

  @Test
  @DisplayName("A hidden attachment (PidTagAttachmentHidden) does not make PR_HASATTACH true; a visible one does")
  void hiddenAttachmentsShouldNotCountForHasAttachments() {
    MessageId id = createMessage(inbox(), m -> {
      m.set(SUBJECT, "s");
      Attachment a = m.createAttachment();
      a.set(PropTags.ATTACH_LONG_FILENAME, "original.eml");
      a.set(PropTags.ATTACHMENT_HIDDEN, true);
      a.saveChanges();
      a.close();
      assertThat(m.getProp(PropTags.HAS_ATTACHMENTS)).contains(PropValue.of(PropTags.HAS_ATTACHMENTS, false));
    });
    try (Message m = openRw(id)) {
      assertThat(m.attachments()).hasSize(1);
      assertThat(m.getProp(PropTags.HAS_ATTACHMENTS)).contains(PropValue.of(PropTags.HAS_ATTACHMENTS, false));
      assertThat(m.getProp(PropTags.MESSAGE_FLAGS).orElseThrow().asInt() & PropTags.MSGFLAG_HASATTACH).isZero();
      addAttachment(m, "visible.txt");
      assertThat(m.getProp(PropTags.HAS_ATTACHMENTS)).contains(PropValue.of(PropTags.HAS_ATTACHMENTS, true));
      m.saveChanges(KEEP_OPEN_READWRITE);
    }
    try (Message m = openRo(id)) {
      assertThat(m.getProp(PropTags.HAS_ATTACHMENTS)).contains(PropValue.of(PropTags.HAS_ATTACHMENTS, true));
    }
  }

  @Test
  @DisplayName("R54: OpenAttach with MODIFY on a read-only message fails unless BEST_ACCESS is given")
  void openAttachmentWithModifyShouldFailWithNoAccessWhenMessageHandleIsReadOnly() {
    MessageId id = createMessage(inbox(), m -> {
      m.set(SUBJECT, "s");
      addAttachment(m, "a.txt");
    });
    try (Message m = openRo(id)) {
      int n = attachNum(m, "a.txt");
      expectError(NO_ACCESS, () -> m.openAttachment(n, OpenFlag.MODIFY).close());
      try (Attachment a = m.openAttachment(n, OpenFlag.MODIFY, OpenFlag.BEST_ACCESS)) {
        assertThat(a.accessLevel()).isEqualTo(AccessLevel.READ_ONLY);
        assertThat(string(a, ATTACH_LONG_FILENAME)).isEqualTo("a.txt");
      }
      try (Attachment a = m.openAttachment(n)) {
        assertThat(a.accessLevel()).isEqualTo(AccessLevel.READ_ONLY);
      }
      expectError(NO_ACCESS, () -> m.createAttachment().close());
      expectError(NO_ACCESS, () -> m.deleteAttachment(n));
    }
  }

  @Test
  @DisplayName("R54: OpenAttach with an unknown number fails with NOT_FOUND")
  void openAttachmentShouldFailWithNotFoundWhenNumberIsUnknown() {
    MessageId id = createMessage("s");
    try (Message m = openRw(id)) {
      expectError(NOT_FOUND, () -> m.openAttachment(4711).close());
      expectError(NOT_FOUND, () -> m.openAttachment(4711, OpenFlag.MODIFY).close());
    }
  }

  @Test
  @DisplayName("R55: one attachment opened twice through one handle: the last attachment save wins")
  void lastAttachmentSaveShouldWinWhenOneAttachmentIsOpenedTwice() {
    MessageId id = createMessage(inbox(), m -> {
      m.set(SUBJECT, "s");
      addAttachment(m, "a.txt");
    });
    try (Message m = openRw(id)) {
      int n = attachNum(m, "a.txt");
      Attachment first = m.openAttachment(n, OpenFlag.MODIFY);
      Attachment second = m.openAttachment(n, OpenFlag.MODIFY);
      first.set(ATTACH_LONG_FILENAME, "first.txt");
      second.set(ATTACH_LONG_FILENAME, "second.txt");
      second.saveChanges();
      first.saveChanges();
      assertThat(attachmentNames(m)).containsExactly("first.txt");
      Attachment third = m.openAttachment(n, OpenFlag.MODIFY);
      assertThat(string(third, ATTACH_LONG_FILENAME)).as("starts from the handle's pending copy").isEqualTo("first.txt");
      third.close();
      m.saveChanges(KEEP_OPEN_READWRITE);
    }
    assertThat(committedAttachmentNames(id)).containsExactly("first.txt");
  }

  @Test
  @DisplayName("R56: two handles changing attachments: the first save wins, the second gets OBJECT_CHANGED")
  void secondAttachmentChangeShouldFailWithObjectChangedWhenFirstWasSaved() {
    MessageId id = createMessage(inbox(), m -> {
      m.set(SUBJECT, "s");
      addAttachment(m, "base.txt");
    });
    try (Message a = openRw(id); Message b = openRw(id)) {
      addAttachment(a, "from-a.txt");
      addAttachment(b, "from-b.txt");
      a.saveChanges(KEEP_OPEN_READWRITE);
      expectObjectChanged(() -> b.saveChanges(KEEP_OPEN_READWRITE));
      assertThat(committedAttachmentNames(id)).containsExactlyInAnyOrder("base.txt", "from-a.txt");
      b.saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE);
    }
    assertThat(committedAttachmentNames(id)).containsExactlyInAnyOrder("base.txt", "from-b.txt");
  }

  @Test
  @DisplayName("writeContent streams content in, sets PR_ATTACH_METHOD and PR_ATTACH_SIZE, and reads back")
  void writeContentShouldStoreTheStreamWhenMessageIsSaved() {
    long size = 3L << 20;
    String expected = sha256Of(generated(size, 42));
    MessageId id = createMessage("big");
    try (Message m = openRw(id)) {
      Attachment a = m.createAttachment();
      a.set(ATTACH_LONG_FILENAME, "big.bin");
      ContentRef ref = a.writeContent(generated(size, 42));
      assertThat(ref.size()).isEqualTo(size);
      assertThat(ref.sha256()).isEqualToIgnoringCase(expected);
      assertThat(a.content()).contains(ref);
      assertThat(integer(a, PropTags.ATTACH_METHOD)).isEqualTo(PropTags.ATTACH_BY_VALUE);
      assertThat(integer(a, PropTags.ATTACH_SIZE)).isNotNull();
      assertThat((long) integer(a, PropTags.ATTACH_SIZE)).isGreaterThanOrEqualTo(size);
      assertThat(sha256Of(a.openContent().orElseThrow())).isEqualTo(expected);
      a.saveChanges();
      m.saveChanges(KEEP_OPEN_READWRITE);
    }
    try (Message m = openRo(id); Attachment a = m.openAttachment(attachNum(m, "big.bin"))) {
      assertThat(sha256Of(a.openContent().orElseThrow())).isEqualTo(expected);
      assertThat(sha256Of(owner().openContent(a.content().orElseThrow()))).isEqualTo(expected);
    }
    MessageSnapshot s = committed(id);
    assertThat(s.attachments().getFirst().content()).hasValueSatisfying(c -> assertThat(c.size()).isEqualTo(size));
  }

  @Test
  @DisplayName("An attachment without content has no content stream")
  void openContentShouldBeEmptyWhenAttachmentHasNoContent() {
    MessageId id = createMessage("s");
    try (Message m = openRw(id)) {
      Attachment a = m.createAttachment();
      a.set(ATTACH_LONG_FILENAME, "empty");
      assertThat(a.openContent()).isEmpty();
      assertThat(a.content()).isEmpty();
      a.close();
    }
  }

  @Test
  @DisplayName("writeContent over the attachment size limit fails with TOO_BIG and sets nothing")
  void writeContentShouldFailWithTooBigWhenOverTheAttachmentLimit() {
    long limit = fx().store().limits().maxAttachmentBytes();
    assumeTrue(limit <= 64L << 20, "attachment limit too large to exceed in a fast test: " + limit);
    MessageId id = createMessage("s");
    try (Message m = openRw(id)) {
      Attachment a = m.createAttachment();
      expectError(TOO_BIG, () -> a.writeContent(generated(limit + 1, 7)));
      assertThat(a.content()).isEmpty();
      a.close();
    }
  }

  @Test
  @DisplayName("R100: saving a copy never changes the message it was copied from, attachments included")
  void saveShouldNotChangeOtherMessagesWhenTheyShareAttachmentsByValue() {
    MessageId original = createMessage(inbox(), m -> {
      m.set(SUBJECT, "original");
      addAttachment(m, "shared.txt", bytes("shared bytes"));
      addRecipients(m, to("Anna"));
    });
    var cn = currentCn(original);
    MessageId copy = owner().copyMessage(original, drafts().id());
    try (Message m = openRw(copy)) {
      try (Attachment a = m.openAttachment(attachNum(m, "shared.txt"), OpenFlag.MODIFY)) {
        a.set(ATTACH_LONG_FILENAME, "changed.txt");
        a.writeContent(new ByteArrayInputStream(bytes("changed bytes")));
        a.saveChanges();
      }
      m.modifyRecipients(msgstore.api.RecipientOp.REPLACE_ALL, java.util.List.of(to("Zoe")));
      m.saveChanges(KEEP_OPEN_READWRITE);
    }
    assertThat(currentCn(original)).isEqualTo(cn);
    assertThat(committedAttachmentNames(original)).containsExactly("shared.txt");
    assertThat(committedRecipientNames(original)).containsExactly("Anna");
    try (Message m = openRo(original); Attachment a = m.openAttachment(attachNum(m, "shared.txt"))) {
      assertThat(readAll(a.openContent().orElseThrow())).isEqualTo(bytes("shared bytes"));
    }
  }
}
