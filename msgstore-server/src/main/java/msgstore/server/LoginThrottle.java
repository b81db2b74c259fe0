package msgstore.server;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failed-login backoff per user name and per client address (ADR 0011).
 *
 * <p><b>Policy.</b> Each key (a user name as the client sent it, whether or not the user exists,
 * and the client's address) counts its failed logins; a failure more than {@link
 * AbuseLimits#loginFailureWindow} after the previous one starts the count again. The failure that
 * reaches the key's threshold N locks the key for {@link AbuseLimits#loginBackoffInitial}; every
 * further failure after that lock ends locks it again for twice as long as the previous, up to
 * {@link AbuseLimits#loginBackoffMax}. While a key is locked, attempts with it are refused
 * (429) <em>before</em> any password is checked, so the right password is refused too: a guesser
 * learns nothing during a lockout, and no hashing is spent on it. A success clears the user's
 * entry (not the address's, so one valid account cannot launder a spray from its address).
 *
 * <p><b>Memory.</b> Users and addresses are kept in two maps in access order, each bounded to
 * {@link AbuseLimits#loginThrottleEntries}; past the bound the least recently seen entry is
 * forgotten. Entries are small (about 100 bytes), so the default of 10,000 costs about 2 MB.
 *
 * <p><b>Logs.</b> A lockout logs at WARN ({@code login lockout}, with kind, key, failures and
 * seconds); its end logs at INFO ({@code login lockout ended}) when the key is next seen or
 * forgotten. Thread-safe: one lock, held for map operations only.
 */
final class LoginThrottle {
  private static final Logger LOG = LoggerFactory.getLogger(LoginThrottle.class);

  private final AbuseLimits limits;
  private final Clock clock;
  private final Metrics metrics;
  private final Keys users;
  private final Keys addresses;

  LoginThrottle(AbuseLimits limits, Clock clock, Metrics metrics) {
    this.limits = limits;
    this.clock = clock;
    this.metrics = metrics;
    this.users = new Keys("user", limits.loginFailuresPerUser());
    this.addresses = new Keys("address", limits.loginFailuresPerAddress());
  }

  /**
   * How long attempts from this user name or address are still refused; empty when neither is
   * locked. A refusal is counted in {@code msgstore_login_throttled_total}.
   *
   * @param user the claimed user name, or null (bearer tokens, unparsable credentials)
   */
  Optional<Duration> blocked(String user, String address) {
    Instant now = clock.instant();
    Duration left;
    synchronized (this) {
      left = max(user == null ? Duration.ZERO : users.remaining(user, now), addresses.remaining(address, now));
    }
    if (left.isZero()) {
      return Optional.empty();
    }
    metrics.loginThrottled();
    return Optional.of(left);
  }

  /** A failed login: counts it against the user name (when given) and the address. */
  void failed(String user, String address) {
    metrics.loginFailure();
    Instant now = clock.instant();
    synchronized (this) {
      if (user != null) {
        users.fail(user, address, now);
      }
      addresses.fail(address, address, now);
    }
  }

  /** A successful login clears the user's failures (and a finished lockout). */
  void succeeded(String user) {
    synchronized (this) {
      users.forget(user, clock.instant());
    }
  }

  /** Entries held now (users + addresses), for tests of the memory bound. */
  synchronized int size() {
    return users.map.size() + addresses.map.size();
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  private static final class Failures {
    int failures;
    Instant lastFailure;
    Instant lockedUntil; // null: never locked since the count began
    Duration lastLock = Duration.ZERO;
    boolean endLogged = true;
  }

  /** One kind of key (users or addresses); callers hold the throttle's lock. */
  private final class Keys {
    final String kind;
    final int threshold;
    final LinkedHashMap<String, Failures> map;

    Keys(String kind, int threshold) {
      this.kind = kind;
      this.threshold = threshold;
      int bound = limits.loginThrottleEntries();
      this.map = new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Failures> eldest) {
          if (size() <= bound) {
            return false;
          }
          logEnd(eldest.getKey(), eldest.getValue(), "forgotten");
          return true;
        }
      };
    }

    Duration remaining(String key, Instant now) {
      Failures e = map.get(key);
      if (e == null) {
        return Duration.ZERO;
      }
      if (e.lockedUntil != null && now.isBefore(e.lockedUntil)) {
        return Duration.between(now, e.lockedUntil);
      }
      logEnd(key, e, "expired");
      if (!now.isBefore(e.lastFailure.plus(limits.loginFailureWindow()))) {
        map.remove(key);
      }
      return Duration.ZERO;
    }

    void fail(String key, String address, Instant now) {
      Failures e = map.get(key);
      if (e != null && !now.isBefore(e.lastFailure.plus(limits.loginFailureWindow()))
          && (e.lockedUntil == null || !now.isBefore(e.lockedUntil))) {
        logEnd(key, e, "expired");
        e = null; // quiet for a whole window: start again
      }
      if (e == null) {
        e = new Failures();
        map.put(key, e);
      }
      e.failures++;
      e.lastFailure = now;
      boolean locked = e.lockedUntil != null && now.isBefore(e.lockedUntil);
      // A request already in flight when the lock began fails during it: counted, not doubled again.
      if (e.failures >= threshold && !locked) {
        Duration lock = e.lastLock.isZero() ? limits.loginBackoffInitial() : e.lastLock.multipliedBy(2);
        if (lock.compareTo(limits.loginBackoffMax()) > 0) {
          lock = limits.loginBackoffMax();
        }
        e.lastLock = lock;
        e.lockedUntil = now.plus(lock);
        e.endLogged = false;
        metrics.loginLockout();
        LOG.atWarn().addKeyValue("kind", kind).addKeyValue("key", key).addKeyValue("address", address)
            .addKeyValue("failures", e.failures).addKeyValue("seconds", seconds(lock))
            .log("login lockout");
      }
    }

    void forget(String key, Instant now) {
      Failures e = map.remove(key);
      if (e != null) {
        logEnd(key, e, "login succeeded");
      }
    }

    private void logEnd(String key, Failures e, String why) {
      if (!e.endLogged) {
        e.endLogged = true;
        LOG.atInfo().addKeyValue("kind", kind).addKeyValue("key", key).addKeyValue("failures", e.failures)
            .addKeyValue("reason", why).log("login lockout ended");
      }
    }
  }

  /** Whole seconds, rounded up, at least 1: the value of a {@code Retry-After} header. */
  static long seconds(Duration d) {
    long s = d.toSeconds() + (d.toNanosPart() > 0 ? 1 : 0);
    return Math.max(1, s);
  }
}
