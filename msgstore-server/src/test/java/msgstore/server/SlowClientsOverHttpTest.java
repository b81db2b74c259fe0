package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import msgstore.engine.EngineOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow and greedy clients over real sockets (issue 7, ADR 0011), against one server with short
 * limits: idle timeout 2 s, 1024 bytes/s minimum body rate, 64 connections, 4 event streams per
 * user and 6 in all. Each abuse runs while a good client measures {@code GET /stores}; the figures
 * are printed as {@code ABUSE ...} lines. The abusers pace themselves with sleeps (that is the
 * attack); every check on the server waits for a condition with a deadline.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SlowClientsOverHttpTest {
  static final Duration IDLE = Duration.ofSeconds(2);
  static final int MAX_CONNECTIONS = 64;

  TestServer t;
  GoodRequestLatency good;

  @BeforeAll
  void start(@TempDir Path dir) {
    AbuseLimits limits = AbuseLimits.DEFAULTS.withConnections(IDLE, 1024, MAX_CONNECTIONS).withEventStreams(4, 6);
    t = TestServer.start(dir, c -> c.withHeartbeat(Duration.ofMillis(500)).withAbuse(limits),
        EngineOptions.defaults().withMaintenanceInterval(Duration.ZERO));
    good = new GoodRequestLatency(t, "carol", "127.0.0.3");
    assertThat(good.once()).isEqualTo(200);
    good.measure("none (baseline)", GoodRequestLatency.window(1, 20));
  }

  @AfterAll
  void stop() {
    if (t != null) {
      t.close();
    }
  }

  Socket connect(String from) throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
    s.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), t.server.port()), 5000);
    return s;
  }

  /** Reads until the server answers or closes; what it said (possibly nothing), within the timeout. */
  static String answer(Socket s, Duration timeout) throws IOException {
    s.setSoTimeout((int) timeout.toMillis());
    InputStream in = s.getInputStream();
    StringBuilder b = new StringBuilder();
    byte[] buf = new byte[4096];
    try {
      int n;
      while ((n = in.read(buf)) > 0) {
        b.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the server neither answered nor closed within " + timeout + "; got: " + b);
    } catch (IOException e) {
      // reset by the server: closed as well
    }
    return b.toString();
  }

  /** Runs {@code round} again and again on a virtual thread until stopped; the first failure is kept. */
  static final class Abuser implements AutoCloseable {
    final AtomicBoolean stop = new AtomicBoolean();
    final java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
    final java.util.concurrent.atomic.AtomicInteger rounds = new java.util.concurrent.atomic.AtomicInteger();
    final Thread thread;

    interface Round {
      void run() throws Exception;
    }

    Abuser(Round round) {
      thread = Thread.ofVirtual().start(() -> {
        try {
          do {
            round.run();
            rounds.incrementAndGet();
          } while (!stop.get());
        } catch (Throwable e) {
          failure.set(e);
        }
      });
    }

    /** Stops after the current round; rethrows what a round threw. */
    @Override
    public void close() {
      stop.set(true);
      try {
        thread.join(Duration.ofSeconds(90));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while stopping the abuse", e);
      }
      if (failure.get() != null) {
        throw new AssertionError("abuse round failed", failure.get());
      }
    }
  }

  @Test
  void aBodyThatStopsArrivingShouldBeAnsweredRequestTimeoutNotBadRequest() throws Exception {
    try (Socket stalled = connect("127.0.0.3")) {
      OutputStream out = stalled.getOutputStream();
      out.write(("POST /api/v1/stores HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + TestServer.basic("alice")
          + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
      out.flush(); // then nothing: the idle timeout (2 s) strikes while the body is being read

      String reply = answer(stalled, Duration.ofSeconds(30));

      assertThat(reply).startsWith("HTTP/1.1 408").contains("application/problem+json").contains("idle timeout");
    }
  }

  @Test
  void bodyTrickledOneByteASecondShouldBeCutWhileOthersAreServed() throws Exception {
    List<Double> cutAfter = java.util.Collections.synchronizedList(new ArrayList<>());
    GoodRequestLatency.Figures f;
    try (Abuser a = new Abuser(() -> {
      try (Socket slow = connect("127.0.0.2")) {
        OutputStream out = slow.getOutputStream();
        out.write(("POST /api/v1/stores HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + TestServer.basic("alice")
            + "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        long t0 = System.nanoTime();
        AtomicBoolean cut = new AtomicBoolean();
        Thread trickle = Thread.ofVirtual().start(() -> {
          try {
            for (int i = 0; i < 120 && !cut.get(); i++) {
              out.write('{');
              out.flush();
              Thread.sleep(1000); // the attack's own pace
            }
          } catch (IOException | InterruptedException e) {
            cut.set(true);
          }
        });
        String reply = answer(slow, Duration.ofSeconds(60));
        cut.set(true);
        trickle.interrupt();
        trickle.join();
        double seconds = (System.nanoTime() - t0) / 1e9;
        cutAfter.add(seconds);
        assertThat(reply).startsWith("HTTP/1.1 408").contains("application/problem+json") // rate or idle timeout,
            .contains("request.min.data.rate"); // whichever strikes first on a loaded machine
      }
    })) {
      f = good.measure("slow body 1 B/s", GoodRequestLatency.window(3, 30));
      a.stop.set(true); // the round in progress still finishes and is checked
    }
    System.out.printf("ABUSE slow bodies (1 B/s) answered 408 and closed after %s s%n", cutAfter);
    assertThat(cutAfter).isNotEmpty().allSatisfy(s -> assertThat(s).isLessThan(15));
    assertThat(f.failures()).isZero();
    assertThat(f.p99Millis()).isLessThan(2000);
  }

  @Test
  void idleConnectionsShouldBeClosedByTheIdleTimeoutAndTheCapShouldNotStopEstablishedClients() throws Exception {
    assertThat(good.once()).isEqualTo(200); // the good client's kept-alive connection is fresh
    List<Double> drained = java.util.Collections.synchronizedList(new ArrayList<>());
    GoodRequestLatency.Figures f;
    try (Abuser a = new Abuser(() -> {
      List<Socket> idle = new ArrayList<>();
      long opened = System.nanoTime();
      try {
        for (int i = 0; i < MAX_CONNECTIONS + 30; i++) { // the excess waits in the accept backlog (50)
          Socket s = new Socket();
          s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.4"), 0));
          s.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), t.server.port()), 5000);
          if (i % 2 == 0) {
            s.getOutputStream().write("GET /api/v1/stores HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
          }
          idle.add(s);
        }
        // Every one is closed by the server: the first 64 at the idle timeout, the rest (in the
        // backlog past max.connections) once accepted, at their own idle timeout.
        for (Socket s : idle) {
          answer(s, Duration.ofSeconds(20));
        }
        drained.add((System.nanoTime() - opened) / 1e9);
      } finally {
        for (Socket s : idle) {
          s.close();
        }
      }
    })) {
      f = good.measure("idle connections x" + (MAX_CONNECTIONS + 30), GoodRequestLatency.window(3, 30));
      a.stop.set(true); // the round in progress still finishes and is checked
    }
    System.out.printf("ABUSE %d idle connections (cap %d) all closed by the server after %s s%n",
        MAX_CONNECTIONS + 30, MAX_CONNECTIONS, drained);
    assertThat(drained).isNotEmpty();
    assertThat(f.failures()).isZero();
    assertThat(f.p99Millis()).as("an established client is served; a reconnect waits at most about the idle timeout")
        .isLessThan(IDLE.toMillis() + 3000);
    assertThat(new GoodRequestLatency(t, "carol", "127.0.0.5").once()).as("a new client once they are gone")
        .isEqualTo(200);
  }

  @Test
  void eventStreamsShouldBeCappedPerUserAndPerServerWithoutSlowingOthers() throws Exception {
    HttpClient streams = HttpClient.newBuilder().localAddress(InetAddress.getByName("127.0.0.2")).build();
    String aliceStore = t.mailbox("alice");
    String bobStore = t.mailbox("bob");
    List<InputStream> open = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        open.add(stream(streams, "alice", aliceStore, 200));
      }
      HttpResponse<String> fifth = streams.send(request("alice", aliceStore), HttpResponse.BodyHandlers.ofString());
      assertThat(fifth.statusCode()).isEqualTo(429);
      assertThat(fifth.headers().firstValue("Retry-After")).isPresent();
      assertThat(fifth.body()).contains("MAPI_E_BUSY").contains("max.event.streams.per.user = 4");
      open.add(stream(streams, "bob", bobStore, 200));
      open.add(stream(streams, "bob", bobStore, 200));
      HttpResponse<String> seventh = streams.send(request("bob", bobStore), HttpResponse.BodyHandlers.ofString());
      assertThat(seventh.statusCode()).as("the server-wide cap of 6").isEqualTo(503);
      assertThat(seventh.body()).contains("max.event.streams = 6");

      GoodRequestLatency.Figures f = good.measure("event streams x6 + refused", GoodRequestLatency.window(2, 30));
      assertThat(f.failures()).isZero();
      assertThat(f.p99Millis()).isLessThan(2000);

      // A stream that ends gives its slot back (noticed at its next heartbeat).
      open.remove(0).close();
      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      int status;
      do {
        HttpResponse<InputStream> r = streams.send(request("alice", aliceStore), HttpResponse.BodyHandlers.ofInputStream());
        status = r.statusCode();
        if (status == 200) {
          open.add(r.body());
        } else {
          r.body().close();
        }
      } while (status != 200 && System.nanoTime() < deadline);
      assertThat(status).isEqualTo(200);
      assertThat(t.get(null, t.server.baseUri() + "/metrics").body())
          .containsPattern("msgstore_event_streams_refused_total ([2-9]|[1-9][0-9]+)\\n"); // at least the two refusals above, plus any while the slot was freed
    } finally {
      for (InputStream in : open) {
        in.close();
      }
    }
  }

  HttpRequest request(String user, String store) {
    return HttpRequest.newBuilder(URI.create(t.base + "/stores/" + store + "/events"))
        .header("Authorization", TestServer.basic(user)).timeout(Duration.ofSeconds(30)).build();
  }

  /** Opens an event stream and reads its first line, so the server has admitted it. */
  InputStream stream(HttpClient client, String user, String store, int expected) throws Exception {
    HttpResponse<InputStream> r = client.send(request(user, store), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(expected);
    InputStream in = r.body();
    assertThat(in.read()).isNotNegative();
    return in;
  }
}
