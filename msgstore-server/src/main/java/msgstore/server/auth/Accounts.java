package msgstore.server.auth;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.sql.DataSource;
import javax.crypto.spec.SecretKeySpec;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import msgstore.engine.LruBytes;
import msgstore.server.OnSelector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Users, passwords and bearer tokens, kept in their own SQLite file ({@code accounts.db}) so that
 * {@code msgstore user add} can change them while the server runs, or, when the store is in
 * PostgreSQL, in tables of that database ({@link #openShared}), so that every node authenticates
 * anyone and a revocation on one node is refused by all at once. See ADR 0007 and ADR 0024.
 *
 * <p><b>Storage.</b> SQLite: one JDBC connection per instance, in WAL mode with a busy timeout,
 * guarded by a lock; several instances (processes) may open the same file. PostgreSQL: a
 * connection of the store's pool per call; transactions lock the users table. Either way every
 * change is a single statement or one transaction, so changes made by one process are seen by the
 * next call in any other. Argon2 runs outside the lock.
 *
 * <p><b>Passwords</b> are stored as Argon2id PHC strings ({@link PasswordHasher}). A successful
 * Basic verification is cached in memory for {@link #BASIC_CACHE_TTL}, keyed by the user and an
 * HMAC-SHA-256 of the password under a per-instance random key, and holding the PHC string it was
 * checked against. A cache hit still reads the user's current PHC string (one indexed read), so
 * a password change or removal, in this process or another, ends the cached login at once; the
 * cache saves the ~0.2 s of Argon2, not the read. Entries are also dropped by {@link #setPassword}
 * and {@link #removeUser}.
 *
 * <p><b>Tokens</b> are 32 random bytes in unpadded base64url (43 characters), stored only as
 * their SHA-256 and looked up by it. They are never cached: every use reads the row, so a
 * revocation in any process takes effect on the next request.
 *
 * <p>All methods are thread-safe. Errors are {@link StoreException}s: INVALID_PARAMETER for bad
 * names, passwords and labels, COLLISION for an existing user, NOT_FOUND for a missing one,
 * BUSY/NOT_ENOUGH_DISK/DISK_ERROR/CORRUPT_DATA/CALL_FAILED for database failures, and
 * INVALID_OBJECT after {@link #close}.
 */
public final class Accounts implements AutoCloseable {
  /** How long a successful Basic verification is remembered. */
  public static final Duration BASIC_CACHE_TTL = Duration.ofMinutes(5);

  /** The most Basic verifications remembered at once. */
  public static final int BASIC_CACHE_SIZE = 1024;

  /** The length of the password {@link #ensureAdmin} generates. */
  public static final int GENERATED_PASSWORD_LENGTH = 20;

  static final int APPLICATION_ID = 0x4D534141; // "MSAA"
  static final int SCHEMA_VERSION = 1;
  static final int BUSY_TIMEOUT_MILLIS = 5000;
  static final int MAX_NAME_LENGTH = 64;
  static final int MAX_PASSWORD_LENGTH = 1024;
  static final int MAX_LABEL_LENGTH = 200;
  /** last_used_at is written at most this often per token, to keep authentication read-only. */
  static final Duration LAST_USED_GRANULARITY = Duration.ofMinutes(1);

  private static final Logger LOG = LoggerFactory.getLogger(Accounts.class);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1," + MAX_NAME_LENGTH + "}");
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{43}");
  private static final int MAX_HEADER_LENGTH = 8192;
  private static final int SQLITE_BUSY = 5;
  private static final int SQLITE_LOCKED = 6;
  private static final int SQLITE_IOERR = 10;
  private static final int SQLITE_CORRUPT = 11;
  private static final int SQLITE_FULL = 13;
  private static final int SQLITE_CANTOPEN = 14;
  private static final int SQLITE_CONSTRAINT = 19;
  private static final int SQLITE_NOTADB = 26;
  private static final String UNIQUE_VIOLATION = "23505";
  private static final char[] PASSWORD_ALPHABET =
      "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private static final String SCHEMA_USERS = """
      CREATE TABLE users (
        name TEXT PRIMARY KEY NOT NULL,
        phc TEXT NOT NULL,
        admin INTEGER NOT NULL DEFAULT 0,
        mailbox_pending INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL)""";
  private static final String SCHEMA_TOKENS = """
      CREATE TABLE tokens (
        id TEXT PRIMARY KEY NOT NULL,
        "user" TEXT NOT NULL,
        label TEXT NOT NULL,
        token_sha256 BLOB NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER,
        last_used_at INTEGER)""";
  private static final String SCHEMA_TOKENS_INDEX = "CREATE INDEX tokens_user ON tokens (\"user\")";

  private final Path file; // null when shared
  /** The PostgreSQL pool when the accounts live in the store's database; null for an SQLite file. */
  private final DataSource shared;
  private final String name;
  private final PasswordHasher hasher;
  private final Clock clock;
  private final ReentrantLock lock = new ReentrantLock();
  private final Semaphore argon2Permits;
  private final Duration argon2Wait;
  private final ThreadPoolExecutor argon2Threads;
  private final Map<String, CachedLogin> basicCache = new LinkedHashMap<>();
  /**
   * Bearer tokens found lately, by the hex of their SHA-256, each with the WAL-index stamp taken
   * before its row was read (ADR 0041): trusted only while the stamp holds, so a revocation in any
   * process ends it at once, and an entry whose stamp has passed is never trusted again (it ages
   * out). At most {@link #BASIC_CACHE_SIZE} tokens (one "byte" each), least recently used out.
   */
  private final LruBytes<String, CachedBearer> bearerCache = new LruBytes<>(BASIC_CACHE_SIZE);
  private final SecretKeySpec cacheKey;
  private Connection connection; // guarded by lock; null once closed
  private PreparedStatement bearerLookup; // guarded by lock; prepared on first use, closed with the connection
  private PreparedStatement phcLookup; // the same, for Basic credentials
  private volatile String dummyPhc;
  private volatile boolean closed;
  private volatile AutoCloseable alsoClose;
  /** Whether {@code accounts.db} changed since a cached login was checked (ADR 0041); null when shared. */
  private final WalIndexStamp stamps;

  private Accounts(Path file, DataSource shared, String name, PasswordHasher hasher, Clock clock, Connection connection,
      HashingLimit hashing) {
    this.file = file;
    this.shared = shared;
    this.name = name;
    this.hasher = hasher;
    this.clock = clock;
    this.connection = connection;
    this.stamps = file == null ? null : WalIndexStamp.of(file);
    this.argon2Permits = new Semaphore(hashing.concurrency(), true);
    this.argon2Wait = hashing.maxWait();
    AtomicInteger threadNumber = new AtomicInteger();
    this.argon2Threads = new ThreadPoolExecutor(hashing.concurrency(), hashing.concurrency(), 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "msgstore-argon2-" + threadNumber.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    this.argon2Threads.allowCoreThreadTimeOut(true);
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    this.cacheKey = new SecretKeySpec(key, "HmacSHA256");
  }

  // ---------------------------------------------------------------- opening

  /** Opens (creating if needed) the accounts database with the default Argon2id costs. */
  public static Accounts open(Path file) {
    return open(file, PasswordHasher.defaults(), Clock.systemUTC());
  }

  /** Opens (creating if needed) the accounts database, hashing new passwords with {@code hasher}. */
  public static Accounts open(Path file, PasswordHasher hasher) {
    return open(file, hasher, Clock.systemUTC());
  }

  /**
   * Opens (creating if needed) the accounts database. A new file is created readable by its owner
   * only (on POSIX file systems), with its parent directories.
   *
   * @param clock the source of creation/revocation times and of cache expiry
   * @throws StoreException CORRUPT_DATA when the file is not an accounts database; VERSION when it
   *     was written by a newer msgstore; DISK_ERROR/NO_ACCESS when it cannot be created
   */
  public static Accounts open(Path file, PasswordHasher hasher, Clock clock) {
    return open(file, hasher, clock, HashingLimit.UNBOUNDED_WAIT);
  }

  /**
   * Opens (creating if needed) the accounts database with a bound on password hashing: at most
   * {@code hashing.concurrency()} hashes run at once, each on a platform thread of its own (so a
   * flood of logins cannot pin the carrier threads of the server's virtual threads), and a login
   * that waits longer than {@code hashing.maxWait()} for a slot fails with {@link PasswordCheckBusyException}.
   *
   * @throws StoreException as {@link #open(Path, PasswordHasher, Clock)}
   */
  public static Accounts open(Path file, PasswordHasher hasher, Clock clock, HashingLimit hashing) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(hasher, "hasher");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(hashing, "hashing");
    Path absolute = file.toAbsolutePath();
    createPrivately(absolute);
    Connection c = null;
    try {
      c = DriverManager.getConnection("jdbc:sqlite:" + absolute);
      execute(c, "PRAGMA busy_timeout = " + BUSY_TIMEOUT_MILLIS);
      execute(c, "PRAGMA journal_mode = WAL");
      execute(c, "PRAGMA synchronous = FULL");
      migrate(c, absolute);
      return new Accounts(absolute, null, absolute.toString(), hasher, clock, c, hashing);
    } catch (SQLException e) {
      closeQuietly(c);
      throw translate(e, "open accounts database " + absolute);
    } catch (RuntimeException e) {
      closeQuietly(c);
      throw e;
    }
  }

  /**
   * Opens the accounts kept in a PostgreSQL database shared by every node, through {@code pool}
   * (the store's: its schema migrations create the tables). {@code name} names it in messages.
   *
   * @throws StoreException CALL_FAILED when the database has no accounts tables
   */
  public static Accounts openShared(DataSource pool, String name, PasswordHasher hasher, Clock clock,
      HashingLimit hashing) {
    Objects.requireNonNull(pool, "pool");
    Objects.requireNonNull(hasher, "hasher");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(hashing, "hashing");
    Accounts a = new Accounts(null, pool, name, hasher, clock, null, hashing);
    a.withConnection("look up the accounts tables", c -> queryLong(c, "SELECT count(*) FROM users LIMIT 1"));
    return a;
  }

  /** Makes {@link #close} also close {@code owner} (the pool's storage, for a command that opened it just for this). */
  public Accounts closingAlso(AutoCloseable owner) {
    this.alsoClose = owner;
    return this;
  }

  /** Whether the accounts live in a database shared by several nodes (PostgreSQL). */
  public boolean isShared() {
    return shared != null;
  }

  /** The database file; null when {@link #isShared}. */
  public Path file() {
    return file;
  }

  /**
   * Writes a consistent copy of the accounts database to {@code target}, which must not exist,
   * readable by its owner only: {@code VACUUM INTO}, one read transaction, so it works while
   * other processes (the server, {@code msgstore user}) change the file.
   *
   * @throws StoreException COLLISION when {@code target} exists; DISK_ERROR/NOT_ENOUGH_DISK/
   *     CALL_FAILED when it cannot be written (nothing is left at {@code target} then)
   */
  public void backup(Path target) {
    if (shared != null) {
      throw new StoreException(MapiError.NO_SUPPORT, "the accounts in " + name
          + " are in PostgreSQL: back them up with the database (pg_dump, see docs/operations.md)");
    }
    Path absolute = Objects.requireNonNull(target, "target").toAbsolutePath();
    if (Files.exists(absolute)) {
      throw new StoreException(MapiError.COLLISION, "backup target " + absolute + " already exists");
    }
    createPrivately(absolute); // VACUUM INTO fills an empty file and keeps its permissions
    boolean done = false;
    try {
      withConnection("back up the accounts database " + file + " to " + absolute, c -> {
        try (PreparedStatement vacuum = c.prepareStatement("VACUUM INTO ?")) {
          vacuum.setString(1, absolute.toString());
          vacuum.executeUpdate();
        }
        return null;
      });
      done = true;
    } finally {
      if (!done) {
        try {
          Files.deleteIfExists(absolute);
        } catch (IOException ignored) {
          // the caller reports the original failure
        }
      }
    }
  }

  /** Closes the connection. Idempotent; every other method then fails with INVALID_OBJECT. */
  @Override
  public void close() {
    closed = true;
    lock.lock();
    try {
      for (PreparedStatement s : new PreparedStatement[] {bearerLookup, phcLookup}) {
        if (s != null) {
          try {
            s.close();
          } catch (SQLException e) {
            LOG.debug("closing a lookup statement of {}: {}", file, e.getMessage());
          }
        }
      }
      bearerLookup = null;
      phcLookup = null;
      closeQuietly(connection);
      connection = null;
    } finally {
      lock.unlock();
    }
    synchronized (basicCache) {
      basicCache.clear();
    }
    if (stamps != null) {
      stamps.close();
    }
    argon2Threads.shutdown();
    AutoCloseable owner = alsoClose;
    alsoClose = null;
    if (owner != null) {
      try {
        owner.close();
      } catch (Exception e) {
        LOG.debug("closing the storage of {}: {}", name, e.getMessage());
      }
    }
  }

  // ---------------------------------------------------------------- users

  /**
   * Adds a user.
   *
   * @param name 1 to 64 characters of {@code A-Z a-z 0-9 . _ @ -}; case-sensitive
   * @param password 1 to 1024 characters; not modified (the caller should zero it)
   * @param withMailbox whether the server should create a store for the user; see {@link
   *     #takeMailboxPending}
   * @throws StoreException COLLISION when the user exists; INVALID_PARAMETER for a bad name or
   *     password
   */
  public void addUser(String name, char[] password, boolean withMailbox) {
    checkName(name);
    checkPassword(name, password);
    String phc = hasher.hash(password);
    try {
      withConnection("add user " + name, c -> {
        try (PreparedStatement s = c.prepareStatement(
            "INSERT INTO users (name, phc, admin, mailbox_pending, created_at) VALUES (?, ?, 0, ?, ?)")) {
          s.setString(1, name);
          s.setString(2, phc);
          s.setInt(3, withMailbox ? 1 : 0);
          s.setLong(4, clock.millis());
          return s.executeUpdate();
        }
      });
    } catch (StoreException e) {
      if (e.getCause() instanceof SQLException sql
          && (shared == null ? primaryCode(sql) == SQLITE_CONSTRAINT : UNIQUE_VIOLATION.equals(sql.getSQLState()))) {
        throw new StoreException(MapiError.COLLISION, "user " + name + " already exists");
      }
      throw e;
    }
  }

  /**
   * Replaces a user's password. Cached Basic logins of the user end at once, here and (through the
   * PHC check on every hit) in other processes.
   *
   * @throws StoreException NOT_FOUND when there is no such user; INVALID_PARAMETER for a bad
   *     password
   */
  public void setPassword(String name, char[] password) {
    Objects.requireNonNull(name, "name");
    checkPassword(name, password);
    String phc = hasher.hash(password);
    int updated = withConnection("set password of user " + name, c -> {
      try (PreparedStatement s = c.prepareStatement("UPDATE users SET phc = ? WHERE name = ?")) {
        s.setString(1, phc);
        s.setString(2, name);
        return s.executeUpdate();
      }
    });
    forgetLogins(name);
    if (updated == 0) {
      throw notFound(name);
    }
  }

  /**
   * Removes a user and all their tokens (the user's store, if any, is not touched). The last
   * administrator cannot be removed: the check and the removal are one {@code BEGIN IMMEDIATE}
   * transaction, so of two concurrent removals of the only two administrators (in any processes)
   * exactly one succeeds.
   *
   * @return false when there was no such user
   * @throws StoreException NO_ACCESS when {@code name} is the last administrator (nothing changed)
   */
  public boolean removeUser(String name) {
    Objects.requireNonNull(name, "name");
    int removed = inTransaction("remove user " + name, c -> {
      refuseLastAdmin(c, name, "remove");
      try (PreparedStatement t = c.prepareStatement("DELETE FROM tokens WHERE \"user\" = ?");
          PreparedStatement u = c.prepareStatement("DELETE FROM users WHERE name = ?")) {
        t.setString(1, name);
        t.executeUpdate();
        u.setString(1, name);
        return u.executeUpdate();
      }
    });
    forgetLogins(name);
    return removed > 0;
  }

  /** All user names, sorted. */
  public List<String> users() {
    return withConnection("list users", c -> {
      List<String> names = new ArrayList<>();
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT name FROM users ORDER BY name")) {
        while (rs.next()) {
          names.add(rs.getString(1));
        }
      }
      return names;
    });
  }

  /**
   * A stamp of the user's current credentials (the SHA-256 of the stored password hash), or empty
   * when there is no such user: a session that remembers it at sign-in ends when the password is
   * changed or the user removed (here or in another process), as a cached Basic login does.
   */
  public Optional<String> credentialStamp(String name) {
    Objects.requireNonNull(name, "name");
    Optional<String> phc = withConnection("look up user " + name, c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT phc FROM users WHERE name = ?")) {
        s.setString(1, name);
        try (ResultSet rs = s.executeQuery()) {
          return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
        }
      }
    });
    return phc.map(p -> msgstore.api.HashedContent.sha256Hex(p.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  /** Whether the user exists (names are case-sensitive). */
  public boolean exists(String name) {
    Objects.requireNonNull(name, "name");
    return withConnection("look up user " + name,
        c -> queryLong(c, "SELECT count(*) FROM users WHERE name = ?", name) > 0);
  }

  /** Whether the user exists and is an administrator. */
  public boolean isAdmin(String name) {
    Objects.requireNonNull(name, "name");
    return withConnection("look up user " + name,
        c -> queryLong(c, "SELECT count(*) FROM users WHERE name = ? AND admin <> 0", name) > 0);
  }

  /**
   * Grants or withdraws administrator rights. Withdrawing them from the last administrator is
   * refused, atomically as in {@link #removeUser}.
   *
   * @throws StoreException NOT_FOUND when there is no such user; NO_ACCESS when withdrawing the
   *     rights of the last administrator (nothing changed)
   */
  public void setAdmin(String name, boolean admin) {
    Objects.requireNonNull(name, "name");
    int updated = inTransaction("set admin flag of user " + name, c -> {
      if (!admin) {
        refuseLastAdmin(c, name, "demote");
      }
      try (PreparedStatement s = c.prepareStatement("UPDATE users SET admin = ? WHERE name = ?")) {
        s.setInt(1, admin ? 1 : 0);
        s.setString(2, name);
        return s.executeUpdate();
      }
    });
    if (updated == 0) {
      throw notFound(name);
    }
  }

  /**
   * Inside a write transaction: fails when {@code name} is an administrator and no other user is,
   * so that somebody can always administer the server.
   */
  private static void refuseLastAdmin(Connection c, String name, String what) throws SQLException {
    boolean isAdmin = queryLong(c, "SELECT count(*) FROM users WHERE name = ? AND admin <> 0", name) > 0;
    if (isAdmin && queryLong(c, "SELECT count(*) FROM users WHERE admin <> 0 AND name <> ?", name) == 0) {
      throw new StoreException(MapiError.NO_ACCESS, "cannot " + what + " user " + name
          + ": they are the last administrator and nobody could administer the server any more; "
          + "make another user an administrator first (msgstore user add NAME --admin)");
    }
  }

  /**
   * When the database has no user at all, creates {@code admin} (administrator, with a mailbox
   * pending) with a random 20-character password and returns that password, which is not stored
   * anywhere else: show it once. Otherwise returns empty. Atomic across processes: of two
   * concurrent calls on an empty database, exactly one returns a password.
   */
  public Optional<String> ensureAdmin() {
    boolean empty = withConnection("count users",
        c -> queryLong(c, "SELECT count(*) FROM users LIMIT 1") == 0);
    if (!empty) {
      return Optional.empty();
    }
    char[] password = new char[GENERATED_PASSWORD_LENGTH];
    try {
      for (int i = 0; i < password.length; i++) {
        password[i] = PASSWORD_ALPHABET[RANDOM.nextInt(PASSWORD_ALPHABET.length)];
      }
      String phc = hasher.hash(password);
      int inserted = withConnection("create the admin user", c -> {
        try (PreparedStatement s = c.prepareStatement(
            "INSERT INTO users (name, phc, admin, mailbox_pending, created_at) "
                + "SELECT 'admin', ?, 1, 1, ? WHERE NOT EXISTS (SELECT 1 FROM users) ON CONFLICT DO NOTHING")) {
          s.setString(1, phc);
          s.setLong(2, clock.millis());
          return s.executeUpdate();
        }
      });
      return inserted == 1 ? Optional.of(new String(password)) : Optional.empty();
    } finally {
      Arrays.fill(password, '\0');
    }
  }

  /**
   * Returns true exactly once for a user added with a mailbox whose store has not been created,
   * clearing the flag in the same statement (atomic across processes). The caller then creates
   * the store; if that fails, it should call {@link #setMailboxPending} to try again later.
   */
  public boolean takeMailboxPending(String name) {
    Objects.requireNonNull(name, "name");
    return withConnection("take mailbox flag of user " + name, c -> {
      try (PreparedStatement s = c.prepareStatement(
          "UPDATE users SET mailbox_pending = 0 WHERE name = ? AND mailbox_pending <> 0")) {
        s.setString(1, name);
        return s.executeUpdate() == 1;
      }
    });
  }

  /**
   * Marks a user's mailbox as still to be created (for example after creating it failed).
   *
   * @throws StoreException NOT_FOUND when there is no such user
   */
  public void setMailboxPending(String name) {
    Objects.requireNonNull(name, "name");
    int updated = withConnection("set mailbox flag of user " + name, c -> {
      try (PreparedStatement s = c.prepareStatement(
          "UPDATE users SET mailbox_pending = 1 WHERE name = ?")) {
        s.setString(1, name);
        return s.executeUpdate();
      }
    });
    if (updated == 0) {
      throw notFound(name);
    }
  }

  // ---------------------------------------------------------------- authentication

  /**
   * Authenticates an HTTP {@code Authorization} header value: {@code Basic base64(user:password)}
   * (RFC 7617, UTF-8) or {@code Bearer <token>} (RFC 6750); scheme names are case-insensitive.
   *
   * @param authorizationHeader the header value, or null when the request had none
   * @return the user name; empty when the header is missing, malformed, names an unknown user,
   *     has a wrong password, or carries an unknown or revoked token. Bad input never throws.
   * @throws PasswordCheckBusyException (BUSY) when a password had to be hashed and no hashing slot
   *     came free in time (see {@link HashingLimit}); nothing was verified, so it is not a failure
   * @throws StoreException otherwise only when the database itself fails (BUSY, DISK_ERROR, ...),
   *     or after {@link #close}
   */
  public Optional<String> authenticate(String authorizationHeader) {
    if (authorizationHeader == null || authorizationHeader.length() > MAX_HEADER_LENGTH) {
      return Optional.empty();
    }
    String header = authorizationHeader.strip();
    int space = header.indexOf(' ');
    if (space < 0) {
      return Optional.empty();
    }
    String scheme = header.substring(0, space).toLowerCase(Locale.ROOT);
    String credentials = header.substring(space + 1).strip();
    return switch (scheme) {
      case "basic" -> authenticateBasic(credentials);
      case "bearer" -> authenticateBearer(credentials);
      default -> Optional.empty();
    };
  }

  /**
   * The user name a {@code Basic} header claims, without checking anything else: the key the
   * server's login throttle counts failures under. Empty for other schemes, malformed headers and
   * names that break the naming rules.
   */
  public static Optional<String> claimedUser(String authorizationHeader) {
    if (authorizationHeader == null || authorizationHeader.length() > MAX_HEADER_LENGTH) {
      return Optional.empty();
    }
    String header = authorizationHeader.strip();
    int space = header.indexOf(' ');
    if (space < 0 || !header.substring(0, space).equalsIgnoreCase("basic")) {
      return Optional.empty();
    }
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(header.substring(space + 1).strip());
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    try {
      int colon = 0;
      while (colon < decoded.length && decoded[colon] != ':') {
        colon++;
      }
      if (colon == decoded.length) {
        return Optional.empty();
      }
      String user = new String(decoded, 0, colon, StandardCharsets.UTF_8);
      return NAME.matcher(user).matches() ? Optional.of(user) : Optional.empty();
    } finally {
      Arrays.fill(decoded, (byte) 0);
    }
  }

  private Optional<String> authenticateBasic(String credentials) {
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(credentials);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    char[] chars = null;
    char[] password = null;
    try {
      chars = utf8Decode(decoded);
      if (chars == null) {
        return Optional.empty();
      }
      int colon = indexOf(chars, ':');
      if (colon < 0) {
        return Optional.empty();
      }
      String user = new String(chars, 0, colon);
      password = Arrays.copyOfRange(chars, colon + 1, chars.length);
      if (!NAME.matcher(user).matches() || password.length == 0 || password.length > MAX_PASSWORD_LENGTH) {
        return Optional.empty();
      }
      return verifyPassword(user, password) ? Optional.of(user) : Optional.empty();
    } finally {
      Arrays.fill(decoded, (byte) 0);
      if (chars != null) {
        Arrays.fill(chars, '\0');
      }
      if (password != null) {
        Arrays.fill(password, '\0');
      }
    }
  }

  private boolean verifyPassword(String user, char[] password) {
    String key = cacheKey(user, password);
    // Taken before the row is read: a commit after this moment changes the stamp, so a login
    // cached with it is never trusted past a change it did not see.
    byte[] stamp = stamps == null ? null : stamps.read();
    if (stamp != null) {
      synchronized (basicCache) {
        CachedLogin hit = basicCache.get(key);
        if (hit != null && Arrays.equals(hit.stamp, stamp) && clock.instant().isBefore(hit.expires)) {
          return true; // checked against this very state of accounts.db: nothing to read (ADR 0041)
        }
      }
    }
    Optional<String> stored = withConnection("authenticate user " + user, c -> {
      // Every request with Basic credentials runs this: prepared once per connection, as bearerLookup.
      if (phcLookup == null && shared == null) {
        phcLookup = c.prepareStatement(PHC_LOOKUP);
      }
      try (PreparedStatement own = shared == null ? null : c.prepareStatement(PHC_LOOKUP)) {
        PreparedStatement lookup = shared == null ? phcLookup : own;
        lookup.setString(1, user);
        try (ResultSet rs = lookup.executeQuery()) {
          return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
        } catch (SQLException e) {
          if (lookup == phcLookup) { // the driver may have finalized it: prepare it again next time
            phcLookup = null;
            lookup.close();
          }
          throw e;
        }
      }
    });
    if (stored.isEmpty()) {
      argon2(() -> hasher.verify(password, dummyPhc())); // same cost as a real check: no user probing
      return false;
    }
    String phc = stored.get();
    Instant now = clock.instant();
    synchronized (basicCache) {
      CachedLogin hit = basicCache.get(key);
      if (hit != null) {
        if (hit.phc.equals(phc) && now.isBefore(hit.expires)) {
          basicCache.put(key, new CachedLogin(hit.phc, hit.expires, stamp)); // checked again, at this state
          return true;
        }
        basicCache.remove(key);
      }
    }
    if (!argon2(() -> hasher.verify(password, phc))) {
      if (!PasswordHasher.wellFormed(phc)) {
        LOG.warn("the stored password hash of user {} in {} is not an argon2id v=19 PHC string", user, file);
      }
      return false;
    }
    String current = hasher.needsRehash(phc) ? rehash(user, password, phc) : phc;
    synchronized (basicCache) {
      // A rehash wrote the row: its own commit changed the stamp, so the next login reads it once more.
      basicCache.put(key, new CachedLogin(current, now.plus(BASIC_CACHE_TTL), stamp));
      evict(now);
    }
    return true;
  }

  /** Replaces a hash made with other costs; returns the PHC string now stored. */
  private String rehash(String user, char[] password, String oldPhc) {
    String newPhc = argon2(() -> hasher.hash(password));
    try {
      int updated = withConnection("rehash password of user " + user, c -> {
        try (PreparedStatement s = c.prepareStatement("UPDATE users SET phc = ? WHERE name = ? AND phc = ?")) {
          s.setString(1, newPhc);
          s.setString(2, user);
          s.setString(3, oldPhc);
          return s.executeUpdate();
        }
      });
      return updated == 1 ? newPhc : oldPhc;
    } catch (StoreException e) {
      LOG.debug("could not rehash the password of user {}: {}", user, e.getMessage());
      return oldPhc;
    }
  }

  private static final String PHC_LOOKUP = "SELECT phc FROM users WHERE name = ?";
  private static final String BEARER_LOOKUP = "SELECT t.id, t.\"user\", t.last_used_at FROM tokens t"
      + " JOIN users u ON u.name = t.\"user\" WHERE t.token_sha256 = ? AND t.revoked_at IS NULL";

  private Optional<String> authenticateBearer(String token) {
    if (!TOKEN.matcher(token).matches()) {
      return Optional.empty();
    }
    byte[] digest = sha256(token.getBytes(StandardCharsets.US_ASCII));
    long now = clock.millis();
    String key = HexFormat.of().formatHex(digest);
    byte[] stamp = stamps == null ? null : stamps.read(); // before the row: see verifyPassword
    CachedBearer hit = stamp == null ? null : bearerCache.get(key);
    if (hit != null && Arrays.equals(hit.stamp, stamp) && now - hit.lastUsed < LAST_USED_GRANULARITY.toMillis()) {
      return Optional.of(hit.user); // this very state of accounts.db had it live; its use is recent
    }
    return withConnection("authenticate a bearer token", c -> {
      String id;
      String user;
      long lastUsed;
      // Every API request runs this: over SQLite the statement is prepared once per connection
      // (under the lock); pgjdbc keeps the server-side plan of each pooled connection itself.
      if (bearerLookup == null && shared == null) {
        bearerLookup = c.prepareStatement(BEARER_LOOKUP);
      }
      try (PreparedStatement own = shared == null ? null : c.prepareStatement(BEARER_LOOKUP)) {
        PreparedStatement lookup = shared == null ? bearerLookup : own;
        lookup.setBytes(1, digest);
        try (ResultSet rs = lookup.executeQuery()) {
          if (!rs.next()) {
            return Optional.<String>empty();
          }
          id = rs.getString(1);
          user = rs.getString(2);
          lastUsed = rs.getLong(3); // 0 when NULL
        }
      }
      if (now - lastUsed >= LAST_USED_GRANULARITY.toMillis()) {
        OnSelector.mayBlock(); // a write: the request thread records the use
        try (PreparedStatement s = c.prepareStatement("UPDATE tokens SET last_used_at = ? WHERE id = ?")) {
          s.setLong(1, now);
          s.setString(2, id);
          s.executeUpdate();
          lastUsed = now; // the write changed the stamp too: the next use reads the row once more
        } catch (SQLException e) {
          LOG.debug("could not record the use of token {} of user {}: {}", id, user, e.getMessage());
        }
      }
      if (stamp != null) {
        bearerCache.put(key, new CachedBearer(user, lastUsed, stamp), 1);
      }
      return Optional.of(user);
    });
  }

  /** A live bearer token's user and last recorded use, as read at WAL-index {@code stamp}. */
  private record CachedBearer(String user, long lastUsed, byte[] stamp) {}

  // ---------------------------------------------------------------- tokens

  /**
   * Issues a bearer token. The returned value is the only one that carries the secret.
   *
   * @param label a description, at most 200 characters without control characters ("" allowed)
   * @throws StoreException NOT_FOUND when there is no such user; INVALID_PARAMETER for a bad label
   */
  public TokenInfo createToken(String user, String label) {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(label, "label");
    if (label.length() > MAX_LABEL_LENGTH || label.chars().anyMatch(Character::isISOControl)) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "token label for user " + user
          + " must be at most " + MAX_LABEL_LENGTH + " characters without control characters");
    }
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    Arrays.fill(secret, (byte) 0);
    byte[] idBytes = new byte[9];
    RANDOM.nextBytes(idBytes);
    // hex, so that an id never starts with '-' and reads as an option on a command line
    String id = HexFormat.of().formatHex(idBytes);
    Instant created = Instant.ofEpochMilli(clock.millis());
    int inserted = withConnection("create a token for user " + user, c -> {
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO tokens (id, \"user\", label, token_sha256, created_at) "
              + "SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM users WHERE name = ?)")) {
        s.setString(1, id);
        s.setString(2, user);
        s.setString(3, label);
        s.setBytes(4, sha256(token.getBytes(StandardCharsets.US_ASCII)));
        s.setLong(5, created.toEpochMilli());
        s.setString(6, user);
        return s.executeUpdate();
      }
    });
    if (inserted == 0) {
      throw notFound(user);
    }
    return new TokenInfo(id, user, label, created, Optional.empty(), Optional.of(token));
  }

  /** The user's tokens, revoked ones included, oldest first, without secrets. */
  public List<TokenInfo> tokens(String user) {
    Objects.requireNonNull(user, "user");
    return withConnection("list tokens of user " + user, c -> {
      List<TokenInfo> list = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement(
          "SELECT id, label, created_at, revoked_at FROM tokens WHERE \"user\" = ? ORDER BY created_at, id")) {
        s.setString(1, user);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            long revoked = rs.getLong(4);
            Optional<Instant> revokedAt =
                rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(revoked));
            list.add(new TokenInfo(rs.getString(1), user, rs.getString(2),
                Instant.ofEpochMilli(rs.getLong(3)), revokedAt, Optional.empty()));
          }
        }
      }
      return list;
    });
  }

  /**
   * Revokes one of the user's tokens; it stops authenticating at once, in every process.
   * Revoking a revoked token keeps its first revocation time.
   *
   * @return false when the user has no token with that id
   */
  public boolean revokeToken(String user, String id) {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(id, "id");
    return withConnection("revoke token " + id + " of user " + user, c -> {
      try (PreparedStatement s = c.prepareStatement(
          "UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND \"user\" = ?")) {
        s.setLong(1, clock.millis());
        s.setString(2, id);
        s.setString(3, user);
        return s.executeUpdate() > 0;
      }
    });
  }

  @Override
  public String toString() {
    return "Accounts[" + name + "]";
  }

  // ---------------------------------------------------------------- package-private (tests)

  /** The number of cached Basic logins. */
  int cachedLogins() {
    synchronized (basicCache) {
      return basicCache.size();
    }
  }

  /** Checks a user name: INVALID_PARAMETER naming the rules when it breaks them. */
  static void checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "user name \"" + printable(name)
          + "\" is invalid: use 1 to " + MAX_NAME_LENGTH + " characters of A-Z a-z 0-9 . _ @ -");
    }
  }

  // ---------------------------------------------------------------- private

  private static void checkPassword(String name, char[] password) {
    Objects.requireNonNull(password, "password");
    if (password.length == 0 || password.length > MAX_PASSWORD_LENGTH) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "password for user " + name
          + " must be 1 to " + MAX_PASSWORD_LENGTH + " characters, was " + password.length);
    }
  }

  private static StoreException notFound(String name) {
    return new StoreException(MapiError.NOT_FOUND, "user " + name + " does not exist");
  }

  private String dummyPhc() {
    String phc = dummyPhc;
    if (phc == null) {
      phc = hasher.hash("not-a-password".toCharArray());
      dummyPhc = phc;
    }
    return phc;
  }

  /** Runs Argon2 work on a hashing thread once a slot is free, waiting at most {@link HashingLimit#maxWait}. */
  private <T> T argon2(Supplier<T> work) {
    OnSelector.mayBlock(); // ~0.2 s of hashing: never on Jetty's selector (ADR 0037)
    try {
      if (!argon2Permits.tryAcquire(argon2Wait.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new PasswordCheckBusyException("every password-hashing slot (" + argon2Threads.getMaximumPoolSize()
            + ") stayed busy for " + argon2Wait.toMillis() + " ms; retry shortly");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PasswordCheckBusyException("interrupted while waiting for a password-hashing slot");
    }
    Future<T> result;
    try {
      result = argon2Threads.submit(() -> {
        try {
          return work.get();
        } finally {
          argon2Permits.release();
        }
      });
    } catch (RejectedExecutionException e) {
      argon2Permits.release();
      throw new StoreException(MapiError.INVALID_OBJECT, "accounts database " + file + " is closed");
    }
    try {
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PasswordCheckBusyException("interrupted while a password was checked");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private String cacheKey(String user, char[] password) {
    byte[] bytes = PasswordHasher.utf8(password);
    try {
      return user + '\n' + HexFormat.of().formatHex(cacheMac.get().doFinal(bytes));
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  /**
   * One keyed HMAC per thread: looking the algorithm up and keying it cost more than the HMAC
   * itself, on every request with Basic credentials ({@code doFinal} resets it for the next use).
   */
  private final ThreadLocal<Mac> cacheMac = ThreadLocal.withInitial(this::newCacheMac);

  private Mac newCacheMac() {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(cacheKey);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from the JDK", e);
    }
  }

  private void forgetLogins(String user) {
    String prefix = user + '\n';
    synchronized (basicCache) {
      basicCache.keySet().removeIf(k -> k.startsWith(prefix));
    }
  }

  /** Drops expired entries, then the oldest ones beyond the size bound. Holds basicCache. */
  private void evict(Instant now) {
    basicCache.values().removeIf(e -> !now.isBefore(e.expires));
    Iterator<?> oldest = basicCache.keySet().iterator();
    while (basicCache.size() > BASIC_CACHE_SIZE && oldest.hasNext()) {
      oldest.next();
      oldest.remove();
    }
  }

  /**
   * A Basic login checked with Argon2id: the stored hash it matched, until when it is trusted, and
   * the WAL-index stamp of accounts.db when the hash was last read (null: read it every time).
   */
  private record CachedLogin(String phc, Instant expires, byte[] stamp) {}

  /**
   * The bound on concurrent password hashing: {@code concurrency} hashes at once, a caller waiting
   * at most {@code maxWait} for a slot.
   */
  public record HashingLimit(int concurrency, Duration maxWait) {
    /** Two slots or one per processor, waiting as long as it takes (the CLI's setting). */
    public static final HashingLimit UNBOUNDED_WAIT =
        new HashingLimit(Math.max(2, Runtime.getRuntime().availableProcessors()), Duration.ofDays(1));

    public HashingLimit {
      if (concurrency < 1) {
        throw new StoreException(MapiError.INVALID_PARAMETER, "hashing concurrency must be positive, was "
            + concurrency);
      }
      Objects.requireNonNull(maxWait, "maxWait");
      if (maxWait.isNegative()) {
        throw new StoreException(MapiError.INVALID_PARAMETER, "hashing wait must not be negative, was " + maxWait);
      }
    }
  }

  /** A login that found every password-hashing slot busy for the whole wait (MAPI_E_BUSY): retry later. */
  public static final class PasswordCheckBusyException extends StoreException {
    private static final long serialVersionUID = 1L;

    PasswordCheckBusyException(String message) {
      super(MapiError.BUSY, message);
    }
  }

  @FunctionalInterface
  private interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  private <T> T withConnection(String operation, SqlWork<T> work) {
    if (shared != null) {
      OnSelector.mayBlock(); // a pooled connection to PostgreSQL
      if (closed) {
        throw new StoreException(MapiError.INVALID_OBJECT, "cannot " + operation + ": accounts in " + name
            + " are closed");
      }
      try (Connection c = shared.getConnection()) {
        return work.run(c);
      } catch (SQLException e) {
        throw translateShared(e, operation);
      }
    }
    if (!lock.tryLock()) {
      OnSelector.mayBlock(); // another thread holds the connection, perhaps for a write
      lock.lock();
    }
    try {
      return work.run(open(operation));
    } catch (SQLException e) {
      throw translate(e, operation);
    } finally {
      lock.unlock();
    }
  }

  private <T> T inTransaction(String operation, SqlWork<T> work) {
    return withConnection(operation, c -> shared == null ? inTransaction(c, work) : inSharedTransaction(c, work));
  }

  /** A PostgreSQL transaction that first locks the users table against other writers (as BEGIN IMMEDIATE does). */
  private static <T> T inSharedTransaction(Connection c, SqlWork<T> work) throws SQLException {
    c.setAutoCommit(false);
    T result;
    try {
      execute(c, "LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE");
      result = work.run(c);
    } catch (SQLException | RuntimeException | Error e) {
      try { // errors of a broken connection are kept as suppressed: the first one says why it broke
        c.rollback();
        c.setAutoCommit(true);
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    c.commit();
    c.setAutoCommit(true);
    return result;
  }

  private static <T> T inTransaction(Connection c, SqlWork<T> work) throws SQLException {
    execute(c, "BEGIN IMMEDIATE");
    boolean committed = false;
    try {
      T result = work.run(c);
      execute(c, "COMMIT");
      committed = true;
      return result;
    } finally {
      if (!committed) {
        try {
          execute(c, "ROLLBACK");
        } catch (SQLException e) {
          LOG.debug("rollback failed: {}", e.getMessage());
        }
      }
    }
  }

  private Connection open(String operation) {
    if (connection == null) {
      throw new StoreException(MapiError.INVALID_OBJECT,
          "cannot " + operation + ": accounts database " + file + " is closed");
    }
    return connection;
  }

  private static void migrate(Connection c, Path file) throws SQLException {
    inTransaction(c, tx -> {
      long applicationId = queryLong(tx, "PRAGMA application_id");
      long version = queryLong(tx, "PRAGMA user_version");
      if (applicationId != 0 && applicationId != APPLICATION_ID) {
        throw new StoreException(MapiError.CORRUPT_DATA, file + " is not an msgstore accounts database "
            + "(application_id 0x" + Long.toHexString(applicationId) + ")");
      }
      if (version > SCHEMA_VERSION) {
        throw new StoreException(MapiError.VERSION, "accounts database " + file + " has schema version "
            + version + "; this msgstore reads up to " + SCHEMA_VERSION);
      }
      if (version == 0) {
        if (queryLong(tx, "SELECT count(*) FROM sqlite_master") > 0) {
          throw new StoreException(MapiError.CORRUPT_DATA,
              file + " is an SQLite database but not an msgstore accounts database");
        }
        execute(tx, SCHEMA_USERS);
        execute(tx, SCHEMA_TOKENS);
        execute(tx, SCHEMA_TOKENS_INDEX);
        execute(tx, "PRAGMA application_id = " + APPLICATION_ID);
        execute(tx, "PRAGMA user_version = " + SCHEMA_VERSION);
      }
      return null;
    });
  }

  private static void createPrivately(Path file) {
    try {
      Path parent = file.getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      if (Files.notExists(file)) {
        try {
          Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
          Files.createFile(file);
        }
      }
    } catch (FileAlreadyExistsException e) {
      // another process created it first
    } catch (IOException e) {
      throw new StoreException(MapiError.DISK_ERROR,
          "cannot create accounts database " + file + ": " + e, e);
    }
  }

  private static int primaryCode(SQLException e) {
    return e.getErrorCode() & 0xFF;
  }

  private static StoreException translate(SQLException e, String operation) {
    MapiError error = switch (primaryCode(e)) {
      case SQLITE_BUSY, SQLITE_LOCKED -> MapiError.BUSY;
      case SQLITE_FULL -> MapiError.NOT_ENOUGH_DISK;
      case SQLITE_IOERR, SQLITE_CANTOPEN -> MapiError.DISK_ERROR;
      case SQLITE_CORRUPT, SQLITE_NOTADB -> MapiError.CORRUPT_DATA;
      default -> MapiError.CALL_FAILED;
    };
    return new StoreException(error, operation + " failed: " + e.getMessage(), e);
  }

  /** PostgreSQL errors by SQLSTATE: the database unreachable or restarting is BUSY (503). */
  private static StoreException translateShared(SQLException e, String operation) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    MapiError error;
    if (e instanceof java.sql.SQLTransientConnectionException || state.startsWith("08") || state.startsWith("57")
        || state.equals("53300") || state.equals("40001") || state.equals("40P01")) {
      error = MapiError.BUSY;
    } else if (state.equals("53100")) {
      error = MapiError.NOT_ENOUGH_DISK;
    } else if (state.equals("XX001") || state.equals("XX002")) {
      error = MapiError.CORRUPT_DATA;
    } else {
      error = MapiError.CALL_FAILED;
    }
    return new StoreException(error, operation + " failed: " + e.getMessage() + " (SQLSTATE " + state + ")", e);
  }

  private static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      if (s.execute(sql)) {
        try (ResultSet rs = s.getResultSet()) {
          while (rs.next()) {
            // drain: PRAGMA setters return the new value
          }
        }
      }
    }
  }

  private static long queryLong(Connection c, String sql, String... args) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        s.setString(i + 1, args[i]);
      }
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }

  private static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        LOG.debug("closing the accounts database failed: {}", e.getMessage());
      }
    }
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from the JDK", e);
    }
  }

  /** Strict UTF-8 decoding into a char array, or null when the bytes are not UTF-8. */
  private static char[] utf8Decode(byte[] bytes) {
    try {
      CharBuffer decoded = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      char[] chars = new char[decoded.remaining()];
      decoded.get(chars);
      if (decoded.hasArray()) {
        Arrays.fill(decoded.array(), '\0');
      }
      return chars;
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static int indexOf(char[] chars, char c) {
    for (int i = 0; i < chars.length; i++) {
      if (chars[i] == c) {
        return i;
      }
    }
    return -1;
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && i < 80; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7F && c != '"' ? c : '?');
    }
    return s.length() > 80 ? b + "..." : b.toString();
  }
}
