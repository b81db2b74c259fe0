package msgstore.server;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The msgstore HTTP server: the JSON API of docs/http-api.md, Server-Sent Events, health and
 * metrics, over one embedded store ({@code <data>/msgstore.db}) and the accounts database
 * ({@code <data>/accounts.db}). Jetty core handlers and our own router (ADR 0032) on platform threads,
 * event streams on virtual threads (ADR 0027); every request runs as one engine
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
  /**
   * The rendered GET bodies kept (ADR 0031): 64 MiB, or the system property {@code
   * msgstore.rendered.bodies.mib} (docs/operations.md). Filled by reads only; empty when idle.
   */
  static final long RENDERED_BODIES_BYTES = Long.getLong("msgstore.rendered.bodies.mib", 64) << 20;
  /**
   * How long a kept GET body or decoded version stays unused before it is dropped: 30 s, or the
   * system property {@code msgstore.caches.unused.seconds} (0 keeps them until their budget pushes
   * them out). So a server that has gone quiet gives back what a burst left in its caches, and the
   * JVM's periodic collection returns that heap to the system (issue 11: under 150 MB resident when
   * idle; docs/operations.md "Memory and JVM options").
   */
  static final Duration CACHES_UNUSED_FOR = Duration.ofSeconds(Long.getLong("msgstore.caches.unused.seconds", 30));
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
  /** Drops the cache entries unused for {@link #CACHES_UNUSED_FOR}; null when they are kept. */
  private final ScheduledExecutorService cacheExpiry;
  /** The time a request body gets before {@code request.min.data.rate} applies (at most the idle timeout). */
  static final Duration BODY_HEAD_START = Duration.ofSeconds(5);
  private final Set<String> mailboxChecked = ConcurrentHashMap.newKeySet();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Object idle = new Object();
  private volatile boolean closing;
  private volatile boolean closed;
  private volatile Server jetty;
  /** Jetty's pool of platform request threads (ADR 0027): every request that is not answered on the selector. */
  private QueuedThreadPool requestThreads;
  /**
   * Whether cheap reads are tried on Jetty's selector thread (ADR 0037): with SQLite, whose reads
   * are in-process and take microseconds; not with PostgreSQL, where each is a network round trip.
   */
  private final boolean readsOnSelector;
  private Router<Route> router;
  private MinDataRate minDataRate;
  private final StaticFiles staticFiles = StaticFiles.webUi();
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
    this.readsOnSelector = config.db().isEmpty();
    this.events = new EventStream(config.heartbeat(), config.abuse(), () -> metrics().eventStreamRefused());
    this.metrics = new Metrics(events::subscribers);
    this.loginThrottle = new LoginThrottle(config.abuse(), clock, metrics);
    RenderedBodies bodies = new RenderedBodies(RENDERED_BODIES_BYTES); // GET and 412 bodies by view (ADR 0031)
    this.api = new Api(store, accounts, bodies);
    this.saves = new Saves(metrics, bodies);
    this.cacheExpiry = CACHES_UNUSED_FOR.isZero() ? null : expireUnusedCaches(bodies, store, CACHES_UNUSED_FOR);
    this.webSessions = new WebSessions(clock, accounts::credentialStamp);
    this.webUi = new WebUi(webSessions, config.tls());
  }

  /** Every sixth of {@code unusedFor}, drops what the caches kept and nobody used for that long. */
  static ScheduledExecutorService expireUnusedCaches(RenderedBodies bodies, EmbeddedMessageStore store,
      Duration unusedFor) {
    ScheduledExecutorService ex = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "msgstore-cache-expiry");
      t.setDaemon(true);
      return t;
    });
    long every = Math.max(1, unusedFor.toMillis() / 6);
    long nanos = unusedFor.toNanos();
    ex.scheduleWithFixedDelay(() -> {
      try {
        bodies.expireUnusedFor(nanos);
        store.expireUnusedCaches(unusedFor);
      } catch (RuntimeException e) { // a failed sweep must not end the next ones
        LOG.warn("dropping unused cache entries failed", e);
      }
    }, every, every, TimeUnit.MILLISECONDS);
    return ex;
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
      s.stopJetty();
      s.stopCacheExpiry();
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
    return ((ServerConnector) jetty.getConnectors()[0]).getLocalPort();
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
   * order (read from the router, so a route added to {@link #routes} is listed without any other
   * change: AuthorizationMatrixTest fails until it covers it).
   */
  java.util.List<String> registeredRoutes() {
    return router.routes();
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

  /** A handler of one exchange (a public route, or the wrapper of an API route). */
  @FunctionalInterface
  interface Endpoint {
    void handle(Exchange x) throws Exception;
  }

  /**
   * How a route runs: PLAIN answers at once (public pages, health); API is counted in flight and
   * refused with 503 once the server is closing; STREAM (events) is not counted, runs on a virtual
   * thread of its own and ends when its client goes or the server closes.
   */
  enum Kind { PLAIN, API, STREAM }

  /**
   * A route and how it runs; {@code triedOnSelector}: a cheap read that is first tried on Jetty's
   * selector thread (ADR 0037; SQLite only, {@link #readsOnSelector}).
   */
  record Route(Kind kind, Endpoint endpoint, boolean triedOnSelector) {
    Route(Kind kind, Endpoint endpoint) {
      this(kind, endpoint, false);
    }
  }

  /**
   * Jetty core, no servlet layer (ADR 0032): one connector (HTTP, or HTTPS when TLS is configured)
   * on a pool of platform threads (ADR 0027), the connection limit, and one handler that routes
   * with {@link Router}, serves the web UI's static files and answers every error as Problem
   * Details.
   */
  private void listen() {
    router = routes();
    AbuseLimits a = config.abuse();
    Duration headStart = a.idleTimeout().compareTo(BODY_HEAD_START) < 0 ? a.idleTimeout() : BODY_HEAD_START;
    minDataRate = new MinDataRate(a.minRequestDataRate(), headStart);
    // Requests run on a pool of platform threads: a request is short, and on virtual threads each
    // one paid a hand-off back to the selector (2x the CPU of a trivial request, 10-15 % of a GET
    // or a save; docs/BENCHMARKS.md "HTTP against Dovecot"). Event streams, which live as long as
    // their clients, run on virtual threads of their own (startStream).
    QueuedThreadPool pool = new QueuedThreadPool(250, 8, 60_000);
    pool.setName("msgstore-http");
    requestThreads = pool;
    Server server = new Server(pool);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setRequestHeaderSize(config.input().maxHeaderBytes());
    ServerConnector connector = config.tls() ? tlsConnector(server, http)
        : new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost(config.bind());
    connector.setPort(config.port());
    // Slow and idle clients (ADR 0011): a connection idle for request.idle.timeout.seconds is
    // closed, a body slower than request.min.data.rate is cut (MinDataRate), and past
    // max.connections open connections Jetty stops accepting until one closes.
    connector.setIdleTimeout(a.idleTimeout().toMillis());
    server.addConnector(connector);
    server.addBean(new NetworkConnectionLimit(a.maxConnections(), server));
    // What Jetty refuses before any route runs (headers too large, URI too long, a malformed
    // request line) is answered as Problem Details too, not as Jetty's HTML page.
    server.setErrorHandler(new ProblemErrorHandler(config.input()));
    server.setHandler(new HttpHandler());
    jetty = server;
    try {
      server.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the HTTP server on " + config.bind() + ":" + config.port() + ": " + e, e);
    }
  }

  private ServerConnector tlsConnector(Server server, HttpConfiguration http) {
    java.security.KeyStore ks = Tls.keyStore(config.tlsCert().orElseThrow(), config.tlsKey().orElseThrow());
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setKeyStore(ks);
    ssl.setKeyStorePassword(Tls.KEY_PASSWORD);
    ssl.setKeyManagerPassword(Tls.KEY_PASSWORD);
    HttpConfiguration https = new HttpConfiguration(http);
    https.addCustomizer(new SecureRequestCustomizer(false));
    return new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(https));
  }

  private Router<Route> routes() {
    Router<Route> r = new Router<>();
    plain(r, "GET", "/", webUi::index);
    plain(r, "GET", "/session", webUi::current);
    plain(r, "POST", "/session", x -> webUi.signIn(x, Req.body(x, config.maxJsonBytes()), this::checkCredentials));
    plain(r, "DELETE", "/session", webUi::signOut);
    plain(r, "GET", "/health", this::health);
    // Liveness only: no store, no auth. Also the HTTP stack's own ceiling in the load benchmark.
    plain(r, "GET", "/health/live", x -> x.contentType("text/plain").result(closing ? "closing" : "ok"));
    plain(r, "GET", "/metrics", x -> x.contentType("text/plain; version=0.0.4; charset=utf-8")
        .result(metrics.render(lmtp == null ? null : lmtp.counters())));
    plain(r, "GET", API + "/openapi.json", this::openApi); // public: the contract is not a secret
    api(r, "GET", API + "/limits", api::limits);
    api(r, "GET", API + "/stores", api::stores);
    api(r, "GET", API + "/locate/{id}", api::locate);
    api(r, "POST", API + "/stores", api::createStore);
    String st = API + "/stores/{s}";
    api(r, "GET", st, api::store);
    api(r, "GET", st + "/folders", api::allFolders);
    api(r, "POST", st + "/folders", api::createFolder);
    String f = st + "/folders/{f}";
    api(r, "GET", f, api::folderInfo);
    api(r, "PATCH", f, api::patchFolder);
    api(r, "DELETE", f, api::deleteFolder);
    api(r, "GET", f + "/folders", api::subfolders);
    api(r, "GET", f + "/properties", api::folderProps);
    api(r, "PATCH", f + "/properties", api::patchFolderProps);
    api(r, "PUT", f + "/rights/{user}", api::setRights);
    api(r, "GET", f + "/deleted", api::softDeleted);
    api(r, "POST", f + "/read-flags", api::readFlags);
    api(r, "GET", f + "/mailbox", api::mailbox);
    api(r, "GET", f + "/messages", api::contents);
    api(r, "POST", f + "/messages", q -> { // Content-Type first: Req.json() refuses all but JSON with 415
      if (Api.asRfc822(q, "Content-Type") || Api.asOutlookMsg(q)) {
        api.importRfc822(q);
      } else {
        saves.save(q, Saves.Kind.CREATE);
      }
    });
    api(r, "POST", f + "/messages/query", api::query);
    api(r, "POST", st + "/messages/delete", api::deleteMessages);
    String m = st + "/messages/{m}";
    r.add("GET", m, new Route(Kind.API, x -> run(x, api::getMessage), true)); // a kept body: on the selector
    api(r, "PUT", m, q -> saves.save(q, Saves.Kind.PUT));
    api(r, "PATCH", m, q -> saves.save(q, Saves.Kind.PATCH));
    api(r, "DELETE", m, api::deleteMessage);
    api(r, "POST", m + "/undelete", api::undelete);
    api(r, "POST", m + "/move", q -> api.move(q, false));
    api(r, "POST", m + "/copy", q -> api.move(q, true));
    api(r, "PUT", m + "/read", api::setRead);
    api(r, "POST", m + "/status", api::setStatus);
    api(r, "POST", m + "/flags", api::storeFlags);
    api(r, "GET", m + "/versions", api::versions);
    api(r, "GET", m + "/versions/{cn}", api::version);
    api(r, "POST", m + "/versions/{cn}/restore", q -> api.restore(q, metrics));
    api(r, "GET", m + "/attachments/{n}/content", api::attachmentContent);
    api(r, "GET", m + "/html", WebUi::html);
    api(r, "POST", st + "/content", api::putContent);
    api(r, "GET", st + "/content/{sha256}", api::getContent);
    api(r, "POST", st + "/named-properties", api::namedPropTag);
    api(r, "GET", st + "/named-properties/{tag}", api::propName);
    api(r, "GET", st + "/journal", api::journal);
    api(r, "GET", st + "/journal/position", api::journalPosition);
    r.add("GET", st + "/events", new Route(Kind.STREAM, x -> run(x, events::serve)));
    api(r, "POST", API + "/tokens", api::createToken);
    api(r, "GET", API + "/tokens", api::tokens);
    api(r, "DELETE", API + "/tokens/{id}", api::revokeToken);
    api(r, "POST", API + "/users", api::createUser);
    return r;
  }

  private static void plain(Router<Route> r, String method, String path, Endpoint e) {
    r.add(method, path, new Route(Kind.PLAIN, e));
  }

  /** An API route: counted in flight, authenticated, run as one session of the user. */
  private void api(Router<Route> r, String method, String path, ApiHandler h) {
    r.add(method, path, new Route(Kind.API, x -> run(x, h)));
  }

  /**
   * How long a request may wait for the storage in all (ADR 0030): a request is answered within 5 s
   * while the database is down, and this leaves room for the last wait's overrun (a statement
   * started just before the deadline may take {@code 1 s}) and for writing the answer.
   */
  static final Duration STORAGE_DEADLINE = Duration.ofMillis(2_500);

  /**
   * Every request: API requests (not event streams) are counted in flight from arrival until their
   * answer is written (one that arrives while the server is closing is not counted, and is
   * answered 503); every request waits for the storage within one {@link StorageDeadline} of
   * {@link #STORAGE_DEADLINE} from its arrival (an event stream runs on a thread of its own,
   * without one). Each request is counted in the metrics, and logged at debug, once answered. A
   * cheap read may be answered on the selector thread that read it; everything else runs on a
   * request thread (ADR 0037).
   */
  private final class HttpHandler extends Handler.Abstract {
    HttpHandler() {
      // handle() runs on the thread that read the request, Jetty's selector included (ADR 0037):
      // it answers a cheap read there and hands every other request to a request thread.
      super(InvocationType.NON_BLOCKING);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      Exchange x = new Exchange(request, response, minDataRate);
      String path = x.path();
      boolean counted = path.startsWith(API) && !path.endsWith("/events") && enter();
      long start = System.nanoTime();
      Callback done = Callback.from(() -> {
        answered(x, start);
        callback.succeeded();
        if (counted) {
          leave();
        }
      }, e -> {
        answered(x, start);
        callback.failed(e);
        if (counted) {
          leave();
        }
      });
      if (readsOnSelector && counted && answeredOnSelector(x, done)) {
        return true;
      }
      try {
        requestThreads.execute(() -> handleOnThread(x, counted, start, done));
      } catch (RejectedExecutionException e) {
        httpError(503, "the server has no request thread free", x);
        x.finish(done);
      }
      return true;
    }
  }

  /**
   * Tries a request on the selector thread (ADR 0037): only a route marked {@link Route#triedOnSelector},
   * with no waiting for the storage ({@link StorageDeadline#startWithoutWaiting}). True when it was
   * answered; false when it has to wait for something ({@link OnSelector.MustBlock}) or failed (the
   * request thread meets the failure again and answers it), with the answer begun forgotten.
   */
  private boolean answeredOnSelector(Exchange x, Callback done) {
    Router.Match<Route> m;
    try {
      m = router.match(x.method(), x.path());
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (!m.found() || !m.route().handler().triedOnSelector()) {
      return false;
    }
    StorageDeadline noWait = StorageDeadline.startWithoutWaiting();
    OnSelector attempt = OnSelector.enter();
    try {
      x.pathParams(m.params());
      m.route().handler().endpoint().handle(x);
    } catch (Throwable e) {
      x.forgetAnswer();
      return false;
    } finally {
      attempt.close();
      noWait.close();
    }
    metrics.answeredOnSelector();
    x.finish(done);
    return true;
  }

  /**
   * Runs a request on a request thread, within one {@link StorageDeadline} of {@link
   * #STORAGE_DEADLINE} from its arrival.
   */
  private void handleOnThread(Exchange x, boolean counted, long arrivalNanos, Callback done) {
    Duration left = STORAGE_DEADLINE.minusNanos(System.nanoTime() - arrivalNanos);
    StorageDeadline deadline = StorageDeadline.start(left.isNegative() ? Duration.ZERO : left);
    try {
      if (!dispatch(x, counted, done)) {
        x.finish(done);
      }
    } finally {
      deadline.close();
    }
  }

  private void answered(Exchange x, long startNanos) {
    metrics.request(x.method(), x.status());
    if (LOG.isDebugEnabled()) {
      // Structured: the fields are key-value pairs (JSON fields with MSGSTORE_LOG_FORMAT=JSON).
      LOG.atDebug().addKeyValue("method", x.method()).addKeyValue("path", x.path())
          .addKeyValue("status", x.status()).addKeyValue("user", Optional.ofNullable(x.user()).orElse("-"))
          .addKeyValue("ms", (System.nanoTime() - startNanos) / 1_000_000).log("request");
    }
  }

  /** Routes and runs a request; true when it goes on on a thread of its own (an event stream), which finishes it. */
  private boolean dispatch(Exchange x, boolean counted, Callback done) {
    try {
      Router.Match<Route> m;
      try {
        m = router.match(x.method(), x.path());
      } catch (IllegalArgumentException e) {
        throw ProblemException.of(400, MapiError.INVALID_PARAMETER, "the request path is not valid percent-encoded "
            + "UTF-8: " + e.getMessage());
      }
      if (!m.found()) {
        notRouted(x, m.allowed());
        return false;
      }
      x.pathParams(m.params());
      Route route = m.route().handler();
      switch (route.kind()) {
        case PLAIN -> route.endpoint().handle(x);
        case API -> {
          if (!counted) {
            throw ProblemException.of(503, MapiError.BUSY, "the server is shutting down");
          }
          route.endpoint().handle(x);
        }
        case STREAM -> {
          if (closing) {
            throw ProblemException.of(503, MapiError.BUSY, "the server is shutting down");
          }
          startStream(x, route.endpoint(), done);
          return true;
        }
      }
    } catch (Throwable e) {
      onException(e, x);
    }
    return false;
  }

  /** No route: a static file of the web UI for a GET, else 405 with Allow when another method has the path, else 404. */
  private void notRouted(Exchange x, java.util.Set<String> allowed) {
    String method = x.method();
    if ((method.equals("GET") || method.equals("HEAD")) && staticFiles.serve(x, x.decodedPath())) {
      return;
    }
    if (!allowed.isEmpty()) {
      x.header("Allow", String.join(", ", allowed));
      httpError(405, "method " + method + " is not allowed on " + x.path(), x);
    } else {
      httpError(404, "no route " + method + " " + x.path(), x);
    }
  }

  /**
   * A long-lived route (events): not counted in flight; shutdown ends it instead. It runs on a
   * virtual thread of its own, which finishes the exchange when the stream ends, so that a thousand
   * open streams hold none of the request threads that every other request needs.
   */
  private void startStream(Exchange x, Endpoint e, Callback done) {
    streams.incrementAndGet();
    Thread.ofVirtual().name("msgstore-event-stream").start(() -> {
      try {
        try {
          e.handle(x);
        } catch (Throwable t) {
          onException(t, x);
        }
        x.finish(done);
      } finally {
        if (streams.decrementAndGet() == 0) {
          synchronized (idle) {
            idle.notifyAll();
          }
        }
      }
    });
  }

  /** Event streams whose requests have not ended yet (close() waits for them before stopping Jetty). */
  private final AtomicInteger streams = new AtomicInteger();

  private void run(Exchange ctx, ApiHandler h) throws Exception {
    // Authenticated already when an attempt on the selector got that far (ADR 0037).
    String user = ctx.user() != null ? ctx.user() : authenticate(ctx);
    ctx.user(user);
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
  private String authenticate(Exchange ctx) {
    String header = ctx.header("Authorization");
    if (header == null) {
      OnSelector.mayBlock(); // the web UI's session: not tried on the selector
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
  private String checkCredentials(String header, Exchange ctx) {
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
      OnSelector.mayBlock(); // counted once, on the request thread
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
    if (mailboxChecked.contains(user)) {
      return;
    }
    OnSelector.mayBlock(); // may create the store
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

  private void onException(Throwable e, Exchange ctx) {
    if (ctx.committed()) { // the answer is on its way (a stream): it can only be cut
      LOG.atDebug().addKeyValue("method", ctx.method()).addKeyValue("path", ctx.path())
          .log("request failed after its answer began: {}", e.toString());
      ctx.abort(e);
      return;
    }
    ctx.discard();
    if (e instanceof org.eclipse.jetty.http.HttpException he) { // what Jetty refuses while a route reads the request
      httpError(he.getCode(), "the request was refused: " + Optional.ofNullable(he.getReason()).orElse("malformed request"),
          ctx);
      return;
    }
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
        LOG.atWarn().addKeyValue("method", ctx.method()).addKeyValue("path", ctx.path())
            .addKeyValue("mapiError", se.error().mapiName()).log("request refused: {}", se.getMessage());
      } else if (status >= 500) {
        LOG.atError().addKeyValue("method", ctx.method()).addKeyValue("path", ctx.path())
            .addKeyValue("mapiError", se.error().mapiName()).setCause(se).log("request failed: {}", se.getMessage());
      } else {
        LOG.atDebug().addKeyValue("method", ctx.method()).addKeyValue("path", ctx.path())
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
    LOG.atError().addKeyValue("method", ctx.method()).addKeyValue("path", ctx.path()).setCause(e)
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

  private static void httpError(int status, String message, Exchange ctx) {
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

  private static void write(Exchange ctx, Problem p) {
    ctx.status(p.status()).contentType(PROBLEM).result(Wire.bytes(p.toJson()));
  }

  // ---- health, metrics, openapi

  private void health(Exchange ctx) {
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

  private void openApi(Exchange ctx) throws IOException {
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

  /** Stops the cache expiry and waits briefly for a sweep under way, which may be using the store. */
  private void stopCacheExpiry() {
    if (cacheExpiry != null) {
      cacheExpiry.shutdown();
      try {
        if (!cacheExpiry.awaitTermination(5, TimeUnit.SECONDS)) {
          LOG.warn("a cache sweep still runs while the store closes");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void stopJetty() {
    Server j = jetty;
    if (j != null) {
      try {
        j.stop();
      } catch (Exception e) {
        LOG.warn("stopping the HTTP server failed: {}", e.toString());
      }
    }
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
      stopJetty();
    } finally {
      closed = true;
      stopCacheExpiry();
      try {
        accounts.close();
      } finally {
        store.close();
      }
    }
    LOG.info("msgstore stopped");
  }
}
