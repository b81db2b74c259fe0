package msgstore.mime.box;

import java.io.InputStream;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One message found by a {@link MailSource}.
 *
 * @param folderPath the folder it belongs in, relative to where the import goes ({@code []}: there)
 * @param flags what the mailbox format said about it (Maildir info; empty elsewhere)
 * @param size its size in bytes as {@link #open} gives them (mbox: after {@code >From} unquoting)
 * @param open opens its bytes; each call gives a new stream from the start. For {@link Kind#RFC822}
 *     these are the RFC 5322 bytes, for {@link Kind#OUTLOOK_MSG} the compound file
 * @param origin where it came from, for reports: the file, and for mbox the byte offset and line
 * @param kind what the bytes are
 */
public record SourceMessage(List<String> folderPath, Set<Flag> flags, long size, IOSupplier<InputStream> open,
    String origin, Kind kind) {
  public SourceMessage {
    folderPath = List.copyOf(folderPath);
    flags = Set.copyOf(flags);
    Objects.requireNonNull(open, "open");
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(kind, "kind");
  }

  /** What a source message's bytes are. */
  public enum Kind {
    /** RFC 5322 / MIME bytes (.eml, mbox, Maildir). */
    RFC822,
    /** An Outlook .msg compound file: MAPI properties, not RFC 5322. */
    OUTLOOK_MSG
  }
}
