package msgstore.mime.box;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The messages of a mailbox on disk, one at a time, in a stable order: a single .eml or .msg file,
 * an mbox file (mboxrd or mboxo), a Maildir (with Maildir++ and nested subfolders), or a directory
 * tree mixing them (subdirectories become folders). Nothing is read into memory whole: an mbox is
 * scanned as it is iterated and each message's bytes are read from the file when opened.
 *
 * <p>A problem with one file (unreadable, not an mbox after all) does not end the walk: it comes
 * out as a message whose {@link SourceMessage#open} fails with the reason, so an importer reports
 * it next to that file's origin and goes on. Not thread-safe.
 */
public interface MailSource extends Closeable {
  /** The next message, or empty at the end. */
  Optional<SourceMessage> next() throws IOException;

  /**
   * Opens {@code path}: a file (by extension {@code .eml}, {@code .msg}; else an mbox when it
   * begins with {@code From }, else a single message) or a directory (a Maildir when it has
   * {@code cur} or {@code new}, else a tree of .eml/.msg/mbox files and Maildirs).
   *
   * @throws java.nio.file.NoSuchFileException when {@code path} does not exist
   */
  static MailSource open(Path path, Options options) throws IOException {
    return TreeSource.open(path, options);
  }

  /**
   * How to read.
   *
   * @param mboxVariant the quoting of mbox files (mboxrd unless told)
   * @param ignored told about each file in a directory tree that is not mail (its path), so a
   *     caller can report it; index files of mail programs land here
   */
  record Options(MboxVariant mboxVariant, Consumer<String> ignored) {
    public Options {
      Objects.requireNonNull(mboxVariant, "mboxVariant");
      Objects.requireNonNull(ignored, "ignored");
    }

    public static Options defaults() {
      return new Options(MboxVariant.MBOXRD, p -> {});
    }

    public Options withMboxVariant(MboxVariant v) {
      return new Options(v, ignored);
    }

    public Options withIgnored(Consumer<String> sink) {
      return new Options(mboxVariant, sink);
    }
  }
}
