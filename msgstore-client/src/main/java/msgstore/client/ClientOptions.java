package msgstore.client;

import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import msgstore.api.MapiError;
import msgstore.api.StoreException;

/**
 * Transport settings of a {@link RemoteMessageStore}, validated on construction.
 *
 * @param connectTimeout how long to wait for a TCP/TLS connection
 * @param requestTimeout how long to wait for the answer of one call (not applied to event streams
 *     and content transfers, which may run long)
 * @param sslContext the TLS context for {@code https} URIs; empty: the JDK default
 * @param reconnectDelay the pause before an event stream reconnects after a failure
 */
public record ClientOptions(Duration connectTimeout, Duration requestTimeout, Optional<SSLContext> sslContext,
    Duration reconnectDelay) {
  public ClientOptions {
    require(connectTimeout != null && connectTimeout.isPositive(), "connectTimeout must be > 0, got " + connectTimeout);
    require(requestTimeout != null && requestTimeout.isPositive(), "requestTimeout must be > 0, got " + requestTimeout);
    require(sslContext != null, "sslContext must not be null (use Optional.empty())");
    require(reconnectDelay != null && !reconnectDelay.isNegative(), "reconnectDelay must be >= 0, got " + reconnectDelay);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "client option: " + message);
    }
  }

  /** 10 s to connect, 60 s per call, the default TLS context, 500 ms before an event stream reconnects. */
  public static ClientOptions defaults() {
    return new ClientOptions(Duration.ofSeconds(10), Duration.ofSeconds(60), Optional.empty(), Duration.ofMillis(500));
  }

  public ClientOptions withTimeouts(Duration connect, Duration request) {
    return new ClientOptions(connect, request, sslContext, reconnectDelay);
  }

  public ClientOptions withSslContext(SSLContext context) {
    return new ClientOptions(connectTimeout, requestTimeout, Optional.of(context), reconnectDelay);
  }

  public ClientOptions withReconnectDelay(Duration d) {
    return new ClientOptions(connectTimeout, requestTimeout, sslContext, d);
  }
}
