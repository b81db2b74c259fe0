package msgstore.mime.box;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Writes messages into a mailbox on disk: a directory of .eml files, an mboxrd file, or a
 * Maildir. Folder paths become subdirectories (.eml), Thunderbird-style {@code NAME.sbd}
 * directories of mbox files, or Maildir++ subfolders, so {@link MailSource#open} reads back the
 * same tree. Not thread-safe.
 */
public interface MailSink extends Closeable {
  /**
   * Adds one message, its bytes written by {@code content}. When {@code content} fails, nothing of
   * the message is left behind (a temporary file is removed, an mbox file is cut back).
   *
   * @param folderPath the folder below the sink's root ({@code []}: the root)
   * @param flags Maildir info flags (other formats ignore them)
   * @param received the delivery time: the mbox From_ line's date, the file time of .eml and Maildir files
   * @param envelopeSender the mbox From_ line's sender (a single token; MAILER-DAEMON when blank)
   */
  void add(List<String> folderPath, Set<Flag> flags, Instant received, String envelopeSender,
      IOConsumer<OutputStream> content) throws IOException;

  /** The formats a sink writes. */
  enum Format { EML, MBOX, MAILDIR }

  /**
   * A sink writing {@code format} at {@code out}: a directory (.eml, Maildir; created when missing)
   * or a file (mbox; created, or appended to).
   */
  static MailSink open(Format format, Path out) throws IOException {
    return switch (format) {
      case EML -> new EmlSink(out);
      case MBOX -> new MboxSink(out);
      case MAILDIR -> new MaildirSink(out);
    };
  }
}
