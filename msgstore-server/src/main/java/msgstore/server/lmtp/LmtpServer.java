package msgstore.server.lmtp;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The LMTP listener (RFC 2033, ADR 0019): a plain {@link ServerSocket}, one virtual thread per
 * connection, at most {@link LmtpConfig#maxConnections} served at once (one more is told {@code
 * 421 4.3.2} and closed), each closed after {@link LmtpConfig#idleTimeout} of silence.
 *
 * <p>{@link #close} stops accepting, lets transactions in flight finish for up to the given drain
 * time (a DATA being stored gets its replies), then closes the remaining connections.
 */
public final class LmtpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LmtpServer.class);
  private final LmtpConfig config;
  private final Delivery delivery;
  private final ServerSocket listener;
  private final Semaphore slots;
  private final Map<Socket, LmtpSession> open = new ConcurrentHashMap<>();
  private final Counters counters = new Counters();
  private final String hostname;
  private final Thread acceptor;
  private volatile boolean closing;

  private LmtpServer(LmtpConfig config, Delivery delivery, ServerSocket listener) {
    this.config = config;
    this.delivery = delivery;
    this.listener = listener;
    this.slots = new Semaphore(config.maxConnections());
    this.hostname = hostname();
    this.acceptor = Thread.ofPlatform().name("msgstore-lmtp-accept").daemon().unstarted(this::acceptLoop);
  }

  /**
   * Binds {@code config.bind():config.port()} and starts accepting.
   *
   * @throws StoreException INVALID_PARAMETER when LMTP is off in {@code config}; CALL_FAILED when
   *     the address cannot be bound (naming it)
   */
  public static LmtpServer start(LmtpConfig config, Delivery delivery) {
    if (!config.enabled()) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "LMTP is off (no lmtp.port)");
    }
    ServerSocket ss;
    try {
      ss = new ServerSocket();
      ss.setReuseAddress(true);
      ss.bind(new InetSocketAddress(InetAddress.getByName(config.bind()), config.port()), 128);
    } catch (IOException e) {
      throw new StoreException(MapiError.CALL_FAILED, "cannot listen for LMTP on " + config.bind() + ":"
          + config.port() + ": " + e.getMessage());
    }
    LmtpServer s = new LmtpServer(config, delivery, ss);
    s.acceptor.start();
    LOG.info("LMTP listening on {}:{} (domains: {}, max message {} octets)", config.bind(), s.port(),
        config.domains().isEmpty() ? "any" : String.join(",", config.domains()), config.maxMessageBytes());
    return s;
  }

  /** The port actually bound. */
  public int port() {
    return listener.getLocalPort();
  }

  public LmtpConfig config() {
    return config;
  }

  /** Deliveries stored, refused or failed, and the time spent storing, since start. */
  public Counters counters() {
    return counters;
  }

  /** Connections being served now. */
  public int connections() {
    return config.maxConnections() - slots.availablePermits();
  }

  private void acceptLoop() {
    while (!closing) {
      Socket s;
      try {
        s = listener.accept();
      } catch (IOException e) {
        if (!closing) {
          LOG.error("LMTP: accept failed: {}", e.toString());
        }
        continue;
      }
      if (!slots.tryAcquire()) {
        Thread.ofVirtual().start(() -> refuse(s));
        continue;
      }
      Thread.ofVirtual().name("lmtp-" + s.getRemoteSocketAddress()).start(() -> serve(s));
    }
  }

  private void refuse(Socket s) {
    try (s) {
      s.setSoTimeout(5_000);
      OutputStream o = s.getOutputStream();
      o.write(("421 4.3.2 " + hostname + " too many connections (at most " + config.maxConnections()
          + "); try again later\r\n").getBytes(StandardCharsets.US_ASCII));
      o.flush();
    } catch (IOException e) {
      LOG.debug("LMTP: refusing a connection: {}", e.toString());
    }
  }

  private void serve(Socket s) {
    try (s) {
      if (closing) {
        s.getOutputStream().write(("421 4.3.2 " + hostname + " shutting down\r\n").getBytes(StandardCharsets.US_ASCII));
        return;
      }
      LmtpSession session = new LmtpSession(s, config, delivery, hostname, counters, () -> closing);
      open.put(s, session);
      if (closing) {
        return; // close() may have missed it
      }
      session.run();
    } catch (IOException e) {
      LOG.debug("LMTP: connection from {} ended: {}", s.getRemoteSocketAddress(), e.toString());
    } catch (RuntimeException e) {
      LOG.error("LMTP: connection from {} failed", s.getRemoteSocketAddress(), e);
    } finally {
      open.remove(s);
      slots.release();
    }
  }

  /** Stops accepting, waits up to {@code drain} for connections to end, then closes the rest. Idempotent. */
  public void close(Duration drain) {
    if (closing) {
      return;
    }
    closing = true;
    try {
      listener.close();
    } catch (IOException e) {
      LOG.debug("LMTP: closing the listener: {}", e.toString());
    }
    open.forEach((s, session) -> {
      if (!session.inData()) {
        quietly(s); // between transactions: nothing is lost
      }
    });
    try {
      acceptor.join(1_000);
      if (!slots.tryAcquire(config.maxConnections(), drain.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        LOG.warn("LMTP: closing {} connection(s) still open after {}", open.size(), drain);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    open.keySet().forEach(LmtpServer::quietly);
    LOG.info("LMTP stopped");
  }

  private static void quietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      LOG.debug("LMTP: closing a connection: {}", e.toString());
    }
  }

  @Override
  public void close() {
    close(Duration.ZERO);
  }

  private static String hostname() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }

  /** Delivery counters (each recipient counts once). */
  public static final class Counters {
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong tooBig = new AtomicLong();
    private final AtomicLong storeNanos = new AtomicLong();

    void countDelivered(long nanos) {
      delivered.incrementAndGet();
      storeNanos.addAndGet(nanos);
    }

    void countFailed() {
      failed.incrementAndGet();
    }

    void countTooBig() {
      tooBig.incrementAndGet();
    }

    public long delivered() {
      return delivered.get();
    }

    public long failed() {
      return failed.get();
    }

    public long tooBig() {
      return tooBig.get();
    }

    public Duration storing() {
      return Duration.ofNanos(storeNanos.get());
    }
  }
}
