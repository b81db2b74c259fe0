package msgstore.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import msgstore.server.MsgstoreServer;
import msgstore.server.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs the server until SIGTERM or Ctrl-C (a shutdown hook closes it gracefully: requests in
 * flight finish, event streams end, the store closes). Settings: options over environment
 * (MSGSTORE_DATA, _PORT, _BIND, _CONFIG, _TLS_CERT, _TLS_KEY) over the config file over defaults,
 * all resolved by {@link ServerConfig#load}.
 */
@Command(name = "serve", description = {"Runs the msgstore server (HTTP API, live events) until Ctrl-C or SIGTERM.",
    "On the first start it creates user admin and prints its password once."})
final class ServeCommand implements java.util.concurrent.Callable<Integer> {
  private final Io io;

  @Option(names = "--data", paramLabel = "DIR", description = "Data folder: msgstore.db and accounts.db (env MSGSTORE_DATA, default ./data).")
  Path data;

  @Option(names = "--db", paramLabel = "postgresql://USER@HOST:PORT/DB", description = "Keep the store and the accounts in "
      + "this PostgreSQL database instead of --data, so several servers can share it (env MSGSTORE_DB). The password "
      + "comes from MSGSTORE_DB_PASSWORD_FILE, PGPASSWORD or .pgpass (PGPASSFILE), never from the command line.")
  String db;

  @Option(names = "--port", paramLabel = "N", description = "Port (env MSGSTORE_PORT, default 8080; 0 picks a free one).")
  Integer port;

  @Option(names = "--bind", paramLabel = "ADDR", description = "Address to listen on (env MSGSTORE_BIND, default 127.0.0.1).")
  String bind;

  @Option(names = "--config", paramLabel = "FILE", description = "A properties file: data, bind, port, tls.cert, tls.key, ... (env MSGSTORE_CONFIG).")
  Path config;

  @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM certificate chain; with --tls-key, serve HTTPS.")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM private key.")
  Path tlsKey;

  @Option(names = "--lmtp-port", paramLabel = "N", description = "Accept mail over LMTP (RFC 2033) on this port (env MSGSTORE_LMTP_PORT; default off; 0 picks a free one).")
  Integer lmtpPort;

  @Option(names = "--lmtp-bind", paramLabel = "ADDR", description = "Address LMTP listens on (env MSGSTORE_LMTP_BIND, default 127.0.0.1).")
  String lmtpBind;

  @Option(names = "--lmtp-domains", paramLabel = "a.example,b.example", description = "Local domains: RCPT TO:<user@domain> is delivered to user's Inbox for these domains only (default: any domain).")
  String lmtpDomains;

  @Option(names = "--imap-port", paramLabel = "N", description = "Serve IMAP (RFC 9051, STARTTLS when TLS is configured) on this port (env MSGSTORE_IMAP_PORT; default off; 0 picks a free one).")
  Integer imapPort;

  @Option(names = "--imaps-port", paramLabel = "N", description = "Serve IMAP over implicit TLS (RFC 8314) on this port; needs --tls-cert and --tls-key (env MSGSTORE_IMAPS_PORT; default off).")
  Integer imapsPort;

  @Option(names = "--imap-bind", paramLabel = "ADDR", description = "Address IMAP listens on (env MSGSTORE_IMAP_BIND, default 127.0.0.1).")
  String imapBind;

  ServeCommand(Io io) {
    this.io = io;
  }

  @Override
  public Integer call() throws InterruptedException {
    Map<String, String> overrides = new LinkedHashMap<>();
    if (data != null) {
      overrides.put("data", data.toString());
    }
    if (db != null) {
      overrides.put("db", db);
    }
    if (port != null) {
      overrides.put("port", Integer.toString(port));
    }
    if (bind != null) {
      overrides.put("bind", bind);
    }
    if (tlsCert != null) {
      overrides.put("tls.cert", tlsCert.toString());
    }
    if (tlsKey != null) {
      overrides.put("tls.key", tlsKey.toString());
    }
    if (lmtpPort != null) {
      overrides.put("lmtp.port", Integer.toString(lmtpPort));
    }
    if (lmtpBind != null) {
      overrides.put("lmtp.bind", lmtpBind);
    }
    if (lmtpDomains != null) {
      overrides.put("lmtp.domains", lmtpDomains);
    }
    if (imapPort != null) {
      overrides.put("imap.port", Integer.toString(imapPort));
    }
    if (imapsPort != null) {
      overrides.put("imaps.port", Integer.toString(imapsPort));
    }
    if (imapBind != null) {
      overrides.put("imap.bind", imapBind);
    }
    ServerConfig cfg;
    try {
      cfg = ServerConfig.load(Optional.ofNullable(config), io.env(), overrides);
    } catch (StoreException e) {
      throw new CliException(e.error() == MapiError.NOT_FOUND ? Main.EXIT_IO : Main.EXIT_USAGE, e.detail());
    }
    MsgstoreServer server;
    try {
      server = MsgstoreServer.start(cfg);
    } catch (RuntimeException e) {
      Throwable bind = cause(e, java.net.BindException.class);
      if (bind != null) {
        throw new CliException(Main.EXIT_IO, "cannot listen on " + cfg.bind() + ":" + cfg.port() + ": "
            + bind.getMessage() + " (another server running? try --port)");
      }
      throw e;
    }
    CountDownLatch closed = new CountDownLatch(1);
    Thread hook = null;
    try {
      if (io.shutdownHooks()) {
        hook = new Thread(() -> {
          io.stop().complete(null);
          try {
            closed.await(MsgstoreServer.DRAIN_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }, "msgstore-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
      }
      String api = server.baseUri() + "/api/v1";
      io.out().println("msgstore serving " + api + " (data " + cfg.db().orElseGet(
          () -> cfg.dataDir().toAbsolutePath().normalize().toString()) + ")");
      server.lmtp().ifPresent(l -> io.out().println("LMTP on " + l.config().bind() + ":" + l.port()
          + (l.config().domains().isEmpty() ? " (any domain)" : " (domains " + String.join(",", l.config().domains()) + ")")));
      server.imap().ifPresent(i -> io.out().println((i.port() >= 0 ? "IMAP on " + i.config().bind() + ":" + i.port() : "")
          + (i.port() >= 0 && i.imapsPort() >= 0 ? ", " : "")
          + (i.imapsPort() >= 0 ? "IMAPS on " + i.config().bind() + ":" + i.imapsPort() : "")));
      server.initialAdminPassword().ifPresent(pw -> io.out().println("created user admin, password: " + pw
          + "; try: curl -u admin:" + pw + " " + api + "/stores"));
      io.out().println("stop with Ctrl-C");
      io.out().flush();
      try {
        io.stop().get();
      } catch (ExecutionException e) {
        // completed exceptionally: stop all the same
      }
      io.err().println("msgstore: stopping (finishing requests in flight)");
    } finally {
      try {
        server.close();
      } finally {
        closed.countDown();
        if (hook != null && !io.stop().isDone()) {
          Runtime.getRuntime().removeShutdownHook(hook);
        }
      }
    }
    io.err().println("msgstore: stopped");
    return Main.EXIT_OK;
  }

  private static Throwable cause(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return c;
      }
    }
    return null;
  }
}
