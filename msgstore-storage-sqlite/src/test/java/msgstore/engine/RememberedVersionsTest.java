package msgstore.engine;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import msgstore.api.Attachment;
import msgstore.api.Folder;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.OpenFlag;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.Recipient;
import msgstore.api.RecipientOp;
import msgstore.api.SaveFlag;
import msgstore.api.SaveResult;
import msgstore.api.Session;
import msgstore.api.StoreInfo;
import msgstore.storage.sqlite.SqliteMessageStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A save keeps the version it committed decoded (so the next open of the message reads its row
 * alone): what it keeps must be exactly what decoding the stored version gives, or another client
 * would see other values than a reopen after a restart.
 */
class RememberedVersionsTest {
  @TempDir Path dir;

  @Test
  void versionRememberedBySaveShouldEqualTheDecodingOfWhatWasStored() {
    try (EmbeddedMessageStore store = SqliteMessageStore.open(dir.resolve("store.db"))) {
      Session s = store.openSession("alice");
      StoreInfo info = s.createStore("Alice");
      Folder inbox = s.rootFolder(info.id()).subfolder("Inbox").orElseThrow();
      MessageId id;
      try (Message m = inbox.createMessage()) {
        m.set(PropTags.SUBJECT, "RE: quarterly numbers \u00e9\u4e2d\ud83d\ude00");
        m.set(PropTags.BODY, "line one\r\nline two\n".repeat(200));
        m.set(PropTags.IMPORTANCE, 2);
        m.set(PropTags.READ_RECEIPT_REQUESTED, true);
        m.set(PropTags.CLIENT_SUBMIT_TIME, Instant.parse("2026-01-02T03:04:05.123456789Z"));
        m.set(PropTag.of(0x68000102), new byte[] {0, 1, 2, (byte) 0xff});
        m.set(PropTag.of(0x6801101F), List.of("red", "", "blue"));
        m.set(PropTag.of(0x68020014), Long.MIN_VALUE);
        m.set(PropTag.of(0x68030005), 0.1);
        m.modifyRecipients(RecipientOp.ADD, List.of(Recipient.of(PropTags.MAPI_TO, "Bob", "bob@example.org"),
            Recipient.of(PropTags.MAPI_CC, "Carol \u00c5", "carol@example.org")));
        Attachment file = m.createAttachment();
        file.set(PropTags.ATTACH_LONG_FILENAME, "numbers.csv");
        file.writeContent(new ByteArrayInputStream("a,b\n1,2\n".getBytes(UTF_8)));
        file.saveChanges();
        Attachment inner = m.createAttachment();
        inner.set(PropTags.ATTACH_LONG_FILENAME, "forwarded.msg");
        Message e = inner.openEmbeddedMessage(OpenFlag.MODIFY);
        e.set(PropTags.SUBJECT, "inner");
        e.saveChanges();
        inner.saveChanges();
        SaveResult first = m.saveChanges(SaveFlag.KEEP_OPEN_READWRITE);
        id = first.messageId();
        assertThat(store.decoded.cached(id.value(), first.changeNumber().value()))
            .as("a message's first version is not kept: most are not opened again soon").isNull();
        m.set(PropTags.SUBJECT, "second");
        SaveResult second = m.saveChanges(SaveFlag.KEEP_OPEN_READWRITE);
        assertRememberedEqualsStored(store, id, second.changeNumber().value());
        m.deleteAttachment(m.attachments().get(0).attachNum());
        m.set(PropTags.SUBJECT, "third");
        SaveResult third = m.saveChanges();
        assertRememberedEqualsStored(store, id, third.changeNumber().value());
      }
      try (Message reopened = s.openMessage(id, OpenFlag.MODIFY)) {
        assertThat(reopened.getString(PropTags.SUBJECT)).contains("third");
      }
    }
  }

  private static void assertRememberedEqualsStored(EmbeddedMessageStore store, MessageId id, long cn) {
    Content remembered = store.decoded.cached(id.value(), cn);
    assertThat(remembered).as("the save kept its version").isNotNull();
    byte[] stored = store.storage.findMessage(id.value()).orElseThrow().content();
    assertThat(remembered).isEqualTo(ContentCodec.decode(stored));
  }
}
