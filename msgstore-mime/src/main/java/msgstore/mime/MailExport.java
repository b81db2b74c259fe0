package msgstore.mime;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;
import msgstore.api.Message;

/**
 * Writes a message as RFC 5322 / MIME. A message imported by {@link MailImport} and unchanged
 * since gives back exactly the bytes that came in; any other message is rendered (ADR 0017,
 * docs/mime.md "Fidelity").
 */
public final class MailExport {
  private MailExport() {}

  /** The RFC 5322 form: the original bytes when unchanged since import, else rendered. */
  public static void write(Message message, OutputStream out) throws IOException {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(out, "out");
    Exporter.write(message, out);
  }
}
