package msgstore.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import msgstore.api.MapiError;
import msgstore.api.Session;
import msgstore.api.StoreException;
import msgstore.api.StoreInfo;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.server.MsgstoreServer;
import msgstore.server.ServerConfig;
import msgstore.server.auth.Accounts;
import msgstore.server.auth.PasswordHasher;
import msgstore.server.auth.TokenInfo;
import msgstore.storage.postgres.PostgresMessageStore;
import msgstore.storage.postgres.PostgresStorage;
import msgstore.storage.postgres.PostgresUrl;
import msgstore.storage.sqlite.SqliteMessageStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;

/**
 * Users, passwords and bearer tokens in {@code <data>/accounts.db}. That file is separate from the
 * store file, so these commands work while the server runs; changes take effect at its next
 * request.
 */
@Command(name = "user", description = {"Manages the server's users, passwords and tokens (DIR/accounts.db).",
    "Works while the server runs."},
    subcommands = {UserCommand.Add.class, UserCommand.ListUsers.class, UserCommand.Remove.class,
        UserCommand.Passwd.class, UserCommand.Token.class, UserCommand.Tokens.class, UserCommand.Revoke.class})
final class UserCommand implements Callable<Integer> {
  private final Io io;

  @Option(names = "--data", paramLabel = "DIR", scope = ScopeType.INHERIT, description = "The server's data folder (env MSGSTORE_DATA, default ./data).")
  Path data;

  @Option(names = "--db", paramLabel = "postgresql://USER@HOST:PORT/DB", scope = ScopeType.INHERIT,
      description = "The accounts of servers sharing this PostgreSQL database (env MSGSTORE_DB), as msgstore serve --db.")
  String db;

  UserCommand(Io io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    io.err().println("msgstore user: add, list, rm, passwd, token, tokens or revoke (msgstore user --help)");
    return Main.EXIT_USAGE;
  }

  Path dataDir() {
    return data != null ? data : io.env("MSGSTORE_DATA").map(Path::of).orElse(Path.of("data"));
  }

  /** The PostgreSQL database of the accounts, or null for the SQLite file in the data folder. */
  String db() {
    return db != null ? db : data != null ? null : io.env("MSGSTORE_DB").orElse(null);
  }

  PostgresStorage.Options dbOptions() {
    return PostgresUrl.options(db(), name -> io.env(name).orElse(null));
  }

  Accounts open() {
    if (db() != null) {
      PostgresStorage storage = PostgresStorage.open(dbOptions().withPoolSize(2));
      try {
        return Accounts.openShared(storage.dataSource(), storage.describe(), PasswordHasher.defaults(),
            java.time.Clock.systemUTC(), Accounts.HashingLimit.UNBOUNDED_WAIT).closingAlso(storage);
      } catch (RuntimeException e) {
        storage.close();
        throw e;
      }
    }
    Path dir = dataDir();
    try {
      java.nio.file.Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot create the data folder " + dir, e);
    }
    return Accounts.open(dir.resolve(ServerConfig.ACCOUNTS_FILE));
  }

  /** A subcommand that works on the accounts database: opens it, runs, closes it. */
  abstract static class OnAccounts implements Callable<Integer> {
    final Io io;

    @ParentCommand
    UserCommand parent;

    OnAccounts(Io io) {
      this.io = io;
    }

    @Override
    public final Integer call() {
      try (Accounts accounts = parent.open()) {
        run(accounts);
      }
      return Main.EXIT_OK;
    }

    abstract void run(Accounts accounts);
  }

  /** A new password: from the console twice without echo, else one line of stdin. */
  static char[] newPassword(Io io, String user) {
    Optional<char[]> first = io.readSecret("New password for " + user + ": ");
    if (first.isEmpty() || first.get().length == 0) {
      throw new CliException(Main.EXIT_USAGE, "no password given (type it, or pipe one line into stdin)");
    }
    if (io.interactive()) {
      char[] again = io.readSecret("Again: ").orElse(new char[0]);
      boolean same = Arrays.equals(first.get(), again);
      Arrays.fill(again, '\0');
      if (!same) {
        Arrays.fill(first.get(), '\0');
        throw new CliException(Main.EXIT_USAGE, "the passwords do not match; nothing changed");
      }
    }
    return first.get();
  }

  @Command(name = "add", description = "Adds a user; the password comes from stdin (one line) or is asked twice.")
  static final class Add extends OnAccounts {
    @Option(names = "--admin", description = "Make the user an administrator.")
    boolean admin;

    @Option(names = "--no-mailbox", description = "Do not create a store for the user.")
    boolean noMailbox;

    @Parameters(paramLabel = "NAME")
    String name;

    Add(Io io) {
      super(io);
    }

    @Override
    void run(Accounts accounts) {
      if (accounts.exists(name)) {
        throw new StoreException(MapiError.COLLISION, "user " + name + " already exists");
      }
      char[] password = newPassword(io, name);
      try {
        accounts.addUser(name, password, !noMailbox);
      } finally {
        Arrays.fill(password, '\0');
      }
      if (admin) {
        accounts.setAdmin(name, true);
      }
      String mailbox = noMailbox ? "" : createMailboxNow(accounts);
      io.out().println("added user " + name + (admin ? " (administrator)" : "") + mailbox);
    }

    /**
     * Creates the user's store now when the store file is free. While a server holds it
     * (MAPI_E_BUSY), the flag stays set and the server creates the store at the user's first request.
     */
    private String createMailboxNow(Accounts accounts) {
      try (EmbeddedMessageStore store = parent.db() != null
              ? PostgresMessageStore.open(parent.dbOptions().withPoolSize(2))
              : SqliteMessageStore.open(parent.dataDir().resolve(ServerConfig.STORE_FILE));
          Session s = store.openSession(name)) {
        if (accounts.takeMailboxPending(name)) {
          try {
            StoreInfo info = MsgstoreServer.createMailbox(s, name);
            return "; created their store " + info.id();
          } catch (RuntimeException e) {
            accounts.setMailboxPending(name);
            throw e;
          }
        }
        return "";
      } catch (StoreException e) {
        if (e.error() != MapiError.BUSY) {
          throw e;
        }
        return "; the running server creates their store at their first login";
      }
    }
  }

  @Command(name = "list", description = "Lists users.")
  static final class ListUsers extends OnAccounts {
    ListUsers(Io io) {
      super(io);
    }

    @Override
    void run(Accounts accounts) {
      List<List<String>> rows = new ArrayList<>();
      for (String u : accounts.users()) {
        long active = accounts.tokens(u).stream().filter(TokenInfo::active).count();
        rows.add(List.of(u, accounts.isAdmin(u) ? "admin" : "", active == 0 ? "" : active + " token(s)"));
      }
      if (rows.isEmpty()) {
        io.err().println("no users yet (msgstore serve creates admin on its first start)");
      } else {
        Text.table(io.out(), List.of("USER", "ROLE", "TOKENS"), rows);
      }
    }
  }

  @Command(name = "rm", description = "Removes a user and their tokens (their store stays); never the last administrator.")
  static final class Remove extends OnAccounts {
    @Parameters(paramLabel = "NAME")
    String name;

    Remove(Io io) {
      super(io);
    }

    @Override
    void run(Accounts accounts) {
      if (!accounts.removeUser(name)) {
        throw new StoreException(MapiError.NOT_FOUND, "no user " + name);
      }
      io.out().println("removed user " + name);
    }
  }

  @Command(name = "passwd", description = "Sets a user's password (stdin, or asked twice); their logins end at once.")
  static final class Passwd extends OnAccounts {
    @Parameters(paramLabel = "NAME")
    String name;

    Passwd(Io io) {
      super(io);
    }

    @Override
    void run(Accounts accounts) {
      if (!accounts.exists(name)) {
        throw new StoreException(MapiError.NOT_FOUND, "no user " + name);
      }
      char[] password = newPassword(io, name);
      try {
        accounts.setPassword(name, password);
      } finally {
        Arrays.fill(password, '\0');
      }
      io.out().println("changed the password of " + name);
    }
  }

  @Command(name = "token", description = {"Issues a bearer token and prints it (only this once).",
      "Use it as MSGSTORE_TOKEN, or: curl -H 'Authorization: Bearer TOKEN' ..."})
  static final class Token extends OnAccounts {
    @Option(names = "--label", paramLabel = "TEXT", defaultValue = "", description = "What the token is for.")
    String label;

    @Parameters(paramLabel = "NAME")
    String name;

    Token(Io io) {
      super(io);
    }

    @Override
    void run(Accounts accounts) {
      TokenInfo t = accounts.createToken(name, label);
      io.out().println(t.token().orElseThrow());
      io.err().println("token " + t.id() + " for " + name + " (revoke: msgstore user revoke " + name + " " + t.id()
          + ")");
    }
  }

  @Command(name = "tokens", description = "Lists a user's tokens (without their secrets).")
  static final class Tokens extends OnAccounts {
    @Parameters(paramLabel = "NAME")
    String name;

    Tokens(Io io) {
      super(io);
    }

    @Override
    void run(Accounts accounts) {
      if (!accounts.exists(name)) {
        throw new StoreException(MapiError.NOT_FOUND, "no user " + name);
      }
      List<List<String>> rows = new ArrayList<>();
      for (TokenInfo t : accounts.tokens(name)) {
        rows.add(List.of(t.id(), t.createdAt().toString(),
            t.revokedAt().map(r -> "revoked " + r).orElse("active"), t.label()));
      }
      Text.table(io.out(), List.of("ID", "CREATED", "STATE", "LABEL"), rows);
    }
  }

  @Command(name = "revoke", description = "Revokes a token; it stops working at once.")
  static final class Revoke extends OnAccounts {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", paramLabel = "TOKEN-ID")
    String id;

    Revoke(Io io) {
      super(io);
    }

    @Override
    void run(Accounts accounts) {
      if (!accounts.revokeToken(name, id)) {
        throw new StoreException(MapiError.NOT_FOUND, "user " + name + " has no token " + id);
      }
      io.out().println("revoked token " + id + " of " + name);
    }
  }
}
