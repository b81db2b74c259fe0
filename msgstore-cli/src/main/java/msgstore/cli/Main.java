package msgstore.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.util.concurrent.Callable;
import msgstore.api.StoreException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code msgstore} command. Every subcommand is its own class; those that read or change mail
 * are written once against {@code msgstore.api} and run on an embedded store file or a server
 * ({@link Target}).
 *
 * <p>Exit codes: 0 ok, 1 a MAPI error (one line {@code msgstore: MAPI_E_...: detail} on stderr),
 * 2 a usage error, 3 cannot connect or an I/O failure.
 */
// scope = INHERIT copies -h/--help and -V/--version (and the exit code list) to every subcommand.
@Command(name = "msgstore", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    scope = CommandLine.ScopeType.INHERIT,
    description = "A MAPI-style message store: run the server, manage users, read and edit mail.",
    subcommands = {ServeCommand.class, UserCommand.class, LsCommand.class, ShowCommand.class,
        EditCommand.class, NewCommand.class, RmCommand.class, UndeleteCommand.class, MvCommand.class,
        HistoryCommand.class, RestoreCommand.class, EventsCommand.class, MkstoreCommand.class,
        MkdirCommand.class, BackupCommand.class, RestoreBackupCommand.class, MigrateCommand.class, ImportCommand.class, ExportCommand.class,
        CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:ok", "1:a MAPI error (msgstore: MAPI_E_...: detail)", "2:usage error",
        "3:cannot connect, or an I/O error", "4:import/export: some messages failed (each is listed), the rest went through"})
public final class Main implements Callable<Integer> {
  static final int EXIT_OK = 0;
  static final int EXIT_MAPI = 1;
  static final int EXIT_USAGE = 2;
  static final int EXIT_IO = 3;

  @Spec
  CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(Io.system(), args));
  }

  /** Runs one command line; returns its exit code. Never calls System.exit. */
  static int run(Io io, String... args) {
    CommandLine cl = commandLine(io);
    cl.setOut(new PrintWriter(io.out(), true));
    cl.setErr(new PrintWriter(io.err(), true));
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> report(io, ex));
    int rc = cl.execute(args);
    io.out().flush();
    io.err().flush();
    return rc;
  }

  /** The command tree, its commands created with {@code io}. */
  static CommandLine commandLine(Io io) {
    return new CommandLine(Main.class, new Factory(io));
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return EXIT_USAGE;
  }

  /** Prints one line for a failed command and picks its exit code. */
  static int report(Io io, Exception ex) {
    int code;
    String line;
    if (ex instanceof CliException c) {
      code = c.exitCode();
      line = c.getMessage();
    } else if (ex instanceof StoreException s && connectFailure(s) == null) {
      code = EXIT_MAPI;
      line = s.error().mapiName() + ": " + s.detail();
    } else if (connectFailure(ex) != null) {
      code = EXIT_IO;
      Throwable cause = connectFailure(ex);
      line = "cannot connect: " + (ex.getMessage() == null ? "" : ex.getMessage() + ": ") + cause;
    } else if (ex instanceof UncheckedIOException || ex instanceof IOException) {
      code = EXIT_IO;
      Throwable cause = ex.getCause() != null && ex instanceof UncheckedIOException ? ex.getCause() : null;
      line = ex.getMessage() + (cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage());
    } else {
      code = EXIT_MAPI;
      line = "internal error: " + ex;
    }
    io.err().println("msgstore: " + line);
    if (io.env("MSGSTORE_DEBUG").isPresent()) {
      ex.printStackTrace(io.err());
    }
    io.err().flush();
    return code;
  }

  /** The network failure behind {@code t}, if any (a refused connection, an unknown host, a timeout). */
  static Throwable connectFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof java.net.ConnectException || c instanceof java.net.UnknownHostException
          || c instanceof java.net.http.HttpConnectTimeoutException || c instanceof java.net.NoRouteToHostException
          || c instanceof java.nio.channels.ClosedChannelException) {
        return c;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return null;
  }

  /** Creates commands (and mixins) with a constructor taking {@link Io} when they have one. */
  private record Factory(Io io) implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> cls) throws Exception {
      try {
        Constructor<K> c = cls.getDeclaredConstructor(Io.class);
        c.setAccessible(true);
        return c.newInstance(io);
      } catch (NoSuchMethodException e) {
        return CommandLine.defaultFactory().create(cls);
      }
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"msgstore " + (v == null ? "0.1.0-SNAPSHOT" : v)};
    }
  }
}
