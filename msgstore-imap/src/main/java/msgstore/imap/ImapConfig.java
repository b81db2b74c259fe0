package msgstore.imap;

import java.time.Duration;
import msgstore.api.MapiError;
import msgstore.api.StoreException;

/**
 * IMAP settings (docs/configuration.md, ADR 0029), validated on construction.
 *
 * @param port the TCP port for plain IMAP with STARTTLS; -1 turns IMAP off (the default), 0 picks a free port
 * @param imapsPort the TCP port for implicit TLS (RFC 8314); -1 for none
 * @param bind the address to listen on (loopback by default)
 * @param appendLimit the largest message APPEND takes (APPENDLIMIT, RFC 7889)
 * @param plainLoginOffLoopback whether LOGIN and AUTHENTICATE are allowed without TLS from an
 *     address that is not loopback (off by default: LOGINDISABLED until STARTTLS)
 * @param maxLineBytes the longest command line (a longer one is BAD)
 * @param maxLiteralBytes the largest literal of a command other than APPEND
 * @param maxNesting parenthesized lists nested deeper than this are BAD
 * @param idleTimeout a connection that sends nothing for this long is told BYE and closed (RFC
 *     9051 5.4: at least 30 minutes)
 * @param maxConnections connections served at once; one more is told BYE and closed
 */
public record ImapConfig(int port, int imapsPort, String bind, long appendLimit, boolean plainLoginOffLoopback,
    int maxLineBytes, int maxLiteralBytes, int maxNesting, Duration idleTimeout, int maxConnections) {
  public static final String DEFAULT_BIND = "127.0.0.1";
  public static final long DEFAULT_APPEND_LIMIT = 50L << 20;
  public static final int DEFAULT_MAX_LINE_BYTES = 64 * 1024;
  public static final int DEFAULT_MAX_LITERAL_BYTES = 64 * 1024;
  public static final int DEFAULT_MAX_NESTING = 16;
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(30);
  public static final int DEFAULT_MAX_CONNECTIONS = 1000;
  /** IMAP is off. */
  public static final ImapConfig OFF = new ImapConfig(-1, -1, DEFAULT_BIND, DEFAULT_APPEND_LIMIT, false,
      DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_LITERAL_BYTES, DEFAULT_MAX_NESTING, DEFAULT_IDLE_TIMEOUT,
      DEFAULT_MAX_CONNECTIONS);

  public ImapConfig {
    check(port >= -1 && port <= 65535, "imap.port must be 0 to 65535 (absent: off), got " + port);
    check(imapsPort >= -1 && imapsPort <= 65535, "imaps.port must be 0 to 65535 (absent: off), got " + imapsPort);
    check(bind != null && !bind.isBlank(), "imap.bind must not be blank");
    check(appendLimit > 0 && appendLimit <= Integer.MAX_VALUE - 8,
        "imap.append.limit must be 1 to " + (Integer.MAX_VALUE - 8) + ", got " + appendLimit);
    check(maxLineBytes >= 1024, "imap.max.line.bytes must be at least 1024, got " + maxLineBytes);
    check(maxLiteralBytes >= 1024, "imap.max.literal.bytes must be at least 1024, got " + maxLiteralBytes);
    check(maxNesting >= 1, "imap.max.nesting must be positive, got " + maxNesting);
    check(idleTimeout != null && idleTimeout.isPositive(), "imap.idle.timeout.seconds must be positive");
    check(maxConnections > 0, "imap.max.connections must be positive, got " + maxConnections);
  }

  /** IMAP on {@code port} (0: any free port) with the other settings at their defaults. */
  public static ImapConfig on(int port) {
    return OFF.withPort(port);
  }

  public boolean enabled() {
    return port >= 0 || imapsPort >= 0;
  }

  public ImapConfig withPort(int p) {
    return new ImapConfig(p, imapsPort, bind, appendLimit, plainLoginOffLoopback, maxLineBytes, maxLiteralBytes,
        maxNesting, idleTimeout, maxConnections);
  }

  public ImapConfig withImapsPort(int p) {
    return new ImapConfig(port, p, bind, appendLimit, plainLoginOffLoopback, maxLineBytes, maxLiteralBytes,
        maxNesting, idleTimeout, maxConnections);
  }

  public ImapConfig withBind(String b) {
    return new ImapConfig(port, imapsPort, b, appendLimit, plainLoginOffLoopback, maxLineBytes, maxLiteralBytes,
        maxNesting, idleTimeout, maxConnections);
  }

  public ImapConfig withAppendLimit(long n) {
    return new ImapConfig(port, imapsPort, bind, n, plainLoginOffLoopback, maxLineBytes, maxLiteralBytes, maxNesting,
        idleTimeout, maxConnections);
  }

  public ImapConfig withPlainLoginOffLoopback(boolean allow) {
    return new ImapConfig(port, imapsPort, bind, appendLimit, allow, maxLineBytes, maxLiteralBytes, maxNesting,
        idleTimeout, maxConnections);
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "server configuration: " + message);
    }
  }
}
