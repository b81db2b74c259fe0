package msgstore.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Event delivery and server memory with many SSE subscribers, against a separate {@code msgstore
 * serve} process (issue 11: "Event delivery p99 < 20 ms with 1,000 SSE subscribers; server RSS <
 * 400 MB with them, and < 150 MB idle"). Started by {@code msgstore-bench/sse-fanout}, which
 * starts the server with its default JVM settings. This process creates a bearer token, {@code
 * --messages} messages, then measures as {@link SseDelivery}: the saves are HTTP {@code PATCH}es
 * with {@code If-Match} from one keep-alive connection, and the latency runs from the moment the
 * PATCH's answer was read to the moment a subscriber read the event. The server's resident set
 * ({@code VmRSS} of {@code --pid}) is read idle (before this tool sends anything), with the
 * messages, with every subscriber streaming, and after the saves.
 *
 * <pre>
 * java -cp benchmarks.jar msgstore.bench.SseFanout --port P --pid PID --user U --password-file F
 *     [--subscribers 1000] [--warmup-events 50] [--events 300] [--rate 10] [--messages 200] [--out FILE]
 * </pre>
 */
public final class SseFanout {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SseFanout() {}

  public static void main(String[] args) throws Exception {
    int port = 0;
    long pid = 0;
    String user = null;
    Path passwordFile = null;
    int subscribers = 1_000;
    int warmup = 50;
    int events = 300;
    int rate = 10;
    int messages = 200;
    Path out = null;
    for (int i = 0; i + 1 < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(v);
        case "--pid" -> pid = Long.parseLong(v);
        case "--user" -> user = v;
        case "--password-file" -> passwordFile = Path.of(v);
        case "--subscribers" -> subscribers = Integer.parseInt(v);
        case "--warmup-events" -> warmup = Integer.parseInt(v);
        case "--events" -> events = Integer.parseInt(v);
        case "--rate" -> rate = Integer.parseInt(v);
        case "--messages" -> messages = Integer.parseInt(v);
        case "--out" -> out = Path.of(v);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (port == 0 || pid == 0 || user == null || passwordFile == null) {
      throw new IllegalArgumentException("--port, --pid, --user and --password-file are required");
    }
    final long serverPid = pid;
    long rssIdle = rssKib(serverPid);
    InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
    String basic = "Basic " + Base64.getEncoder().encodeToString((user + ":" + Files.readString(passwordFile).strip())
        .getBytes(StandardCharsets.UTF_8));
    try (LoadClient http = LoadClient.raw(address); LoadClient.Connection c = http.connect()) {
      String token = json(c.exchange("POST", "/api/v1/tokens", bytes("{\"label\":\"sse-fanout\"}"), "Authorization",
          basic, "Content-Type", "application/json"), 201).get("token").asText();
      String bearer = "Bearer " + token;
      String store = json(c.exchange("GET", "/api/v1/stores", null, "Authorization", bearer), 200).get(0).get("id")
          .asText();
      String inbox = null;
      for (JsonNode f : json(c.exchange("GET", "/api/v1/stores/" + store + "/folders", null, "Authorization", bearer),
          200)) {
        if (f.get("displayName").asText().equals("Inbox")) {
          inbox = f.get("id").asText();
        }
      }
      List<String> paths = new ArrayList<>();
      List<String> etags = new ArrayList<>();
      for (int i = 0; i < messages; i++) {
        LoadClient.Response r = c.exchange("POST", "/api/v1/stores/" + store + "/folders/" + inbox + "/messages",
            bytes("{\"properties\":{\"PidTagSubject\":\"fan-out " + i + "\",\"PidTagBody\":\"" + "x".repeat(1500)
                + "\"}}"), "Authorization", bearer, "Content-Type", "application/json");
        paths.add("/api/v1/stores/" + store + "/messages/" + json(r, 201).get("messageId").asText());
        etags.add(r.etag());
      }
      long rssLoaded = rssKib(serverPid);
      long[] rssWith = new long[1];
      long[] cpuAtLive = new long[1];
      SplittableRandom rnd = new SplittableRandom(7);
      SseDelivery.Result res = SseDelivery.measure(address, "/api/v1/stores/" + store + "/events", token, subscribers,
          warmup, events, rate, subject -> {
            int m = rnd.nextInt(paths.size());
            LoadClient.Response r = c.exchange("PATCH", paths.get(m), bytes("{\"properties\":{\"PidTagSubject\":\""
                + subject + "\"}}"), "Authorization", bearer, "Content-Type", "application/merge-patch+json", "If-Match",
                etags.get(m));
            JsonNode b = json(r, 200);
            etags.set(m, r.etag());
            return b.get("changeKey").asText();
          }, streaming -> {
            rssWith[0] = rssKib(serverPid);
            cpuAtLive[0] = cpuMillis(serverPid);
          });
      long cpuPerDelivery = res.latencies().size() == 0 ? 0
          : (cpuMillis(serverPid) - cpuAtLive[0]) * 1000 / (res.latencies().size() + (long) warmup * res.streaming());
      long rssAfter = rssKib(serverPid);
      String report = String.format(Locale.ROOT, """
          | Measure | Value | Target |
          |---|---|---|
          | SSE delivery, PATCH answered -> event read, %,d subscribers | p50 %s ms, p99 %s ms, max %s ms over %,d deliveries (%,d saves at %d/s, after %,d not measured); %,d missing, %,d duplicated, %,d read before the PATCH answer | p99 < 20 ms |
          | Server CPU per delivery (user + system, saves included, warm-up too) | %,d µs | info |
          | Server RSS idle (just started, default JVM settings) | %,d MiB | < 150 MB |
          | Server RSS with %,d messages | %,d MiB | info |
          | Server RSS with %,d subscribers streaming | %,d MiB | < 400 MB |
          | Server RSS after the saves | %,d MiB | info |
          """, res.subscribers(), Samples.ms(res.latencies().percentileMillis(50)),
          Samples.ms(res.latencies().percentileMillis(99)), Samples.ms(res.latencies().maxMillis()),
          res.latencies().size(), events, rate, warmup, res.missing(), res.duplicates(), res.early(), cpuPerDelivery,
          rssIdle / 1024, messages,
          rssLoaded / 1024, res.streaming(), rssWith[0] / 1024, rssAfter / 1024);
      System.out.print(report);
      if (out != null) {
        Files.writeString(out, report);
      }
      if (!res.clean()) {
        System.err.println("sse-fanout: not every subscriber streamed every event exactly once");
        System.exit(1);
      }
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static JsonNode json(LoadClient.Response r, int expected) throws IOException {
    if (r.status() != expected) {
      throw new IOException("expected HTTP " + expected + ", got " + r.status() + ": " + r.bodyText());
    }
    return JSON.readTree(r.body());
  }

  /** CPU time (user + system) a process used so far, in milliseconds (/proc/PID/stat, 100 ticks a second). */
  static long cpuMillis(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10; // utime, stime: fields 14 and 15 of the line
  }

  /** The resident set of a process in KiB ({@code VmRSS} of /proc/PID/status). */
  static long rssKib(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IOException("no VmRSS for process " + pid);
  }
}
