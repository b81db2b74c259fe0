package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import msgstore.engine.EngineOptions;
import msgstore.server.TestServer.Resp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Server-Sent Events over a raw socket with no Accept header (what {@code curl -N} sends): events
 * after durable commits (R79), in journal order, resumable with Last-Event-ID with nothing missed
 * and nothing twice (X4), keep-alive comments, only what the user may read.
 */
class EventStreamTest {
  @TempDir
  static Path dir;
  static TestServer t;
  static String store;
  static String inbox;

  @BeforeAll
  static void start() {
    t = TestServer.start(dir, c -> c.withHeartbeat(Duration.ofMillis(300)),
        EngineOptions.defaults().withMaintenanceInterval(Duration.ZERO));
    store = t.mailbox("alice");
    inbox = t.folder("alice", store, "Inbox");
  }

  @AfterAll
  static void stop() {
    t.close();
  }

  /** One SSE connection read line by line. */
  static final class Sse implements AutoCloseable {
    final Socket socket;
    final BufferedReader in;
    final int status;

    Sse(String user, String query, String lastEventId) throws IOException {
      socket = new Socket("127.0.0.1", t.server.port());
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      String req = "GET /api/v1/stores/" + store + "/events" + query + " HTTP/1.1\r\nHost: localhost\r\n"
          + "Authorization: " + TestServer.basic(user) + "\r\n"
          + (lastEventId == null ? "" : "Last-Event-ID: " + lastEventId + "\r\n") + "\r\n";
      out.write(req.getBytes(StandardCharsets.UTF_8));
      out.flush();
      in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      String statusLine = in.readLine();
      status = Integer.parseInt(statusLine.split(" ")[1]);
      String h;
      while ((h = in.readLine()) != null && !h.isEmpty()) {
        if (h.toLowerCase().startsWith("content-type:")) {
          assertThat(h.toLowerCase()).contains(status == 200 ? "text/event-stream" : "application/problem+json");
        }
      }
    }

    /** The next event's {id, event, data}; skips comments and keep-alives. Chunk-size lines are ignored. */
    String[] next() throws IOException {
      String id = null;
      String event = null;
      String data = null;
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data = line.substring(6);
        } else if (line.isEmpty() && data != null) {
          return new String[] {id, event, data};
        }
      }
      throw new IOException("stream ended");
    }

    /** The id of the next frame that has an id and no data (delivery caught up past what this stream does not get). */
    String nextIdOnly() throws IOException {
      String id = null;
      boolean data = false;
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("data: ")) {
          data = true;
        } else if (line.isEmpty()) {
          if (id != null && !data) {
            return id;
          }
          id = null;
          data = false;
        }
      }
      throw new IOException("stream ended");
    }

    boolean sawComment(String text) throws IOException {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith(": " + text)) {
          return true;
        }
      }
      return false;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private Resp create(String subject) {
    return t.post("alice", "/stores/" + store + "/folders/" + inbox + "/messages", TestServer.message(subject));
  }

  @Test
  void aClientWithoutAcceptHeaderGetsEventsAfterTheCommit() throws Exception {
    try (Sse sse = new Sse("alice", "", null)) {
      assertThat(sse.status).isEqualTo(200);
      Resp c = create("evented");
      String[] e = sse.next();
      assertThat(e[1]).isEqualTo("OBJECT_CREATED");
      assertThat(e[2]).contains(c.json().get("messageId").asText());
      assertThat(e[2]).contains("\"position\":" + e[0]);
    }
  }

  @Test
  void aFrameWithOnlyAnIdSaysDeliveryCaughtUpWhenNoEventMatched() throws Exception {
    try (Sse sse = new Sse("alice", "?types=OBJECT_DELETED", null)) {
      create("filtered out");
      long head = t.get("alice", "/stores/" + store + "/journal/position").json().get("position").asLong();
      long seen = 0;
      while (seen < head) {
        seen = Long.parseLong(sse.nextIdOnly());
      }
      assertThat(seen).isEqualTo(head);
    }
  }

  @Test
  void lastEventIdResumesWithNothingMissedAndNothingTwice() throws Exception {
    String lastSeen;
    List<String> expected = new ArrayList<>();
    try (Sse sse = new Sse("alice", "?types=OBJECT_CREATED", null)) {
      create("one");
      lastSeen = sse.next()[0];
    }
    // While disconnected: three more commits.
    for (String s : List.of("two", "three", "four")) {
      expected.add(create(s).json().get("messageId").asText());
    }
    try (Sse sse = new Sse("alice", "?types=OBJECT_CREATED", lastSeen)) {
      expected.add(create("five").json().get("messageId").asText());
      List<String> got = new ArrayList<>();
      long prev = Long.parseLong(lastSeen);
      for (int i = 0; i < expected.size(); i++) {
        String[] e = sse.next();
        assertThat(Long.parseLong(e[0])).isGreaterThan(prev);
        prev = Long.parseLong(e[0]);
        got.add(e[2].replaceAll(".*\"id\":\"(m-\\d+)\".*", "$1"));
      }
      assertThat(got).containsExactlyElementsOf(expected);
    }
    try (Sse sse = new Sse("alice", "?types=OBJECT_CREATED&after=" + lastSeen, null)) {
      assertThat(sse.next()[2]).contains(expected.get(0));
    }
  }

  @Test
  void anIdleStreamGetsKeepAliveComments() throws Exception {
    try (Sse sse = new Sse("alice", "?scope=folder:" + inbox, null)) {
      assertThat(sse.sawComment("keep-alive")).isTrue();
    }
  }

  @Test
  void scopeNarrowsToOneMessage_R75() throws Exception {
    Resp a = create("watched");
    Resp b = create("ignored");
    String path = "/stores/" + store + "/messages/";
    try (Sse sse = new Sse("alice", "?scope=message:" + a.json().get("messageId").asText(), null)) {
      t.patch("alice", path + b.json().get("messageId").asText(), TestServer.props("PidTagSubject", "x"), b.etag());
      t.patch("alice", path + a.json().get("messageId").asText(), TestServer.props("PidTagSubject", "y"), a.etag());
      String[] e = sse.next();
      assertThat(e[1]).isEqualTo("OBJECT_MODIFIED");
      assertThat(e[2]).contains(a.json().get("messageId").asText());
    }
  }

  @Test
  void anotherUsersStoreIsNotFoundAndUnreadableFoldersAreFiltered() throws Exception {
    try (Sse sse = new Sse("bob", "", null)) {
      assertThat(sse.status).isEqualTo(404);
    }
    String shared = t.post("alice", "/stores/" + store + "/folders", "{\"displayName\":\"Team\"}").json().get("id")
        .asText();
    t.send("alice", "PUT", "/stores/" + store + "/folders/" + shared + "/rights/bob", "{\"rights\":\"REVIEWER\"}",
        java.util.Map.of());
    try (Sse sse = new Sse("bob", "?types=OBJECT_CREATED", null)) {
      assertThat(sse.status).isEqualTo(200);
      create("private to alice");
      Resp visible = t.post("alice", "/stores/" + store + "/folders/" + shared + "/messages",
          TestServer.message("for the team"));
      assertThat(sse.next()[2]).contains(visible.json().get("messageId").asText());
    }
  }

  @Test
  void theSubscriberGaugeFollowsOpenStreams() throws Exception {
    try (Sse sse = new Sse("alice", "", null)) {
      create("gauge");
      sse.next();
      // Streams of earlier tests end at their next heartbeat after their clients left.
      LifecycleTest.await(() -> t.get(null, t.server.baseUri() + "/metrics").body()
          .contains("msgstore_event_subscribers 1\n"));
    }
    LifecycleTest.await(() -> t.server.store().subscriberCount() == 0);
  }
  /**
   * Requests run on a bounded pool of platform threads; an open stream must hold none of them
   * (each runs on a virtual thread of its own), or a few hundred subscribers would starve every
   * other request.
   */
  @Test
  void openStreamsHoldNoRequestThread() throws Exception {
    List<Sse> open = new ArrayList<>();
    try {
      for (int i = 0; i < 10; i++) {
        open.add(new Sse("alice", "", null));
      }
      create("threads");
      for (Sse sse : open) {
        sse.next(); // every stream is in its write loop
      }
      long platformThreadsStreaming = Thread.getAllStackTraces().values().stream()
          .filter(stack -> java.util.Arrays.stream(stack).anyMatch(f -> f.getClassName().equals(EventStream.class.getName())))
          .count();
      assertThat(platformThreadsStreaming).isZero();
      assertThat(t.get(null, t.server.baseUri() + "/health/live").status()).isEqualTo(200);
    } finally {
      for (Sse sse : open) {
        sse.close();
      }
    }
  }
}
