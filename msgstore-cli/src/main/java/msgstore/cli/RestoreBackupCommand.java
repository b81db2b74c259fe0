package msgstore.cli;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import msgstore.server.ServerConfig;
import msgstore.server.auth.Accounts;
import msgstore.storage.sqlite.SqliteBackup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Brings a {@code msgstore backup} back into a new data folder and checks it before saying so. */
@Command(name = "restore-backup", description = {"Restores a backup made by msgstore backup into NEWDIR, a new or empty "
    + "folder, checks every blob and the store's integrity, then says how to serve it.",
    "Refuses a non-empty NEWDIR (exit 3); a failed check leaves NEWDIR as it was (exit 1); refuses --db (exit 2)."})
final class RestoreBackupCommand implements Callable<Integer> {
  private final Io io;

  @Parameters(paramLabel = "BACKUP", description = "A folder written by msgstore backup.")
  Path backup;

  @Option(names = "--data", paramLabel = "NEWDIR", description = "The data folder to create: new or empty (required).")
  Path data;

  @Option(names = "--db", paramLabel = "postgresql://USER@HOST:PORT/DB", description = "Refused: restore into a data"
      + " folder, then msgstore migrate --from NEWDIR --to the database; a pg_dump is restored with pg_restore.")
  String db;

  RestoreBackupCommand(Io io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    if (db != null) {
      throw new CliException(Main.EXIT_USAGE, "msgstore restore-backup writes a new SQLite data folder; to bring "
          + backup + " into the PostgreSQL database " + db + ", restore it into a folder (restore-backup " + backup
          + " --data NEWDIR), then copy that with msgstore migrate --from NEWDIR --to " + db + "; a pg_dump of the"
          + " database is restored with pg_restore (docs/operations.md)");
    }
    if (data == null) {
      throw new CliException(Main.EXIT_USAGE, "restore-backup needs --data NEWDIR, the data folder to create");
    }
    Properties manifest = readManifest(backup);
    if (!BackupCommand.FORMAT.equals(manifest.getProperty("format"))) {
      throw new CliException(Main.EXIT_IO, backup + " is a backup in format '" + manifest.getProperty("format")
          + "', this msgstore reads '" + BackupCommand.FORMAT + "'");
    }
    boolean created = BackupCommand.prepareEmptyFolder(data, "restore");
    boolean done = false;
    try {
      long head = SqliteBackup.restore(backup.resolve(ServerConfig.STORE_FILE), data.resolve(ServerConfig.STORE_FILE));
      long expected = Long.parseLong(manifest.getProperty("journalHead", "-1"));
      if (head != expected) {
        throw new StoreException(MapiError.CORRUPT_DATA, "the restored store ends at journal position " + head
            + " but the backup's MANIFEST says " + expected);
      }
      boolean withAccounts = Boolean.parseBoolean(manifest.getProperty("accounts", "false"));
      int users = 0;
      if (withAccounts) {
        users = restoreAccounts(backup.resolve(ServerConfig.ACCOUNTS_FILE), data.resolve(ServerConfig.ACCOUNTS_FILE));
      }
      done = true;
      io.out().printf("restored %s into %s: %s messages up to journal position %d, %s blobs, %s; integrity check"
          + " passed%n", backup, data, manifest.getProperty("messages"), head, manifest.getProperty("blobs"),
          withAccounts ? users + " users" : "no accounts");
      io.out().printf("serve it with: msgstore serve --data %s%n", data);
      return Main.EXIT_OK;
    } finally {
      if (!done) {
        BackupCommand.emptyOut(data, created);
      }
    }
  }

  private static Properties readManifest(Path folder) {
    Path file = folder.resolve(BackupCommand.MANIFEST);
    if (!Files.isRegularFile(file)) {
      throw new CliException(Main.EXIT_IO, folder + " is not a finished msgstore backup (no " + BackupCommand.MANIFEST
          + "; an interrupted backup has none)");
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return p;
  }

  /** Copies the accounts database (owner-only), checks it and counts its users. */
  private static int restoreAccounts(Path from, Path to) {
    if (!Files.isRegularFile(from)) {
      throw new StoreException(MapiError.CORRUPT_DATA, "the backup lacks " + from + " although its MANIFEST lists it");
    }
    try {
      Files.copy(from, to);
      try {
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: its own defaults apply
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
    }
    List<String> problems = SqliteBackup.sqliteIntegrity(to);
    if (!problems.isEmpty()) {
      throw new StoreException(MapiError.CORRUPT_DATA, "the restored accounts database fails the integrity check: "
          + String.join("; ", problems));
    }
    try (Accounts a = Accounts.open(to)) {
      return a.users().size();
    }
  }
}
