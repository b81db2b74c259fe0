package msgstore.mime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import msgstore.api.Folder;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.MessageSnapshot;
import msgstore.api.MessageSnapshot.AttachmentSnapshot;
import msgstore.api.NamedProperty;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.StoreException;
import org.apache.poi.hsmf.MAPIMessage;
import org.apache.poi.hsmf.datatypes.AttachmentChunks;
import org.apache.poi.hsmf.datatypes.RecipientChunks;
import org.apache.poi.hsmf.exceptions.ChunkNotFoundException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real Outlook .msg files written by Outlook (Apache Tika's test documents, see
 * src/test/resources/README.md) import through {@link MsgImport} into a real SQLite store: what
 * POI's own HSMF reader sees (subject, body, sender, recipients, attachment names and sizes,
 * embedded messages) is what the store holds; a second import skips it; the export is rendered
 * RFC 5322 that parses again, never the .msg bytes.
 */
class OutlookMsgImportTest {
  @TempDir static Path dir;
  static TestStore store;

  @BeforeAll
  static void open() {
    store = new TestStore(dir);
  }

  @AfterAll
  static void close() {
    store.close();
  }

  static List<String> corpus() throws IOException {
    URL url = OutlookMsgImportTest.class.getClassLoader().getResource("test-documents/testMSG.msg");
    assertThat(url).as("the Tika microsoft-module test jar is on the test classpath").isNotNull();
    String jar = url.getPath().substring("file:".length(), url.getPath().indexOf('!'));
    List<String> names = new ArrayList<>();
    try (JarFile f = new JarFile(java.net.URLDecoder.decode(jar, StandardCharsets.UTF_8))) {
      for (Enumeration<JarEntry> e = f.entries(); e.hasMoreElements();) {
        String n = e.nextElement().getName();
        if (n.startsWith("test-documents/") && n.endsWith(".msg")) {
          names.add(n);
        }
      }
    }
    assertThat(names).hasSizeGreaterThanOrEqualTo(12);
    return names;
  }

  static byte[] read(String resource) throws IOException {
    try (InputStream in = OutlookMsgImportTest.class.getClassLoader().getResourceAsStream(resource)) {
      return in.readAllBytes();
    }
  }

  MailImport.Imported importMsg(Folder f, byte[] raw) throws IOException {
    return MsgImport.importMessage(f, new ByteArrayInputStream(raw), MailImport.ImportOptions.defaults(),
        MsgImport.NamedProps.of(store.session, store.info.id()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void realOutlookMsgImportsAsPoiReadsItSkipsOnReimportAndExportsRenderedMail(String resource) throws Exception {
    byte[] raw = read(resource);
    MailImport.Imported imported = importMsg(store.inbox(), raw);
    assertThat(imported.alreadyPresent()).isFalse();
    assertThat(imported.bytes()).isEqualTo(raw.length);
    MessageSnapshot s = store.snapshot(imported.id());

    try (MAPIMessage poi = new MAPIMessage(new ByteArrayInputStream(raw))) {
      poi.setReturnNullOnMissingChunk(true);
      poi.guess7BitEncoding(); // PT_STRING8 in the message's code page (Big5 in testMSG_chinese), as we decode it
      assertSameMessage(s, poi, resource);
    }

    assertThat(importMsg(store.inbox(), raw).alreadyPresent()).as("same bytes: skipped").isTrue();
    assertThat(importMsg(store.inbox(), raw).id()).isEqualTo(imported.id());

    byte[] exported = store.export(imported.id());
    assertThat(Arrays.copyOf(exported, 8)).as("not the OLE2 bytes of the .msg")
        .isNotEqualTo(new byte[] {(byte) 0xD0, (byte) 0xCF, 0x11, (byte) 0xE0, (byte) 0xA1, (byte) 0xB1, 0x1A,
            (byte) 0xE1});
    MessageId again = store.importBytes(exported).id();
    MessageSnapshot r = store.snapshot(again);
    assertThat(str(r, PropTags.SUBJECT)).as("subject after render and re-parse").isEqualTo(str(s, PropTags.SUBJECT));
    assertThat(visible(r)).extracting(a -> name(a)).as("attachment names after render and re-parse")
        .containsExactlyElementsOf(visible(s).stream().map(OutlookMsgImportTest::name).toList());
  }

  private static void assertSameMessage(MessageSnapshot s, MAPIMessage poi, String what) throws ChunkNotFoundException {
    String subject = poi.getSubject();
    assertThat(str(s, PropTags.SUBJECT)).as("subject of %s", what).isEqualTo(subject == null ? "" : subject);
    String body = poi.getTextBody();
    if (body != null) {
      assertThat(str(s, PropTags.BODY)).as("body of %s", what).isEqualTo(body);
    }
    String from = poi.getDisplayFrom();
    if (from != null) {
      assertThat(str(s, PropTags.SENDER_NAME)).as("sender of %s", what).isEqualTo(from);
    }
    RecipientChunks[] rc = poi.getRecipientDetailsChunks();
    assertThat(s.recipients()).as("recipients of %s", what).hasSize(rc == null ? 0 : rc.length);
    for (int i = 0; rc != null && i < rc.length; i++) {
      Recipient row = s.recipients().get(i);
      if (rc[i].getRecipientName() != null) {
        // POI prefers PidTagRecipientDisplayName (0x5FF6) to PidTagDisplayName.
        assertThat(rc[i].getRecipientName()).as("recipient %d name of %s", i, what)
            .isIn(rstr(row, PropTags.DISPLAY_NAME), rstr(row, PropTag.of(0x5FF6001F)));
      }
      if (rc[i].getRecipientEmailAddress() != null) {
        // POI gives the SMTP address when there is one, else PidTagEmailAddress.
        assertThat(rc[i].getRecipientEmailAddress()).as("recipient %d address of %s", i, what)
            .isIn(rstr(row, PropTags.SMTP_ADDRESS), rstr(row, PropTags.EMAIL_ADDRESS),
                rstr(row, PropTags.DISPLAY_NAME));
      }
    }
    AttachmentChunks[] ac = poi.getAttachmentFiles();
    List<AttachmentSnapshot> atts = visible(s);
    assertThat(atts).as("attachments of %s", what).hasSize(ac.length);
    for (int i = 0; i < ac.length; i++) {
      AttachmentSnapshot a = atts.get(i);
      if (ac[i].getAttachLongFileName() != null) {
        assertThat(str(a, PropTags.ATTACH_LONG_FILENAME)).as("attachment %d name of %s", i, what)
            .isEqualTo(ac[i].getAttachLongFileName().getValue());
      }
      if (ac[i].getAttachData() != null) {
        assertThat(a.content()).as("attachment %d content of %s", i, what).isPresent();
        assertThat(a.content().get().size()).as("attachment %d size of %s", i, what)
            .isEqualTo(ac[i].getAttachData().getValue().length);
      }
      if (ac[i].isEmbeddedMessage()) {
        assertThat(a.embedded()).as("attachment %d of %s is an embedded message", i, what).isPresent();
        try {
          assertSameMessage(a.embedded().get(), ac[i].getEmbeddedMessage(), what + " / embedded " + i);
        } catch (IOException e) {
          throw new AssertionError(e);
        }
      }
    }
  }

  @Test
  void namedPropertiesOfAnAppointmentAreMappedToThisStoresIdsForTheSameNames() throws IOException {
    byte[] raw = read("test-documents/testMSG_Appointment.msg");
    Folder f = store.inbox().createFolder("appointments");
    MessageSnapshot s = store.snapshot(importMsg(f, raw).id());
    List<PropValue> named = s.props().stream().filter(v -> v.tag().isNamed()).toList();
    assertThat(named).as("named properties kept").isNotEmpty();
    // PidLidLocation ([MS-OXPROPS]: PSETID_Appointment, LID 0x8208, PT_UNICODE) under this store's id.
    NamedProperty location = NamedProperty.ofId(java.util.UUID.fromString("00062002-0000-0000-C000-000000000046"),
        0x8208);
    PropTag tag = store.session.namedPropTag(store.info.id(), location, msgstore.api.PropType.UNICODE, false);
    assertThat(s.get(tag)).as("PidLidLocation of the appointment").isPresent();
    for (PropValue v : named) {
      assertThat(store.session.propName(store.info.id(), v.tag())).as("every kept named id has its name").isNotNull();
    }
    assertThat(str(s, PropTags.MESSAGE_CLASS)).isEqualTo("IPM.Appointment");
  }

  @Test
  void anExportNeverGivesBackMsgBytesEvenWhenTheFingerprintMatches() throws IOException {
    byte[] raw = read("test-documents/testMSG.msg");
    Folder f = store.inbox().createFolder("fingerprint");
    MessageId id = importMsg(f, raw).id();
    try (Message m = store.session.openMessage(id, msgstore.api.OpenFlag.MODIFY)) {
      m.setProps(PropValue.of(MimeProps.SOURCE_FINGERPRINT, Fingerprint.of(m.snapshot())));
      m.saveChanges();
    }
    byte[] exported = store.export(id);
    assertThat(exported).isNotEqualTo(raw);
    assertThat(new String(exported, 0, 200, StandardCharsets.ISO_8859_1)).startsWith("Date: ");
  }

  @Test
  void notAnOle2FileIsInvalidAndWritesNothing() throws IOException {
    Folder f = store.inbox().createFolder("bad-not-ole2");
    assertInvalid(f, "From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII),
        "not an Outlook .msg file");
    assertInvalid(f, new byte[0], "empty");
  }

  @Test
  void aTruncatedMsgIsInvalidAndWritesNothing() throws IOException {
    byte[] raw = read("test-documents/test-outlook2003.msg");
    Folder f = store.inbox().createFolder("bad-truncated");
    for (int len : new int[] {511, 4096, raw.length / 2, raw.length - 512}) {
      assertInvalid(f, Arrays.copyOf(raw, len), ".msg");
    }
  }

  @Test
  void anOle2FileThatIsNotAMessageIsInvalid() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (org.apache.poi.poifs.filesystem.POIFSFileSystem fs = new org.apache.poi.poifs.filesystem.POIFSFileSystem()) {
      fs.createDocument(new ByteArrayInputStream(new byte[] {1, 2, 3}), "WordDocument");
      fs.writeFilesystem(out);
    }
    Folder f = store.inbox().createFolder("bad-ole2");
    assertInvalid(f, out.toByteArray(), "__properties_version1.0");
  }

  @Test
  void aStreamDeclaringMoreBytesThanAPropertyMayHaveIsInvalidNotTooBig() throws IOException {
    byte[] raw; // found by MsgFuzzTest: 20 KB declaring a 1.5 GB stream
    try (InputStream in = getClass().getResourceAsStream(
        "/msgstore/mime/MsgFuzzTestInputs/anyBytesReadAsMsgOrFailCleanly/finding-declared-1.5GB-stream")) {
      raw = in.readAllBytes();
    }
    assertInvalid(store.inbox().createFolder("bad-declared-size"), raw, "declares 1593835520 bytes");
  }

  @Test
  void overTheSizeLimitIsTooBig() throws IOException {
    byte[] raw = read("test-documents/testMSG.msg");
    Folder f = store.inbox().createFolder("bad-big");
    assertThatThrownBy(() -> MsgImport.importMessage(f, new ByteArrayInputStream(raw),
        MailImport.ImportOptions.defaults().withMaxBytes(raw.length - 1), MsgImport.NamedProps.NONE))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.TOO_BIG));
    assertThat(f.contentsTable().queryRows(0, 10)).isEmpty();
  }

  private void assertInvalid(Folder f, byte[] raw, String detail) {
    assertThatThrownBy(() -> importMsg(f, raw))
        .isInstanceOfSatisfying(StoreException.class, e -> {
          assertThat(e.error()).isEqualTo(MapiError.INVALID_PARAMETER);
          assertThat(e.getMessage()).contains(detail);
        });
    assertThat(f.contentsTable().queryRows(0, 10)).as("nothing written").isEmpty();
  }

  static List<AttachmentSnapshot> visible(MessageSnapshot s) {
    return s.attachments().stream().filter(a -> a.get(MimeProps.ORIGINAL_SHA256).isEmpty()).toList();
  }

  static String name(AttachmentSnapshot a) {
    return a.get(PropTags.ATTACH_LONG_FILENAME).or(() -> a.get(PropTags.ATTACH_FILENAME))
        .map(PropValue::asString).orElse("");
  }

  static String str(MessageSnapshot s, PropTag t) {
    return s.get(t).map(PropValue::asString).orElse("");
  }

  static String str(AttachmentSnapshot s, PropTag t) {
    return s.get(t).map(PropValue::asString).orElse("");
  }

  static String rstr(Recipient r, PropTag t) {
    return r.get(t).map(PropValue::asString).orElse("");
  }

  static Optional<PropValue> get(MessageSnapshot s, PropTag t) {
    return s.get(t);
  }
}
