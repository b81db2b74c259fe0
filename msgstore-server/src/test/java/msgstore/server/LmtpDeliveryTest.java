package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import msgstore.engine.EngineOptions;
import msgstore.server.TestServer.Resp;
import msgstore.server.lmtp.LmtpClients;
import msgstore.server.lmtp.LmtpConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LMTP into the real server (SQLite store, MailImport, HTTP, SSE) with clients no one here wrote:
 * Python's smtplib.LMTP and swaks. What an MTA delivers is in the recipient's Inbox over HTTP with
 * its mapped subject and body, raises NEW_MAIL on the event stream (R77), and 4 senders at once
 * lose nothing. Prints LMTP deliveries/s (docs/BENCHMARKS.md).
 */
class LmtpDeliveryTest {
  @TempDir
  static Path dir;
  static TestServer t;
  static int lmtpPort;

  @BeforeAll
  static void start() {
    t = TestServer.start(dir, c -> c.withLmtp(LmtpConfig.on(0).withDomains(java.util.Set.of("example.com"))),
        EngineOptions.defaults().withMaintenanceInterval(Duration.ZERO));
    lmtpPort = t.server.lmtp().orElseThrow().port();
  }

  @AfterAll
  static void stop() {
    t.close();
  }

  static Path message(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, text.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8));
    return p;
  }

  /** Subjects of the user's Inbox, sorted. */
  static List<JsonNode> inboxRows(String user) {
    String store = t.mailbox(user);
    String inbox = t.folder(user, store, "Inbox");
    Resp r = t.get(user, "/stores/" + store + "/folders/" + inbox + "/messages?columns=PidTagSubject&limit=10000");
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    List<JsonNode> rows = new ArrayList<>();
    r.json().get("rows").forEach(rows::add);
    return rows;
  }

  static String subjectOf(JsonNode row) {
    return row.get("properties").get("PidTagSubject").get("value").asText();
  }

  @Test
  void aMessageForTwoUsersAndAnUnknownOneShouldReachBothInboxesReadableOverHttp() throws Exception {
    String text = "From: Sender <sender@example.org>\nTo: alice@example.com, bob@example.com\n"
        + "Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgTE1UUA==?=\nMessage-ID: <two-users@example.org>\n"
        + "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
        + "Gr\u00fc\u00dfe aus K\u00f6ln \u2013 \u65e5\u672c\n.a line that was dot-stuffed\n";
    JsonNode r = LmtpClients.python(lmtpPort, "sender@example.org", List.of("BODY=8BITMIME"),
        List.of("alice@example.com", "nobody@example.com", "bob@example.com"), message("two.eml", text), 1);
    assertThat(LmtpClients.codes(r.get("rcpt"))).containsExactly(250, 550, 250);
    assertThat(LmtpClients.codes(r.get("data"))).containsExactly(250, 250);

    for (String user : List.of("alice", "bob")) {
      JsonNode row = inboxRows(user).stream().filter(x -> subjectOf(x).startsWith("Gr\u00fc\u00dfe")).findFirst()
          .orElseThrow(() -> new AssertionError("not in the Inbox of " + user));
      assertThat(subjectOf(row)).isEqualTo("Gr\u00fc\u00dfe aus LMTP");
      Resp m = t.get(user, "/stores/" + t.mailbox(user) + "/messages/" + row.get("id").asText());
      assertThat(m.body()).contains("Gr\u00fc\u00dfe aus K\u00f6ln \u2013 \u65e5\u672c", ".a line that was dot-stuffed");
    }
  }

  @Test
  void aDeliveryShouldRaiseNewMailOnTheEventStream() throws Exception {
    String store = t.mailbox("carol");
    try (Socket s = new Socket("127.0.0.1", t.server.port())) {
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      out.write(("GET /api/v1/stores/" + store + "/events?types=NEW_MAIL HTTP/1.1\r\nHost: localhost\r\n"
          + "Authorization: " + TestServer.basic("carol") + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null && !line.startsWith(": subscribed")) {
        // headers and the retry line; subscribed means the subscription is registered
      }
      JsonNode r = LmtpClients.python(lmtpPort, List.of("carol@example.com"),
          message("event.eml", "Subject: event\nMessage-ID: <event@example.org>\n\nnew mail\n"));
      assertThat(LmtpClients.codes(r.get("data"))).containsExactly(250);
      String event = null;
      String data = null;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data = line.substring(6);
          break;
        }
      }
      assertThat(event).isEqualTo("NEW_MAIL");
      String id = inboxRows("carol").stream().filter(x -> subjectOf(x).equals("event")).findFirst().orElseThrow()
          .get("id").asText();
      assertThat(data).contains(id);
    }
  }

  @Test
  void swaksShouldDeliverWithDotStuffingUndone() throws Exception {
    assumeTrue(LmtpClients.swaksInstalled(), "swaks is not installed (apt-get install swaks)");
    Path m = message("swaks.eml", "From: swaks@example.org\nTo: bob@example.com\nSubject: via swaks\n"
        + "Message-ID: <swaks@example.org>\n\n.leading dot\n..two dots\nend\n");
    String transcript = LmtpClients.swaks(lmtpPort, "bob@example.com,ghost@example.com,bob@other.example", m);
    assertThat(transcript).contains("<** 550 5.1.1", "<** 550 5.1.2", "<-  250 2.0.0 <bob@example.com>");
    JsonNode row = inboxRows("bob").stream().filter(x -> subjectOf(x).equals("via swaks")).findFirst().orElseThrow();
    String body = t.get("bob", "/stores/" + t.mailbox("bob") + "/messages/" + row.get("id").asText()).body();
    assertThat(body).contains(".leading dot", "..two dots");
  }

  @Test
  void fourConcurrentSendersShouldLoseNothingAndTheRateIsPrinted() throws Exception {
    int perSender = "full".equals(System.getProperty("msgstore.stress")) ? 250 : 20;
    Path m = message("rate.eml", "From: load@example.org\nTo: alice@example.com\nSubject: rate\n"
        + "Message-ID: <rate@example.org>\nContent-Type: text/plain; charset=utf-8\n\n"
        + "A message of about two kilobytes.\n".repeat(60));
    int before = (int) inboxRows("alice").stream().filter(x -> subjectOf(x).equals("rate")).count();
    // warm-up (JIT, first Python start)
    LmtpClients.python(lmtpPort, "load@example.org", List.of(), List.of("alice@example.com"), m, 2);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    long t0 = System.nanoTime();
    List<Future<JsonNode>> runs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      runs.add(pool.submit(() -> LmtpClients.python(lmtpPort, "load@example.org", List.of(),
          List.of("alice@example.com"), m, perSender)));
    }
    for (Future<JsonNode> f : runs) {
      assertThat(LmtpClients.codes(f.get().get("data"))).containsExactly(250);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    pool.shutdown();
    long now = inboxRows("alice").stream().filter(x -> subjectOf(x).equals("rate")).count();
    assertThat(now - before).isEqualTo(2 + 4L * perSender);
    var counters = t.server.lmtp().orElseThrow().counters();
    System.out.printf("LMTP: %d deliveries by 4 concurrent senders in %.2f s = %.0f deliveries/s (%d B each); "
        + "storing took %d ms on average (all deliveries so far)%n", 4 * perSender, seconds, 4 * perSender / seconds,
        Files.size(m), counters.storing().toMillis() / Math.max(1, counters.delivered()));
  }
}
