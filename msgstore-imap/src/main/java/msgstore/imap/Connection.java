package msgstore.imap;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: the Netty side (event loop) queues decoded {@link Frame}s and turns
 * reading off while a command waits or runs (backpressure: a client that pipelines is not read
 * further until its commands are done); the commands run one after another on this connection's
 * own virtual thread ({@link ImapSession}), which blocks when the channel is not writable (a slow
 * reader does not make the server buffer a mailbox's worth of FETCH output).
 */
final class Connection extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
  /** Queued when the store reported a change that an IDLE should push. */
  static final Object WAKE = new Object();
  /** Queued when the channel closed. */
  static final Object CLOSED = new Object();
  /** Flush when this much output is pending. */
  private static final int FLUSH_BYTES = 64 * 1024;

  private final ImapServer server;
  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final AtomicBoolean wakePending = new AtomicBoolean();
  private final Object writability = new Object();
  private volatile Channel channel;
  private volatile boolean tls;
  private int pending;

  Connection(ImapServer server, boolean implicitTls) {
    this.server = server;
    this.tls = implicitTls;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    ImapSession session = new ImapSession(this, server.config(), server.authenticator());
    Thread.ofVirtual().name("imap-" + ctx.channel().remoteAddress()).start(() -> {
      try {
        session.run();
      } catch (RuntimeException e) {
        LOG.error("IMAP: connection from {} failed", ctx.channel().remoteAddress(), e);
      } finally {
        session.end();
        ctx.channel().close();
      }
    });
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ctx.channel().config().setAutoRead(false);
    queue.add(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    queue.add(CLOSED);
    synchronized (writability) {
      writability.notifyAll();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    synchronized (writability) {
      writability.notifyAll();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      ctx.writeAndFlush(Unpooled.copiedBuffer("* BYE idle for too long\r\n", StandardCharsets.US_ASCII))
          .addListener(f -> ctx.close());
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("IMAP: connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }

  // ---- called from the session's thread

  /**
   * The next frame (or {@link #WAKE}, {@link #CLOSED}); reading is turned back on first when
   * nothing is queued, so a client is read only while its previous command is done.
   */
  Object next(long timeoutMillis) throws InterruptedException {
    Object o = queue.poll();
    if (o == null) {
      flush();
      channel.config().setAutoRead(true);
      o = timeoutMillis < 0 ? queue.take() : queue.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    }
    if (o == WAKE) {
      wakePending.set(false);
    }
    return o;
  }

  /** Queues a {@link #WAKE} (once until it is taken); called from the store's event threads. */
  void wake() {
    if (wakePending.compareAndSet(false, true)) {
      queue.add(WAKE);
    }
  }

  void send(Out o) {
    send(o.bytes());
  }

  void send(byte[] bytes) {
    channel.write(Unpooled.wrappedBuffer(bytes));
    pending += bytes.length;
    if (pending >= FLUSH_BYTES) {
      flush();
      awaitWritable();
    }
  }

  void send(String line) {
    send((line + "\r\n").getBytes(StandardCharsets.UTF_8));
  }

  void flush() {
    if (pending > 0) {
      channel.flush();
      pending = 0;
    }
  }

  private void awaitWritable() {
    synchronized (writability) {
      while (channel.isActive() && !channel.isWritable()) {
        try {
          writability.wait(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  boolean isTls() {
    return tls;
  }

  boolean tlsAvailable() {
    return server.tls().isPresent();
  }

  boolean isLoopback() {
    return remoteAddress().isLoopbackAddress();
  }

  InetAddress remoteAddress() {
    return ((InetSocketAddress) channel.remoteAddress()).getAddress();
  }

  /**
   * Sends {@code okLine} in the clear and starts TLS on the next bytes (RFC 9051 6.2.1): the
   * handler goes first in the pipeline before anything more is read (reading is off while the
   * command runs, and the decoder holds nothing: STARTTLS must be the last command sent).
   */
  void startTls(String okLine) {
    SSLContext ctx = server.tls().orElseThrow();
    flush();
    channel.eventLoop().submit(() -> {
      SSLEngine engine = ctx.createSSLEngine();
      engine.setUseClientMode(false);
      channel.pipeline().addFirst("tls", new SslHandler(engine, true));
      channel.writeAndFlush(Unpooled.copiedBuffer(okLine + "\r\n", StandardCharsets.US_ASCII));
    }).syncUninterruptibly();
    tls = true;
  }

  void close() {
    flush();
    channel.close();
  }
}
