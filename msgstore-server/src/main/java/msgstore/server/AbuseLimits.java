package msgstore.server;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import msgstore.api.MapiError;
import msgstore.api.StoreException;

/**
 * The server's defences against abusive clients (ADR 0011, docs/configuration.md), validated on
 * construction: failed-login backoff, the bound on concurrent password hashing, connection
 * timeouts and limits, and the caps on event streams.
 *
 * @param loginFailuresPerUser failed logins for one user name (known or not) before it backs off
 * @param loginFailuresPerAddress failed logins from one client address before it backs off
 * @param loginFailureWindow failures are forgotten after this long without another one
 * @param loginBackoffInitial the first lockout; each further failure doubles it
 * @param loginBackoffMax the longest lockout
 * @param loginThrottleEntries the most user names and the most addresses remembered (each; the least
 *     recently seen are forgotten first)
 * @param hashingConcurrency password hashes computed at once (each on its own platform thread)
 * @param hashingWait how long a login waits for a hashing slot before it is answered 503
 * @param idleTimeout a connection with no bytes in or out for this long is closed
 * @param minRequestDataRate a request body arriving slower than this (bytes per second, averaged
 *     since the request began) is cut with 408; 0 turns the check off
 * @param maxConnections open TCP connections accepted at once; further ones wait in the backlog
 * @param maxEventStreamsPerUser open event streams per user; the next one answers 429
 * @param maxEventStreams open event streams in the server; the next one answers 503
 */
public record AbuseLimits(
    int loginFailuresPerUser,
    int loginFailuresPerAddress,
    Duration loginFailureWindow,
    Duration loginBackoffInitial,
    Duration loginBackoffMax,
    int loginThrottleEntries,
    int hashingConcurrency,
    Duration hashingWait,
    Duration idleTimeout,
    long minRequestDataRate,
    int maxConnections,
    int maxEventStreamsPerUser,
    int maxEventStreams) {

  /** Property-file keys of these limits, and the environment variable for each. */
  static final Map<String, String> ENV = keys();

  public static final AbuseLimits DEFAULTS = new AbuseLimits(5, 20, Duration.ofMinutes(15), Duration.ofSeconds(1),
      Duration.ofMinutes(5), 10_000, defaultHashingConcurrency(), Duration.ofSeconds(2), Duration.ofSeconds(30),
      1024, 1000, 16, 1000);

  public AbuseLimits {
    positive(loginFailuresPerUser, "login.max.failures.per.user");
    positive(loginFailuresPerAddress, "login.max.failures.per.address");
    positive(loginFailureWindow, "login.failure.window.seconds");
    positive(loginBackoffInitial, "login.backoff.initial.seconds");
    positive(loginBackoffMax, "login.backoff.max.seconds");
    check(loginBackoffMax.compareTo(loginBackoffInitial) >= 0, "login.backoff.max.seconds (" + loginBackoffMax
        + ") must not be below login.backoff.initial.seconds (" + loginBackoffInitial + ")");
    check(loginThrottleEntries >= 16 && loginThrottleEntries <= 10_000_000,
        "login.throttle.entries must be 16 to 10000000, got " + loginThrottleEntries);
    check(hashingConcurrency >= 1 && hashingConcurrency <= 256,
        "password.hashing.concurrency must be 1 to 256, got " + hashingConcurrency);
    check(hashingWait != null && !hashingWait.isNegative(),
        "password.hashing.wait.millis must not be negative, got " + hashingWait);
    positive(idleTimeout, "request.idle.timeout.seconds");
    check(minRequestDataRate >= 0, "request.min.data.rate must not be negative, got " + minRequestDataRate);
    positive(maxConnections, "max.connections");
    positive(maxEventStreamsPerUser, "max.event.streams.per.user");
    positive(maxEventStreams, "max.event.streams");
  }

  /** Half the processors (at least one): hashing never takes every core from other requests. */
  static int defaultHashingConcurrency() {
    return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  }

  /** These limits with another backoff policy (for tests). */
  public AbuseLimits withLogin(int perUser, int perAddress, Duration initial, Duration max) {
    return new AbuseLimits(perUser, perAddress, loginFailureWindow, initial, max, loginThrottleEntries,
        hashingConcurrency, hashingWait, idleTimeout, minRequestDataRate, maxConnections, maxEventStreamsPerUser,
        maxEventStreams);
  }

  public AbuseLimits withThrottleEntries(int n) {
    return new AbuseLimits(loginFailuresPerUser, loginFailuresPerAddress, loginFailureWindow, loginBackoffInitial,
        loginBackoffMax, n, hashingConcurrency, hashingWait, idleTimeout, minRequestDataRate, maxConnections,
        maxEventStreamsPerUser, maxEventStreams);
  }

  public AbuseLimits withHashing(int concurrency, Duration wait) {
    return new AbuseLimits(loginFailuresPerUser, loginFailuresPerAddress, loginFailureWindow, loginBackoffInitial,
        loginBackoffMax, loginThrottleEntries, concurrency, wait, idleTimeout, minRequestDataRate, maxConnections,
        maxEventStreamsPerUser, maxEventStreams);
  }

  public AbuseLimits withConnections(Duration idle, long minDataRate, int max) {
    return new AbuseLimits(loginFailuresPerUser, loginFailuresPerAddress, loginFailureWindow, loginBackoffInitial,
        loginBackoffMax, loginThrottleEntries, hashingConcurrency, hashingWait, idle, minDataRate, max,
        maxEventStreamsPerUser, maxEventStreams);
  }

  public AbuseLimits withEventStreams(int perUser, int total) {
    return new AbuseLimits(loginFailuresPerUser, loginFailuresPerAddress, loginFailureWindow, loginBackoffInitial,
        loginBackoffMax, loginThrottleEntries, hashingConcurrency, hashingWait, idleTimeout, minRequestDataRate,
        maxConnections, perUser, total);
  }

  /** Reads the limits from merged configuration values (keys of {@link #ENV}); absent keys keep their default. */
  static AbuseLimits load(Map<String, String> v) {
    AbuseLimits d = DEFAULTS;
    return new AbuseLimits(
        (int) number(v, "login.max.failures.per.user", d.loginFailuresPerUser),
        (int) number(v, "login.max.failures.per.address", d.loginFailuresPerAddress),
        Duration.ofSeconds(number(v, "login.failure.window.seconds", d.loginFailureWindow.toSeconds())),
        Duration.ofSeconds(number(v, "login.backoff.initial.seconds", d.loginBackoffInitial.toSeconds())),
        Duration.ofSeconds(number(v, "login.backoff.max.seconds", d.loginBackoffMax.toSeconds())),
        (int) number(v, "login.throttle.entries", d.loginThrottleEntries),
        (int) number(v, "password.hashing.concurrency", d.hashingConcurrency),
        Duration.ofMillis(number(v, "password.hashing.wait.millis", d.hashingWait.toMillis())),
        Duration.ofSeconds(number(v, "request.idle.timeout.seconds", d.idleTimeout.toSeconds())),
        number(v, "request.min.data.rate", d.minRequestDataRate),
        (int) number(v, "max.connections", d.maxConnections),
        (int) number(v, "max.event.streams.per.user", d.maxEventStreamsPerUser),
        (int) number(v, "max.event.streams", d.maxEventStreams));
  }

  private static Map<String, String> keys() {
    Map<String, String> m = new LinkedHashMap<>();
    for (String k : new String[] {"login.max.failures.per.user", "login.max.failures.per.address",
        "login.failure.window.seconds", "login.backoff.initial.seconds", "login.backoff.max.seconds",
        "login.throttle.entries", "password.hashing.concurrency", "password.hashing.wait.millis",
        "request.idle.timeout.seconds", "request.min.data.rate", "max.connections", "max.event.streams.per.user",
        "max.event.streams"}) {
      m.put(k, "MSGSTORE_" + k.replace('.', '_').toUpperCase(java.util.Locale.ROOT));
    }
    return Map.copyOf(m);
  }

  private static long number(Map<String, String> v, String key, long dflt) {
    String s = v.get(key);
    if (s == null) {
      return dflt;
    }
    try {
      long n = Long.parseLong(s);
      if ((n > Integer.MAX_VALUE || n < Integer.MIN_VALUE) && !key.equals("request.min.data.rate")) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "configuration " + key
          + " must be an integer (at most " + Integer.MAX_VALUE + "), got '" + s + "'");
    }
  }

  private static void positive(int n, String key) {
    check(n > 0, key + " must be positive, got " + n);
  }

  private static void positive(Duration d, String key) {
    check(d != null && !d.isNegative() && !d.isZero(), key + " must be positive, got " + d);
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "server configuration: " + message);
    }
  }
}
