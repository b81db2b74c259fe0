package msgstore.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many Server-Sent-Events streams held open by one selector thread over raw HTTP/1.1 sockets, so
 * that 1,000 subscribers cost the benchmark process one thread and a few hundred bytes each: the
 * server's heap and thread figures, taken in the same JVM, then show the server's cost, not the
 * client's. Each subscriber sends one {@code GET} with a bearer token, reads the response head,
 * de-chunks the body when it is chunked, splits it into SSE events and hands each event's {@code
 * data} to the {@link Listener} with the time its bytes were read ({@link System#nanoTime}).
 */
final class SseSubscribers implements AutoCloseable {

  /** Receives events, on the selector thread; must be quick. */
  @FunctionalInterface
  interface Listener {
    void onEvent(int subscriber, String data, long receivedNanos);
  }

  private final Selector selector;
  private final List<Conn> conns = new ArrayList<>();
  private final Listener listener;
  private final Thread thread;
  private final AtomicInteger streaming = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private volatile String firstFailure;
  private volatile boolean running = true;

  /**
   * Connects {@code count} subscribers to {@code path} and starts reading. Returns once every
   * request is sent; see {@link #streaming()} for how many got a 200 head.
   */
  SseSubscribers(InetSocketAddress server, String path, String bearerToken, int count, Listener listener)
      throws IOException {
    this.listener = listener;
    this.selector = Selector.open();
    byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + server.getHostString() + ":" + server.getPort()
        + "\r\nAuthorization: Bearer " + bearerToken + "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    try {
      for (int i = 0; i < count; i++) {
        SocketChannel ch = SocketChannel.open();
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        ch.connect(server);
        ByteBuffer b = ByteBuffer.wrap(request);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.configureBlocking(false);
        Conn c = new Conn(i, ch);
        ch.register(selector, SelectionKey.OP_READ, c);
        conns.add(c);
      }
    } catch (IOException | RuntimeException e) {
      closeChannels();
      selector.close();
      throw new IOException("connecting SSE subscriber " + (conns.size() + 1) + " of " + count + " to " + server
          + path + ": " + e, e);
    }
    this.thread = Thread.ofPlatform().name("sse-subscribers").daemon().start(this::loop);
  }

  /** Subscribers that got a 200 response head and have not seen their stream end. */
  int streaming() {
    return streaming.get();
  }

  /** Subscribers whose stream failed (non-200 answer, read error, end of stream). */
  int failed() {
    return failed.get();
  }

  /** The first failure, for the report. */
  String firstFailure() {
    return firstFailure;
  }

  @Override
  public void close() throws IOException {
    running = false;
    selector.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeChannels();
    selector.close();
  }

  private void closeChannels() {
    for (Conn c : conns) {
      try {
        c.channel.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  private void loop() {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    while (running) {
      try {
        selector.select(200);
      } catch (IOException e) {
        fail(null, "selector: " + e);
        return;
      }
      for (var it = selector.selectedKeys().iterator(); it.hasNext(); ) {
        SelectionKey key = it.next();
        it.remove();
        Conn c = (Conn) key.attachment();
        try {
          while (true) {
            buf.clear();
            int n = c.channel.read(buf);
            if (n < 0) {
              key.cancel();
              fail(c, "server closed the stream");
              break;
            }
            if (n == 0) {
              break;
            }
            c.feed(buf.array(), n, System.nanoTime()); // per read: many streams may be ready at once
            if (n < buf.capacity()) {
              break; // all there was: a second read would only say so (the selector reports what comes next)
            }
          }
        } catch (IOException | RuntimeException e) {
          key.cancel();
          fail(c, e.toString());
        }
      }
    }
  }

  private void fail(Conn c, String why) {
    if (c != null && c.dead) {
      return;
    }
    if (c != null) {
      c.dead = true;
      if (c.open) {
        streaming.decrementAndGet();
      }
    }
    failed.incrementAndGet();
    if (firstFailure == null) {
      firstFailure = (c == null ? "" : "subscriber " + c.index + ": ") + why;
    }
  }

  /** One stream's parsing state: response head, chunked framing, SSE lines. */
  private final class Conn {
    final int index;
    final SocketChannel channel;
    boolean dead;
    boolean open;
    // response head
    boolean inHead = true;
    final ByteArrayOutputStream head = new ByteArrayOutputStream(256);
    int last4;
    // chunked framing: -1 = reading a size line; > 0 = bytes of data left; 0 = expecting the CRLF after data
    boolean chunked;
    long chunkLeft = -1;
    final StringBuilder sizeLine = new StringBuilder(8);
    int crlfLeft;
    // SSE
    byte[] line = new byte[512];
    int lineLength;
    final StringBuilder data = new StringBuilder(512);

    Conn(int index, SocketChannel channel) {
      this.index = index;
      this.channel = channel;
    }

    void feed(byte[] b, int n, long now) {
      int i = 0;
      if (inHead) {
        while (i < n && inHead) {
          byte x = b[i++];
          head.write(x);
          last4 = (last4 << 8) | (x & 0xFF);
          if (last4 == 0x0D0A0D0A) { // CR LF CR LF ends the head
            inHead = false;
            onHead(head.toString(StandardCharsets.ISO_8859_1));
            if (dead) {
              return;
            }
          }
        }
      }
      while (i < n) {
        if (!chunked) {
          sse(b, i, n, now);
          i = n;
        } else if (crlfLeft > 0) {
          crlfLeft--;
          i++;
        } else if (chunkLeft < 0) {
          byte x = b[i++];
          if (x == '\n') {
            String s = sizeLine.toString().trim();
            int semi = s.indexOf(';');
            chunkLeft = Long.parseLong(semi < 0 ? s : s.substring(0, semi).trim(), 16);
            sizeLine.setLength(0);
            if (chunkLeft == 0) {
              fail(this, "the server ended the chunked stream");
              return;
            }
          } else if (x != '\r') {
            sizeLine.append((char) x);
          }
        } else {
          int take = (int) Math.min(chunkLeft, n - i);
          sse(b, i, i + take, now);
          i += take;
          chunkLeft -= take;
          if (chunkLeft == 0) {
            chunkLeft = -1;
            crlfLeft = 2;
          }
        }
      }
    }

    private void onHead(String text) {
      String status = text.substring(0, Math.max(0, text.indexOf('\r')));
      String[] parts = status.split(" ", 3);
      if (parts.length < 2 || !parts[1].equals("200")) {
        fail(this, "answered '" + status + "' instead of 200");
        return;
      }
      for (String h : text.split("\r\n")) {
        String l = h.toLowerCase(Locale.ROOT);
        if (l.startsWith("transfer-encoding:") && l.contains("chunked")) {
          chunked = true;
        }
      }
      open = true;
      streaming.incrementAndGet();
    }

    /** Body bytes {@code from} to {@code to}: split into lines, lines into events. */
    private void sse(byte[] b, int from, int to, long now) {
      int start = from;
      for (int i = from; i < to; i++) {
        if (b[i] == '\n') {
          append(b, start, i);
          line(now);
          start = i + 1;
        }
      }
      append(b, start, to);
    }

    private void append(byte[] b, int from, int to) {
      int n = to - from;
      if (lineLength + n > line.length) {
        line = Arrays.copyOf(line, Math.max(line.length * 2, lineLength + n));
      }
      System.arraycopy(b, from, line, lineLength, n);
      lineLength += n;
    }

    private void line(long now) {
      int len = lineLength;
      if (len > 0 && line[len - 1] == '\r') {
        len--;
      }
      lineLength = 0;
      if (len == 0) {
        if (!data.isEmpty()) {
          listener.onEvent(index, data.toString(), now);
          data.setLength(0);
        }
        return;
      }
      if (len >= 5 && line[0] == 'd' && line[1] == 'a' && line[2] == 't' && line[3] == 'a' && line[4] == ':') {
        if (!data.isEmpty()) {
          data.append('\n');
        }
        int off = len > 5 && line[5] == ' ' ? 6 : 5;
        data.append(new String(line, off, len - off, StandardCharsets.UTF_8));
      }
      // "id:", "event:", "retry:" and ": comment" lines are not needed here
    }
  }
}
