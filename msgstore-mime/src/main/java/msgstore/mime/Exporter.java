package msgstore.mime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import msgstore.api.Attachment;
import msgstore.api.Message;
import msgstore.api.MessageSnapshot;

/** {@link MailExport#write}: the kept original when the fingerprint still matches, else the renderer. */
final class Exporter {
  private Exporter() {}

  static void write(Message message, OutputStream out) throws IOException {
    MessageSnapshot s = message.snapshot();
    Optional<MessageSnapshot.AttachmentSnapshot> original = original(s);
    Optional<String> stored = s.get(MimeProps.SOURCE_FINGERPRINT).map(p -> p.asString());
    if (original.isPresent() && isRfc822(original.get()) && stored.isPresent() && Fingerprint.matches(stored.get(), s)) {
      try (Attachment a = message.openAttachment(original.get().attachNum())) {
        Optional<InputStream> in = a.openContent();
        if (in.isPresent()) {
          try (InputStream i = in.get()) {
            i.transferTo(out);
          }
          return;
        }
      }
    }
    Renderer.render(message, out);
  }

  /**
   * Whether a kept original is RFC 5322 (MailImport's, message/rfc822) and so may be given back as
   * it is; an Outlook .msg original (MsgImport's, application/vnd.ms-outlook) is not mail: rendered.
   */
  private static boolean isRfc822(MessageSnapshot.AttachmentSnapshot original) {
    return original.get(msgstore.api.PropTags.ATTACH_MIME_TAG).map(p -> p.asString())
        .map(t -> t.equalsIgnoreCase("message/rfc822")).orElse(true);
  }

  static Optional<MessageSnapshot.AttachmentSnapshot> original(MessageSnapshot s) {
    return s.attachments().stream().filter(a -> a.get(MimeProps.ORIGINAL_SHA256).isPresent()).findFirst();
  }
}
