package msgstore.mime;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import msgstore.api.Attachment;
import msgstore.api.Folder;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.NamedProperty;
import msgstore.api.OpenFlag;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropType;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.RecipientOp;
import msgstore.api.SaveResult;
import msgstore.api.Session;
import msgstore.api.StoreException;
import msgstore.api.StoreId;
import msgstore.mime.MailImport.ImportOptions;
import msgstore.mime.MailImport.Imported;
import org.apache.poi.poifs.filesystem.DocumentEntry;
import org.apache.poi.poifs.filesystem.DocumentInputStream;
import org.apache.poi.poifs.filesystem.POIFSFileSystem;

/**
 * Imports one Outlook .msg file ([MS-OXMSG], read with Apache POI's POIFS) into a folder through the
 * msgstore API, so embedded and remote alike. A .msg already is MAPI: its properties are copied as
 * they are (tags and types; see {@link MsgReader} for the two exceptions), its recipient rows and
 * attachments likewise, embedded .msg files as embedded messages, and its named properties are
 * mapped to this store's ids for the same names ({@link NamedProps}). What the store computes or
 * refuses ({@link PropTags#writeProblem}) is left out. The original bytes are kept as a hidden
 * attachment ({@value #MIME_TYPE}) and their SHA-256 is the import identity, as for RFC 5322 mail
 * (ADR 0020); MailExport renders such a message, since the original is not RFC 5322.
 */
public final class MsgImport {
  /** The media type of an Outlook .msg file (the kept original's PidTagAttachMimeTag, the HTTP content type). */
  public static final String MIME_TYPE = "application/vnd.ms-outlook";
  /** Our own bookkeeping ids (MimeProps 0x6401-0x6403), never copied from a file. */
  private static final int OWN_FIRST = 0x6401;
  private static final int OWN_LAST = 0x6403;

  private MsgImport() {}

  /** Maps a named property of the file to this store's tag for it ({@code null}: leave it out). */
  @FunctionalInterface
  public interface NamedProps {
    PropTag tag(NamedProperty name, PropType type);

    /** Named properties are left out (for a caller without a session). */
    NamedProps NONE = (n, t) -> null;

    /** GetIDsFromNames of {@code store} through {@code session}, creating ids as needed. */
    static NamedProps of(Session session, StoreId store) {
      Objects.requireNonNull(session, "session");
      Objects.requireNonNull(store, "store");
      return (n, t) -> session.namedPropTag(store, n, t, true);
    }
  }

  /**
   * Reads a .msg file (streamed into a temporary file, never whole in memory) and creates one message
   * in {@code folder}; with options.skipIfPresent, a message of the folder with the same SHA-256 of
   * its bytes (and the same PidTagInternetMessageId, or none) is returned instead.
   *
   * @throws StoreException INVALID_PARAMETER when the bytes are not a readable .msg (not an OLE2
   *     compound file, truncated, no property stream), TOO_BIG over options.maxBytes; nothing is
   *     written then
   */
  public static Imported importMessage(Folder folder, InputStream raw, ImportOptions options, NamedProps names)
      throws IOException {
    Objects.requireNonNull(folder, "folder");
    Objects.requireNonNull(raw, "raw");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(names, "names");
    Path spool = Files.createTempFile("msgstore-import-", ".msg");
    try {
      MessageDigest sha = Fingerprint.sha256();
      long size = Importer.spool(raw, spool, sha, options.maxBytes(), "the .msg file");
      String hex = HexFormat.of().formatHex(sha.digest());
      if (size == 0) {
        throw new StoreException(MapiError.INVALID_PARAMETER, "not an Outlook .msg file: the input is empty");
      }
      try (POIFSFileSystem fs = openCompoundFile(spool)) {
        MsgReader.MsgFile file;
        try {
          file = MsgReader.read(fs.getRoot());
        } catch (StoreException e) {
          throw e;
        } catch (IOException | RuntimeException e) {
          throw unreadable(e);
        }
        String messageId = file.message().props().get(PropTags.INTERNET_MESSAGE_ID.value())
            .map(PropValue::asString).orElse("").strip();
        if (options.skipIfPresent()) {
          Optional<Imported> present = Importer.present(folder, messageId, hex, size);
          if (present.isPresent()) {
            return present.get();
          }
        }
        MessageId id;
        try (Message m = folder.createMessage()) {
          new Writer(file.names(), names).message(m, file.message());
          try (Attachment a = m.createAttachment(); InputStream in = Files.newInputStream(spool)) {
            a.setProps(PropValue.of(MimeProps.ORIGINAL_SHA256, hex),
                PropValue.of(MimeProps.ATTACHMENT_HIDDEN, true),
                PropValue.of(PropTags.ATTACH_MIME_TAG, MIME_TYPE),
                PropValue.of(PropTags.ATTACH_LONG_FILENAME, "original.msg"));
            a.writeContent(in);
            a.saveChanges();
          }
          // No SOURCE_FINGERPRINT: the original is not RFC 5322, so an export always renders.
          m.setProps(PropValue.of(MimeProps.SOURCE_SHA256, hex));
          SaveResult r = m.saveChanges();
          id = r.messageId();
        }
        if (options.read()) {
          folder.setReadFlags(List.of(id), true);
        }
        return new Imported(id, false, messageId, hex, size);
      }
    } finally {
      Files.deleteIfExists(spool);
    }
  }

  private static POIFSFileSystem openCompoundFile(Path spool) {
    try {
      return new POIFSFileSystem(spool.toFile(), true);
    } catch (IOException | RuntimeException e) {
      throw new StoreException(MapiError.INVALID_PARAMETER,
          "not an Outlook .msg file: not a readable OLE2 compound file (" + reason(e) + ")");
    }
  }

  static StoreException unreadable(Exception e) {
    return new StoreException(MapiError.INVALID_PARAMETER, "not a valid Outlook .msg file: " + reason(e));
  }

  private static String reason(Exception e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
  }

  /** Copies a read .msg into a sink, resolving named properties once per (id, type). */
  private static final class Writer {
    private final Map<Integer, NamedProperty> fileNames;
    private final NamedProps names;
    private final Map<PropTag, Optional<PropTag>> resolved = new HashMap<>();

    Writer(Map<Integer, NamedProperty> fileNames, NamedProps names) {
      this.fileNames = fileNames;
      this.names = names;
    }

    void message(Message m, MsgReader.Msg msg) throws IOException {
      List<PropValue> props = copyable(msg.props().values(), false);
      // Received or draft as the file says: MSGFLAG_UNSENT and MSGFLAG_FROMME are kept (settable
      // before the first save); the read state is the import's, the rest the store computes.
      int flags = msg.props().get(PropTags.MESSAGE_FLAGS.value()).map(PropValue::asInt).orElse(0);
      props.add(PropValue.of(PropTags.MESSAGE_FLAGS, flags & (PropTags.MSGFLAG_UNSENT | PropTags.MSGFLAG_FROMME)));
      m.setProps(props);
      List<Recipient> rows = new ArrayList<>();
      for (MsgReader.Props r : msg.recipients()) {
        rows.add(new Recipient(0, copyable(r.values(), true)));
      }
      if (!rows.isEmpty()) {
        m.modifyRecipients(RecipientOp.ADD, rows);
      }
      for (MsgReader.Att a : msg.attachments()) {
        try (Attachment at = m.createAttachment()) {
          at.setProps(copyable(a.props().values(), false));
          if (a.embedded().isPresent()) {
            try (Message e = at.openEmbeddedMessage(OpenFlag.MODIFY)) {
              message(e, a.embedded().get());
              e.saveChanges();
            }
          } else if (a.content().isPresent()) {
            try (InputStream in = new Guarded(a.content().get())) {
              at.writeContent(in);
            }
          }
          at.saveChanges();
        }
      }
    }

    /**
     * The values a client may write, named properties under this store's ids; for a recipient row,
     * PR_ROWID is the store's. The message flags are set by the caller.
     */
    private List<PropValue> copyable(List<PropValue> values, boolean recipient) {
      List<PropValue> out = new ArrayList<>();
      for (PropValue v : values) {
        PropTag t = v.tag();
        if (t.type() == PropType.OBJECT || (t.id() >= OWN_FIRST && t.id() <= OWN_LAST)
            || t.id() == PropTags.MESSAGE_FLAGS.id() || t.id() == PropTags.ROWID.id()) {
          continue;
        }
        if (!recipient && PropTags.writeProblem(t, false).isPresent()) {
          continue;
        }
        if (t.isNamed()) {
          Optional<PropTag> mapped = resolved.computeIfAbsent(t, x -> {
            NamedProperty n = fileNames.get(x.id());
            PropTag to = n == null ? null : names.tag(n, x.type());
            return Optional.ofNullable(to).map(s -> PropTag.of(s.id(), x.type()));
          });
          if (mapped.isEmpty()) {
            continue; // no name in the file's map, or no session to map it: left out
          }
          out.add(PropValue.of(mapped.get(), v.value()));
        } else {
          out.add(v);
        }
      }
      return out;
    }
  }

  /** An attachment's stream; a broken compound file shows as INVALID_PARAMETER, not as a store error. */
  private static final class Guarded extends FilterInputStream {
    private final String name;

    Guarded(DocumentEntry e) throws IOException {
      super(new DocumentInputStream(e));
      this.name = e.getParent().getName() + "/" + e.getName();
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (IOException | RuntimeException e) {
        throw broken(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (IOException | RuntimeException e) {
        throw broken(e);
      }
    }

    private StoreException broken(Exception e) {
      return new StoreException(MapiError.INVALID_PARAMETER,
          "not a valid Outlook .msg file: attachment stream " + name + " cannot be read (" + reason(e) + ")");
    }
  }
}
