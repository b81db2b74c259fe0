package msgstore.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /stores/{s}/events}: a hand-written {@code text/event-stream}, whatever the request's
 * {@code Accept} (so {@code curl -N} sees it). Each client gets an engine subscription ({@link
 * Session#subscribe}: journal replay after the resume position, then live events, in order, each
 * once, only after the commit is durable) feeding a bounded queue; the request's own (virtual)
 * thread writes the queue out. A client too slow to keep up is disconnected rather than buffered
 * without bound; it resumes with {@code Last-Event-ID} and misses nothing. An idle stream gets a
 * {@code : keep-alive} comment every heartbeat, which is also how a departed client is noticed.
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
  /** The write buffer of one stream: a batch of frames goes out in writes of this size (a thousand streams hold one each). */
  private static final int FRAME_BUFFER = 4096;

  int subscribers() {
    return clients.size();
  }

  /** Ends every stream (server shutdown); each handler then unsubscribes and returns. */
  void closeAll() {
    for (Client c : clients) {
      c.stop();
    }
  }

  /** Delivery has caught up with the journal at {@code position} (queued after the events before it). */
  private record Progress(long position) {}

  private static final class Client {
    final Thread thread = Thread.currentThread();
    // Bounded, but not allocated up front: an idle subscriber costs a few hundred bytes, not 40 KiB.
    // Holds StoreEvents and Progress marks, in delivery order.
    final BlockingQueue<Object> queue = new LinkedBlockingQueue<>(QUEUE_CAPACITY);
    volatile boolean overflow;
    volatile boolean stopped;
    /** The position of the last frame written (writer thread only). */
    long written;
    /** The position of the last event queued (the subscription's delivery thread only). */
    long queued;

    void offer(Object e) {
      if (!overflow && !queue.offer(e)) {
        overflow = true;
        thread.interrupt();
      }
    }

    void event(StoreEvent e) {
      queued = e.position();
      offer(e);
    }

    /**
     * Delivery caught up at {@code position}: worth an {@code id:} line only when entries after the
     * last event were skipped (scope or mask), so that a resume starts past them; after an event
     * at that position it would wake the writer for nothing.
     */
    void caughtUp(long position) {
      if (position > queued) {
        offer(new Progress(position));
      }
    }

    void stop() {
      stopped = true;
      thread.interrupt();
    }
  }

  void serve(Req r) {
    Session s = r.session();
    StoreId store = r.store();
    s.store(store); // NOT_FOUND for a store the user cannot see
    EventScope scope = Json.scope(store, r.ctx().queryParam("scope"), "scope");
    checkScope(s, store, scope);
    Set<EventType> types = types(r.ctx().queryParam("types"));
    long after = resumePosition(r, s, store);
    Visibility visibility = new Visibility(s, store);

    admit(r.user());
    Client client = new Client();
    client.written = after;
    clients.add(client);
    Subscription sub = null;
    try {
      client.queued = after;
      sub = ServerSupport.subscribe(s, scope, types, after, client::event, client::caughtUp);
      OutputStream out = r.ctx().status(200).contentType("text/event-stream;charset=utf-8")
          .header("Cache-Control", "no-cache").header("X-Accel-Buffering", "no").outputStream(FRAME_BUFFER);
      write(out, "retry: 2000\n: subscribed after " + after + "\n\n");
      loop(client, out, visibility);
    } catch (IOException e) {
      LOG.debug("event stream on store {} ended: {}", store, e.toString());
    } finally {
      if (sub != null) {
        sub.close();
      }
      clients.remove(client);
      release(r.user());
      Thread.interrupted(); // clear a stop or overflow interrupt before the thread goes back to Jetty
    }
  }

  private void loop(Client c, OutputStream out, Visibility visibility) throws IOException {
    long beatNanos = heartbeat.toNanos();
    List<Object> batch = new ArrayList<>();
    while (!c.stopped) {
      Object first;
      try {
        first = c.queue.poll(beatNanos, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        if (c.overflow && !c.stopped) {
          drain(c, out, visibility, batch);
          write(out, ": the client fell too far behind; reconnect with Last-Event-ID\n\n");
        }
        return;
      }
      if (first == null) {
        write(out, ": keep-alive\n\n");
        continue;
      }
      batch.add(first);
      drain(c, out, visibility, batch);
    }
  }

  /** One event as an SSE frame, encoded once however many subscribers receive it. */
  private record FrameKey(java.util.UUID store, long position) {}

  private final ConcurrentHashMap<FrameKey, byte[]> frames = new ConcurrentHashMap<>();

  /** The frame's UTF-8 bytes, shared by every subscriber that receives the event as it is. */
  private byte[] frame(StoreEvent e) {
    FrameKey k = new FrameKey(e.storeId().guid(), e.position());
    byte[] f = frames.get(k);
    if (f == null) {
      f = encode(e);
      if (frames.size() >= FRAME_CACHE) {
        frames.clear(); // recent events are re-encoded once; a journal replay to one client is not cached for long
      }
      frames.putIfAbsent(k, f);
    }
    return f;
  }

  private static final int FRAME_CACHE = 4096;

  private static byte[] encode(StoreEvent e) {
    return ("id: " + e.position() + "\nevent: " + e.type().name() + "\ndata: "
        + new String(Wire.bytes(Json.event(e)), StandardCharsets.UTF_8) + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  private void drain(Client c, OutputStream out, Visibility visibility, List<Object> batch)
      throws IOException {
    c.queue.drainTo(batch, 500);
    boolean any = false;
    for (Object o : batch) {
      if (o instanceof StoreEvent e) {
        // Filtered by the caller's rights (Visibility); a rewritten entry is encoded for this client only.
        Optional<StoreEvent> v = visibility.view(e);
        if (v.isPresent()) {
          out.write(v.get() == e ? frame(e) : encode(v.get()));
          c.written = Math.max(c.written, e.position());
          any = true;
        }
      } else if (o instanceof Progress p && p.position() > c.written && !c.overflow) {
        out.write(("id: " + p.position() + "\n\n").getBytes(StandardCharsets.UTF_8));
        c.written = p.position();
        any = true;
      }
    }
    batch.clear();
    if (any) {
      out.flush(); // one flush per batch: the frames before it are buffered by the exchange's output
    }
  }

  private static void write(OutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.UTF_8));
    out.flush();
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
