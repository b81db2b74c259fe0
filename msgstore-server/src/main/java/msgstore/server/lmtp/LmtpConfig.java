package msgstore.server.lmtp;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import msgstore.api.MapiError;
import msgstore.api.StoreException;

/**
 * LMTP delivery settings (docs/configuration.md, ADR 0019), validated on construction.
 *
 * @param port the TCP port; -1 turns LMTP off (the default), 0 picks a free port
 * @param bind the address to listen on (loopback by default: an MTA on the same host)
 * @param domains the local domains, lower case; empty means every domain is local
 * @param maxMessageBytes the largest message accepted (advertised as SIZE, RFC 1870)
 * @param idleTimeout a connection that sends nothing for this long is told 421 and closed
 * @param maxConnections connections served at once; one more is told 421 and closed
 * @param maxRecipients recipients in one transaction; one more is told 452 4.5.3
 */
public record LmtpConfig(int port, String bind, Set<String> domains, long maxMessageBytes, Duration idleTimeout,
    int maxConnections, int maxRecipients) {
  public static final String DEFAULT_BIND = "127.0.0.1";
  public static final long DEFAULT_MAX_MESSAGE_BYTES = 50L << 20;
  /** RFC 5321 4.5.3.2.7: a server should wait at least 5 minutes for the next command. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
  public static final int DEFAULT_MAX_CONNECTIONS = 100;
  /** RFC 5321 4.5.3.1.8: at least 100 recipients must be accepted. */
  public static final int DEFAULT_MAX_RECIPIENTS = 1000;
  /** LMTP is off. */
  public static final LmtpConfig OFF = new LmtpConfig(-1, DEFAULT_BIND, Set.of(), DEFAULT_MAX_MESSAGE_BYTES,
      DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_RECIPIENTS);

  public LmtpConfig {
    check(port >= -1 && port <= 65535, "lmtp.port must be 0 to 65535 (absent: off), got " + port);
    check(bind != null && !bind.isBlank(), "lmtp.bind must not be blank");
    TreeSet<String> d = new TreeSet<>();
    for (String x : domains == null ? Set.<String>of() : domains) {
      String s = x.strip().toLowerCase(Locale.ROOT);
      check(!s.isEmpty() && !s.contains("@") && !s.contains(" "), "lmtp.domains: '" + x + "' is not a domain");
      d.add(s);
    }
    domains = Set.copyOf(d);
    check(maxMessageBytes > 0, "lmtp.max.message.bytes must be positive, got " + maxMessageBytes);
    check(idleTimeout != null && !idleTimeout.isNegative() && !idleTimeout.isZero(),
        "lmtp.idle.timeout.seconds must be positive, got " + idleTimeout);
    check(maxConnections > 0, "lmtp.max.connections must be positive, got " + maxConnections);
    check(maxRecipients >= 1, "lmtp.max.recipients must be positive, got " + maxRecipients);
  }

  /** LMTP on {@code port} (0: any free port) with the other settings at their defaults. */
  public static LmtpConfig on(int port) {
    return OFF.withPort(port);
  }

  public boolean enabled() {
    return port >= 0;
  }

  /** Whether {@code domain} (of a recipient) is local: any when no domains are configured. */
  public boolean isLocal(String domain) {
    return domains.isEmpty() || domains.contains(domain.toLowerCase(Locale.ROOT));
  }

  /** Parses {@code a.example, b.example} (blank: any domain). */
  public static Set<String> parseDomains(String text) {
    Set<String> out = new TreeSet<>();
    if (text != null) {
      for (String p : text.split(",")) {
        if (!p.isBlank()) {
          out.add(p.strip());
        }
      }
    }
    return out;
  }

  public LmtpConfig withPort(int p) {
    return new LmtpConfig(p, bind, domains, maxMessageBytes, idleTimeout, maxConnections, maxRecipients);
  }

  public LmtpConfig withBind(String b) {
    return new LmtpConfig(port, b, domains, maxMessageBytes, idleTimeout, maxConnections, maxRecipients);
  }

  public LmtpConfig withDomains(Set<String> d) {
    return new LmtpConfig(port, bind, d, maxMessageBytes, idleTimeout, maxConnections, maxRecipients);
  }

  public LmtpConfig withMaxMessageBytes(long n) {
    return new LmtpConfig(port, bind, domains, n, idleTimeout, maxConnections, maxRecipients);
  }

  public LmtpConfig withConnections(Duration idle, int max) {
    return new LmtpConfig(port, bind, domains, maxMessageBytes, idle, max, maxRecipients);
  }

  public LmtpConfig withMaxRecipients(int n) {
    return new LmtpConfig(port, bind, domains, maxMessageBytes, idleTimeout, maxConnections, n);
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "server configuration: " + message);
    }
  }
}
