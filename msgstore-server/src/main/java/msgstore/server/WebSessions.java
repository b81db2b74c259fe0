package msgstore.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Browser sessions of the web UI (ADR 0021): a random 256-bit id in an HttpOnly, SameSite=Strict
 * cookie, and a CSRF token of its own that the page sends in {@code X-CSRF-Token} with every
 * state-changing request. Held in memory only, keyed by the SHA-256 of the id (a heap dump does
 * not hand out live cookies); a restart signs everyone out. A session lasts {@link #IDLE} after
 * its last use.
 */
final class WebSessions {
  static final String COOKIE = "msgstore_session";
  static final String CSRF_HEADER = "X-CSRF-Token";
  static final Duration IDLE = Duration.ofHours(12);
  /** Past this many live sessions the oldest are dropped (a flood of sign-ins cannot fill the heap). */
  static final int MAX_SESSIONS = 100_000;

  /** One signed-in browser: who, its CSRF token, and until when it lasts unless used. */
  record WebSession(String user, String csrfToken, Instant expires) {}

  private final Map<String, WebSession> byHash = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final Clock clock;

  WebSessions(Clock clock) {
    this.clock = clock;
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
    byHash.put(hash(id), new WebSession(user, csrf, now.plus(IDLE)));
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
    if (s.expires().isBefore(now)) {
      byHash.remove(key, s);
      return Optional.empty();
    }
    WebSession renewed = new WebSession(s.user(), s.csrfToken(), now.plus(IDLE));
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
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
