package msgstore.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import msgstore.api.ContentsTable;
import msgstore.api.Folder;
import msgstore.api.FolderId;
import msgstore.api.HashedContent;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.OpenFlag;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Session;
import msgstore.api.StoreException;
import msgstore.api.TableRow;
import msgstore.mime.MailImport;
import msgstore.mime.MimeProps;
import msgstore.mime.MsgImport;
import msgstore.mime.box.Flag;
import msgstore.mime.box.MailSource;
import msgstore.mime.box.MboxVariant;
import msgstore.mime.box.SourceMessage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code msgstore import}: mail files into a folder, one message at a time through {@link
 * MailImport} (so embedded and remote alike). A message already in its folder (same Message-ID and
 * same SHA-256 of its bytes, which come together) is skipped, so an import can be run again after an interruption and
 * imports nothing twice. One bad message is reported and the import goes on.
 */
@Command(name = "import", description = {"Imports mail: .eml files, directories of them, mbox files (mboxrd or mboxo), "
    + "Maildirs (flags become the read flag, flagged and answered), and trees mixing them; subdirectories and "
    + "Maildir++ subfolders become folders (created as needed).",
    "Messages already in their folder (same Message-ID and same bytes) are skipped, so running an import again "
        + "imports nothing twice.",
    "Prints a summary (imported, skipped, failed with the reason for each); exit code 4 when some failed."})
final class ImportCommand implements Callable<Integer> {
  /** PidTagLastVerbExecuted, [MS-OXOMSG] 2.2.1.33; 102 = EXCHIVERB_REPLYTOSENDER. */
  static final PropTag LAST_VERB_EXECUTED = PropTag.of(0x10810003);
  static final int VERB_REPLY_TO_SENDER = 102;
  /** [MS-OXOMSG] PidTagIconIndex 0x00000105: a replied-to mail. */
  static final int ICON_REPLIED = 0x105;
  /** [MS-OXOFLAG] PidTagFlagStatus 2: followupFlagged. */
  static final int FLAG_STATUS_FLAGGED = 2;
  /** Messages up to this size are read into memory once for hash and import (most mail is far smaller). */
  static final long IN_MEMORY = 1 << 20;

  private final Io io;
  private Session session;
  /** Per folder: the SHA-256 of each message there or being imported ({@link ImportPool#claim}). */
  private final Map<FolderId, Map<String, CompletableFuture<Boolean>>> present = new HashMap<>();

  @Mixin
  TargetOptions target;

  @Option(names = {"-s", "--store-id"}, paramLabel = "STORE", description = "A store by GUID or name (default: your own).")
  String storeId;

  @Option(names = "--folder", paramLabel = "FOLDER", defaultValue = "/Inbox",
      description = "Where the mail goes (created when missing; default /Inbox); subfolders of the mail go below it.")
  String folder;

  @Option(names = "--mbox", paramLabel = "mboxrd|mboxo", defaultValue = "mboxrd",
      description = "How mbox files quote body lines starting \"From \" (default mboxrd: one '>' comes off every "
          + ">*From line; mboxo: only off >From lines).")
  String mboxVariant;

  @Option(names = "--max-size", paramLabel = "BYTES", description = "The largest message accepted (default 50 MiB); "
      + "bigger ones fail with MAPI_E_TOO_BIG.")
  Long maxSize;

  @Option(names = "--threads", paramLabel = "N",
      description = "Messages imported at once (default 64 into a store file, 8 through a server; 1 imports them "
          + "one after the other in source order).")
  Integer threads;

  /**
   * More messages in flight than cores: each waits for its group commit part of the time, and the
   * more wait at once, the larger the group (one fsync, fewer pages written per message). Measured
   * on 2 cores (docs/BENCHMARKS.md): 8 threads 1,190 msg/s, 16 1,330, 32 1,410; with the serial
   * collector, 64 took 5 % less time than 32 (6 alternated pairs). Through a server, 8
   * connections, as before.
   */
  static final int DEFAULT_THREADS_EMBEDDED = 64;
  static final int DEFAULT_THREADS_REMOTE = 8;

  @Parameters(arity = "1..*", paramLabel = "PATH", description = "Mail files or directories.")
  List<Path> paths;

  ImportCommand(Io io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    MboxVariant variant = switch (mboxVariant.toLowerCase(Locale.ROOT)) {
      case "mboxrd" -> MboxVariant.MBOXRD;
      case "mboxo" -> MboxVariant.MBOXO;
      default -> throw new CliException(Main.EXIT_USAGE, "--mbox " + mboxVariant + ": give mboxrd or mboxo");
    };
    MailImport.ImportOptions base = MailImport.ImportOptions.defaults();
    if (maxSize != null) {
      if (maxSize <= 0) {
        throw new CliException(Main.EXIT_USAGE, "--max-size must be positive, got " + maxSize);
      }
      base = base.withMaxBytes(maxSize);
    }
    if (threads != null && (threads < 1 || threads > 64)) {
      throw new CliException(Main.EXIT_USAGE, "--threads must be 1 to 64, got " + threads);
    }
    for (Path p : paths) {
      if (!Files.exists(p)) {
        throw new CliException(Main.EXIT_IO, "no such file or directory: " + p + " (nothing was imported)");
      }
    }
    MailTransfer tally = new MailTransfer(io, "importing");
    MailSource.Options options = MailSource.Options.defaults().withMboxVariant(variant)
        .withIgnored(p -> io.err().println("msgstore: skipping " + p + ": not a mail file"));
    try (Target t = Target.open(target, io); ImportPool pool = new ImportPool(threads != null ? threads
        : t.store instanceof msgstore.engine.EmbeddedMessageStore ? DEFAULT_THREADS_EMBEDDED : DEFAULT_THREADS_REMOTE,
        tally)) {
      session = t.session;
      Map<List<String>, Folder> folders = new HashMap<>();
      folders.put(List.of(), targetFolder(t));
      for (Path p : paths) {
        try (MailSource source = MailSource.open(p, options)) {
          try {
            for (Optional<SourceMessage> m = source.next(); m.isPresent(); m = source.next()) {
              importOne(m.get(), folders, base, pool, tally);
            }
          } finally {
            pool.drain(); // the source's messages are read from it until they are done
          }
        } catch (IOException e) {
          pool.failed(p.toString(), MailTransfer.reason(e));
        }
      }
      pool.drain();
      pool.sortFailures();
    }
    return tally.finish("imported");
  }

  /**
   * Reads one message's place (its folder, created here, in source order) and hands the rest to a
   * worker: SHA-256, duplicate check, import, flags.
   */
  private void importOne(SourceMessage m, Map<List<String>, Folder> folders, MailImport.ImportOptions base,
      ImportPool pool, MailTransfer tally) {
    Folder f;
    Map<String, CompletableFuture<Boolean>> present;
    try {
      f = folder(folders, m.folderPath());
      present = presentIn(f);
    } catch (RuntimeException e) {
      if (Main.connectFailure(e) != null) {
        throw e; // the server is gone: every other message would fail the same way
      }
      pool.failed(m.origin(), MailTransfer.reason(e));
      return;
    }
    pool.submit(seq -> importInto(f, present, m, base, pool, tally, seq));
  }

  /** On a worker: one message into {@code f} unless already there. */
  private void importInto(Folder f, Map<String, CompletableFuture<Boolean>> present, SourceMessage m,
      MailImport.ImportOptions base, ImportPool pool, MailTransfer tally, long seq) {
    String sha = null;
    CompletableFuture<Boolean> claim = null;
    try {
      // Most mail is small: read it once (an mbox message is located and unquoted once) for both
      // the hash and the import; a big one is read twice rather than held in the heap.
      HashedContent raw = m.size() <= IN_MEMORY ? HashedContent.of(readAll(m)) : null;
      sha = raw != null ? raw.sha256() : sha256(m);
      claim = ImportPool.claim(present, sha);
      if (claim == null) {
        synchronized (tally) {
          tally.skipped++;
          tally.tick();
        }
        return;
      }
      MailImport.Imported r;
      MailImport.ImportOptions o = base.withRead(m.flags().contains(Flag.READ)).withSkipIfPresent(false)
          .withDraft(m.flags().contains(Flag.DRAFT));
      if (m.kind() != SourceMessage.Kind.OUTLOOK_MSG && raw != null) {
        r = MailImport.importMessage(f, raw, o); // read and hashed once, above
      } else {
        try (InputStream in = raw != null ? raw : m.open().get()) {
          r = m.kind() == SourceMessage.Kind.OUTLOOK_MSG // Outlook .msg: its MAPI properties as they are (ADR 0020)
              ? MsgImport.importMessage(f, in, o, MsgImport.NamedProps.of(session, f.storeId()))
              : MailImport.importMessage(f, in, o);
        }
      }
      claim.complete(true);
      claim = null;
      applyFlags(r, m);
      synchronized (tally) {
        tally.done++;
        tally.bytes += r.bytes();
        tally.tick();
      }
    } catch (IOException | UncheckedIOException e) {
      pool.failed(seq, m.origin(), MailTransfer.reason(e));
    } catch (RuntimeException e) {
      if (Main.connectFailure(e) != null) {
        pool.fatal(e); // the server is gone: every other message would fail the same way
        return;
      }
      pool.failed(seq, m.origin(), MailTransfer.reason(e));
    } finally {
      if (claim != null) { // not imported: a twin waiting on this claim tries itself
        present.remove(sha, claim);
        claim.complete(false);
      }
    }
  }

  /**
   * The SHA-256 of the bytes of every imported message in {@code f}, read once per folder with one
   * contents-table scan. The same bytes have the same Message-ID, so this is MailImport's identity
   * (Message-ID and SHA-256) without a restricted table query per message, which scans the folder
   * each time: 10,000 messages into one folder went from ~7 msg/s at the end to a constant rate.
   */
  private Map<String, CompletableFuture<Boolean>> presentIn(Folder f) {
    Map<String, CompletableFuture<Boolean>> set = present.get(f.id());
    if (set == null) {
      set = ImportPool.claims();
      ContentsTable table = f.contentsTable().setColumns(List.of(PropTags.MID, MimeProps.SOURCE_SHA256));
      for (int offset = 0; ; offset += 1000) {
        List<TableRow> page = table.queryRows(offset, 1000);
        for (TableRow row : page) {
          Optional<PropValue> v = row.get(MimeProps.SOURCE_SHA256);
          if (v.isPresent()) {
            set.put(v.get().asString(), CompletableFuture.completedFuture(true));
          }
        }
        if (page.size() < 1000) {
          break;
        }
      }
      present.put(f.id(), set);
    }
    return set;
  }

  private static byte[] readAll(SourceMessage m) throws IOException {
    try (InputStream in = m.open().get()) {
      return in.readAllBytes();
    }
  }

  private static String sha256(SourceMessage m) throws IOException {
    MessageDigest d;
    try {
      d = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (InputStream in = m.open().get()) {
      byte[] buf = new byte[1 << 16];
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        d.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(d.digest());
  }

  /** Flagged and answered become properties (the read flag went in with the import). */
  private void applyFlags(MailImport.Imported r, SourceMessage m) {
    if (!m.flags().contains(Flag.FLAGGED) && !m.flags().contains(Flag.ANSWERED)) {
      return;
    }
    try (Message msg = session.openMessage(r.id(), OpenFlag.MODIFY)) {
      if (m.flags().contains(Flag.FLAGGED)) {
        msg.set(PropTags.FLAG_STATUS, FLAG_STATUS_FLAGGED);
      }
      if (m.flags().contains(Flag.ANSWERED)) {
        msg.setProps(PropValue.of(LAST_VERB_EXECUTED, VERB_REPLY_TO_SENDER), PropValue.of(PropTags.ICON_INDEX, ICON_REPLIED));
      }
      msg.saveChanges();
    }
  }

  private Folder targetFolder(Target t) {
    Folder f = t.session.openFolder(t.store(storeId).rootFolder());
    for (String segment : folder.split("/")) {
      if (!segment.isEmpty()) {
        f = child(f, segment);
      }
    }
    return f;
  }

  private static Folder folder(Map<List<String>, Folder> folders, List<String> path) {
    Folder f = folders.get(path);
    if (f == null) {
      Folder parent = folder(folders, path.subList(0, path.size() - 1));
      f = child(parent, path.get(path.size() - 1));
      folders.put(List.copyOf(path), f);
    }
    return f;
  }

  private static Folder child(Folder parent, String name) {
    Optional<Folder> existing = parent.subfolder(name);
    if (existing.isPresent()) {
      return existing.get();
    }
    try {
      return parent.createFolder(name);
    } catch (StoreException e) {
      if (e.error() == MapiError.COLLISION) {
        return parent.subfolder(name).orElseThrow(() -> e);
      }
      throw e;
    }
  }
}
