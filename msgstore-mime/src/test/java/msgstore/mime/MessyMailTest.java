package msgstore.mime;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import msgstore.api.Attachment;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.MessageSnapshot;
import msgstore.api.MessageSnapshot.AttachmentSnapshot;
import msgstore.api.OpenFlag;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.StoreException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Messy mail as it is found in real mailboxes: imported leniently, nothing a reader shows is rejected. */
class MessyMailTest {
  @TempDir Path dir;
  TestStore store;

  @BeforeEach
  void open() {
    store = new TestStore(dir);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private MessageSnapshot imported(byte[] raw) throws IOException {
    MailImport.Imported i = store.importBytes(raw);
    assertThat(store.export(i.id())).as("unchanged export is byte-identical").isEqualTo(raw);
    return store.snapshot(i.id());
  }

  private static byte[] crlf(String s) {
    return s.replace("\n", "\r\n").getBytes(UTF_8);
  }

  private static String str(MessageSnapshot s, PropTag t) {
    return s.get(t).map(PropValue::asString).orElse(null);
  }

  private static List<AttachmentSnapshot> visible(MessageSnapshot s) {
    return s.attachments().stream().filter(a -> a.get(MimeProps.ORIGINAL_SHA256).isEmpty()).toList();
  }

  @Test
  void utf8BytesLabelledUsAsciiAreReadAsUtf8() throws IOException {
    byte[] raw = crlf("From: a@example.com\nSubject: x\nContent-Type: text/plain; charset=us-ascii\n\nGrüße\n");
    MessageSnapshot s = imported(raw);
    assertThat(str(s, PropTags.BODY)).isEqualTo("Grüße\r\n");
    assertThat(s.get(PropTags.INTERNET_CODEPAGE).orElseThrow().asInt()).isEqualTo(65001);
  }

  @Test
  void anUnknownCharsetFallsBackInsteadOfFailing() throws IOException {
    byte[] head = crlf("From: a@example.com\nSubject: x\nContent-Type: text/plain; charset=x-no-such-charset\n\n");
    byte[] body = "caf\u00e9".getBytes(ISO_8859_1);
    byte[] raw = new byte[head.length + body.length];
    System.arraycopy(head, 0, raw, 0, head.length);
    System.arraycopy(body, 0, raw, head.length, body.length);
    assertThat(str(imported(raw), PropTags.BODY)).isEqualTo("caf\u00e9");
  }

  @Test
  void eightBitHeadersAreReadAsUtf8OrElseWindows1252() throws IOException {
    MessageSnapshot utf8 = imported(crlf("From: Jörg <j@example.com>\nSubject: Grüße aus Köln\n\nx"));
    assertThat(str(utf8, PropTags.SUBJECT)).isEqualTo("Grüße aus Köln");
    assertThat(str(utf8, PropTags.SENT_REPRESENTING_NAME)).isEqualTo("Jörg");
    byte[] latin = "From: a@example.com\r\nSubject: caf\u00e9\r\n\r\nx".getBytes(ISO_8859_1);
    assertThat(str(imported(latin), PropTags.SUBJECT)).isEqualTo("caf\u00e9");
  }

  @Test
  void encodedWordsInQuotedNamesAndFileNamesAreDecoded() throws IOException {
    byte[] raw = crlf("""
        From: "=?utf-8?q?J=C3=B6rg?=" <j@example.com>
        To: =?iso-8859-1?q?Andr=E9?= <andre@example.com>, plain@example.com
        Subject: =?utf-8?B?UmU6IEdyw7zDn2U=?=
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary=b

        --b
        Content-Type: text/plain

        hello
        --b
        Content-Type: application/pdf; name="=?UTF-8?B?UmVjaG51bmfDpC5wZGY=?="
        Content-Disposition: attachment; filename="=?UTF-8?B?UmVjaG51bmfDpC5wZGY=?="
        Content-Transfer-Encoding: base64

        JVBERi0=
        --b--
        """);
    MessageSnapshot s = imported(raw);
    assertThat(str(s, PropTags.SUBJECT)).isEqualTo("Re: Grüße");
    assertThat(str(s, PropTags.SUBJECT_PREFIX)).isEqualTo("Re: ");
    assertThat(str(s, PropTags.NORMALIZED_SUBJECT)).isEqualTo("Grüße");
    assertThat(str(s, PropTags.SENT_REPRESENTING_NAME)).isEqualTo("Jörg");
    assertThat(s.recipients()).extracting(r -> r.get(PropTags.DISPLAY_NAME).orElseThrow().asString())
        .containsExactly("André", "plain@example.com");
    assertThat(visible(s)).singleElement().satisfies(a -> {
      assertThat(a.get(PropTags.ATTACH_LONG_FILENAME).orElseThrow().asString()).isEqualTo("Rechnungä.pdf");
      assertThat(a.get(PropTags.ATTACH_MIME_TAG).orElseThrow().asString()).isEqualTo("application/pdf");
      assertThat(a.content().orElseThrow().size()).isEqualTo(5);
    });
  }

  @Test
  void rfc2231FileNamesWithContinuationsAndCharsetAreJoined() throws IOException {
    byte[] raw = crlf("""
        From: a@example.com
        Content-Type: multipart/mixed; boundary="b"

        --b
        Content-Type: text/plain; name*=utf-8''%E2%82%AC.txt
        Content-Disposition: attachment;
         filename*0*=utf-8''%E2%82%AC%20rates%20;
         filename*1=for%20;
         filename*2*=2026.txt

        x
        --b--
        """);
    assertThat(visible(imported(raw))).singleElement().satisfies(a ->
        assertThat(a.get(PropTags.ATTACH_LONG_FILENAME).orElseThrow().asString()).isEqualTo("€ rates for%202026.txt"));
  }

  @Test
  void missingHeadersAndDuplicatesAreImported() throws IOException {
    MessageSnapshot bare = imported(crlf("X-Only: header\n\nbody"));
    assertThat(bare.get(PropTags.SUBJECT)).isEmpty();
    assertThat(bare.get(PropTags.SENT_REPRESENTING_NAME)).isEmpty();
    assertThat(bare.get(PropTags.CLIENT_SUBMIT_TIME)).isPresent();
    // an empty header section (the message starts with an empty line): a body only, as mail readers show it
    MessageSnapshot headless = imported(crlf("\nonly a body\n"));
    assertThat(str(headless, PropTags.BODY)).contains("only a body");
    MessageSnapshot dup = imported(crlf("From: a@example.com\nSubject: first\nSubject: second\nTo: x@example.com\n"
        + "To: y@example.com\nDate: not a date\n\nbody"));
    assertThat(str(dup, PropTags.SUBJECT)).isEqualTo("first");
    assertThat(dup.recipients()).extracting(r -> r.get(PropTags.SMTP_ADDRESS).orElseThrow().asString())
        .containsExactly("x@example.com", "y@example.com");
  }

  @Test
  void aMultipartWithoutItsClosingBoundaryKeepsItsParts() throws IOException {
    byte[] raw = crlf("""
        From: a@example.com
        Content-Type: multipart/mixed; boundary=b

        --b
        Content-Type: text/plain

        the body
        --b
        Content-Type: application/octet-stream
        Content-Disposition: attachment; filename=a.bin

        data that runs to the end""");
    MessageSnapshot s = imported(raw);
    assertThat(str(s, PropTags.BODY)).isEqualTo("the body");
    assertThat(visible(s)).singleElement().satisfies(a ->
        assertThat(a.get(PropTags.ATTACH_LONG_FILENAME).orElseThrow().asString()).isEqualTo("a.bin"));
  }

  @Test
  void alternativeRelatedAndEmbeddedMessagesMapToBodiesHiddenInlineAttachmentsAndAttachMethod5() throws IOException {
    byte[] raw = crlf("""
        From: Ann <ann@example.com>
        Sender: Bob <bob@example.com>
        To: c@example.com
        Cc: d@example.com
        Bcc: e@example.com
        Subject: FW: news
        Date: Tue, 3 Jun 2008 11:05:30 +0200
        Message-ID: <m1@example.com>
        In-Reply-To: <m0@example.com>
        References: <a@example.com>
         <m0@example.com>
        Importance: high
        Priority: urgent
        Sensitivity: Company-Confidential
        Content-Type: multipart/mixed; boundary=outer

        --outer
        Content-Type: multipart/alternative; boundary=alt

        --alt
        Content-Type: text/plain; charset=utf-8

        plain
        --alt
        Content-Type: multipart/related; boundary=rel

        --rel
        Content-Type: text/html; charset=iso-8859-1
        Content-Transfer-Encoding: quoted-printable

        <p>caf=E9<img src="cid:logo@x"></p>
        --rel
        Content-Type: image/png
        Content-ID: <logo@x>
        Content-Transfer-Encoding: base64

        iVBORw0KGgo=
        --rel--
        --alt--
        --outer
        Content-Type: message/rfc822

        From: inner@example.com
        Subject: inner subject

        inner body
        --outer--
        """).clone();
    MessageSnapshot s = imported(raw);
    assertThat(str(s, PropTags.SENT_REPRESENTING_NAME)).isEqualTo("Ann");
    assertThat(str(s, PropTags.SENDER_NAME)).isEqualTo("Bob");
    assertThat(str(s, MimeProps.SENDER_SMTP_ADDRESS)).isEqualTo("bob@example.com");
    assertThat(s.recipients()).extracting(r -> r.get(PropTags.RECIPIENT_TYPE).orElseThrow().asInt()).containsExactly(1, 2, 3);
    assertThat(s.get(PropTags.CLIENT_SUBMIT_TIME).orElseThrow().asInstant()).isEqualTo(java.time.Instant.parse("2008-06-03T09:05:30Z"));
    assertThat(str(s, PropTags.INTERNET_MESSAGE_ID)).isEqualTo("<m1@example.com>");
    assertThat(str(s, MimeProps.IN_REPLY_TO_ID)).isEqualTo("<m0@example.com>");
    assertThat(str(s, MimeProps.INTERNET_REFERENCES)).isEqualTo("<a@example.com> <m0@example.com>");
    assertThat(s.get(PropTags.IMPORTANCE).orElseThrow().asInt()).isEqualTo(2);
    assertThat(s.get(PropTags.PRIORITY).orElseThrow().asInt()).isEqualTo(1);
    assertThat(s.get(PropTags.SENSITIVITY).orElseThrow().asInt()).isEqualTo(3);
    assertThat(str(s, PropTags.BODY)).isEqualTo("plain");
    assertThat(new String(s.get(PropTags.HTML).orElseThrow().asBytes(), ISO_8859_1)).contains("caf\u00e9");
    assertThat(s.get(PropTags.INTERNET_CODEPAGE).orElseThrow().asInt()).isEqualTo(28591);
    assertThat(str(s, PropTags.TRANSPORT_MESSAGE_HEADERS)).startsWith("From: Ann <ann@example.com>\r\nSender:");
    List<AttachmentSnapshot> atts = visible(s);
    assertThat(atts).hasSize(2);
    assertThat(atts.get(0).get(PropTags.ATTACH_CONTENT_ID).orElseThrow().asString()).isEqualTo("logo@x");
    assertThat(atts.get(0).get(MimeProps.ATTACHMENT_HIDDEN).orElseThrow().asBoolean()).isTrue();
    assertThat(atts.get(1).get(PropTags.ATTACH_METHOD).orElseThrow().asInt()).isEqualTo(PropTags.ATTACH_EMBEDDED_MSG);
    try (Message m = store.session.openMessage(s.id().orElseThrow());
        Attachment a = m.openAttachment(atts.get(1).attachNum());
        Message e = a.openEmbeddedMessage()) {
      assertThat(e.getProp(PropTags.SUBJECT).orElseThrow().asString()).isEqualTo("inner subject");
      assertThat(e.getProp(PropTags.BODY).orElseThrow().asString()).isEqualTo("inner body");
    }
  }

  @Test
  void aTextBodyEndingInWhitespaceKeepsItThroughRenderAndParse() throws IOException {
    // found by RenderRoundTripPropertyTest (seed -4826179142292854161): a quoted-printable decoder
    // deletes a line's trailing whitespace (RFC 2045 6.7), so the renderer must encode it
    for (String body : List.of(" ", "last line \t ", "x" + " ".repeat(60))) {
      msgstore.api.MessageId id;
      try (msgstore.api.Message m = store.inbox().createMessage()) {
        m.set(PropTags.SUBJECT, "trailing");
        m.set(PropTags.BODY, body);
        id = m.saveChanges().messageId();
      }
      byte[] rendered = store.export(id);
      MessageSnapshot back = store.snapshot(store.importBytes(rendered).id());
      assertThat(str(back, PropTags.BODY)).as(new String(rendered, UTF_8)).isEqualTo(body);
    }
  }

  @Test
  void importedMailIsReceivedMailNotAnUnsentDraft() throws IOException {
    MessageSnapshot m = imported(crlf("From: a@example.com\nSubject: received\n\nbody"));
    int flags = m.get(PropTags.MESSAGE_FLAGS).map(PropValue::asInt).orElse(0);
    assertThat(flags & PropTags.MSGFLAG_UNSENT).as("MSGFLAG_UNSENT").isZero();
    assertThat(m.get(PropTags.HAS_ATTACHMENTS)).as("the kept original is hidden")
        .contains(PropValue.of(PropTags.HAS_ATTACHMENTS, false));
  }

  @Test
  void bytesThatAreNotAMessageAreRefusedAndNothingIsWritten() {
    for (byte[] bad : List.of(new byte[0], new byte[] {0, 1, 2, (byte) 0xFF}, crlf("just some text\nno header\n"))) {
      assertThatThrownBy(() -> store.importBytes(bad)).isInstanceOfSatisfying(StoreException.class,
          e -> assertThat(e.error()).isEqualTo(MapiError.INVALID_PARAMETER)).hasMessageContaining("not an RFC 5322 message");
    }
    assertThat(store.inbox().contentsTable().rowCount()).isZero();
  }

  @Test
  void aMessageOverMaxBytesIsRefusedWithTooBigAndNothingIsWritten() {
    byte[] raw = crlf("From: a@example.com\n\n" + "x".repeat(5000));
    assertThatThrownBy(() -> MailImport.importMessage(store.inbox(), new ByteArrayInputStream(raw),
        MailImport.ImportOptions.defaults().withMaxBytes(1000)))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.TOO_BIG))
        .hasMessageContaining("1000 bytes");
    assertThat(store.inbox().contentsTable().rowCount()).isZero();
  }

  @Test
  void theSameMessageIdWithOtherBytesIsAnotherMessageAndTheReadOptionMarksItRead() throws IOException {
    MailImport.Imported a = store.importBytes(crlf("Message-ID: <same@x>\nSubject: one\n\nbody"));
    MailImport.Imported b = store.importBytes(crlf("Message-ID: <same@x>\nSubject: two\n\nbody"));
    assertThat(b.alreadyPresent()).isFalse();
    assertThat(b.id()).isNotEqualTo(a.id());
    assertThat(store.importBytes(crlf("Message-ID: <same@x>\nSubject: two\n\nbody")).id()).isEqualTo(b.id());
    MailImport.Imported read = MailImport.importMessage(store.inbox(), new ByteArrayInputStream(crlf("Subject: r\n\nx")),
        MailImport.ImportOptions.defaults().withRead(true));
    assertThat(store.snapshot(read.id()).get(PropTags.MESSAGE_FLAGS).orElseThrow().asInt() & PropTags.MSGFLAG_READ)
        .isEqualTo(PropTags.MSGFLAG_READ);
  }

  @Test
  void aMessageChangedSinceImportIsRenderedWithTheChangeAndReadingItChangesNothing() throws IOException {
    byte[] raw = crlf("From: a@example.com\nTo: b@example.com\nSubject: old\nMessage-ID: <c@x>\n\nbody\n");
    MessageId id = store.importBytes(raw).id();
    store.session.setReadFlag(id, true);
    assertThat(store.export(id)).as("a read-state change is not a content change").isEqualTo(raw);
    try (Message m = store.session.openMessage(id, OpenFlag.MODIFY)) {
      m.set(PropTags.SUBJECT, "new");
      m.modifyRecipients(RecipientOp(), List.of(Recipient.of(PropTags.MAPI_CC, "Zoë", "z@example.com")));
      m.saveChanges();
    }
    byte[] out = store.export(id);
    assertThat(out).isNotEqualTo(raw);
    String text = new String(out, UTF_8);
    assertThat(text).contains("Subject: new\r\n").contains("Message-ID: <c@x>\r\n").contains("Cc: =?");
    MessageSnapshot again = store.snapshot(store.importBytes(out).id());
    assertThat(str(again, PropTags.SUBJECT)).isEqualTo("new");
    assertThat(again.recipients()).extracting(r -> r.get(PropTags.DISPLAY_NAME).orElseThrow().asString())
        .containsExactly("b@example.com", "Zoë");
  }

  private static msgstore.api.RecipientOp RecipientOp() {
    return msgstore.api.RecipientOp.ADD;
  }
}
