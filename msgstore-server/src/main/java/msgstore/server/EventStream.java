package msgstore.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import msgstore.api.EventScope;
import msgstore.api.EventType;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.OpenFlag;
import msgstore.api.Session;
import msgstore.api.StoreEvent;
import msgstore.api.StoreId;
import msgstore.api.Subscription;
import msgstore.engine.ServerSupport;
import msgstore.protocol.Json;
import msgstore.protocol.Problem;
import msgstore.protocol.Wire;
import msgstore.protocol.WireException;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.IteratingCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /stores/{s}/events}: a hand-written {@code text/event-stream}, whatever the request's
 * {@code Accept} (so {@code curl -N} sees it). Each client gets an engine subscription ({@link
 * Session#subscribe}: journal replay after the resume position, then live events, in order, each
 * once, only after the commit is durable) whose delivery thread writes each frame at once,
 * without blocking, through Jetty's core response (ADR 0032); what the socket cannot take yet
 * waits in a bounded queue. A client too slow to keep up is disconnected rather than buffered
 * without bound; it resumes with {@code Last-Event-ID} and misses nothing. The request's own
 * (virtual) thread sends a {@code : keep-alive} comment every heartbeat without frames, which is
 * also how a departed client is noticed, and ends the stream.
 *
 * <p>When delivery has caught up past entries the client does not get (outside its scope or
 * types, or hidden by its rights), the stream says so with a frame holding only {@code id: P}: no
 * event is dispatched, but the client's last event id (its resume point, and the SDK's {@link
 * Subscription#position()}) moves to P.
 */
final class EventStream {
  private static final Logger LOG = LoggerFactory.getLogger(EventStream.class);
  static final int QUEUE_CAPACITY = 10_000;
  private final Duration heartbeat;
  private final Set<Client> clients = ConcurrentHashMap.newKeySet();
  private final int maxPerUser;
  private final int maxTotal;
  private final Runnable refused;
  /** Open streams per user, and in total (guarded by this map's lock). */
  private final Map<String, Integer> perUser = new HashMap<>();
  private int open;

  /** @param refused called for each stream refused by a cap (counted in the metrics) */
  EventStream(Duration heartbeat, AbuseLimits limits, Runnable refused) {
    this.heartbeat = heartbeat;
    this.maxPerUser = limits.maxEventStreamsPerUser();
    this.maxTotal = limits.maxEventStreams();
    this.refused = refused;
  }

  /**
   * Takes a stream slot of the user: 429 BUSY past {@code max.event.streams.per.user}, 503 BUSY
   * past {@code max.event.streams}, each with {@code Retry-After}.
   */
  private void admit(String user) {
    synchronized (perUser) {
      int mine = perUser.getOrDefault(user, 0);
      if (mine >= maxPerUser) {
        refused.run();
        throw new ProblemException(Problem.of(429, MapiError.BUSY, "user " + user + " already has " + mine
            + " open event streams (max.event.streams.per.user = " + maxPerUser + "); close one first", ""),
            Map.of("Retry-After", Long.toString(RETRY_AFTER_SECONDS)));
      }
      if (open >= maxTotal) {
        refused.run();
        throw new ProblemException(Problem.of(503, MapiError.BUSY, "the server already has " + open
            + " open event streams (max.event.streams = " + maxTotal + ")", ""),
            Map.of("Retry-After", Long.toString(RETRY_AFTER_SECONDS)));
      }
      perUser.put(user, mine + 1);
      open++;
    }
  }

  private void release(String user) {
    synchronized (perUser) {
      perUser.computeIfPresent(user, (u, n) -> n <= 1 ? null : n - 1);
      open--;
    }
  }

  private static final long RETRY_AFTER_SECONDS = 5;

  int subscribers() {
    return clients.size();
  }

  /** Ends every stream (server shutdown); each handler then unsubscribes and returns. */
  void closeAll() {
    for (Client c : clients) {
      c.stop();
    }
  }

  /**
   * One subscriber. Its frames are written by the subscription's delivery thread, without a
   * hand-off: {@link #event} filters and encodes, {@link Frames} writes without blocking, and
   * what the socket cannot take yet waits in {@link Frames}'s bounded queue. The stream's own
   * thread only sends keep-alives and ends the stream (stop, overflow, or a failed write).
   */
  private final class Client {
    final Frames frames;
    final Visibility visibility;
    volatile boolean overflow;
    volatile boolean stopped;
    volatile boolean failed;
    /** Frames handed to {@link #frames} since the stream's thread last looked (a keep-alive is needed when none). */
    volatile long sent;
    /** The position of the last frame written and of the last event delivered (the delivery thread only). */
    long written;
    long queued;

    Client(Response response, Visibility visibility) {
      this.frames = new Frames(response, this);
      this.visibility = visibility;
    }

    /**
     * On the delivery thread: the event as this caller may see it, if at all (ADR 0009). A failure
     * (the rights could not be read) ends the stream; the client resumes where it was.
     */
    void event(StoreEvent e) {
      queued = e.position();
      try {
        Optional<StoreEvent> v = visibility.view(e);
        if (v.isPresent()) {
          send(v.get() == e ? frame(e) : encode(v.get()));
          written = Math.max(written, e.position());
        }
      } catch (RuntimeException ex) {
        LOG.warn("event stream ends: the event at {} could not be checked: {}", e.position(), ex.toString());
        failed();
      }
    }

    /**
     * Delivery caught up at {@code position}: worth an {@code id:} line only when entries after the
     * last event were skipped (scope or mask), so that a resume starts past them.
     */
    void caughtUp(long position) {
      if (position > queued && position > written && !overflow) {
        send(("id: " + position + "\n\n").getBytes(StandardCharsets.UTF_8));
        written = position;
      }
    }

    void send(byte[] frame) {
      if (overflow) {
        return;
      }
      if (!frames.offer(frame)) {
        overflow = true;
        wake();
      }
      sent++;
    }

    void stop() {
      stopped = true;
      wake();
    }

    void failed() {
      failed = true;
      wake();
    }

    void wake() {
      synchronized (this) {
        notifyAll();
      }
    }
  }

  /**
   * The frames of one stream on their way to the socket: each {@link Response#write} is issued
   * without blocking, the next when the last completed, and what arrives meanwhile is queued and
   * sent together. At most {@link #QUEUE_CAPACITY} frames wait; past that the client is too slow.
   * Nothing is written before {@link #start}, so the stream's first lines go first.
   */
  private static final class Frames extends IteratingCallback {
    private static final int MAX_WRITE = 64 * 1024;
    private final Response response;
    private final Client client;
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
    private boolean started;
    private boolean writing;
    private boolean closed;

    Frames(Response response, Client client) {
      this.response = response;
      this.client = client;
    }

    @Override
    public InvocationType getInvocationType() {
      return InvocationType.NON_BLOCKING; // process() only takes short locks and starts a write
    }

    /** Queues a frame; false when the queue is full (the client fell behind). */
    boolean offer(byte[] frame) {
      synchronized (this) {
        if (closed) {
          return true;
        }
        if (pending.size() >= QUEUE_CAPACITY) {
          return false;
        }
        pending.add(frame);
        if (!started) {
          return true;
        }
      }
      iterate();
      return true;
    }

    /** Sends {@code first} ahead of everything queued so far, and every frame from now on. */
    void start(byte[] first) {
      synchronized (this) {
        pending.addFirst(first);
        started = true;
      }
      iterate();
    }

    /** Queues a last frame even past the limit (the note to a client that fell behind). */
    void last(byte[] frame) {
      synchronized (this) {
        pending.add(frame);
      }
      iterate();
    }

    /**
     * Takes no more frames and waits up to {@code nanos} for those queued to be written; true when
     * they were (the stream can then end cleanly), false when a write is still pending or failed.
     */
    boolean closeAndDrain(long nanos) throws InterruptedException {
      long deadline = System.nanoTime() + nanos;
      synchronized (this) {
        closed = true;
        while ((writing || !pending.isEmpty()) && !client.failed) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          wait(Math.max(1, left / 1_000_000));
        }
        return !client.failed;
      }
    }

    @Override
    protected Action process() {
      ByteBuffer buf;
      synchronized (this) {
        writing = false;
        if (pending.isEmpty() || !started) {
          notifyAll();
          return Action.IDLE;
        }
        int size = 0;
        int count = 0;
        for (byte[] f : pending) {
          if (count > 0 && size + f.length > MAX_WRITE) {
            break;
          }
          size += f.length;
          count++;
        }
        if (count == 1) {
          buf = ByteBuffer.wrap(pending.poll()); // frames are shared and never written to: no copy
        } else {
          buf = ByteBuffer.allocate(size);
          for (int i = 0; i < count; i++) {
            buf.put(pending.poll());
          }
          buf.flip();
        }
        writing = true;
      }
      response.write(false, buf, this);
      return Action.SCHEDULED;
    }

    @Override
    protected void onCompleteFailure(Throwable cause) {
      LOG.debug("event stream write failed: {}", cause.toString());
      synchronized (this) {
        writing = false;
        notifyAll();
      }
      client.failed();
    }
  }

  /** How long a stream that ends waits for its queued frames to reach a client before it is cut. */
  private static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.UTF_8);

  void serve(Req r) throws InterruptedException {
    Session s = r.session();
    StoreId store = r.store();
    s.store(store); // NOT_FOUND for a store the user cannot see
    EventScope scope = Json.scope(store, r.ctx().queryParam("scope"), "scope");
    checkScope(s, store, scope);
    Set<EventType> types = types(r.ctx().queryParam("types"));
    long after = resumePosition(r, s, store);
    Visibility visibility = new Visibility(s, store);

    admit(r.user());
    Response response = r.ctx().status(200).contentType("text/event-stream;charset=utf-8")
        .header("Cache-Control", "no-cache").header("X-Accel-Buffering", "no").response();
    Client client = new Client(response, visibility);
    client.written = after;
    client.queued = after;
    clients.add(client);
    Subscription sub = null;
    try {
      sub = ServerSupport.subscribe(s, scope, types, after, client::event, client::caughtUp);
      client.frames.start(("retry: 2000\n: subscribed after " + after + "\n\n").getBytes(StandardCharsets.UTF_8));
      beat(client);
      if (client.overflow && !client.stopped) {
        client.frames.last(": the client fell too far behind; reconnect with Last-Event-ID\n\n"
            .getBytes(StandardCharsets.UTF_8));
      }
      sub.close();
      sub = null;
      if (!client.frames.closeAndDrain(DRAIN_NANOS)) {
        r.ctx().abort(new IOException("the event stream's client did not take its last frames"));
      }
    } finally {
      if (sub != null) {
        sub.close();
      }
      clients.remove(client);
      release(r.user());
    }
  }

  /** Until the stream ends: a keep-alive comment whenever a heartbeat passed without a frame. */
  private void beat(Client c) throws InterruptedException {
    long beatMillis = Math.max(1, heartbeat.toMillis());
    while (!c.stopped && !c.overflow && !c.failed) {
      long before = c.sent;
      long deadline = System.nanoTime() + beatMillis * 1_000_000;
      synchronized (c) {
        long left;
        while (!c.stopped && !c.overflow && !c.failed && (left = deadline - System.nanoTime()) > 0) {
          c.wait(Math.max(1, left / 1_000_000));
        }
      }
      if (c.sent == before && !c.stopped && !c.overflow && !c.failed) {
        c.send(KEEP_ALIVE);
      }
    }
  }

  /** One event as an SSE frame, encoded once however many subscribers receive it. */
  private record FrameKey(java.util.UUID store, long position) {}

  private final ConcurrentHashMap<FrameKey, byte[]> frameCache = new ConcurrentHashMap<>();

  /** The frame's UTF-8 bytes, shared by every subscriber that receives the event as it is. */
  private byte[] frame(StoreEvent e) {
    FrameKey k = new FrameKey(e.storeId().guid(), e.position());
    byte[] f = frameCache.get(k);
    if (f == null) {
      f = encode(e);
      if (frameCache.size() >= FRAME_CACHE) {
        frameCache.clear(); // recent events are re-encoded once; a journal replay to one client is not cached for long
      }
      frameCache.putIfAbsent(k, f);
    }
    return f;
  }

  private static final int FRAME_CACHE = 4096;

  private static byte[] encode(StoreEvent e) {
    return ("id: " + e.position() + "\nevent: " + e.type().name() + "\ndata: "
        + new String(Wire.bytes(Json.event(e)), StandardCharsets.UTF_8) + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  private static void checkScope(Session s, StoreId store, EventScope scope) {
    switch (scope) {
      case EventScope.Store st -> { }
      case EventScope.Folder f -> Api.requireStore(
          Api.readableOrAbsent("folder " + f.folder(), () -> s.openFolder(f.folder())).storeId(), store,
          "folder " + f.folder());
      case EventScope.Message m -> {
        try (Message h = Api.readableOrAbsent("message " + m.message(),
            () -> s.openMessage(m.message(), OpenFlag.SHOW_SOFT_DELETES))) {
          Api.requireStore(h.storeId(), store, "message " + m.message());
        }
      }
    }
  }

  private static Set<EventType> types(String text) {
    if (text == null || text.isBlank()) {
      return EventType.all();
    }
    Set<EventType> out = EnumSet.noneOf(EventType.class);
    for (String p : text.split(",")) {
      if (!p.isBlank()) {
        out.add(Json.enumOf(EventType.class, p, "types"));
      }
    }
    return out;
  }

  /** {@code Last-Event-ID} first, then {@code after=}, else only new events. */
  private static long resumePosition(Req r, Session s, StoreId store) {
    String last = r.ctx().header("Last-Event-ID");
    String field = "Last-Event-ID";
    if (last == null || last.isBlank()) {
      last = r.ctx().queryParam("after");
      field = "after";
    }
    if (last == null || last.isBlank()) {
      return s.journalPosition(store);
    }
    return position(last, field);
  }

  /** A journal position sent by a client ({@code Last-Event-ID}, {@code after=}); 400 for anything else. */
  static long position(String text, String field) {
    try {
      long p = Long.parseLong(text.strip());
      if (p < 0) {
        throw new NumberFormatException();
      }
      return p;
    } catch (NumberFormatException e) {
      throw new WireException(MapiError.INVALID_PARAMETER, field, "'" + text + "' is not a journal position");
    }
  }
}
