package msgstore.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Browser sessions of the web UI (ADR 0021): a random 256-bit id in an HttpOnly, SameSite=Strict
 * cookie, and a CSRF token of its own that the page sends in {@code X-CSRF-Token} with every
 * state-changing request. Held in memory only, keyed by the SHA-256 of the id (a heap dump does
 * not hand out live cookies); a restart signs everyone out. A session lasts {@link #IDLE} after
 * its last use, and ends when the user's password is changed or the user removed.
 */
final class WebSessions {
  static final String COOKIE = "msgstore_session";
  static final String CSRF_HEADER = "X-CSRF-Token";
  static final Duration IDLE = Duration.ofHours(12);
  /** Past this many live sessions the oldest are dropped (a flood of sign-ins cannot fill the heap). */
  static final int MAX_SESSIONS = 100_000;

  /**
   * One signed-in browser: who, its CSRF token, until when it lasts unless used, and the stamp of
   * the user's credentials at sign-in.
   */
  record WebSession(String user, String csrfToken, Instant expires, String stamp) {}

  private final Map<String, WebSession> byHash = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final Clock clock;
  private final Function<String, Optional<String>> stamps;

  /**
   * @param stamps the current credential stamp of a user, empty when the user is gone ({@link
   *     msgstore.server.auth.Accounts#credentialStamp}): a session whose stamp no longer matches
   *     (password changed, user removed) has ended
   */
  WebSessions(Clock clock, Function<String, Optional<String>> stamps) {
    this.clock = clock;
    this.stamps = stamps;
  }

  /** A new session of {@code user}; returns the cookie value (shown to the browser only). */
  String create(String user, String[] csrfOut) {
    Instant now = clock.instant();
    if (byHash.size() >= MAX_SESSIONS) {
      byHash.values().removeIf(s -> s.expires().isBefore(now));
      if (byHash.size() >= MAX_SESSIONS) {
        byHash.entrySet().stream().min(Map.Entry.comparingByValue(java.util.Comparator.comparing(WebSession::expires)))
            .ifPresent(e -> byHash.remove(e.getKey()));
      }
    }
    String id = token();
    String csrf = token();
    byHash.put(hash(id), new WebSession(user, csrf, now.plus(IDLE), stamps.apply(user).orElse("")));
    csrfOut[0] = csrf;
    return id;
  }

  /** The live session of a cookie value, its lifetime extended; empty for an unknown or expired one. */
  Optional<WebSession> find(String cookie) {
    if (cookie == null || cookie.isEmpty() || cookie.length() > 100) {
      return Optional.empty();
    }
    String key = hash(cookie);
    WebSession s = byHash.get(key);
    Instant now = clock.instant();
    if (s == null) {
      return Optional.empty();
    }
    if (s.expires().isBefore(now) || !stamps.apply(s.user()).map(s.stamp()::equals).orElse(false)) {
      byHash.remove(key, s); // expired, or the password changed or the user was removed since sign-in
      return Optional.empty();
    }
    WebSession renewed = new WebSession(s.user(), s.csrfToken(), now.plus(IDLE), s.stamp());
    byHash.replace(key, s, renewed);
    return Optional.of(renewed);
  }

  void remove(String cookie) {
    if (cookie != null) {
      byHash.remove(hash(cookie));
    }
  }

  /** The number of sessions held (live or not yet swept). */
  int count() {
    return byHash.size();
  }

  /** Constant-time comparison of a sent CSRF token with the session's. */
  static boolean csrfMatches(WebSession s, String sent) {
    return sent != null && MessageDigest.isEqual(s.csrfToken().getBytes(StandardCharsets.US_ASCII),
        sent.getBytes(StandardCharsets.US_ASCII));
  }

  private String token() {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static String hash(String id) {
    return msgstore.api.HashedContent.sha256Hex(id.getBytes(StandardCharsets.UTF_8));
  }
}
