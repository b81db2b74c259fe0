package msgstore.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import msgstore.api.ContentsTable;
import msgstore.api.Folder;
import msgstore.api.FolderInfo;
import msgstore.api.Message;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.SortOrder;
import msgstore.api.TableRow;
import msgstore.mime.MailExport;
import msgstore.mime.MimeProps;
import msgstore.mime.box.Flag;
import msgstore.mime.box.MailSink;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code msgstore export}: a folder's messages as RFC 5322 ({@link MailExport}: the original bytes
 * of an unchanged imported message, else rendered) into .eml files, an mboxrd file or a Maildir;
 * the inverse of {@code import}. Oldest first. One message that cannot be written is reported and
 * the export goes on.
 */
@Command(name = "export", description = {"Exports a folder's messages as .eml files, an mbox file (mboxrd) or a Maildir "
    + "(read, flagged and answered become Maildir flags), oldest first; with -r its subfolders too (subdirectories, "
    + "NAME.sbd mbox files, Maildir++ subfolders), so msgstore import reads the result back.",
    "Prints a summary; exit code 4 when some messages failed."})
final class ExportCommand implements Callable<Integer> {
  private static final int PAGE = 200;
  private final Io io;

  @Mixin
  TargetOptions target;

  @Option(names = {"-s", "--store-id"}, paramLabel = "STORE", description = "A store by GUID or name (default: your own).")
  String storeId;

  @Option(names = "--format", paramLabel = "eml|mbox|maildir", required = true, description = "What to write.")
  String format;

  @Option(names = "--out", paramLabel = "PATH", required = true,
      description = "A new file (mbox) or a new or empty directory (eml, maildir).")
  Path out;

  @Option(names = {"-r", "--recursive"}, description = "Subfolders too.")
  boolean recursive;

  @Parameters(paramLabel = "FOLDER", description = "A folder path (/Inbox/Work) or id (f-3).")
  String folder;

  ExportCommand(Io io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    MailSink.Format f = switch (format.toLowerCase(Locale.ROOT)) {
      case "eml" -> MailSink.Format.EML;
      case "mbox" -> MailSink.Format.MBOX;
      case "maildir" -> MailSink.Format.MAILDIR;
      default -> throw new CliException(Main.EXIT_USAGE, "--format " + format + ": give eml, mbox or maildir");
    };
    refuseExisting(f);
    MailTransfer tally = new MailTransfer(io, "exporting");
    try (Target t = Target.open(target, io)) {
      Folder top = t.folder(folder, storeId);
      try (MailSink sink = MailSink.open(f, out)) {
        exportFolder(t, top, List.of(), sink, tally);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + out, e);
      }
    }
    return tally.finish("exported");
  }

  private void refuseExisting(MailSink.Format f) {
    if (f == MailSink.Format.MBOX) {
      if (Files.exists(out)) {
        throw new CliException(Main.EXIT_IO, out + " exists: an mbox export goes into a new file; nothing was written");
      }
      return;
    }
    if (Files.isDirectory(out)) {
      try (Stream<Path> s = Files.list(out)) {
        if (s.findAny().isPresent()) {
          throw new CliException(Main.EXIT_IO, out + " is not empty: an export goes into a new or empty directory;"
              + " nothing was written");
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + out, e);
      }
    } else if (Files.exists(out)) {
      throw new CliException(Main.EXIT_IO, out + " is a file: a " + format + " export goes into a directory");
    }
  }

  private void exportFolder(Target t, Folder f, List<String> path, MailSink sink, MailTransfer tally) {
    ContentsTable table = f.contentsTable()
        .setColumns(List.of(PropTags.MID, PropTags.MESSAGE_DELIVERY_TIME))
        .sortBy(List.of(SortOrder.ascending(PropTags.MESSAGE_DELIVERY_TIME)));
    int total = table.rowCount();
    for (int offset = 0; offset < total; offset += PAGE) {
      List<TableRow> page = table.queryRows(offset, PAGE);
      if (page.isEmpty()) {
        break;
      }
      for (TableRow row : page) {
        exportOne(t, row, path, sink, tally);
      }
    }
    if (recursive) {
      for (FolderInfo child : f.hierarchy(false)) {
        List<String> sub = new ArrayList<>(path);
        sub.add(child.displayName());
        exportFolder(t, t.session.openFolder(child.id()), sub, sink, tally);
      }
    }
  }

  private void exportOne(Target t, TableRow row, List<String> path, MailSink sink, MailTransfer tally) {
    String origin = (path.isEmpty() ? folder : folder + "/" + String.join("/", path)) + " " + row.messageId();
    try (Message m = t.session.openMessage(row.messageId())) {
      Instant received = m.getProp(PropTags.MESSAGE_DELIVERY_TIME).map(PropValue::asInstant).orElse(Instant.now());
      String sender = m.getProp(MimeProps.SENDER_SMTP_ADDRESS).or(() -> m.getProp(PropTags.SENDER_EMAIL_ADDRESS))
          .map(PropValue::asString).orElse("");
      long[] written = new long[1];
      sink.add(path, flags(m), received, sender, o -> MailExport.write(m, new Counting(o, written)));
      tally.done++;
      tally.bytes += written[0];
      tally.tick();
    } catch (IOException | UncheckedIOException e) {
      tally.failed(origin, MailTransfer.reason(e));
    } catch (RuntimeException e) {
      if (Main.connectFailure(e) != null) {
        throw e;
      }
      tally.failed(origin, MailTransfer.reason(e));
    }
  }

  /**
   * The Maildir flags of a message: read, flagged (PidTagFlagStatus 2), answered (a reply verb),
   * draft (MSGFLAG_UNSENT: never sent; an import clears it unless the source said draft).
   */
  static Set<Flag> flags(Message m) {
    Set<Flag> out = EnumSet.noneOf(Flag.class);
    int flags = m.getProp(PropTags.MESSAGE_FLAGS).map(PropValue::asInt).orElse(0);
    if ((flags & PropTags.MSGFLAG_READ) != 0) {
      out.add(Flag.READ);
    }
    if ((flags & PropTags.MSGFLAG_UNSENT) != 0) {
      out.add(Flag.DRAFT);
    }
    if (intProp(m, PropTags.FLAG_STATUS) == ImportCommand.FLAG_STATUS_FLAGGED) {
      out.add(Flag.FLAGGED);
    }
    int verb = intProp(m, ImportCommand.LAST_VERB_EXECUTED);
    if (verb == ImportCommand.VERB_REPLY_TO_SENDER || verb == 103) { // 103: reply to all
      out.add(Flag.ANSWERED);
    }
    return out;
  }

  private static int intProp(Message m, PropTag tag) {
    Optional<PropValue> v = m.getProp(tag);
    return v.map(PropValue::asInt).orElse(0);
  }

  /** Counts what goes through. */
  private static final class Counting extends FilterOutputStream {
    private final long[] count;

    Counting(OutputStream out, long[] count) {
      super(out);
      this.count = count;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count[0]++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count[0] += len;
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
