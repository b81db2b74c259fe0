package msgstore.mime;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Objects;
import msgstore.api.HashedContent;
import java.util.Optional;
import msgstore.api.Folder;
import msgstore.api.MapiError;
import msgstore.api.MessageId;
import msgstore.api.StoreException;

/**
 * Imports one RFC 5322 message into a folder through the msgstore API ([MS-OXCMAIL] mapping, see
 * docs/mime.md), so it works on an embedded store and through the remote SDK alike.
 *
 * <p>The raw bytes are read once (into memory, or a temporary file when large) while their SHA-256 is computed and
 * their size checked against {@link ImportOptions#maxBytes}; they are then parsed with mime4j
 * (big bodies go to temporary files, never whole into memory), mapped to properties, recipients
 * and attachments, and committed with one SaveChanges. The original bytes are kept as a hidden
 * attachment so {@link MailExport} gives them back unchanged (ADR 0017).
 */
public final class MailImport {
  private MailImport() {}

  /**
   * Parses raw RFC 5322 bytes (streamed) and creates one message in {@code folder} through the
   * msgstore-api (works embedded and remote); with options.skipIfPresent, a message already in the
   * folder with the same Message-ID AND the same SHA-256 of its bytes is not imported again.
   *
   * @throws StoreException INVALID_PARAMETER when the bytes are not a message at all (empty, or no
   *     header), TOO_BIG over {@link ImportOptions#maxBytes}; nothing is written then
   * @throws IOException when reading {@code raw} fails; nothing is written then
   */
  public static Imported importMessage(Folder folder, InputStream raw, ImportOptions options) throws IOException {
    Objects.requireNonNull(folder, "folder");
    Objects.requireNonNull(raw, "raw");
    Objects.requireNonNull(options, "options");
    return Importer.importMessage(folder, raw, options);
  }

  /**
   * As {@link #importMessage(Folder, InputStream, ImportOptions)}, for a message its caller has read
   * into memory and hashed already (to claim it against duplicates, as {@code msgstore import}
   * does): the bytes are not read or hashed again, here or by an embedded store keeping them.
   */
  public static Imported importMessage(Folder folder, HashedContent raw, ImportOptions options) throws IOException {
    Objects.requireNonNull(folder, "folder");
    Objects.requireNonNull(raw, "raw");
    Objects.requireNonNull(options, "options");
    return Importer.importMessage(folder, raw, options);
  }

  /**
   * How to import.
   *
   * @param read whether the new message is marked read
   * @param deliveryTime PidTagMessageDeliveryTime; empty: the newest Received header's date, else now
   * @param skipIfPresent skip a message whose Message-ID and SHA-256 are both already in the folder
   * @param maxBytes the largest raw message accepted (TOO_BIG above it)
   * @param draft whether the new message is a draft (MSGFLAG_UNSENT kept, as a Maildir {@code D}
   *     flag or IMAP {@code \Draft} says); otherwise it is received mail and the flag is cleared
   */
  public record ImportOptions(boolean read, Optional<Instant> deliveryTime, boolean skipIfPresent, long maxBytes,
      boolean draft) {
    /** 50 MiB, a common MTA limit (Postfix's default message_size_limit is 10 MB; Exchange Online's is 150 MB). */
    public static final long DEFAULT_MAX_BYTES = 50L << 20;

    public ImportOptions {
      Objects.requireNonNull(deliveryTime, "deliveryTime");
      if (maxBytes <= 0) {
        throw new StoreException(MapiError.INVALID_PARAMETER, "maxBytes must be positive, got " + maxBytes);
      }
    }

    /** Unread, delivery time from Received (else now), skipIfPresent true, at most 50 MiB, not a draft. */
    public static ImportOptions defaults() {
      return new ImportOptions(false, Optional.empty(), true, DEFAULT_MAX_BYTES, false);
    }

    public ImportOptions withRead(boolean r) {
      return new ImportOptions(r, deliveryTime, skipIfPresent, maxBytes, draft);
    }

    public ImportOptions withDeliveryTime(Instant t) {
      return new ImportOptions(read, Optional.of(t), skipIfPresent, maxBytes, draft);
    }

    public ImportOptions withSkipIfPresent(boolean s) {
      return new ImportOptions(read, deliveryTime, s, maxBytes, draft);
    }

    public ImportOptions withMaxBytes(long m) {
      return new ImportOptions(read, deliveryTime, skipIfPresent, m, draft);
    }

    public ImportOptions withDraft(boolean d) {
      return new ImportOptions(read, deliveryTime, skipIfPresent, maxBytes, d);
    }
  }

  /**
   * The outcome of one import.
   *
   * @param id the new message, or the one already present
   * @param alreadyPresent true when skipped because the same message was in the folder
   * @param internetMessageId the Message-ID header (without angle brackets' surrounding space), or "" if none
   * @param sha256 hex SHA-256 of the raw bytes
   * @param bytes size of the raw bytes
   */
  public record Imported(MessageId id, boolean alreadyPresent, String internetMessageId, String sha256, long bytes) {}
}
