package msgstore.cli.campaign;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import msgstore.server.auth.Accounts;
import msgstore.server.auth.PasswordHasher;
import msgstore.storage.postgres.PostgresStorage;
import msgstore.storage.postgres.PostgresUrl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several real {@code msgstore serve --db postgresql://...} processes on one real PostgreSQL
 * (issue 12, ADR 0024): one winner per version across nodes (R33), events of one node streamed
 * by another, and an event stream resumed on a third node with {@code Last-Event-ID}.
 */
class MultiNodeProcessTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CLIENTS = 16;
  private static final long START_MILLIS = 60_000;
  private static EmbeddedPostgres postgres;
  private static int databases;

  @TempDir Path dir;
  private final List<ServeProcess> nodes = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private String token;

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = EmbeddedPostgres.builder().setServerConfig("fsync", "off").start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    postgres.close();
  }

  @AfterEach
  void stopNodes() {
    nodes.forEach(ServeProcess::close);
  }

  /** A fresh database with user carol (mailbox pending) and a token of hers, made before any node starts. */
  private String database() throws Exception {
    String name = "nodes" + (++databases);
    try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    }
    String url = "postgresql://postgres@localhost:" + postgres.getPort() + "/" + name;
    PostgresStorage storage = PostgresStorage.open(PostgresUrl.options(url, n -> null));
    try (Accounts a = Accounts.openShared(storage.dataSource(), storage.describe(), PasswordHasher.of(64, 1, 1),
        Clock.systemUTC(), Accounts.HashingLimit.UNBOUNDED_WAIT).closingAlso(storage)) {
      a.addUser("carol", "pw".toCharArray(), true);
      token = a.createToken("carol", "nodes test").token().orElseThrow();
    }
    return url;
  }

  /** Starts {@code n} nodes at once on {@code url}; returns their API base URLs. */
  private List<String> start(int n, String url) throws Exception {
    for (int i = 0; i < n; i++) {
      nodes.add(ServeProcess.start(dir.resolve("data" + i), dir.resolve("node" + i + ".err"), Map.of(), "--db", url));
    }
    List<String> bases = new ArrayList<>();
    for (ServeProcess p : nodes) {
      bases.add(p.awaitUrl(START_MILLIS) + "/api/v1");
    }
    return bases;
  }

  @Test
  void sixteenClientsSpreadOverThreeNodesShouldLetExactlyOneSaveWinWhenTheyRaceOneMessage() throws Exception {
    List<String> node = start(3, database());
    String store = mailbox(node.get(0));
    String inbox = inbox(node.get(1), store);
    Resp created = send("POST", node.get(2) + "/stores/" + store + "/folders/" + inbox + "/messages", "base", Map.of());
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    String message = "/stores/" + store + "/messages/" + JSON.readTree(created.body()).get("messageId").asText();
    String etag = send("GET", node.get(0) + message, null, Map.of()).header("ETag");
    CyclicBarrier together = new CyclicBarrier(CLIENTS);
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    List<Future<Resp>> answers = new ArrayList<>();
    try {
      for (int i = 0; i < CLIENTS; i++) {
        String base = node.get(i % node.size());
        String subject = "client " + i;
        answers.add(clients.submit(() -> {
          together.await();
          return send("PATCH", base + message, subject, Map.of("If-Match", etag));
        }));
      }
      List<Resp> results = new ArrayList<>();
      for (Future<Resp> f : answers) {
        results.add(f.get(60, TimeUnit.SECONDS));
      }
      assertThat(results).as("R33: exactly one save from the base wins, whichever node it reached")
          .filteredOn(r -> r.status() == 200).hasSize(1);
      assertThat(results).filteredOn(r -> r.status() != 200).hasSize(CLIENTS - 1)
          .allSatisfy(r -> assertThat(r.status()).as(r.toString()).isEqualTo(412))
          .allSatisfy(r -> assertThat(r.body()).contains("MAPI_E_OBJECT_CHANGED"));
    } finally {
      clients.shutdownNow();
    }
  }

  @Test
  void eventStreamOnNodeBShouldCarryASaveMadeOnNodeAAndResumeOnNodeCWithLastEventId() throws Exception {
    List<String> node = start(3, database());
    String store = mailbox(node.get(0));
    String inbox = inbox(node.get(0), store);
    String folder = node.get(0) + "/stores/" + store + "/folders/" + inbox + "/messages";
    BlockingQueue<String[]> onB = new LinkedBlockingQueue<>();
    Thread follower = follow(node.get(1) + "/stores/" + store + "/events", null, onB);
    try {
      awaitStreamOpen(node.get(0), folder, onB);
      Resp first = send("POST", folder, "made on A", Map.of());
      String id = JSON.readTree(first.body()).get("messageId").asText();
      String[] event = awaitEvent(onB, e -> e[1].contains(id) && e[1].contains("OBJECT_CREATED"));
      long position = Long.parseLong(event[0]);
      follower.interrupt();
      // Two more saves while nobody listens; node C resumes after the last event B delivered.
      List<String> missed = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        missed.add(JSON.readTree(send("POST", folder, "while away " + i, Map.of()).body()).get("messageId").asText());
      }
      BlockingQueue<String[]> onC = new LinkedBlockingQueue<>();
      follower = follow(node.get(2) + "/stores/" + store + "/events", position, onC);
      for (String m : missed) {
        String[] e = awaitEvent(onC, x -> x[1].contains(m) && x[1].contains("OBJECT_CREATED"));
        assertThat(Long.parseLong(e[0])).as("positions only grow").isGreaterThan(position);
        position = Long.parseLong(e[0]);
      }
    } finally {
      follower.interrupt();
    }
  }

  @Test
  void firstStartOnAnEmptyDatabaseShouldPrintTheAdminPasswordThatEveryNodeThenAccepts() throws Exception {
    String name = "empty" + (++databases);
    try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    }
    String url = "postgresql://postgres@localhost:" + postgres.getPort() + "/" + name;
    String a = start(1, url).getFirst();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (nodes.getFirst().stdout().stream().noneMatch(l -> l.startsWith("stop with")) && System.nanoTime() < deadline) {
      Thread.sleep(20); // the lines after "serving" come a moment later
    }
    String password = nodes.getFirst().stdout().stream().filter(l -> l.startsWith("created user admin, password: "))
        .map(l -> l.substring("created user admin, password: ".length()).split(";")[0]).findFirst()
        .orElseThrow(() -> new AssertionError("no admin password printed: " + nodes.getFirst().stdout()));
    nodes.add(ServeProcess.start(dir.resolve("data-b"), dir.resolve("node-b.err"), Map.of(), "--db", url));
    String b = nodes.getLast().awaitUrl(START_MILLIS) + "/api/v1";
    assertThat(nodes.getLast().stdout()).as("the second node finds admin there").noneMatch(l -> l.contains("password"));
    String basic = "Basic " + java.util.Base64.getEncoder().encodeToString(("admin:" + password).getBytes(UTF_8));
    for (String base : List.of(a, b)) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/stores"))
          .header("Authorization", basic).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(base + " " + r.body()).isEqualTo(200);
    }
  }

  /** Creates throw-away messages until the stream on another node shows one: then it is surely open. */
  private void awaitStreamOpen(String base, String folder, BlockingQueue<String[]> events) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      send("POST", folder, "probe", Map.of());
      if (events.poll(500, TimeUnit.MILLISECONDS) != null) {
        events.clear();
        return;
      }
    }
    throw new AssertionError("the event stream on the other node delivered nothing within 30 s");
  }

  private Thread follow(String url, Long lastEventId, BlockingQueue<String[]> out) {
    Thread t = new Thread(() -> {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
          .header("Accept", "text/event-stream");
      if (lastEventId != null) {
        b.header("Last-Event-ID", Long.toString(lastEventId));
      }
      try {
        HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), UTF_8))) {
          String id = null;
          for (String line; !Thread.currentThread().isInterrupted() && (line = in.readLine()) != null; ) {
            if (line.startsWith("id:")) {
              id = line.substring(3).strip();
            } else if (line.startsWith("data:") && id != null) {
              out.add(new String[] {id, line.substring(5).strip()});
              id = null;
            }
          }
        }
      } catch (Exception e) {
        // interrupted or the node went away: the test decides what it expected
      }
    }, "sse-follower");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static String[] awaitEvent(BlockingQueue<String[]> q, java.util.function.Predicate<String[]> p)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      String[] e = q.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (e == null) {
        throw new AssertionError("no matching event within 10 s");
      }
      if (p.test(e)) {
        return e;
      }
    }
  }

  private String mailbox(String base) throws Exception {
    for (JsonNode s : JSON.readTree(send("GET", base + "/stores", null, Map.of()).body())) {
      if (s.get("owner").asText().equals("carol")) {
        return s.get("id").asText();
      }
    }
    throw new AssertionError("carol has no mailbox");
  }

  private String inbox(String base, String store) throws Exception {
    for (JsonNode f : JSON.readTree(send("GET", base + "/stores/" + store + "/folders", null, Map.of()).body())) {
      if (f.get("displayName").asText().equals("Inbox")) {
        return f.get("id").asText();
      }
    }
    throw new AssertionError("no Inbox in " + store);
  }

  record Resp(int status, java.net.http.HttpHeaders headers, String body) {
    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }
  }

  /** A request as carol; {@code subject} non-null sends a message body with that subject. */
  private Resp send(String method, String url, String subject, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
        .timeout(Duration.ofSeconds(30));
    headers.forEach(b::header);
    if (subject == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      String body = JSON.createObjectNode().set("properties", JSON.createObjectNode().put("PidTagSubject", subject))
          .toString();
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Resp(r.statusCode(), r.headers(), r.body());
  }
}
