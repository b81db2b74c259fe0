package msgstore.client;

import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Iterator;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.core.Delivery;
import msgstore.protocol.Wire;

/**
 * One subscription: a Server-Sent Events stream (GET /stores/{s}/events) read on its own virtual
 * thread, delivering StoreEvents to the sink in journal order, each once. When the stream breaks
 * it reconnects with {@code Last-Event-ID} (the server replays the journal after it, so nothing is
 * missed and nothing repeats, X4). The first connect runs on the subscribing thread, so a bad
 * scope fails {@link msgstore.api.Session#subscribe} itself, as embedded.
 *
 * <p>{@link #position()} follows the events dispatched and the server's {@code id:}-only frames,
 * which say that delivery has caught up past entries this stream does not get; positions and the
 * once-only rule are msgstore-core's {@link Delivery}, shared with the engine's event hub.
 */
final class EventStream extends Delivery {
  private static final System.Logger LOG = System.getLogger(EventStream.class.getName());
  private final RemoteSession session;
  private final String path;
  private final Consumer<StoreEvent> sink;
  private volatile Stream<String> current;
  private Thread thread;

  private EventStream(RemoteSession session, String path, long after, Consumer<StoreEvent> sink) {
    super(after);
    this.session = session;
    this.path = path;
    this.sink = sink;
  }

  static EventStream start(RemoteSession session, String path, long after, Consumer<StoreEvent> sink) {
    EventStream es = new EventStream(session, path, after, sink);
    HttpResponse<Stream<String>> first = es.connect();
    es.thread = Thread.ofVirtual().name("msgstore-client-events").start(() -> es.run(first));
    return es;
  }

  private HttpResponse<Stream<String>> connect() {
    long from = lastPosition();
    HttpRequest req = HttpRequest.newBuilder(session.http().uri(path + "&after=" + from))
        .header("Authorization", session.auth())
        .header("Accept", "text/event-stream")
        .header("Last-Event-ID", Long.toString(from))
        .GET().build();
    HttpResponse<Stream<String>> r = session.http().send(req, HttpResponse.BodyHandlers.ofLines());
    if (r.statusCode() / 100 != 2) {
      String body;
      try (Stream<String> lines = r.body()) {
        body = lines.collect(Collectors.joining("\n"));
      }
      com.fasterxml.jackson.databind.JsonNode n;
      try {
        n = body.isBlank() ? Wire.mapper().createObjectNode() : Wire.mapper().readTree(body);
      } catch (java.io.IOException e) {
        n = Wire.mapper().createObjectNode().put("detail", body);
      }
      throw Http.problem(new Http.Response(r.statusCode(), java.util.Optional.empty(), n)).toException();
    }
    current = r.body();
    return r;
  }

  private void run(HttpResponse<Stream<String>> first) {
    HttpResponse<Stream<String>> r = first;
    while (!isClosed()) {
      if (r != null) {
        try (Stream<String> lines = r.body()) {
          read(lines.iterator());
        } catch (UncheckedIOException | IllegalStateException e) {
          if (!isClosed()) {
            LOG.log(System.Logger.Level.DEBUG, "event stream " + path + " broke; reconnecting", e);
          }
        }
      }
      r = null;
      if (isClosed()) {
        break;
      }
      try {
        Thread.sleep(session.http().options().reconnectDelay());
        r = connect();
      } catch (InterruptedException e) {
        return;
      } catch (StoreException e) {
        if (isClosed()) {
          return;
        }
        LOG.log(System.Logger.Level.WARNING, "event stream " + path + " cannot reconnect: " + e.getMessage());
      }
    }
  }

  /**
   * Reads SSE lines: {@code id:}, {@code event:}, {@code data:}; a blank line ends an event. A
   * frame with an id and no data only moves the position.
   */
  private void read(Iterator<String> lines) {
    StringBuilder data = new StringBuilder();
    String id = null;
    while (!isClosed() && lines.hasNext()) {
      String line = lines.next();
      if (line.isEmpty()) {
        if (!data.isEmpty()) {
          dispatch(data.toString());
          data.setLength(0);
        } else if (id != null) {
          caughtUp(id);
        }
        id = null;
      } else if (line.startsWith("data:")) {
        if (!data.isEmpty()) {
          data.append('\n');
        }
        data.append(line.substring(line.startsWith("data: ") ? 6 : 5));
      } else if (line.startsWith("id:")) {
        id = line.substring(line.startsWith("id: ") ? 4 : 3);
      }
      // event:, retry: and comments need no handling: the data carries the position and type.
    }
  }

  private void caughtUp(String id) {
    long p;
    try {
      p = Long.parseLong(id.strip());
    } catch (NumberFormatException e) {
      LOG.log(System.Logger.Level.WARNING, "unreadable event id on " + path + ": " + id);
      return;
    }
    if (take(p)) {
      advance(p);
    }
  }

  private void dispatch(String json) {
    StoreEvent e;
    try {
      e = Wire.mapper().readValue(json, StoreEvent.class);
    } catch (java.io.IOException | RuntimeException ex) {
      LOG.log(System.Logger.Level.WARNING, "unreadable event on " + path + ": " + json, ex);
      return;
    }
    if (!take(e.position())) {
      return;
    }
    session.store().learnEvent(e);
    hand(sink, e);
    advance(e.position());
  }

  @Override
  protected void onClose() {
    session.untrack(this);
    Stream<String> s = current;
    if (s != null) {
      try {
        s.close();
      } catch (RuntimeException e) {
        // already broken
      }
    }
    if (thread != null) {
      thread.interrupt();
    }
  }

  @Override
  public String toString() {
    return "event stream " + path + " at " + lastPosition();
  }
}
