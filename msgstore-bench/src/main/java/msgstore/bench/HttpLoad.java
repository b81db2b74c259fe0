package msgstore.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import msgstore.api.Folder;
import msgstore.api.FolderId;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.ObjectChangedException;
import msgstore.api.OpenFlag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.SaveResult;
import msgstore.api.Session;
import msgstore.api.StoreInfo;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.server.MsgstoreServer;
import msgstore.server.ServerConfig;

/**
 * Load test of the HTTP server (docs/BENCHMARKS.md, "HTTP server"), with every reference figure
 * measured in the same process and run so that the machine's speed cancels out of the ratios.
 *
 * <p>It starts an in-process {@link MsgstoreServer} on a free port over a fresh data directory
 * (durable SQLite, as the embedded benchmarks), adds a user with a bearer token (so the password
 * hash is never measured), seeds typical messages through the embedded API, and then drives the
 * HTTP API with {@link java.net.http.HttpClient} (HTTP/1.1, one shared client; or with {@code
 * --client raw} a minimal hand-written client, see {@link LoadClient}), one virtual thread per
 * client, at 1, 4, 16 and 64 concurrent clients, each point a warm-up then a fixed measurement window:
 *
 * <ol>
 *   <li>the trivial endpoint ({@code GET /health/live}): the server's ceiling, next to
 *   <li>{@code GET} of a random message;
 *   <li>conditional saves of random messages: {@code GET} (for the ETag), then {@code PATCH} of
 *       the subject with {@code If-Match}; then, as the reference, the same open+set+save through
 *       the embedded API with 16 threads on distinct messages;
 *   <li>every client on one hot message, with a check that no stale save ever succeeded: each
 *       success's base ETag must be the version before it, so the (base, new) pairs of all
 *       successes must form one chain from the version before the point to the one after it,
 *       with no base used twice;
 *   <li>Server-Sent Events: many subscribers on the store's event stream ({@link
 *       SseSubscribers}), saves committed at a steady pace through the embedded API, and the
 *       delivery latency from the moment each save returned to the moment its event was read;
 *       plus the heap (after a GC) and the live platform threads before and with the subscribers.
 * </ol>
 *
 * <pre>
 * msgstore-bench/run http [smoke|full] [--clients 1,4,16,64] [--warmup S] [--time S]
 *     [--messages N] [--subscribers N] [--sse-events K] [--sse-rate R] [--embedded-threads N]
 *     [--client jdk|raw] [--out FILE] [--strict]
 * </pre>
 *
 * Exit status: 0 when every point ran cleanly (missed targets are reported, not fatal; {@code
 * --strict} makes them fatal), 1 when a check failed (a broken save chain, HTTP errors, SSE
 * events not delivered), 2 on bad arguments.
 */
public final class HttpLoad {
  static final String USER = "bench";
  private static final String LOGBACK = "logback.configurationFile";

  /** Sizes of a run. */
  static final class Profile {
    String name;
    int messages;
    int[] clients = {1, 4, 16, 64};
    int warmupSeconds;
    int seconds;
    int subscribers;
    int sseEvents;
    int sseRate;
    int embeddedThreads = 16;
    boolean rawClient;

    static Profile smoke() {
      Profile p = new Profile();
      p.name = "smoke";
      p.messages = 1_000;
      p.warmupSeconds = 1;
      p.seconds = 3;
      p.subscribers = 100;
      p.sseEvents = 40;
      p.sseRate = 10;
      return p;
    }

    static Profile full() {
      Profile p = new Profile();
      p.name = "full";
      p.messages = 10_000;
      p.warmupSeconds = 3;
      p.seconds = 12;
      p.subscribers = 1_000;
      p.sseEvents = 300;
      p.sseRate = 10;
      return p;
    }
  }

  /** Outcome of the hot-message chain check of one point. */
  record Chain(int links, boolean ok, String detail) {}

  /** What the SSE phase measured. */
  record SseResult(int subscribers, int streaming, String firstFailure, int events, int rate, Samples latencies,
      long missing, long early, long duplicates, long heapBefore, long heapWith, int threadsBefore, int threadsWith) {}

  private final Profile p;
  private final Path out;
  private final boolean strict;
  private final Map<String, ClosedLoop.Result> results = new LinkedHashMap<>();
  private final Map<Integer, Chain> chains = new LinkedHashMap<>();
  private SseResult sse;
  private String trivialPath;
  private double seedSeconds;
  private long encodedSize;
  private int missed;
  private boolean failed;

  // the running server and its data, set up by run()
  private EmbeddedMessageStore store;
  private String storePath;
  private MessageId[] ids;
  private String token;
  private String clientName;

  private HttpLoad(Profile p, Path out, boolean strict) {
    this.p = p;
    this.out = out;
    this.strict = strict;
  }

  public static void main(String[] args) throws Exception {
    if (System.getProperty(LOGBACK) == null) {
      System.setProperty(LOGBACK, "msgstore-bench-logback.xml"); // before anything starts logging
    }
    Profile p = Profile.smoke();
    Path out = null;
    boolean strict = false;
    List<String> a = new ArrayList<>(Arrays.asList(args));
    if (!a.isEmpty() && !a.get(0).startsWith("-")) {
      String name = a.remove(0);
      switch (name) {
        case "smoke" -> p = Profile.smoke();
        case "full" -> p = Profile.full();
        default -> usage("unknown profile '" + name + "' (smoke or full)");
      }
    }
    for (int i = 0; i < a.size(); i++) {
      String opt = a.get(i);
      switch (opt) {
        case "--strict" -> strict = true;
        case "-h", "--help" -> usage(null);
        default -> {
          if (i + 1 >= a.size()) {
            usage("option " + opt + " needs a value");
          }
          String v = a.get(++i);
          try {
            switch (opt) {
              case "--clients" -> p.clients = Arrays.stream(v.split(",")).mapToInt(s -> positive(opt, s)).toArray();
              case "--warmup" -> p.warmupSeconds = Integer.parseInt(v);
              case "--time" -> p.seconds = positive(opt, v);
              case "--messages" -> p.messages = positive(opt, v);
              case "--subscribers" -> p.subscribers = positive(opt, v);
              case "--sse-events" -> p.sseEvents = positive(opt, v);
              case "--sse-rate" -> p.sseRate = positive(opt, v);
              case "--embedded-threads" -> p.embeddedThreads = positive(opt, v);
              case "--client" -> p.rawClient = switch (v) {
                case "jdk" -> false;
                case "raw" -> true;
                default -> {
                  usage("--client is jdk or raw, got '" + v + "'");
                  yield false;
                }
              };
              case "--out" -> out = Path.of(v);
              default -> usage("unknown option " + opt);
            }
          } catch (NumberFormatException e) {
            usage("option " + opt + " needs a number, got '" + v + "'");
          }
        }
      }
    }
    int most = Math.max(Arrays.stream(p.clients).max().orElse(1), p.embeddedThreads);
    if (p.messages < most) {
      usage("--messages " + p.messages + " is fewer than the most clients (" + most + ")");
    }
    if (out == null) {
      out = BenchPaths.targetDir().resolve("bench-results").resolve("http-" + p.name + "-"
          + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".md");
    }
    System.exit(new HttpLoad(p, out, strict).run());
  }

  private static int positive(String opt, String v) {
    int n = Integer.parseInt(v.trim());
    if (n < 1) {
      usage("option " + opt + " must be at least 1, got " + n);
    }
    return n;
  }

  private static void usage(String error) {
    if (error != null) {
      System.err.println("msgstore-bench http: " + error);
    }
    System.err.println("""
        usage: msgstore-bench/run http [smoke|full] [options]
          --clients 1,4,16,64    concurrent HTTP clients of each point
          --warmup S --time S    warm-up and measurement seconds of each point (smoke 1 + 3, full 3 + 12)
          --messages N           messages seeded in the store (smoke 1,000, full 10,000)
          --subscribers N        SSE subscribers (smoke 100, full 1,000)
          --sse-events K --sse-rate R   saves committed during the SSE phase, per second (smoke 40 at 10/s, full 300 at 10/s)
          --embedded-threads N   writers of the embedded reference save rate (16); the ratios are judged at this many clients
          --client jdk|raw       java.net.http.HttpClient (default), or a minimal raw HTTP/1.1 client that leaves the
                                 server more of the CPU
          --strict               exit 1 when a target is missed
          --out FILE             where to write the Markdown (default target/bench-results/http-<profile>-<time>.md)""");
    System.exit(error == null ? 0 : 2);
  }

  // ---- the run

  private int run() throws Exception {
    long t0 = System.nanoTime();
    encodedSize = TypicalMessage.encodedSize();
    Path data = BenchPaths.freshDir("http");
    Map<String, String> overrides = Map.of("data", data.toString(), "bind", "127.0.0.1", "port", "0");
    // No environment: a stray MSGSTORE_* variable must not move the data or the port.
    ServerConfig config = ServerConfig.load(Optional.empty(), Map.of(), overrides);
    System.out.printf("# msgstore-bench http (%s): server data in %s%n", p.name, data);
    try (var server = MsgstoreServer.start(config)) {
      store = server.store();
      char[] password = randomPassword();
      server.accounts().addUser(USER, password, false);
      Arrays.fill(password, '\0');
      token = server.accounts().createToken(USER, "msgstore-bench").token()
          .orElseThrow(() -> new IllegalStateException("createToken returned no secret"));
      seed();

      InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.port());
      try (LoadClient http = p.rawClient ? LoadClient.raw(address)
          : LoadClient.jdk(URI.create("http://127.0.0.1:" + server.port()))) {
        clientName = http.name();
        trivialPath = findTrivialEndpoint(http);
        warmUp(http);
        for (int c : p.clients) {
          point("trivial", c, i -> trivial(http));
          point("get", c, i -> getMessage(http));
        }
        for (int c : p.clients) {
          point("save", c, i -> conditionalSave(http));
          holdAllEtags(); // the GET + PATCH point just changed them
          point("held", c, i -> heldEtagSave(http, i, c));
          if (c == p.embeddedThreads) {
            embedded();
          }
        }
        if (Arrays.stream(p.clients).noneMatch(c -> c == p.embeddedThreads)) {
          embedded();
        }
        for (int c : p.clients) {
          hot(http, c);
        }
      }
      sse = sse(address);
    } finally {
      BenchPaths.deleteTree(data);
    }
    String md = report((System.nanoTime() - t0) / 1e9, data);
    System.out.println();
    System.out.println(md);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, md);
    System.out.println("(also written to " + out.toAbsolutePath() + ")");
    return failed || (strict && missed > 0) ? 1 : 0;
  }

  private static char[] randomPassword() {
    SecureRandom r = new SecureRandom();
    char[] c = new char[24];
    for (int i = 0; i < c.length; i++) {
      c[i] = (char) ('a' + r.nextInt(26));
    }
    return c;
  }

  /** The user's store, one folder, {@code messages} typical messages saved by 64 writers. */
  private void seed() throws InterruptedException {
    FolderId folder;
    try (Session s = store.openSession(USER)) {
      StoreInfo info = s.createStore(PreparedStore.STORE_NAME);
      storePath = "/api/v1/stores/" + info.id();
      folder = s.openFolder(info.rootFolder()).createFolder(PreparedStore.folderName(0)).id();
    }
    int n = p.messages;
    ids = new MessageId[n];
    AtomicInteger next = new AtomicInteger();
    int threads = Math.min(64, n);
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(pool.submit(() -> {
          try (Session s = store.openSession(USER)) {
            Folder f = s.openFolder(folder);
            for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
              Message m = f.createMessage();
              TypicalMessage.fill(m, i);
              ids[i] = m.saveChanges().messageId();
            }
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("seeding the store failed", e.getCause());
    } finally {
      pool.shutdownNow();
    }
    seedSeconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf("# seeded %,d messages in %.1f s (%,.0f msg/s)%n", n, seedSeconds, n / seedSeconds);
  }

  // ---- HTTP operations

  private String messagePath(MessageId id) {
    return storePath + "/messages/" + id;
  }

  private MessageId randomMessage(SplittableRandom r) {
    return ids[r.nextInt(ids.length)];
  }

  private LoadClient.Response get(LoadClient.Connection c, String path) throws IOException, InterruptedException {
    return c.exchange("GET", path, null, "Authorization", "Bearer " + token);
  }

  private static String describe(String what, LoadClient.Response r) {
    String body = r.bodyText();
    return what + " answered " + r.status() + ": " + (body.length() > 300 ? body.substring(0, 300) + "..." : body);
  }

  /** The ETag's change key (quotes and a weak prefix removed), or null. */
  static String changeKey(String etag) {
    if (etag == null) {
      return null;
    }
    String s = etag.startsWith("W/") ? etag.substring(2) : etag;
    return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
  }

  private String findTrivialEndpoint(LoadClient http) throws IOException, InterruptedException {
    try (LoadClient.Connection c = http.connect()) {
      for (String path : new String[] {"/health/live", "/health"}) {
        if (c.exchange("GET", path, null).status() == 200) {
          if (!path.equals("/health/live")) {
            System.out.println("# NOTE: the server has no GET /health/live; the trivial endpoint is " + path
                + " (it checks the store, so the ceiling is lower than a trivial endpoint's)");
          }
          return path;
        }
      }
    }
    throw new IllegalStateException("neither GET /health/live nor GET /health answers 200");
  }

  /** An operation on a connection of its own, closed with the worker. */
  @FunctionalInterface
  private interface HttpStep {
    void run(ClosedLoop.Worker w, LoadClient.Connection c) throws Exception;
  }

  private static ClosedLoop.Operation withConnection(LoadClient http, HttpStep step) {
    LoadClient.Connection c = http.connect();
    return new ClosedLoop.Operation() {
      @Override
      public void run(ClosedLoop.Worker w) throws Exception {
        step.run(w, c);
      }

      @Override
      public void close() {
        c.close();
      }
    };
  }

  /** The trivial endpoint, without credentials (it needs none). */
  private ClosedLoop.Operation trivial(LoadClient http) {
    return withConnection(http, (w, c) -> {
      long t = System.nanoTime();
      LoadClient.Response r = c.exchange("GET", trivialPath, null);
      long lat = System.nanoTime() - t;
      if (r.status() == 200) {
        w.ok(lat);
      } else {
        w.error(describe("GET " + trivialPath, r));
      }
    });
  }

  private ClosedLoop.Operation getMessage(LoadClient http) {
    return withConnection(http, (w, c) -> {
      String path = messagePath(randomMessage(w.random));
      long t = System.nanoTime();
      LoadClient.Response r = get(c, path);
      long lat = System.nanoTime() - t;
      if (r.status() == 200) {
        w.ok(lat);
      } else {
        w.error(describe("GET message", r));
      }
    });
  }

  /** GET for the ETag, then PATCH the subject with If-Match; the latency is the PATCH's. */
  private ClosedLoop.Operation conditionalSave(LoadClient http) {
    long[] n = {0};
    return withConnection(http, (w, c) -> {
      String path = messagePath(randomMessage(w.random));
      LoadClient.Response g = get(c, path);
      if (g.status() != 200 || g.etag() == null) {
        w.error(g.status() == 200 ? "GET message: no ETag" : describe("GET message", g));
        return;
      }
      Patch r = patchSubject(c, path, g.etag(), "save c" + w.index + " n" + n[0]++);
      switch (r.response().status()) {
        case 200 -> w.ok(r.nanos());
        case 412 -> w.conflict(r.nanos());
        default -> w.error(describe("PATCH", r.response()));
      }
    });
  }

  /** The ETag each message had after the last save answered to any client: what a client that holds its messages knows. */
  private final java.util.concurrent.ConcurrentHashMap<MessageId, String> held = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * A client that holds its messages' ETags (from its last answer, as an open SDK handle or a
   * sync client does): only the conditional PATCH per save, on its own slice of the messages, so
   * there are no conflicts. The first touch of a message reads its ETag with a GET.
   */
  private ClosedLoop.Operation heldEtagSave(LoadClient http, int worker, int clients) {
    int from = (int) ((long) (worker % clients) * ids.length / clients);
    int to = (int) ((long) (worker % clients + 1) * ids.length / clients);
    long[] n = {0};
    return withConnection(http, (w, c) -> {
      MessageId id = ids[from + w.random.nextInt(to - from)];
      String path = messagePath(id);
      String etag = held.get(id);
      if (etag == null) {
        LoadClient.Response g = get(c, path);
        if (g.status() != 200 || g.etag() == null) {
          w.error(g.status() == 200 ? "GET message: no ETag" : describe("GET message", g));
          return;
        }
        etag = g.etag();
      }
      Patch r = patchSubject(c, path, etag, "held c" + w.index + " n" + n[0]++);
      switch (r.response().status()) {
        case 200 -> {
          held.put(id, r.response().etag());
          w.ok(r.nanos());
        }
        case 412 -> {
          held.remove(id);
          w.conflict(r.nanos());
        }
        default -> w.error(describe("PATCH", r.response()));
      }
    });
  }

  /** Reads every message's current ETag through the embedded API, so held-ETag clients start warm. */
  private void holdAllEtags() {
    try (Session s = store.openSession(USER)) {
      for (MessageId id : ids) {
        try (Message m = s.openMessage(id)) {
          held.put(id, "\"" + m.baseChangeKey().orElseThrow() + "\"");
        }
      }
    }
  }

  /** A PATCH's answer and how long it took. */
  private record Patch(LoadClient.Response response, long nanos) {}

  private Patch patchSubject(LoadClient.Connection c, String path, String etag, String subject)
      throws IOException, InterruptedException {
    byte[] body = ("{\"properties\":{\"PidTagSubject\":\"" + subject + "\"}}").getBytes(StandardCharsets.UTF_8);
    long t = System.nanoTime();
    LoadClient.Response r = c.exchange("PATCH", path, body, "Authorization", "Bearer " + token,
        "Content-Type", "application/merge-patch+json", "If-Match", etag);
    return new Patch(r, System.nanoTime() - t);
  }

  /**
   * Runs every operation kind unmeasured for the warm-up time first, so that the first measured
   * points (1 client) do not pay for the JIT compiling the save and read paths.
   */
  private void warmUp(LoadClient http) throws InterruptedException {
    int c = Math.min(16, Arrays.stream(p.clients).max().orElse(1));
    Duration w = Duration.ofSeconds(p.warmupSeconds);
    System.out.printf("# warming up the JVM: each operation for %d s at %d clients%n", p.warmupSeconds, c);
    List<ClosedLoop.Result> rs = List.of(
        ClosedLoop.run("warm-trivial", c, w, Duration.ZERO, true, i -> trivial(http)),
        ClosedLoop.run("warm-get", c, w, Duration.ZERO, true, i -> getMessage(http)),
        ClosedLoop.run("warm-save", c, w, Duration.ZERO, true, i -> conditionalSave(http)),
        ClosedLoop.run("warm-embedded", c, w, Duration.ZERO, false, this::embeddedSave));
    for (int i = 0; i < rs.size(); i++) {
      if (rs.get(i).errors() > 0) {
        record("warm-up." + i, rs.get(i));
      }
    }
  }

  private void point(String kind, int clients, IntFunction<ClosedLoop.Operation> ops)
      throws InterruptedException {
    ClosedLoop.Result r = ClosedLoop.run(kind + clients, clients, Duration.ofSeconds(p.warmupSeconds),
        Duration.ofSeconds(p.seconds), true, ops);
    record(kind + "." + clients, r);
  }

  private void record(String key, ClosedLoop.Result r) {
    results.put(key, r);
    System.out.printf("# %-12s %3d clients: %,10.0f ok/s  %,8.0f conflicts/s  %d errors  %s%n", key, r.clients(),
        r.okPerSecond(), r.conflictsPerSecond(), r.errors(), r.latencies().p50p99());
    for (String e : r.errorSamples()) {
      System.out.println("#   error: " + e);
    }
    if (r.errors() > 0) {
      failed = true;
    }
  }

  // ---- embedded reference

  /** open(MODIFY) + set the subject + saveChanges() through the Java API, each thread on its own slice of the messages. */
  private void embedded() throws InterruptedException {
    ClosedLoop.Result r = ClosedLoop.run("embedded", p.embeddedThreads, Duration.ofSeconds(p.warmupSeconds),
        Duration.ofSeconds(p.seconds), false, this::embeddedSave);
    record("embedded." + p.embeddedThreads, r);
  }

  /** Embedded writer {@code i} of {@link #embedded}: its own session and slice of the messages. */
  private ClosedLoop.Operation embeddedSave(int i) {
    int threads = p.embeddedThreads;
    Session s = store.openSession(USER);
    int from = (int) ((long) (i % threads) * ids.length / threads);
    int to = (int) ((long) (i % threads + 1) * ids.length / threads);
    long[] n = {0};
    return new ClosedLoop.Operation() {
      @Override
      public void run(ClosedLoop.Worker w) {
        MessageId id = ids[from + w.random.nextInt(to - from)];
        long t = System.nanoTime();
        Message m = s.openMessage(id, OpenFlag.MODIFY);
        try {
          m.setProps(PropValue.of(PropTags.SUBJECT, "embedded t" + i + " n" + n[0]++));
          m.saveChanges();
          w.ok(System.nanoTime() - t);
        } catch (ObjectChangedException e) {
          w.conflict(System.nanoTime() - t);
        } finally {
          m.close();
        }
      }

      @Override
      public void close() {
        s.close();
      }
    };
  }

  // ---- hot message

  private void hot(LoadClient http, int clients) throws IOException, InterruptedException {
    String path = messagePath(ids[0]);
    String before = currentKey(http, path);
    ConcurrentLinkedQueue<String[]> links = new ConcurrentLinkedQueue<>();
    ClosedLoop.Result r = ClosedLoop.run("hot" + clients, clients, Duration.ofSeconds(p.warmupSeconds),
        Duration.ofSeconds(p.seconds), true, i -> {
          long[] n = {0};
          return withConnection(http, (w, c) -> {
            LoadClient.Response g = get(c, path);
            if (g.status() != 200 || g.etag() == null) {
              w.error(g.status() == 200 ? "GET hot message: no ETag" : describe("GET hot message", g));
              return;
            }
            Patch pr = patchSubject(c, path, g.etag(), "hot c" + w.index + " n" + n[0]++);
            LoadClient.Response s = pr.response();
            switch (s.status()) {
              case 200 -> {
                String now = changeKey(s.etag());
                if (now == null) {
                  w.error("PATCH 200 without an ETag");
                  return;
                }
                links.add(new String[] {changeKey(g.etag()), now}); // warm-up saves too: the chain must be whole
                w.ok(pr.nanos());
              }
              case 412 -> w.conflict(pr.nanos());
              default -> w.error(describe("PATCH hot message", s));
            }
          });
        });
    String after = currentKey(http, path);
    Chain chain = checkChain(before, after, new ArrayList<>(links));
    chains.put(clients, chain);
    record("hot." + clients, r);
    System.out.println("#   save chain: " + chain.detail());
    if (!chain.ok()) {
      failed = true;
    }
  }

  private String currentKey(LoadClient http, String path) throws IOException, InterruptedException {
    try (LoadClient.Connection c = http.connect()) {
      LoadClient.Response g = get(c, path);
      String k = changeKey(g.etag());
      if (g.status() != 200 || k == null) {
        throw new IllegalStateException(describe("GET hot message", g));
      }
      return k;
    }
  }

  /**
   * No stale save succeeded: following base -> new from the version before the point visits every
   * success exactly once and ends at the version after it, and no base was used twice.
   */
  static Chain checkChain(String before, String after, List<String[]> links) {
    Map<String, String> next = new HashMap<>();
    List<String> reused = new ArrayList<>();
    for (String[] l : links) {
      String prev = next.put(l[0], l[1]);
      if (prev != null) {
        reused.add(l[0] + " -> " + prev + " and -> " + l[1]);
      }
    }
    String k = before;
    int steps = 0;
    while (next.containsKey(k) && steps <= links.size()) {
      k = next.get(k);
      steps++;
    }
    boolean ok = reused.isEmpty() && steps == links.size() && k.equals(after);
    String detail = ok
        ? String.format(Locale.ROOT, "%,d successful saves form one chain from %s to %s; no stale save succeeded",
            links.size(), before, after)
        : String.format(Locale.ROOT, "BROKEN: %,d successes, chain from %s followed for %,d step(s) to %s (current %s);"
            + " bases used twice: %s", links.size(), before, steps, k, after,
            reused.isEmpty() ? "none" : reused.subList(0, Math.min(3, reused.size())));
    return new Chain(links.size(), ok, detail);
  }

  // ---- SSE

  private SseResult sse(InetSocketAddress address) throws Exception {
    long heapBefore = heapAfterGc();
    int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
    long[] heapWith = new long[1];
    int[] threadsWith = new int[1];
    SplittableRandom rnd = new SplittableRandom(42);
    SseDelivery.Result r;
    try (Session s = store.openSession(USER)) {
      r = SseDelivery.measure(address, storePath + "/events", token, p.subscribers, 0, p.sseEvents, p.sseRate,
          subject -> saveSubject(s, ids[rnd.nextInt(ids.length)], subject).changeKey().toString(),
          streaming -> {
            heapWith[0] = heapAfterGc();
            threadsWith[0] = ManagementFactory.getThreadMXBean().getThreadCount();
          });
    }
    if (!r.clean()) {
      failed = true;
    }
    return new SseResult(r.subscribers(), r.streaming(), r.firstFailure(), r.events(), r.rate(), r.latencies(),
        r.missing(), r.early(), r.duplicates(), heapBefore, heapWith[0], threadsBefore, threadsWith[0]);
  }

  private static SaveResult saveSubject(Session s, MessageId id, String subject) {
    Message m = s.openMessage(id, OpenFlag.MODIFY);
    try {
      m.setProps(PropValue.of(PropTags.SUBJECT, subject));
      return m.saveChanges();
    } finally {
      m.close();
    }
  }

  /** The {@code changeKey} string of a StoreEvent's JSON, or null. */
  static String eventChangeKey(String json) {
    int i = json.indexOf("\"changeKey\"");
    if (i < 0) {
      return null;
    }
    i += "\"changeKey\"".length();
    while (i < json.length() && (json.charAt(i) == ':' || json.charAt(i) == ' ')) {
      i++;
    }
    if (i >= json.length() || json.charAt(i) != '"') {
      return null; // null or absent
    }
    int end = json.indexOf('"', i + 1);
    return end < 0 ? null : json.substring(i + 1, end);
  }

  private static long heapAfterGc() throws InterruptedException {
    var mem = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100); // a pause between collections, so that what the first one freed is reclaimed by the next
    }
    return mem.getHeapMemoryUsage().getUsed();
  }

  // ---- report

  private String verdict(boolean ok) {
    if (!ok) {
      missed++;
    }
    return ok ? "PASS" : "**MISS**";
  }

  private static String rate(double v, String unit) {
    return String.format(Locale.ROOT, "%,.0f %s", v, unit);
  }

  private static String ratio(double x) {
    return String.format(Locale.ROOT, "%.2fx", x);
  }

  private static String errors(ClosedLoop.Result r) {
    return r.errors() == 0 ? "" : String.format(Locale.ROOT, "; **%,d errors**", r.errors());
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%,.1f MiB", bytes / 1048576.0);
  }

  private String report(double seconds, Path data) {
    List<String[]> rows = new ArrayList<>();
    int ref = p.embeddedThreads;
    String trivialName = "Trivial endpoint GET " + trivialPath + (trivialPath.equals("/health/live") ? "" : " (no /health/live)");
    for (int c : p.clients) {
      ClosedLoop.Result t = results.get("trivial." + c);
      ClosedLoop.Result g = results.get("get." + c);
      rows.add(new String[] {trivialName, Integer.toString(c), rate(t.okPerSecond(), "req/s") + "; "
          + t.latencies().p50p99() + errors(t), "", "", "", t.errors() > 0 ? "**FAIL**" : "ceiling"});
      double x = g.okPerSecond() / t.okPerSecond();
      boolean judged = c == ref;
      rows.add(new String[] {String.format(Locale.ROOT, "GET message (random of %,d)", p.messages), Integer.toString(c),
          rate(g.okPerSecond(), "msgs/s") + "; " + g.latencies().p50p99() + errors(g),
          "trivial endpoint, same clients", ratio(x), judged ? ">= 0.5x" : "-",
          g.errors() > 0 ? "**FAIL**" : judged ? verdict(x >= 0.5) : "info"});
    }
    ClosedLoop.Result emb = results.get("embedded." + ref);
    for (int c : p.clients) {
      ClosedLoop.Result s = results.get("save." + c);
      String res = String.format(Locale.ROOT, "%,.0f saves/s (200), %,.0f/s 412; PATCH %s%s", s.okPerSecond(),
          s.conflictsPerSecond(), s.latencies().p50p99(), errors(s));
      double x = s.okPerSecond() / emb.okPerSecond();
      boolean judged = c == ref;
      rows.add(new String[] {"Conditional save: GET + PATCH subject, If-Match (random message)", Integer.toString(c), res,
          "embedded saves, " + ref + " threads", ratio(x), judged ? ">= 0.5x" : "-",
          s.errors() > 0 ? "**FAIL**" : judged ? verdict(x >= 0.5) : "info"});
    }
    rows.add(new String[] {"Embedded open(MODIFY) + set subject + saveChanges, distinct messages (reference)",
        ref + " threads", String.format(Locale.ROOT, "%,.0f saves/s; %s%s", emb.okPerSecond(), emb.latencies().p50p99(),
            errors(emb)), "", "", "", emb.errors() > 0 ? "**FAIL**" : "reference"});
    for (int c : p.clients) {
      ClosedLoop.Result s = results.get("held." + c);
      String res = String.format(Locale.ROOT, "%,.0f saves/s (200), %,.0f/s 412; PATCH %s%s", s.okPerSecond(),
          s.conflictsPerSecond(), s.latencies().p50p99(), errors(s));
      double x = s.okPerSecond() / emb.okPerSecond();
      boolean judged = c == ref;
      rows.add(new String[] {"Conditional save: PATCH subject, If-Match with the ETag the client holds (own slice)",
          Integer.toString(c), res, "embedded saves, " + ref + " threads", ratio(x), judged ? ">= 0.5x" : "-",
          s.errors() > 0 ? "**FAIL**" : judged ? verdict(x >= 0.5) : "info"});
    }
    for (int c : p.clients) {
      ClosedLoop.Result h = results.get("hot." + c);
      Chain ch = chains.get(c);
      String res = String.format(Locale.ROOT, "%,.0f ok/s, %,.0f conflicts/s; PATCH %s; %s%s", h.okPerSecond(),
          h.conflictsPerSecond(), h.latencies().p50p99(),
          ch.ok() ? String.format(Locale.ROOT, "chain of %,d saves, no stale save", ch.links()) : "CHAIN BROKEN", errors(h));
      rows.add(new String[] {"One hot message: GET + PATCH If-Match", Integer.toString(c), res, "", "",
          "no stale save succeeds", ch.ok() && h.errors() == 0 ? "PASS" : "**FAIL**"});
    }
    if (sse != null) {
      String subs = String.format(Locale.ROOT, "%,d subscribers", sse.subscribers());
      Samples l = sse.latencies();
      double p99 = l.percentileMillis(99);
      String res = String.format(Locale.ROOT, "p50 %s ms, p99 %s ms, max %s ms over %,d deliveries (%,d saves at %d/s,"
          + " so %,d deliveries/s)", Samples.ms(l.percentileMillis(50)), Samples.ms(p99), Samples.ms(l.maxMillis()),
          l.size(), sse.events(), sse.rate(), (long) sse.rate() * sse.subscribers());
      if (sse.early() > 0) {
        res += String.format(Locale.ROOT, "; %,d read before the save returned (counted as 0)", sse.early());
      }
      boolean clean = sse.missing() == 0 && sse.duplicates() == 0 && sse.streaming() == sse.subscribers();
      if (!clean) {
        res += String.format(Locale.ROOT, "; **%,d of %,d streaming, %,d deliveries missing, %,d duplicated**%s",
            sse.streaming(), sse.subscribers(), sse.missing(), sse.duplicates(),
            sse.firstFailure() == null ? "" : " (" + sse.firstFailure() + ")");
      }
      rows.add(new String[] {"SSE delivery: save returned -> event read by the subscriber", subs, res, "", "",
          "p99 < 50 ms", clean ? verdict(p99 < 50) : "**FAIL**"});
      rows.add(new String[] {"Heap used after GC (server and clients, one JVM)", subs,
          String.format(Locale.ROOT, "%s before, %s with subscribers (%+,.1f KiB per subscriber)", mib(sse.heapBefore()),
              mib(sse.heapWith()), (sse.heapWith() - sse.heapBefore()) / 1024.0 / sse.subscribers()),
          "before subscribing", ratio((double) sse.heapWith() / sse.heapBefore()), "-", "info"});
      rows.add(new String[] {"Live platform threads (virtual threads not counted)", subs,
          String.format(Locale.ROOT, "%d before, %d with subscribers", sse.threadsBefore(), sse.threadsWith()),
          "before subscribing", ratio((double) sse.threadsWith() / sse.threadsBefore()), "-", "info"});
    }

    StringBuilder sb = new StringBuilder();
    sb.append("## msgstore HTTP server benchmark results (profile: ").append(p.name).append(")\n\n");
    sb.append("- Date: ").append(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss")))
        .append("; total run time ")
        .append(String.format(Locale.ROOT, "%.0f s", seconds)).append('\n');
    sb.append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, ")
        .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.arch")).append(", Java ")
        .append(System.getProperty("java.version")).append(", max heap ")
        .append(mib(Runtime.getRuntime().maxMemory())).append('\n');
    sb.append("- Server: in-process MsgstoreServer on 127.0.0.1 (HTTP/1.1, bearer token), durability FULL (WAL +"
        + " synchronous=FULL), data under ").append(data.getParent()).append(" (").append(fileSystem(data.getParent()))
        .append(")\n");
    sb.append(String.format(Locale.ROOT, "- Store: %,d typical messages (20 properties + 2 recipients, %d bytes encoded)"
        + " in one folder, seeded through the embedded API in %.1f s%n", p.messages, encodedSize, seedSeconds));
    sb.append(String.format(Locale.ROOT, "- Clients: %s; one virtual thread per client, closed loop, in the server's"
        + " JVM; each point %d s warm-up + %d s measured; an operation counts when it starts in the measured window%n",
        clientName, p.warmupSeconds, p.seconds));
    sb.append(String.format(Locale.ROOT, "- SSE: %,d raw-socket subscribers on one selector thread; %,d saves at %d/s"
        + " through the embedded API%n%n", p.subscribers, p.sseEvents, p.sseRate));
    sb.append("| Measurement | Clients | Result | Compared with | Ratio | Target | Verdict |\n");
    sb.append("|---|---|---|---|---|---|---|\n");
    for (String[] r : rows) {
      sb.append("| ").append(String.join(" | ", r)).append(" |\n");
    }
    List<String> errs = new ArrayList<>();
    results.forEach((key, r) -> r.errorSamples().forEach(e -> errs.add(key + ": " + e.replace('\n', ' '))));
    chains.forEach((c, ch) -> {
      if (!ch.ok()) {
        errs.add("hot." + c + ": " + ch.detail());
      }
    });
    if (!errs.isEmpty()) {
      sb.append("\n### Errors (first of each point)\n\n");
      errs.forEach(e -> sb.append("- ").append(e).append('\n'));
    }
    if (missed > 0) {
      sb.append('\n').append(missed).append(" target(s) missed.\n");
    }
    return sb.toString();
  }

  private static String fileSystem(Path dir) {
    try {
      return Files.getFileStore(dir).type();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
