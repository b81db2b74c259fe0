package msgstore.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fingerprint decides whether an export gives back the original bytes (ADR 0017): it must
 * still do so for messages whose fingerprint was stored in the earlier encoding, and must stop
 * doing so once a mapped property, binary ones included, changes.
 */
class FingerprintTest {
  @TempDir Path dir;

  private static final byte[] MAIL = String.join("\r\n",
      "From: Ann Example <ann@example.org>",
      "To: Bob <bob@example.org>",
      "Subject: Fingerprints",
      "Date: Sat, 05 Dec 2026 10:00:00 +0000",
      "Message-ID: <fp-1@example.org>",
      "MIME-Version: 1.0",
      "Content-Type: multipart/mixed; boundary=\"b1\"",
      "",
      "--b1",
      "Content-Type: multipart/alternative; boundary=\"b2\"",
      "",
      "--b2",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "Plain body",
      "--b2",
      "Content-Type: text/html; charset=utf-8",
      "",
      "<p>HTML body</p>",
      "--b2--",
      "--b1",
      "Content-Type: application/octet-stream; name=\"data.bin\"",
      "Content-Transfer-Encoding: base64",
      "Content-Disposition: attachment; filename=\"data.bin\"",
      "",
      "AAECAwQFBgc=",
      "--b1--",
      "").getBytes(StandardCharsets.UTF_8);

  @Test
  void anImportStoresTheCurrentEncodingAndExportsTheOriginalWhileUnchanged() throws IOException {
    try (TestStore store = new TestStore(dir)) {
      MessageId id = store.importBytes(MAIL).id();
      assertThat(store.snapshot(id).get(MimeProps.SOURCE_FINGERPRINT).orElseThrow().asString()).startsWith("2:");
      assertThat(store.export(id)).isEqualTo(MAIL);
    }
  }

  @Test
  void aMessageImportedWithTheEarlierFingerprintEncodingStillExportsItsOriginalBytes() throws IOException {
    try (TestStore store = new TestStore(dir)) {
      MessageId id = store.importBytes(MAIL).id();
      storeFingerprint(store, id, Fingerprint.version1(store.snapshot(id)));

      assertThat(store.export(id)).isEqualTo(MAIL);
    }
  }

  @Test
  void aChangedBinaryPropertyIsRenderedWhicheverEncodingTheFingerprintHas() throws IOException {
    try (TestStore store = new TestStore(dir)) {
      MessageId current = store.importBytes(MAIL).id();
      MessageId earlier = store.importBytes(MAIL).id();
      storeFingerprint(store, earlier, Fingerprint.version1(store.snapshot(earlier)));
      byte[] edited = "<p>HTML body, edited</p>".getBytes(StandardCharsets.UTF_8);
      for (MessageId id : new MessageId[] {current, earlier}) {
        try (Message m = store.session.openMessage(id, msgstore.api.OpenFlag.MODIFY)) {
          m.setProps(PropValue.of(PropTags.HTML, edited));
          m.saveChanges();
        }
        String exported = new String(store.export(id), StandardCharsets.UTF_8);
        assertThat(exported).as("message %s, rendered with the edited HTML (base64)", id)
            .contains(java.util.Base64.getEncoder().encodeToString(edited))
            .isNotEqualTo(new String(MAIL, StandardCharsets.UTF_8));
      }
    }
  }

  private static void storeFingerprint(TestStore store, MessageId id, String value) {
    try (Message m = store.session.openMessage(id, msgstore.api.OpenFlag.MODIFY)) {
      m.setProps(PropValue.of(MimeProps.SOURCE_FINGERPRINT, value));
      m.saveChanges();
    }
  }
}
