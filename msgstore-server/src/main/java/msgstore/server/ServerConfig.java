package msgstore.server;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import msgstore.protocol.InputLimits;
import msgstore.imap.ImapConfig;
import msgstore.server.lmtp.LmtpConfig;
import msgstore.storage.sqlite.SqliteStorage.Durability;

/**
 * The server's configuration, validated on construction.
 *
 * @param dataDir where {@code msgstore.db} (and its blobs) and {@code accounts.db} live
 * @param bind the address to listen on
 * @param port the TCP port; 0 picks a free one
 * @param tlsCert PEM certificate chain; TLS is on when both it and {@code tlsKey} are given
 * @param tlsKey PEM private key
 * @param heartbeat how often an idle event stream gets a {@code : keep-alive} comment
 * @param maxJsonBytes the largest JSON request body accepted (413 TOO_BIG over it)
 * @param durability the SQLite durability of commits
 * @param abuse login throttling, hashing bound, connection timeouts and limits, event-stream caps
 * @param input JSON nesting, number, string and key lengths, and the size of request headers
 * @param lmtp LMTP delivery (off unless {@code lmtp.port} is given; ADR 0019)
 * @param imap IMAP (off unless {@code imap.port} or {@code imaps.port} is given; ADR 0029)
 * @param db a {@code postgresql://USER@HOST:PORT/DB} holding the store and the accounts (ADR 0024)
 *     instead of the SQLite files in {@code dataDir}; empty for those
 */
public record ServerConfig(
    Path dataDir,
    String bind,
    int port,
    Optional<Path> tlsCert,
    Optional<Path> tlsKey,
    Duration heartbeat,
    long maxJsonBytes,
    Durability durability,
    AbuseLimits abuse,
    InputLimits input,
    LmtpConfig lmtp,
    ImapConfig imap,
    Optional<String> db) {

  public static final Path DEFAULT_DATA = Path.of("data");
  /** The message store's file inside the data directory. */
  public static final String STORE_FILE = "msgstore.db";
  /** The accounts database's file inside the data directory. */
  public static final String ACCOUNTS_FILE = "accounts.db";
  public static final String DEFAULT_BIND = "127.0.0.1";
  public static final int DEFAULT_PORT = 8080;
  public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(15);
  public static final long DEFAULT_MAX_JSON_BYTES = 64L << 20;

  /** The keys of {@link InputLimits}. */
  private static final List<String> INPUT_KEYS = List.of("json.max.depth", "json.max.number.length",
      "json.max.string.length", "json.max.name.length", "http.max.header.bytes");

  /** The keys of {@link LmtpConfig}. */
  private static final List<String> LMTP_KEYS = List.of("lmtp.port", "lmtp.bind", "lmtp.domains",
      "lmtp.max.message.bytes", "lmtp.idle.timeout.seconds", "lmtp.max.connections", "lmtp.max.recipients");

  /** The keys of {@link ImapConfig}. */
  private static final List<String> IMAP_KEYS = List.of("imap.port", "imaps.port", "imap.bind", "imap.append.limit",
      "imap.plain.login", "imap.idle.timeout.seconds", "imap.max.connections");

  /** Property-file keys, and the environment variable for each. */
  private static final Map<String, String> ENV = withAbuseKeys(Map.of(
      "data", "MSGSTORE_DATA",
      "bind", "MSGSTORE_BIND",
      "port", "MSGSTORE_PORT",
      "tls.cert", "MSGSTORE_TLS_CERT",
      "tls.key", "MSGSTORE_TLS_KEY",
      "heartbeat.seconds", "MSGSTORE_HEARTBEAT_SECONDS",
      "max.json.bytes", "MSGSTORE_MAX_JSON_BYTES",
      "durability", "MSGSTORE_DURABILITY",
      "db", "MSGSTORE_DB"));

  private static Map<String, String> withAbuseKeys(Map<String, String> base) {
    Map<String, String> all = new LinkedHashMap<>(base);
    all.putAll(AbuseLimits.ENV);
    for (String k : LMTP_KEYS) {
      all.put(k, "MSGSTORE_" + k.replace('.', '_').toUpperCase(Locale.ROOT));
    }
    for (String k : IMAP_KEYS) {
      all.put(k, "MSGSTORE_" + k.replace('.', '_').toUpperCase(Locale.ROOT));
    }
    for (String k : INPUT_KEYS) {
      all.put(k, "MSGSTORE_" + k.replace('.', '_').toUpperCase(Locale.ROOT));
    }
    return Map.copyOf(all);
  }

  public ServerConfig {
    require(dataDir != null, "data must not be null");
    require(bind != null && !bind.isBlank(), "bind must not be blank");
    require(port >= 0 && port <= 65535, "port must be 0 to 65535, got " + port);
    tlsCert = tlsCert == null ? Optional.empty() : tlsCert;
    tlsKey = tlsKey == null ? Optional.empty() : tlsKey;
    require(tlsCert.isPresent() == tlsKey.isPresent(), "tls.cert and tls.key must be given together");
    require(heartbeat != null && !heartbeat.isNegative() && !heartbeat.isZero(),
        "heartbeat.seconds must be positive, got " + heartbeat);
    require(maxJsonBytes > 0, "max.json.bytes must be positive, got " + maxJsonBytes);
    require(durability != null, "durability must not be null");
    abuse = abuse == null ? AbuseLimits.DEFAULTS : abuse;
    input = input == null ? InputLimits.DEFAULTS : input;
    lmtp = lmtp == null ? LmtpConfig.OFF : lmtp;
    imap = imap == null ? ImapConfig.OFF : imap;
    require(imap.imapsPort() < 0 || tlsCert.isPresent(), "imaps.port needs tls.cert and tls.key");
    db = db == null ? Optional.empty() : db.filter(u -> !u.isBlank());
    require(db.isEmpty() || db.get().startsWith("postgresql://") || db.get().startsWith("postgres://"),
        "db must be postgresql://USER@HOST:PORT/DATABASE, got '" + db.orElse("") + "'");
    require(heartbeat.compareTo(abuse.idleTimeout()) < 0, "heartbeat.seconds (" + heartbeat.toSeconds()
        + ") must be shorter than request.idle.timeout.seconds (" + abuse.idleTimeout().toSeconds()
        + "), or idle event streams are cut");
  }

  /** The defaults with another data directory and port (for tests and the CLI). */
  public static ServerConfig defaults(Path dataDir, int port) {
    return new ServerConfig(dataDir, DEFAULT_BIND, port, Optional.empty(), Optional.empty(), DEFAULT_HEARTBEAT,
        DEFAULT_MAX_JSON_BYTES, Durability.FULL, AbuseLimits.DEFAULTS, InputLimits.DEFAULTS, LmtpConfig.OFF,
        ImapConfig.OFF, Optional.empty());
  }

  public ServerConfig withHeartbeat(Duration d) {
    return new ServerConfig(dataDir, bind, port, tlsCert, tlsKey, d, maxJsonBytes, durability, abuse, input, lmtp, imap, db);
  }

  public ServerConfig withMaxJsonBytes(long n) {
    return new ServerConfig(dataDir, bind, port, tlsCert, tlsKey, heartbeat, n, durability, abuse, input, lmtp, imap, db);
  }

  public ServerConfig withTls(Path cert, Path key) {
    return new ServerConfig(dataDir, bind, port, Optional.of(cert), Optional.of(key), heartbeat, maxJsonBytes,
        durability, abuse, input, lmtp, imap, db);
  }

  public ServerConfig withDurability(Durability d) {
    return new ServerConfig(dataDir, bind, port, tlsCert, tlsKey, heartbeat, maxJsonBytes, d, abuse, input, lmtp, imap, db);
  }

  public ServerConfig withAbuse(AbuseLimits a) {
    return new ServerConfig(dataDir, bind, port, tlsCert, tlsKey, heartbeat, maxJsonBytes, durability, a, input, lmtp, imap, db);
  }

  public ServerConfig withInputLimits(InputLimits l) {
    return new ServerConfig(dataDir, bind, port, tlsCert, tlsKey, heartbeat, maxJsonBytes, durability, abuse, l, lmtp, imap, db);
  }

  public ServerConfig withLmtp(LmtpConfig l) {
    return new ServerConfig(dataDir, bind, port, tlsCert, tlsKey, heartbeat, maxJsonBytes, durability, abuse, input, l, imap, db);
  }

  public ServerConfig withImap(ImapConfig i) {
    return new ServerConfig(dataDir, bind, port, tlsCert, tlsKey, heartbeat, maxJsonBytes, durability, abuse, input, lmtp, i, db);
  }

  /** The same configuration on a PostgreSQL database (ADR 0024) instead of the SQLite files. */
  public ServerConfig withDb(String url) {
    return new ServerConfig(dataDir, bind, port, tlsCert, tlsKey, heartbeat, maxJsonBytes, durability, abuse, input, lmtp, imap,
        Optional.ofNullable(url));
  }

  /** True when TLS is configured. */
  public boolean tls() {
    return tlsCert.isPresent();
  }

  /**
   * Loads the configuration. Precedence: {@code overrides} (command line, keyed like the file) over
   * {@code env} ({@code MSGSTORE_DATA}, {@code MSGSTORE_BIND}, {@code MSGSTORE_PORT}, {@code
   * MSGSTORE_TLS_CERT}, {@code MSGSTORE_TLS_KEY}, {@code MSGSTORE_HEARTBEAT_SECONDS}, {@code
   * MSGSTORE_MAX_JSON_BYTES}, {@code MSGSTORE_DURABILITY}) over the properties file ({@code
   * configFile}, else {@code MSGSTORE_CONFIG}; keys {@code data, bind, port, tls.cert, tls.key,
   * heartbeat.seconds, max.json.bytes, durability}, those of {@link AbuseLimits} and of {@link InputLimits}, whose variables
   * are the key in upper case with dots as underscores after {@code MSGSTORE_}) over the defaults.
   *
   * @throws StoreException INVALID_PARAMETER naming the key for an unknown key or a bad value,
   *     NOT_FOUND for a missing config file
   */
  public static ServerConfig load(Optional<Path> configFile, Map<String, String> env, Map<String, String> overrides) {
    Map<String, String> v = new LinkedHashMap<>();
    Optional<Path> file = configFile.or(() -> Optional.ofNullable(env.get("MSGSTORE_CONFIG")).map(Path::of));
    if (file.isPresent()) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(file.get(), StandardCharsets.UTF_8)) {
        p.load(r);
      } catch (java.nio.file.NoSuchFileException e) {
        throw new StoreException(MapiError.NOT_FOUND, "config file " + file.get() + " not found");
      } catch (IOException e) {
        throw new StoreException(MapiError.INVALID_PARAMETER, "cannot read config file " + file.get() + ": " + e);
      }
      for (String k : p.stringPropertyNames()) {
        v.put(known(k, "config file " + file.get()), p.getProperty(k).strip());
      }
    }
    ENV.forEach((k, e) -> {
      String x = env.get(e);
      if (x != null && !x.isBlank()) {
        v.put(k, x.strip());
      }
    });
    overrides.forEach((k, x) -> {
      if (x != null) {
        v.put(known(k, "command line"), x.strip());
      }
    });
    return new ServerConfig(
        Path.of(v.getOrDefault("data", DEFAULT_DATA.toString())),
        v.getOrDefault("bind", DEFAULT_BIND),
        (int) number(v, "port", DEFAULT_PORT),
        Optional.ofNullable(v.get("tls.cert")).filter(s -> !s.isEmpty()).map(Path::of),
        Optional.ofNullable(v.get("tls.key")).filter(s -> !s.isEmpty()).map(Path::of),
        Duration.ofSeconds(number(v, "heartbeat.seconds", DEFAULT_HEARTBEAT.toSeconds())),
        number(v, "max.json.bytes", DEFAULT_MAX_JSON_BYTES),
        durability(v.get("durability")),
        AbuseLimits.load(v),
        new InputLimits(
            (int) number(v, "json.max.depth", InputLimits.DEFAULTS.maxDepth()),
            (int) number(v, "json.max.number.length", InputLimits.DEFAULTS.maxNumberLength()),
            (int) number(v, "json.max.string.length", InputLimits.DEFAULTS.maxStringLength()),
            (int) number(v, "json.max.name.length", InputLimits.DEFAULTS.maxNameLength()),
            (int) number(v, "http.max.header.bytes", InputLimits.DEFAULTS.maxHeaderBytes())),
        lmtp(v),
        imap(v),
        Optional.ofNullable(v.get("db")));
  }

  /** {@code lmtp.*}: LMTP is on when {@code lmtp.port} is given. */
  private static LmtpConfig lmtp(Map<String, String> v) {
    LmtpConfig d = LmtpConfig.OFF;
    String port = v.get("lmtp.port");
    return new LmtpConfig(
        port == null || port.isEmpty() ? -1 : (int) number(v, "lmtp.port", -1),
        v.getOrDefault("lmtp.bind", d.bind()),
        LmtpConfig.parseDomains(v.get("lmtp.domains")),
        number(v, "lmtp.max.message.bytes", d.maxMessageBytes()),
        Duration.ofSeconds(number(v, "lmtp.idle.timeout.seconds", d.idleTimeout().toSeconds())),
        (int) number(v, "lmtp.max.connections", d.maxConnections()),
        (int) number(v, "lmtp.max.recipients", d.maxRecipients()));
  }

  /** {@code imap.*}: IMAP is on when {@code imap.port} or {@code imaps.port} is given. */
  private static ImapConfig imap(Map<String, String> v) {
    ImapConfig d = ImapConfig.OFF;
    String plain = v.getOrDefault("imap.plain.login", "false").toLowerCase(Locale.ROOT);
    if (!plain.equals("true") && !plain.equals("false")) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "configuration imap.plain.login must be true or false, got '"
          + plain + "'");
    }
    return new ImapConfig(
        optionalPort(v, "imap.port"),
        optionalPort(v, "imaps.port"),
        v.getOrDefault("imap.bind", d.bind()),
        number(v, "imap.append.limit", d.appendLimit()),
        plain.equals("true"),
        d.maxLineBytes(), d.maxLiteralBytes(), d.maxNesting(),
        Duration.ofSeconds(number(v, "imap.idle.timeout.seconds", d.idleTimeout().toSeconds())),
        (int) number(v, "imap.max.connections", d.maxConnections()));
  }

  private static int optionalPort(Map<String, String> v, String key) {
    String s = v.get(key);
    return s == null || s.isEmpty() ? -1 : (int) number(v, key, -1);
  }

  private static String known(String key, String where) {
    if (!ENV.containsKey(key)) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "unknown configuration key '" + key + "' in " + where
          + "; known keys: " + new java.util.TreeSet<>(ENV.keySet()));
    }
    return key;
  }

  private static long number(Map<String, String> v, String key, long dflt) {
    String s = v.get(key);
    if (s == null) {
      return dflt;
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "configuration " + key + " must be an integer, got '" + s
          + "'");
    }
  }

  private static Durability durability(String s) {
    if (s == null) {
      return Durability.FULL;
    }
    String u = s.toUpperCase(Locale.ROOT);
    if (u.equals("RELAXED")) {
      return Durability.RELAXED_MAY_LOSE_RECENT_COMMITS_ON_POWER_LOSS;
    }
    try {
      return Durability.valueOf(u);
    } catch (IllegalArgumentException e) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "configuration durability must be FULL or RELAXED, got '"
          + s + "'");
    }
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "server configuration: " + message);
    }
  }
}
