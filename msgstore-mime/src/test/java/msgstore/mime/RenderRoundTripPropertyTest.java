package msgstore.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import msgstore.api.Attachment;
import msgstore.api.Folder;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.MessageSnapshot;
import msgstore.api.OpenFlag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.RecipientOp;
import msgstore.testkit.Stress;
import msgstore.testkit.property.Gen;
import msgstore.testkit.property.Gens;
import msgstore.testkit.property.PropertyCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property (ADR 0015 runner): a message made in msgstore with generated content (Unicode subjects,
 * names and file names, charsets, text and HTML bodies, attachments, inline parts, an embedded
 * message) renders to MIME that imports back with every generated value, and rendering the
 * import again gives the same mapped properties (render and parse agree).
 */
class RenderRoundTripPropertyTest {
  @TempDir Path dir;

  record Att(String name, String type, byte[] content, boolean inline, String contentId) {}

  record Mail(String subject, String fromName, List<String[]> rcpts, String body, String html, int importance,
      int sensitivity, long date, List<Att> atts, String embeddedSubject) {}

  /** Unicode text without control characters (which no header can carry). */
  static Gen<String> text(int max) {
    return Gens.strings(max).map(s -> s.codePoints().filter(cp -> cp >= 0x20 && (cp < 0x7F || cp > 0x9F))
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString());
  }

  static Gen<String> nonEmpty(Gen<String> g) {
    return g.map(s -> s.isBlank() ? "x" + s + "y" : s);
  }

  static final Gen<String> EMAIL = c -> {
    String local = Gens.asciiStrings(8).map(s -> s.replaceAll("[^a-z0-9]", "")).generate(c);
    return (local.isEmpty() ? "u" : local) + "@" + Gens.of(List.of("example.com", "xn--bcher-kva.example")).generate(c);
  };

  static final Gen<Mail> MAILS = c -> {
    List<String[]> rcpts = new ArrayList<>();
    for (String[] r : ((Gen<String[]>) d -> new String[] {String.valueOf(1 + d.below(3)), nonEmpty(text(12)).generate(d),
        EMAIL.generate(d)}).list(0, 4).generate(c)) {
      rcpts.add(r);
    }
    List<Att> atts = ((Gen<Att>) d -> new Att(nonEmpty(text(30)).generate(d),
        Gens.of(List.of("application/pdf", "image/png", "application/octet-stream", "text/csv")).generate(d),
        Gens.bytes(300).generate(d), d.below(2) == 1, d.below(2) == 1 ? "cid" + d.below(1000) + "@x" : null))
        .list(0, 3).generate(c);
    String html = c.below(2) == 1 ? "<p>" + text(60).generate(c) + "</p>" : null;
    return new Mail(text(60).generate(c), nonEmpty(text(15)).generate(c), rcpts,
        MimeParser.crlf(Gens.strings(200).generate(c)), html, c.below(3), c.below(4),
        1_000_000_000L + c.below(1_000_000_000), atts, c.below(3) == 0 ? text(20).generate(c) : null);
  };

  @Test
  void renderedMessagesImportBackWithEveryMappedProperty() {
    try (TestStore store = new TestStore(dir)) {
      Folder inbox = store.inbox();
      PropertyCheck.forAll(MAILS).named("render then parse keeps every mapped property").tries(Stress.scale(30, 500))
          .check(mail -> {
            try {
              MessageId made = create(inbox, mail);
              byte[] rendered = store.export(made);
              MessageSnapshot back = store.snapshot(store.importBytes(rendered).id());
              String ctx = new String(rendered, StandardCharsets.UTF_8);
              assertThat(back.get(PropTags.SUBJECT).map(PropValue::asString)).as(ctx).contains(mail.subject());
              assertThat(back.get(PropTags.SENT_REPRESENTING_NAME).map(PropValue::asString)).as(ctx).contains(mail.fromName());
              assertThat(back.get(PropTags.BODY).map(PropValue::asString)).as(ctx).contains(mail.body());
              if (mail.html() != null) {
                assertThat(new String(back.get(PropTags.HTML).orElseThrow().asBytes(), StandardCharsets.UTF_8)).isEqualTo(mail.html());
              }
              assertThat(back.get(PropTags.CLIENT_SUBMIT_TIME).orElseThrow().asInstant()).isEqualTo(Instant.ofEpochSecond(mail.date()));
              assertThat(back.recipients()).as(ctx).extracting(r -> r.get(PropTags.RECIPIENT_TYPE).orElseThrow().asInt() + "/"
                  + r.get(PropTags.DISPLAY_NAME).orElseThrow().asString() + "/" + r.get(PropTags.SMTP_ADDRESS).orElseThrow().asString())
                  .containsExactlyInAnyOrderElementsOf(mail.rcpts().stream().map(r -> r[0] + "/" + r[1] + "/" + r[2]).toList());
              List<MessageSnapshot.AttachmentSnapshot> atts = back.attachments().stream()
                  .filter(a -> a.get(MimeProps.ORIGINAL_SHA256).isEmpty()).toList();
              assertThat(atts).as(ctx).hasSize(mail.atts().size() + (mail.embeddedSubject() == null ? 0 : 1));
              assertThat(atts.stream().flatMap(a -> a.get(PropTags.ATTACH_LONG_FILENAME).stream()).map(PropValue::asString).toList())
                  .as(ctx).containsExactlyInAnyOrderElementsOf(mail.atts().stream().map(Att::name).toList());
              // Rendering the import again changes nothing mapped.
              MessageSnapshot twice = store.snapshot(store.importBytes(render(store, back.id().orElseThrow())).id());
              Map<String, Object> a = TestStore.mapped(back);
              Map<String, Object> b = TestStore.mapped(twice);
              assertThat(b).as(ctx).isEqualTo(a);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    }
  }

  private static byte[] render(TestStore store, MessageId id) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Message m = store.session.openMessage(id)) {
      Renderer.render(m, out);
    }
    return out.toByteArray();
  }

  private static MessageId create(Folder folder, Mail mail) {
    try (Message m = folder.createMessage()) {
      List<PropValue> p = new ArrayList<>(List.of(
          PropValue.of(PropTags.SUBJECT, mail.subject()),
          PropValue.of(PropTags.SENT_REPRESENTING_NAME, mail.fromName()),
          PropValue.of(PropTags.SENT_REPRESENTING_EMAIL_ADDRESS, "from@example.com"),
          PropValue.of(PropTags.BODY, mail.body()),
          PropValue.of(PropTags.IMPORTANCE, mail.importance()),
          PropValue.of(PropTags.SENSITIVITY, mail.sensitivity()),
          PropValue.of(PropTags.CLIENT_SUBMIT_TIME, Instant.ofEpochSecond(mail.date()))));
      if (mail.html() != null) {
        p.add(PropValue.of(PropTags.HTML, mail.html().getBytes(StandardCharsets.UTF_8)));
        p.add(PropValue.of(PropTags.INTERNET_CODEPAGE, 65001));
      }
      m.setProps(p);
      List<Recipient> rows = new ArrayList<>();
      for (String[] r : mail.rcpts()) {
        rows.add(Recipient.of(Integer.parseInt(r[0]), r[1], r[2]));
      }
      if (!rows.isEmpty()) {
        m.modifyRecipients(RecipientOp.ADD, rows);
      }
      for (Att att : mail.atts()) {
        try (Attachment a = m.createAttachment()) {
          a.set(PropTags.ATTACH_LONG_FILENAME, att.name());
          a.set(PropTags.ATTACH_MIME_TAG, att.type());
          if (att.inline()) {
            a.set(MimeProps.ATTACH_FLAGS, MimeProps.ATT_MHTML_REF);
          }
          if (att.contentId() != null) {
            a.set(PropTags.ATTACH_CONTENT_ID, att.contentId());
          }
          a.writeContent(new ByteArrayInputStream(att.content()));
          a.saveChanges();
        }
      }
      if (mail.embeddedSubject() != null) {
        try (Attachment a = m.createAttachment(); Message e = a.openEmbeddedMessage(OpenFlag.MODIFY)) {
          e.set(PropTags.SUBJECT, mail.embeddedSubject());
          e.set(PropTags.BODY, "inner");
          e.saveChanges();
          a.saveChanges();
        }
      }
      return m.saveChanges().messageId();
    }
  }
}
