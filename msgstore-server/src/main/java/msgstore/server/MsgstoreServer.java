package msgstore.server;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import msgstore.api.MapiError;
import msgstore.api.ObjectChangedException;
import msgstore.api.OpenFlag;
import msgstore.api.Session;
import msgstore.api.StoreException;
import msgstore.api.StoreInfo;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.engine.EngineOptions;
import msgstore.engine.spi.StorageDeadline;
import msgstore.protocol.HttpStatus;
import msgstore.protocol.Json;
import msgstore.protocol.Problem;
import msgstore.protocol.Wire;
import msgstore.protocol.WireException;
import msgstore.server.auth.Accounts;
import msgstore.server.auth.PasswordHasher;
import msgstore.server.auth.Tls;
import msgstore.server.lmtp.InboxDelivery;
import msgstore.server.lmtp.LmtpServer;
import msgstore.imap.ImapServer;
import msgstore.storage.postgres.PostgresStorage;
import msgstore.storage.postgres.PostgresUrl;
import msgstore.storage.sqlite.SqliteMessageStore;
import msgstore.storage.sqlite.SqliteStorage;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The msgstore HTTP server: the JSON API of docs/http-api.md, Server-Sent Events, health and
 * metrics, over one embedded store ({@code <data>/msgstore.db}) and the accounts database
 * ({@code <data>/accounts.db}). Javalin on Jetty's platform threads, event streams on virtual threads
 * (ADR 0027); every request runs as one engine
 * {@link Session} of the authenticated user, and every rule is the engine's.
 *
 * <p>{@link #close} is a graceful shutdown: new requests get 503, requests in flight (saves) may
 * finish for up to {@link #DRAIN_TIMEOUT}, event streams end, then Jetty stops and the store
 * closes.
 */
public final class MsgstoreServer implements AutoCloseable {
  static final String API = "/api/v1";
  /** How long {@link #close} waits for requests in flight. */
  public static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);
  private static final Logger LOG = LoggerFactory.getLogger(MsgstoreServer.class);
  private static final String PROBLEM = Problem.MEDIA_TYPE;
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final ServerConfig config;
  private final EmbeddedMessageStore store;
  private final Accounts accounts;
  private final Optional<String> initialAdminPassword;
  private final Metrics metrics;
  private final EventStream events;
  private final Api api;
  private final Saves saves;
  private final LoginThrottle loginThrottle;
  private final WebSessions webSessions;
  private final WebUi webUi;
  /** The time a request body gets before {@code request.min.data.rate} applies (at most the idle timeout). */
  static final Duration BODY_HEAD_START = Duration.ofSeconds(5);
  private final Set<String> mailboxChecked = ConcurrentHashMap.newKeySet();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Object idle = new Object();
  private volatile boolean closing;
  private volatile boolean closed;
  private Javalin app;
  /** The LMTP listener when {@code lmtp.port} is configured (ADR 0019). */
  private volatile LmtpServer lmtp;
  /** The IMAP listener when {@code imap.port} or {@code imaps.port} is configured (ADR 0029). */
  private volatile ImapServer imap;

  private MsgstoreServer(ServerConfig config, EmbeddedMessageStore store, Accounts accounts,
      Optional<String> adminPassword, Clock clock) {
    this.config = config;
    this.store = store;
    this.accounts = accounts;
    this.initialAdminPassword = adminPassword;
    this.events = new EventStream(config.heartbeat(), config.abuse(), () -> metrics().eventStreamRefused());
    this.metrics = new Metrics(events::subscribers);
    this.loginThrottle = new LoginThrottle(config.abuse(), clock, metrics);
    RenderedBodies bodies = new RenderedBodies(16L << 20); // GET and 412 bodies by view (ADR 0031)
    this.api = new Api(store, accounts, bodies);
    this.saves = new Saves(metrics, bodies);
    this.webSessions = new WebSessions(clock, accounts::credentialStamp);
    this.webUi = new WebUi(webSessions, config.tls());
  }

  /** Starts a server with the default (production) password hashing cost. */
  public static MsgstoreServer start(ServerConfig config) {
    return start(config, PasswordHasher.defaults());
  }

  /**
   * Starts a server: opens (creating) the store and the accounts database under {@code
   * config.dataDir()}, creates user {@code admin} with a random password when there are no users
   * ({@link #initialAdminPassword}), and listens.
   */
  public static MsgstoreServer start(ServerConfig config, PasswordHasher hasher) {
    return start(config, hasher, EngineOptions.defaults());
  }

  /** As {@link #start(ServerConfig, PasswordHasher)} with explicit engine options (limits, history). */
  public static MsgstoreServer start(ServerConfig config, PasswordHasher hasher, EngineOptions engine) {
    return start(config, hasher, engine, Clock.systemUTC());
  }

  /**
   * As {@link #start(ServerConfig, PasswordHasher, EngineOptions)} with the clock of the login
   * throttle and of the accounts (cache expiry, token times), so tests can step through backoffs.
   */
  public static MsgstoreServer start(ServerConfig config, PasswordHasher hasher, EngineOptions engine, Clock clock) {
    EmbeddedMessageStore store;
    Accounts accounts;
    Accounts.HashingLimit hashing = new Accounts.HashingLimit(config.abuse().hashingConcurrency(),
        config.abuse().hashingWait());
    if (config.db().isPresent()) {
      PostgresStorage storage = PostgresStorage.open(PostgresUrl.options(config.db().get(), System::getenv));
      store = EmbeddedMessageStore.open(storage, engine);
      try {
        accounts = Accounts.openShared(storage.dataSource(), storage.describe(), hasher, clock, hashing);
      } catch (RuntimeException e) {
        store.close();
        throw e;
      }
    } else {
      try {
        Files.createDirectories(config.dataDir());
      } catch (IOException e) {
        throw new StoreException(MapiError.DISK_ERROR, "cannot create the data directory " + config.dataDir() + ": " + e);
      }
      store = SqliteMessageStore.open(
          SqliteStorage.Options.defaults(config.dataDir().resolve(ServerConfig.STORE_FILE)).withDurability(config.durability()),
          engine);
      try {
        accounts = Accounts.open(config.dataDir().resolve(ServerConfig.ACCOUNTS_FILE), hasher, clock, hashing);
      } catch (RuntimeException e) {
        store.close();
        throw e;
      }
    }
    Optional<String> admin = accounts.ensureAdmin();
    admin.ifPresent(p -> LOG.warn("No users existed: created user 'admin' with password '{}'. "
        + "It is shown only once; change it with 'msgstore user passwd admin'.", p));
    MsgstoreServer s = new MsgstoreServer(config, store, accounts, admin, clock);
    try {
      s.listen();
      s.listenLmtp();
      s.listenImap();
    } catch (RuntimeException e) {
      if (s.lmtp != null) {
        s.lmtp.close();
      }
      if (s.app != null) {
        s.app.stop();
      }
      accounts.close();
      store.close();
      throw e;
    }
    LOG.info("msgstore listening on {} (data {})", s.baseUri(),
        config.db().isPresent() ? accounts : config.dataDir().toAbsolutePath());
    return s;
  }

  // ---- accessors

  /** The port actually bound (useful with port 0). */
  public int port() {
    return ((ServerConnector) app.jettyServer().server().getConnectors()[0]).getLocalPort();
  }

  /** {@code http(s)://host:port}, without the {@code /api/v1} prefix. */
  public URI baseUri() {
    String host = config.bind().equals("0.0.0.0") || config.bind().equals("::") ? "127.0.0.1" : config.bind();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create((config.tls() ? "https" : "http") + "://" + host + ":" + port());
  }

  public EmbeddedMessageStore store() {
    return store;
  }

  public Accounts accounts() {
    return accounts;
  }

  public ServerConfig config() {
    return config;
  }

  public Metrics metrics() {
    return metrics;
  }

  /** The LMTP listener, when LMTP is configured. */
  public Optional<LmtpServer> lmtp() {
    return Optional.ofNullable(lmtp);
  }

  /** The IMAP listener, when IMAP is configured. */
  public Optional<ImapServer> imap() {
    return Optional.ofNullable(imap);
  }

  /** IMAP (ADR 0029) with the same accounts, login throttle and certificate as HTTP. */
  private void listenImap() {
    if (config.imap().enabled()) {
      Optional<javax.net.ssl.SSLContext> tls = config.tls()
          ? Optional.of(Tls.serverContext(config.tlsCert().orElseThrow(), config.tlsKey().orElseThrow()))
          : Optional.empty();
      imap = ImapServer.start(config.imap(), this::imapLogin, tls);
    }
  }

  /**
   * An IMAP LOGIN or AUTHENTICATE PLAIN: checked like HTTP Basic credentials, under the same login
   * throttle (per user name and per address, ADR 0011), then a session of the user with their
   * mailbox created when it is still pending.
   */
  private Session imapLogin(String user, String password, java.net.InetAddress from) {
    if (user.isEmpty() || user.indexOf(':') >= 0) {
      throw new StoreException(MapiError.NO_ACCESS, "invalid user name");
    }
    String address = from.getHostAddress();
    Optional<Duration> locked = loginThrottle.blocked(user, address);
    if (locked.isPresent()) {
      throw new StoreException(MapiError.BUSY, "too many failed logins for this user name or from this address; retry after "
          + LoginThrottle.seconds(locked.get()) + " s");
    }
    Optional<String> ok;
    try {
      ok = accounts.authenticate("Basic " + java.util.Base64.getEncoder().encodeToString(
          (user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (Accounts.PasswordCheckBusyException e) {
      metrics.hashingRejected();
      throw new StoreException(MapiError.BUSY, e.getMessage());
    }
    if (ok.isEmpty()) {
      loginThrottle.failed(user, address);
      throw new StoreException(MapiError.NO_ACCESS, "the credentials were not accepted");
    }
    loginThrottle.succeeded(ok.get());
    Session s = store.openSession(ok.get());
    try {
      ensureMailbox(ok.get(), s);
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  /** LMTP delivery into each recipient's Inbox, with mailboxes created as on a first HTTP request. */
  private void listenLmtp() {
    if (config.lmtp().enabled()) {
      lmtp = LmtpServer.start(config.lmtp(), new InboxDelivery(store, accounts::exists, this::ensureMailbox,
          config.lmtp().maxMessageBytes() + 64 * 1024));
    }
  }

  /**
   * The HTTP routes the running router serves, as {@code "METHOD /path/{param}"} in registration
   * order (read from Javalin's router, so a route added to {@link #routes} is listed without any
   * other change: AuthorizationMatrixTest fails until it covers it).
   */
  java.util.List<String> registeredRoutes() {
    return app.unsafe.internalRouter.allHttpHandlers().stream()
        .filter(p -> p.endpoint.method.isHttpMethod())
        .map(p -> p.endpoint.method.name() + " " + p.endpoint.path).toList();
  }

  /** The password of the {@code admin} user this start created (first start only); show it once. */
  public Optional<String> initialAdminPassword() {
    return initialAdminPassword;
  }

  // ---- wiring

  @FunctionalInterface
  interface ApiHandler {
    void handle(Req r) throws Exception;
  }

  private void listen() {
    app = Javalin.create(c -> {
      // Requests run on Jetty's pool of platform threads: a request is short, and on virtual
      // threads each one paid a hand-off back to the selector (2x the CPU of a trivial request,
      // 10-15 % of a GET or a save; docs/BENCHMARKS.md "HTTP against Dovecot"). Event streams,
      // which live as long as their clients, run on virtual threads of their own (stream()).
      c.concurrency.useVirtualThreads = false;
      c.startup.showJavalinBanner = false;
      c.startup.showOldJavalinVersionWarning = false;
      c.http.prefer405over404 = true;
      c.http.generateEtags = false;
      c.http.maxRequestSize = config.maxJsonBytes();
      c.router.ignoreTrailingSlashes = true;
      c.jetty.host = config.bind();
      c.jetty.port = config.port();
      // In-flight accounting wraps Javalin entirely, so a request counts until its response is
      // written and flushed (a handler returning is not enough: Javalin writes the result after).
      c.jetty.modifyServletContextHandler(h -> h.addFilter(new org.eclipse.jetty.ee10.servlet.FilterHolder(
          new InFlightFilter()), "/*", java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST)));
      if (config.tls()) {
        tls(c);
      }
      slowClientLimits(c);
      c.requestLogger.http((ctx, ms) -> {
        metrics.request(ctx.method().name(), ctx.statusCode());
        if (LOG.isDebugEnabled()) {
          // Structured: the fields are key-value pairs (JSON fields with MSGSTORE_LOG_FORMAT=JSON).
          LOG.atDebug().addKeyValue("method", ctx.method().name()).addKeyValue("path", ctx.path())
              .addKeyValue("status", ctx.statusCode())
              .addKeyValue("user", Optional.ofNullable(ctx.<String>attribute("user")).orElse("-"))
              .addKeyValue("ms", Math.round(ms)).log("request");
        }
      });
      c.routes.exception(HttpResponseException.class, (e, ctx) -> httpError(e.getStatus(), e.getMessage(), ctx));
      c.routes.exception(Exception.class, this::onException);
      c.routes.error(404, ctx -> {
        if (ctx.attribute("problem") == null) {
          httpError(404, "no route " + ctx.method() + " " + ctx.path(), ctx);
        }
      });
      c.routes.error(405, ctx -> {
        if (ctx.attribute("problem") == null) {
          httpError(405, "method " + ctx.method() + " is not allowed on " + ctx.path(), ctx);
        }
      });
      // The web UI (ADR 0021): its own files under /ui, front-end libraries from WebJars under
      // /webjars/<name>/<version>/ (versioned paths, cached by browsers); nothing from elsewhere.
      c.staticFiles.add(sf -> {
        sf.hostedPath = "/ui";
        sf.directory = "/ui";
        sf.location = io.javalin.http.staticfiles.Location.CLASSPATH;
        sf.headers = Map.of("X-Content-Type-Options", "nosniff", "Cache-Control", "no-cache");
      });
      c.staticFiles.enableWebjars();
      routes(c);
    });
    app.start();
  }

  /**
   * Slow and idle clients (ADR 0011): every connector closes a connection idle for {@code
   * request.idle.timeout.seconds}; a request body slower than {@code request.min.data.rate} is cut
   * (408; after a head start of {@link #BODY_HEAD_START} or the idle timeout if shorter); past {@code max.connections} open connections Jetty stops accepting until one closes.
   */
  private void slowClientLimits(JavalinConfig c) {
    AbuseLimits a = config.abuse();
    Duration headStart = a.idleTimeout().compareTo(BODY_HEAD_START) < 0 ? a.idleTimeout() : BODY_HEAD_START;
    c.jetty.modifyServletContextHandler(h -> h.addFilter(new org.eclipse.jetty.ee10.servlet.FilterHolder(
        new MinDataRateFilter(a.minRequestDataRate(), headStart)), "/*",
        java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST)));
    c.jetty.modifyServer(server -> {
      // What Jetty refuses before any route runs (headers too large, URI too long, a malformed
      // request line) is answered as Problem Details too, not as Jetty's HTML page.
      server.setErrorHandler(new ProblemErrorHandler(config.input()));
      server.addBean(new NetworkConnectionLimit(a.maxConnections(), server));
      server.addEventListener(new LifeCycle.Listener() {
        @Override
        public void lifeCycleStarting(LifeCycle event) {
          for (Connector k : server.getConnectors()) {
            if (k instanceof AbstractConnector connector) {
              connector.setIdleTimeout(a.idleTimeout().toMillis());
            }
            HttpConnectionFactory http = k.getConnectionFactory(HttpConnectionFactory.class);
            if (http != null) {
              http.getHttpConfiguration().setRequestHeaderSize(config.input().maxHeaderBytes());
            }
          }
        }
      });
    });
  }

  private void tls(JavalinConfig c) {
    java.security.KeyStore ks = Tls.keyStore(config.tlsCert().orElseThrow(), config.tlsKey().orElseThrow());
    c.jetty.addConnector((server, httpConfig) -> {
      SslContextFactory.Server ssl = new SslContextFactory.Server();
      ssl.setKeyStore(ks);
      ssl.setKeyStorePassword(Tls.KEY_PASSWORD);
      ssl.setKeyManagerPassword(Tls.KEY_PASSWORD);
      HttpConfiguration https = new HttpConfiguration(httpConfig);
      https.addCustomizer(new SecureRequestCustomizer(false));
      ServerConnector conn = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"),
          new HttpConnectionFactory(https));
      conn.setHost(config.bind());
      conn.setPort(config.port());
      return conn;
    });
  }

  private void routes(JavalinConfig c) {
    var r = c.routes;
    r.get("/", webUi::index);
    r.get("/session", webUi::current);
    r.post("/session", ctx -> webUi.signIn(ctx, ctx.bodyAsBytes(), (header, k) -> checkCredentials(header, k)));
    r.delete("/session", webUi::signOut);
    r.get("/health", this::health);
    // Liveness only: no store, no auth. Also the HTTP stack's own ceiling in the load benchmark.
    r.get("/health/live", ctx -> ctx.contentType("text/plain").result(closing ? "closing" : "ok"));
    r.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.render(lmtp == null ? null : lmtp.counters())));
    r.get(API + "/openapi.json", this::openApi); // public: the contract is not a secret
    r.get(API + "/limits", api(api::limits));
    r.get(API + "/stores", api(api::stores));
    r.get(API + "/locate/{id}", api(api::locate));
    r.post(API + "/stores", api(api::createStore));
    String st = API + "/stores/{s}";
    r.get(st, api(api::store));
    r.get(st + "/folders", api(api::allFolders));
    r.post(st + "/folders", api(api::createFolder));
    String f = st + "/folders/{f}";
    r.get(f, api(api::folderInfo));
    r.patch(f, api(api::patchFolder));
    r.delete(f, api(api::deleteFolder));
    r.get(f + "/folders", api(api::subfolders));
    r.get(f + "/properties", api(api::folderProps));
    r.patch(f + "/properties", api(api::patchFolderProps));
    r.put(f + "/rights/{user}", api(api::setRights));
    r.get(f + "/deleted", api(api::softDeleted));
    r.post(f + "/read-flags", api(api::readFlags));
    r.get(f + "/mailbox", api(api::mailbox));
    r.get(f + "/messages", api(api::contents));
    r.post(f + "/messages", api(q -> { // Content-Type first: Req.json() refuses all but JSON with 415
      if (Api.asRfc822(q, "Content-Type") || Api.asOutlookMsg(q)) {
        api.importRfc822(q);
      } else {
        saves.save(q, Saves.Kind.CREATE);
      }
    }));
    r.post(f + "/messages/query", api(api::query));
    r.post(st + "/messages/delete", api(api::deleteMessages));
    String m = st + "/messages/{m}";
    r.get(m, api(api::getMessage));
    r.put(m, api(q -> saves.save(q, Saves.Kind.PUT)));
    r.patch(m, api(q -> saves.save(q, Saves.Kind.PATCH)));
    r.delete(m, api(api::deleteMessage));
    r.post(m + "/undelete", api(api::undelete));
    r.post(m + "/move", api(q -> api.move(q, false)));
    r.post(m + "/copy", api(q -> api.move(q, true)));
    r.put(m + "/read", api(api::setRead));
    r.post(m + "/status", api(api::setStatus));
    r.post(m + "/flags", api(api::storeFlags));
    r.get(m + "/versions", api(api::versions));
    r.get(m + "/versions/{cn}", api(api::version));
    r.post(m + "/versions/{cn}/restore", api(q -> api.restore(q, metrics)));
    r.get(m + "/attachments/{n}/content", api(api::attachmentContent));
    r.get(m + "/html", api(WebUi::html));
    r.post(st + "/content", api(api::putContent));
    r.get(st + "/content/{sha256}", api(api::getContent));
    r.post(st + "/named-properties", api(api::namedPropTag));
    r.get(st + "/named-properties/{tag}", api(api::propName));
    r.get(st + "/journal", api(api::journal));
    r.get(st + "/journal/position", api(api::journalPosition));
    r.get(st + "/events", stream(events::serve));
    r.post(API + "/tokens", api(api::createToken));
    r.get(API + "/tokens", api(api::tokens));
    r.delete(API + "/tokens/{id}", api(api::revokeToken));
    r.post(API + "/users", api(api::createUser));
  }

  /** An API route: counted in flight (by {@link InFlightFilter}), authenticated, run as one session of the user. */
  private Handler api(ApiHandler h) {
    return ctx -> {
      if (ctx.attribute(COUNTED) == null) {
        throw ProblemException.of(503, MapiError.BUSY, "the server is shutting down");
      }
      run(ctx, h);
    };
  }

  private static final String COUNTED = "msgstore.inFlight";

  /**
   * How long a request may wait for the storage in all (ADR 0030): a request is answered within 5 s
   * while the database is down, and this leaves room for the last wait's overrun (a statement
   * started just before the deadline may take {@code 1 s}) and for writing the answer.
   */
  static final Duration STORAGE_DEADLINE = Duration.ofMillis(2_500);

  /**
   * Counts API requests (not event streams) from arrival until their response is flushed; one
   * that arrives while the server is closing is not counted, and {@link #api} answers it 503.
   * Every request waits for the storage within one {@link StorageDeadline} of {@link
   * #STORAGE_DEADLINE} from its arrival (an event stream runs on a thread of its own, without one).
   */
  private final class InFlightFilter implements jakarta.servlet.Filter {
    @Override
    public void doFilter(jakarta.servlet.ServletRequest req, jakarta.servlet.ServletResponse res,
        jakarta.servlet.FilterChain chain) throws IOException, jakarta.servlet.ServletException {
      String path = ((jakarta.servlet.http.HttpServletRequest) req).getRequestURI();
      boolean counted = path.startsWith(API) && !path.endsWith("/events") && enter();
      if (counted) {
        req.setAttribute(COUNTED, Boolean.TRUE);
      }
      StorageDeadline deadline = StorageDeadline.start(STORAGE_DEADLINE);
      try {
        chain.doFilter(req, res);
        if (counted) {
          res.flushBuffer();
        }
      } finally {
        deadline.close();
        if (counted) {
          leave();
        }
      }
    }
  }

  /**
   * A long-lived route (events): not counted in flight; shutdown ends it instead. It runs on a
   * virtual thread of its own (the request completes asynchronously when it ends), so that a
   * thousand open streams hold none of the request threads that every other request needs.
   */
  private Handler stream(ApiHandler h) {
    return ctx -> {
      if (closing) {
        throw ProblemException.of(503, MapiError.BUSY, "the server is shutting down");
      }
      ctx.future(() -> {
        CompletableFuture<Void> done = new CompletableFuture<>();
        streams.incrementAndGet();
        Thread.ofVirtual().name("msgstore-event-stream").start(() -> {
          try {
            run(ctx, h);
            done.complete(null); // Javalin ends the request here, on this thread
          } catch (Throwable e) {
            done.completeExceptionally(e);
          } finally {
            if (streams.decrementAndGet() == 0) {
              synchronized (idle) {
                idle.notifyAll();
              }
            }
          }
        });
        return done;
      });
    };
  }

  /** Event streams whose requests have not ended yet (close() waits for them before stopping Jetty). */
  private final AtomicInteger streams = new AtomicInteger();

  private void run(Context ctx, ApiHandler h) throws Exception {
    String user = authenticate(ctx);
    ctx.attribute("user", user);
    try (Session s = store.openSession(user)) {
      ensureMailbox(user, s);
      Req r = new Req(ctx, s, user, config.maxJsonBytes(), config.input());
      try {
        h.handle(r);
      } catch (StoreException e) {
        throw asIfAbsent(r, e);
      }
    }
  }

  /**
   * Authenticates a request, throttled per claimed user name and per client address (ADR 0011):
   * 429 BUSY with {@code Retry-After} while either is locked out (checked before any password is,
   * so even the right one is refused), 503 BUSY with {@code Retry-After} when no password-hashing
   * slot came free, 401 NO_ACCESS (counted as a failure) for credentials that are not accepted.
   */
  private String authenticate(Context ctx) {
    String header = ctx.header("Authorization");
    if (header == null) {
      // The web UI's browser session (ADR 0021): writes only from the UI's own origin with the CSRF token.
      Optional<WebSessions.WebSession> web = webUi.session(ctx);
      if (web.isPresent()) {
        if (WebUi.isWrite(ctx)) {
          WebUi.requireSameOriginWrite(ctx, web.get());
        }
        return web.get().user();
      }
      throw unauthorized("this route needs Authorization: Basic or Bearer credentials");
    }
    return checkCredentials(header, ctx);
  }

  /** Checks an Authorization header (Basic or Bearer) under the login throttle; see {@link #authenticate}. */
  private String checkCredentials(String header, Context ctx) {
    String claimed = Accounts.claimedUser(header).orElse(null);
    String address = ctx.ip();
    Optional<Duration> locked = loginThrottle.blocked(claimed, address);
    if (locked.isPresent()) {
      long s = LoginThrottle.seconds(locked.get());
      throw new ProblemException(new Problem(429, MapiError.BUSY, "Too many failed logins",
          "too many failed logins for this user name or from this address; retry after " + s + " s", "", "",
          F.objectNode()), Map.of("Retry-After", Long.toString(s)));
    }
    Optional<String> user;
    try {
      user = accounts.authenticate(header);
    } catch (Accounts.PasswordCheckBusyException e) {
      metrics.hashingRejected();
      throw new ProblemException(new Problem(503, MapiError.BUSY, "Busy", e.getMessage(), "", "", F.objectNode()),
          Map.of("Retry-After", "1"));
    }
    if (user.isEmpty()) {
      loginThrottle.failed(claimed, address);
      throw unauthorized("the credentials were not accepted");
    }
    loginThrottle.succeeded(user.get());
    return user.get();
  }

  private static ProblemException unauthorized(String detail) {
    return new ProblemException(new Problem(401, MapiError.NO_ACCESS, "Unauthorized", detail, "", "", F.objectNode()),
        Map.of("WWW-Authenticate", "Basic realm=\"msgstore\", Bearer realm=\"msgstore\""));
  }

  /** The store of a user added with a mailbox ({@code msgstore user add}), created in a session of theirs. */
  public static StoreInfo createMailbox(Session s, String user) {
    return s.createStore(user + "'s mailbox");
  }

  /**
   * A user added with a mailbox gets their store on their first request (unless `user add` could
   * create it). When the accounts or the store cannot be reached (the database is busy or down),
   * the request fails and the next one tries again.
   */
  private void ensureMailbox(String user, Session s) {
    if (!mailboxChecked.add(user)) {
      return;
    }
    boolean pending;
    try {
      pending = accounts.takeMailboxPending(user);
    } catch (RuntimeException e) {
      mailboxChecked.remove(user);
      throw e;
    }
    if (pending) {
      try {
        createMailbox(s, user);
        LOG.info("created the mailbox store of {}", user);
      } catch (RuntimeException e) {
        mailboxChecked.remove(user);
        try {
          accounts.setMailboxPending(user);
        } catch (RuntimeException again) {
          e.addSuppressed(again);
          LOG.error("could not create the mailbox store of {} nor mark it as still to be created ({}); create it"
              + " with: msgstore mkstore --user {} \"{}'s mailbox\"", user, again.getMessage(), user, user);
        }
        throw e;
      }
    }
  }

  /**
   * NO_ACCESS on an object the user may not even read answers as if it did not exist
   * (docs/http-api.md): 404 NOT_FOUND. Whether they may read it is asked of the engine.
   */
  private static StoreException asIfAbsent(Req r, StoreException e) {
    if (e.error() != MapiError.NO_ACCESS || e instanceof ProblemException) {
      return e;
    }
    Map<String, String> p = r.ctx().pathParamMap();
    try {
      if (p.containsKey("m")) {
        r.session().openMessage(r.message(), OpenFlag.SHOW_SOFT_DELETES).close();
      }
      if (p.containsKey("f")) {
        r.session().openFolder(r.folder());
      }
    } catch (StoreException probe) {
      if (probe.error() == MapiError.NO_ACCESS || probe.error() == MapiError.NOT_FOUND) {
        String what = p.containsKey("m") ? "message " + p.get("m") : "folder " + p.get("f");
        return new StoreException(MapiError.NOT_FOUND, what + " not found");
      }
    }
    return e;
  }

  // ---- errors

  private void onException(Exception e, Context ctx) {
    ctx.attribute("problem", Boolean.TRUE);
    if (e instanceof ProblemException pe) {
      Problem p = pe.problem();
      pe.headers().forEach(ctx::header);
      Problem withInstance = new Problem(p.status(), p.mapiError(), p.title(), p.detail(),
          p.instance() == null || p.instance().isEmpty() ? ctx.path() : p.instance(), p.field(), p.extras());
      write(ctx, withInstance);
      return;
    }
    if (e instanceof StoreException se) {
      int status = HttpStatus.of(se.error());
      ObjectNode extras = F.objectNode();
      if (se instanceof ObjectChangedException oc) {
        extras.put("baseChangeKey", oc.baseChangeKey() == null ? null : oc.baseChangeKey().toString());
        extras.put("currentChangeKey", oc.currentChangeKey() == null ? null : oc.currentChangeKey().toString());
        oc.mergeReport().ifPresent(m -> extras.set("mergeReport", Json.mergeReport(m)));
      }
      String field = se instanceof WireException w ? w.field() : "";
      if (se.error() == MapiError.BUSY) {
        // Expected while the database is down or overloaded, then for every request: one line each, no stack trace.
        LOG.atWarn().addKeyValue("method", ctx.method().name()).addKeyValue("path", ctx.path())
            .addKeyValue("mapiError", se.error().mapiName()).log("request refused: {}", se.getMessage());
      } else if (status >= 500) {
        LOG.atError().addKeyValue("method", ctx.method().name()).addKeyValue("path", ctx.path())
            .addKeyValue("mapiError", se.error().mapiName()).setCause(se).log("request failed: {}", se.getMessage());
      } else {
        LOG.atDebug().addKeyValue("method", ctx.method().name()).addKeyValue("path", ctx.path())
            .addKeyValue("mapiError", se.error().mapiName()).log("request refused: {}", se.getMessage());
      }
      String detail = switch (se.error()) {
        case NOT_ENOUGH_DISK, DISK_ERROR, CORRUPT_DATA, VERSION, NOT_ENOUGH_MEMORY, CALL_FAILED ->
            serverSideDetail(se.error());
        default -> se.detail();
      };
      write(ctx, new Problem(status, se.error(), HttpStatus.title(se.error()), detail, ctx.path(), field, extras));
      return;
    }
    LOG.atError().addKeyValue("method", ctx.method().name()).addKeyValue("path", ctx.path()).setCause(e)
        .log("request failed unexpectedly");
    write(ctx, Problem.of(500, MapiError.CALL_FAILED, "internal error; see the server log", ctx.path()));
  }

  /**
   * What a client is told of a failure on the server's side (disk full, I/O error, corrupt store):
   * the storage's own message names server files and driver errors, so it goes to the log only.
   */
  static String serverSideDetail(MapiError e) {
    return switch (e) {
      case NOT_ENOUGH_DISK -> "the server's disk is full: nothing was written; retry when space has been freed";
      default -> "the server could not read or write its store (" + e.mapiName() + "); nothing was written by this "
          + "request; the server log has the details";
    };
  }

  private static void httpError(int status, String message, Context ctx) {
    ctx.attribute("problem", Boolean.TRUE);
    write(ctx, statusProblem(status, message, ctx.path()));
  }

  /** The problem for an HTTP status raised outside the API's own handlers (routing, Jetty). */
  static Problem statusProblem(int status, String message, String path) {
    MapiError err = switch (status) {
      case 404 -> MapiError.NOT_FOUND;
      case 413, 414, 431 -> MapiError.TOO_BIG;
      case 503 -> MapiError.BUSY;
      case 400 -> MapiError.INVALID_PARAMETER;
      case 401, 403 -> MapiError.NO_ACCESS;
      case 405, 415, 501 -> MapiError.NO_SUPPORT;
      default -> status >= 500 ? MapiError.CALL_FAILED : MapiError.INVALID_PARAMETER;
    };
    String title = switch (status) {
      case 405 -> "Method not allowed";
      case 414 -> "URI too long";
      case 415 -> "Unsupported media type";
      case 431 -> "Request header fields too large";
      default -> HttpStatus.title(err);
    };
    return new Problem(status, err, title, message, path, "", F.objectNode());
  }

  private static void write(Context ctx, Problem p) {
    ctx.status(p.status()).contentType(PROBLEM).result(Wire.bytes(p.toJson()));
  }

  // ---- health, metrics, openapi

  private void health(Context ctx) {
    if (closing) {
      ctx.status(503).contentType("application/json").result("{\"status\":\"DOWN\"}");
      return;
    }
    try (Session s = store.openSession("health-check")) {
      s.stores();
      ctx.status(200).contentType("application/json").result("{\"status\":\"UP\"}");
    } catch (RuntimeException e) {
      LOG.warn("health check failed: {}", e.toString());
      ctx.status(503).contentType("application/json").result("{\"status\":\"DOWN\"}");
    }
  }

  private void openApi(Context ctx) throws IOException {
    try (InputStream in = MsgstoreServer.class.getResourceAsStream("/msgstore/server/openapi.json")) {
      if (in == null) {
        throw new StoreException(MapiError.NOT_FOUND, "the OpenAPI document is not packaged");
      }
      ctx.status(200).contentType("application/json").result(in.readAllBytes());
    }
  }

  // ---- in-flight tracking and shutdown

  private boolean enter() {
    inFlight.incrementAndGet();
    if (closing) {
      leave();
      return false;
    }
    return true;
  }

  private void leave() {
    if (inFlight.decrementAndGet() == 0 && closing) {
      synchronized (idle) {
        idle.notifyAll();
      }
    }
  }

  /** The number of API requests being handled now (event streams excluded). */
  public int inFlight() {
    return inFlight.get();
  }

  /** How long close() waits at least for the event streams it stopped to end their requests. */
  private static final Duration STREAMS_END_TIMEOUT = Duration.ofSeconds(2);

  /** Waits until every stopped event stream has ended its request, so that Jetty stops none mid-way. */
  private void awaitStreamsEnded(long deadline) {
    synchronized (idle) {
      while (streams.get() > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          LOG.warn("shutting down with {} event stream(s) still ending", streams.get());
          return;
        }
        try {
          idle.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /**
   * Graceful shutdown: new requests answer 503, requests in flight finish (up to {@link
   * #DRAIN_TIMEOUT}), event streams end and unsubscribe, Jetty stops, then the store and the
   * accounts database close. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closing = true;
    long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
    if (lmtp != null) {
      lmtp.close(DRAIN_TIMEOUT); // idle connections close now; a message being stored gets its replies
    }
    if (imap != null) {
      imap.close(Duration.ofSeconds(5)); // clients are told BYE; a command being run ends with its connection
    }
    synchronized (idle) {
      while (inFlight.get() > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          LOG.warn("shutting down with {} request(s) still in flight after {}", inFlight.get(), DRAIN_TIMEOUT);
          break;
        }
        try {
          idle.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    events.closeAll();
    awaitStreamsEnded(Math.max(deadline, System.nanoTime() + STREAMS_END_TIMEOUT.toNanos()));
    try {
      app.stop();
    } finally {
      closed = true;
      try {
        accounts.close();
      } finally {
        store.close();
      }
    }
    LOG.info("msgstore stopped");
  }
}
