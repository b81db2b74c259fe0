package msgstore.imap;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IMAP listener (ADR 0029): Netty on two event-loop threads for the sockets, one virtual
 * thread per connection for its commands ({@link Connection}). Plain IMAP with STARTTLS on
 * {@link ImapConfig#port}, implicit TLS on {@link ImapConfig#imapsPort} (both with the server's
 * certificate when one is configured).
 */
public final class ImapServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ImapServer.class);
  private final ImapConfig config;
  private final ImapAuthenticator authenticator;
  private final Optional<SSLContext> tls;
  private final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  private final ChannelGroup open = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final AtomicInteger connections = new AtomicInteger();
  private Channel plain;
  private Channel implicit;
  private volatile boolean closing;

  private ImapServer(ImapConfig config, ImapAuthenticator authenticator, Optional<SSLContext> tls) {
    this.config = config;
    this.authenticator = authenticator;
    this.tls = tls;
  }

  /**
   * Binds the configured ports and starts accepting.
   *
   * @param tls the server's certificate, for STARTTLS and implicit TLS; empty when none is configured
   * @throws StoreException INVALID_PARAMETER when IMAP is off in {@code config} or implicit TLS is
   *     asked for without a certificate; CALL_FAILED when an address cannot be bound (naming it)
   */
  public static ImapServer start(ImapConfig config, ImapAuthenticator authenticator, Optional<SSLContext> tls) {
    if (!config.enabled()) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "IMAP is off (no imap.port)");
    }
    if (config.imapsPort() >= 0 && tls.isEmpty()) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "imaps.port needs tls.cert and tls.key");
    }
    ImapServer s = new ImapServer(config, authenticator, tls);
    try {
      if (config.port() >= 0) {
        s.plain = s.bind(config.port(), false);
      }
      if (config.imapsPort() >= 0) {
        s.implicit = s.bind(config.imapsPort(), true);
      }
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    LOG.info("IMAP listening on {}:{}{} (APPENDLIMIT {})", config.bind(), s.port(),
        s.implicit == null ? "" : ", implicit TLS on " + s.imapsPort(), config.appendLimit());
    return s;
  }

  private Channel bind(int port, boolean implicitTls) {
    ServerBootstrap b = new ServerBootstrap()
        .group(boss, workers)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 128)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (closing || connections.incrementAndGet() > config.maxConnections()) {
              ch.writeAndFlush(Unpooled.copiedBuffer("* BYE too many connections (at most " + config.maxConnections()
                  + "); try again later\r\n", StandardCharsets.US_ASCII)).addListener(ChannelFutureListener.CLOSE);
              ch.closeFuture().addListener(f -> connections.decrementAndGet());
              return;
            }
            ch.closeFuture().addListener(f -> connections.decrementAndGet());
            open.add(ch);
            if (implicitTls) {
              SSLEngine engine = tls.orElseThrow().createSSLEngine();
              engine.setUseClientMode(false);
              ch.pipeline().addLast("tls", new SslHandler(engine));
            }
            ch.pipeline().addLast("idle", new IdleStateHandler(config.idleTimeout().toSeconds(), 0, 0, TimeUnit.SECONDS));
            ch.pipeline().addLast("decoder", new CommandDecoder(config));
            ch.pipeline().addLast("imap", new Connection(ImapServer.this, implicitTls));
          }
        });
    try {
      return b.bind(new InetSocketAddress(InetAddress.getByName(config.bind()), port)).syncUninterruptibly().channel();
    } catch (UnknownHostException | RuntimeException e) {
      throw new StoreException(MapiError.CALL_FAILED, "cannot listen for IMAP on " + config.bind() + ":" + port + ": "
          + e.getMessage());
    }
  }

  /** The plain (STARTTLS) port actually bound, or -1. */
  public int port() {
    return plain == null ? -1 : ((InetSocketAddress) plain.localAddress()).getPort();
  }

  /** The implicit-TLS port actually bound, or -1. */
  public int imapsPort() {
    return implicit == null ? -1 : ((InetSocketAddress) implicit.localAddress()).getPort();
  }

  public ImapConfig config() {
    return config;
  }

  ImapAuthenticator authenticator() {
    return authenticator;
  }

  Optional<SSLContext> tls() {
    return tls;
  }

  /** Stops accepting, tells every client BYE, waits up to {@code drain} for connections to end. Idempotent. */
  public void close(Duration drain) {
    if (closing) {
      return;
    }
    closing = true;
    if (plain != null) {
      plain.close().syncUninterruptibly();
    }
    if (implicit != null) {
      implicit.close().syncUninterruptibly();
    }
    open.writeAndFlush(Unpooled.copiedBuffer("* BYE server shutting down\r\n", StandardCharsets.US_ASCII));
    open.close().awaitUninterruptibly(drain.toMillis() + 1000);
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5000);
    LOG.info("IMAP stopped");
  }

  @Override
  public void close() {
    close(Duration.ZERO);
  }
}
