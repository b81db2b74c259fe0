package msgstore.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import msgstore.server.ServerConfig;
import msgstore.server.auth.Accounts;
import msgstore.storage.sqlite.SqliteBackup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * An online backup of a data folder into a directory that is itself a data folder: {@code
 * msgstore.db} (one consistent snapshot), the blobs it references, {@code accounts.db}, and a
 * {@code MANIFEST} written last, so a backup without one is unfinished. See {@link SqliteBackup}.
 */
@Command(name = "backup", description = {"Copies the data folder (store, attachment blobs, accounts) into OUT, a new or "
    + "empty folder, while the server runs and saves continue.",
    "The copy is the store as of one commit; msgstore restore-backup brings it back."})
final class BackupCommand implements Callable<Integer> {
  static final String MANIFEST = "MANIFEST";
  static final String FORMAT = "msgstore-backup 1";

  private final Io io;

  @Option(names = "--data", paramLabel = "DIR", description = "The data folder to back up (env MSGSTORE_DATA, default ./data).")
  Path data;

  @Option(names = "--db", paramLabel = "postgresql://USER@HOST:PORT/DB",
      description = "Refused, as is MSGSTORE_DB without --data: a PostgreSQL store is backed up with PostgreSQL's tools"
          + " (pg_dump, continuous archiving).")
  String db;

  @Parameters(paramLabel = "OUT", description = "Where the backup goes: a new or empty folder.")
  Path out;

  BackupCommand(Io io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    if (db != null && data != null) {
      throw new CliException(Main.EXIT_USAGE, "give one of --data and --db");
    }
    // Without --data, the store msgstore serve would use (MSGSTORE_DB, MSGSTORE_DATA, the MSGSTORE_CONFIG file):
    // when that is in PostgreSQL, never back up a data folder in its place.
    ServerConfig served = data != null || db != null ? null : ServerConfig.load(Optional.empty(), io.env(), Map.of());
    String postgres = db != null ? db : served == null ? null : served.db().orElse(null);
    if (postgres != null) {
      throw new CliException(Main.EXIT_USAGE, "msgstore backup copies SQLite data folders; back up the PostgreSQL"
          + " database " + postgres + (db == null ? " (MSGSTORE_DB or the config file's db)" : "") + " with pg_dump -Fc"
          + " or continuous archiving (docs/operations.md, \"Several nodes on PostgreSQL\"), or give --data to back up"
          + " a data folder");
    }
    Path dir = data != null ? data : served.dataDir();
    Path store = dir.resolve(ServerConfig.STORE_FILE);
    if (!Files.isRegularFile(store)) {
      throw new CliException(Main.EXIT_IO, "no store file " + store + " (is " + dir + " a msgstore data folder?)");
    }
    boolean created = prepareEmptyFolder(out, "backup");
    long started = System.nanoTime();
    boolean done = false;
    try {
      SqliteBackup.Result r = SqliteBackup.backup(store, out.resolve(ServerConfig.STORE_FILE));
      Path accounts = dir.resolve(ServerConfig.ACCOUNTS_FILE);
      boolean withAccounts = Files.isRegularFile(accounts);
      if (withAccounts) {
        try (Accounts a = Accounts.open(accounts)) {
          a.backup(out.resolve(ServerConfig.ACCOUNTS_FILE));
        }
      }
      Properties m = new Properties();
      m.setProperty("format", FORMAT);
      m.setProperty("created", Instant.now().toString());
      m.setProperty("source", dir.toAbsolutePath().normalize().toString());
      m.setProperty("journalHead", Long.toString(r.journalHead()));
      m.setProperty("messages", Long.toString(r.messages()));
      m.setProperty("blobs", Integer.toString(r.blobs()));
      m.setProperty("blobBytes", Long.toString(r.blobBytes()));
      m.setProperty("accounts", Boolean.toString(withAccounts));
      writeManifest(out, m);
      done = true;
      long millis = (System.nanoTime() - started) / 1_000_000;
      io.out().printf("backed up %s into %s in %d ms: %d messages up to journal position %d, %d blobs (%d bytes)%s%n",
          dir, out, millis, r.messages(), r.journalHead(), r.blobs(), r.blobBytes(),
          withAccounts ? ", accounts" : ", no accounts.db");
      if (r.attempts() > 1) {
        io.out().printf("(%d snapshots: garbage collection removed blobs during the copy)%n", r.attempts());
      }
      return Main.EXIT_OK;
    } finally {
      if (!done) {
        emptyOut(out, created);
      }
    }
  }

  /**
   * Makes {@code folder} exist and be empty (creating it readable by its owner only); returns
   * whether it was created. A non-empty folder or a file there is refused with exit code 3.
   */
  static boolean prepareEmptyFolder(Path folder, String what) {
    try {
      if (Files.isDirectory(folder)) {
        try (Stream<Path> entries = Files.list(folder)) {
          if (entries.findAny().isPresent()) {
            throw new CliException(Main.EXIT_IO, folder + " is not empty: a " + what + " goes into a new or empty"
                + " folder; nothing was written");
          }
        }
        return false;
      }
      if (Files.exists(folder)) {
        throw new CliException(Main.EXIT_IO, folder + " is a file: a " + what + " goes into a new or empty folder");
      }
      if (folder.toAbsolutePath().getParent() != null) {
        Files.createDirectories(folder.toAbsolutePath().getParent());
      }
      try {
        Files.createDirectory(folder, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (UnsupportedOperationException e) {
        Files.createDirectory(folder);
      }
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + folder, e);
    }
  }

  /** Removes what a failed backup or restore wrote, and the folder itself when it made it. */
  static void emptyOut(Path folder, boolean remove) {
    if (!Files.isDirectory(folder)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(folder)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        if (remove || !p.equals(folder)) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException ignored) {
      // best effort: the original failure is what gets reported
    }
  }

  private static void writeManifest(Path folder, Properties m) {
    Path temp = folder.resolve(MANIFEST + ".tmp");
    try {
      try (OutputStream o = Files.newOutputStream(temp)) {
        m.store(new java.io.OutputStreamWriter(o, StandardCharsets.UTF_8), "msgstore backup: restore with msgstore"
            + " restore-backup " + folder + " --data NEWDIR");
        o.flush();
      }
      try (var ch = java.nio.channels.FileChannel.open(temp, java.nio.file.StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(temp, folder.resolve(MANIFEST), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + folder.resolve(MANIFEST), e);
    }
  }
}
