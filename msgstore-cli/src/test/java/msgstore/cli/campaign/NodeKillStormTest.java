package msgstore.cli.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
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
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import msgstore.api.ChangeNumber;
import msgstore.api.MessageId;
import msgstore.api.PropTags;
import msgstore.api.Session;
import msgstore.api.StoreEvent;
import msgstore.api.StoreId;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.server.auth.Accounts;
import msgstore.server.auth.PasswordHasher;
import msgstore.storage.postgres.PostgresMessageStore;
import msgstore.storage.postgres.PostgresStorage;
import msgstore.storage.postgres.PostgresUrl;
import msgstore.testkit.Stress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL of one of two {@code msgstore serve --db} nodes during a storm of saves spread over both
 * (issue 12), {@code Stress.scale(3, 30)} rounds ({@code -Dmsgstore.stress=full} for more; {@code
 * -Dmsgstore.crash.seed=N} replays one): after each kill, every save acknowledged by either node is
 * in history at its change number with exactly the subject sent, every one has its journal entry,
 * journal positions strictly increase, and the integrity check is clean. The killed node is
 * started again for the next round.
 */
class NodeKillStormTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CLIENTS = 8;

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private String token;

  record Ack(long id, long cn, String subject) {}

  @Test
  void everySaveAcknowledgedByEitherNodeSurvivesSigkillOfANodeDuringAStorm() throws Exception {
    int rounds = Stress.scale(3, 30);
    long seed = Long.getLong("msgstore.crash.seed", new Random().nextLong());
    Random rnd = new Random(seed);
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setServerConfig("fsync", "off").start()) {
      try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE storm");
      }
      String url = "postgresql://postgres@localhost:" + pg.getPort() + "/storm";
      PostgresStorage storage = PostgresStorage.open(PostgresUrl.options(url, n -> null));
      try (Accounts a = Accounts.openShared(storage.dataSource(), storage.describe(), PasswordHasher.of(64, 1, 1),
          Clock.systemUTC(), Accounts.HashingLimit.UNBOUNDED_WAIT).closingAlso(storage)) {
        a.addUser("erin", "pw".toCharArray(), true);
        token = a.createToken("erin", "storm").token().orElseThrow();
      }
      ServeProcess[] nodes = new ServeProcess[2];
      String[] bases = new String[2];
      List<Ack> acks = new CopyOnWriteArrayList<>();
      try {
        for (int i = 0; i < 2; i++) {
          nodes[i] = ServeProcess.start(dir.resolve("data" + i), dir.resolve("node" + i + "-0.err"), Map.of(), "--db", url);
        }
        for (int i = 0; i < 2; i++) {
          bases[i] = nodes[i].awaitUrl(60_000) + "/api/v1";
        }
        String store = JSON.readTree(send("GET", bases[0] + "/stores", null, null).body()).get(0).get("id").asText();
        String inbox = null;
        for (JsonNode f : JSON.readTree(send("GET", bases[0] + "/stores/" + store + "/folders", null, null).body())) {
          if (f.get("displayName").asText().equals("Inbox")) {
            inbox = f.get("id").asText();
          }
        }
        for (int round = 1; round <= rounds; round++) {
          int victim = round % 2;
          AtomicBoolean stop = new AtomicBoolean();
          ConcurrentLinkedQueue<String> impossible = new ConcurrentLinkedQueue<>();
          List<Thread> clients = new ArrayList<>();
          for (int c = 0; c < CLIENTS; c++) {
            String base = bases[c % 2];
            String messages = base + "/stores/" + store + "/folders/" + inbox + "/messages";
            SplittableRandom r = new SplittableRandom(seed * 31 + round * 131L + c);
            String prefix = "r" + round + "c" + c + "-";
            Thread t = new Thread(() -> storm(base, store, messages, prefix, r, acks, stop, impossible), "storm-" + c);
            t.setDaemon(true);
            clients.add(t);
            t.start();
          }
          int before = acks.size();
          long warm = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
          while (acks.size() == before && System.nanoTime() < warm) {
            Thread.sleep(5); // the kill moment counts from the first acknowledged save of the round
          }
          Thread.sleep(100 + rnd.nextInt(900)); // the random kill moment
          assertThat(nodes[victim].kill()).as("SIGKILL").isEqualTo(ServeProcess.SIGKILL_STATUS);
          stop.set(true);
          for (Thread t : clients) {
            t.join(30_000);
          }
          assertThat(impossible).as("round %d (seed %d): answers no node may give", round, seed).isEmpty();
          verify(url, store, acks, round, seed);
          nodes[victim] = ServeProcess.start(dir.resolve("data" + victim),
              dir.resolve("node" + victim + "-" + round + ".err"), Map.of(), "--db", url);
          bases[victim] = nodes[victim].awaitUrl(60_000) + "/api/v1";
        }
        assertThat(acks.size()).as("saves acknowledged over %d rounds", rounds).isGreaterThan(rounds);
        System.out.printf("node kill storm: %d rounds (msgstore.stress=%s, seed %d, rerun with -Dmsgstore.crash.seed=%d),"
            + " %d acknowledged saves verified after each kill%n", rounds, System.getProperty(Stress.PROPERTY, "ci"), seed,
            seed, acks.size());
      } finally {
        for (ServeProcess n : nodes) {
          if (n != null) {
            n.close();
          }
        }
      }
    }
  }

  /** Creates and conditional saves (GET for the ETag, then PATCH with If-Match) until stopped or the node dies. */
  private void storm(String base, String store, String messages, String prefix, SplittableRandom r, List<Ack> acks,
      AtomicBoolean stop, ConcurrentLinkedQueue<String> impossible) {
    int n = 0;
    while (!stop.get()) {
      String subject = prefix + n++;
      try {
        HttpResponse<String> resp;
        if (acks.isEmpty() || r.nextInt(3) == 0) {
          resp = send("POST", messages, subject, null);
        } else {
          Ack target = acks.get(r.nextInt(acks.size()));
          String url = base + "/stores/" + store + "/messages/m-" + target.id();
          HttpResponse<String> cur = send("GET", url, null, null);
          if (cur.statusCode() != 200) {
            continue;
          }
          resp = send("PATCH", url, subject, cur.headers().firstValue("ETag").orElseThrow());
        }
        int status = resp.statusCode();
        if (status == 200 || status == 201) {
          JsonNode j = JSON.readTree(resp.body());
          String id = j.get("messageId").asText();
          acks.add(new Ack(Long.parseLong(id.substring(id.indexOf('-') + 1)), j.get("changeNumber").asLong(), subject));
        } else if (status != 412 && status != 503) {
          impossible.add(status + " " + resp.body());
        }
      } catch (java.io.IOException e) {
        // the node died under this request: unanswered, so neither acknowledged nor refused
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static void verify(String url, String store, List<Ack> acks, int round, long seed) {
    try (EmbeddedMessageStore check = PostgresMessageStore.open(PostgresUrl.options(url, n -> null));
        Session s = check.openSession("erin")) {
      for (Ack a : acks) {
        String subject = s.readVersion(MessageId.of(a.id()), ChangeNumber.of(a.cn())).get(PropTags.SUBJECT)
            .map(v -> (String) v.value()).orElse(null);
        assertThat(subject).as("round %d (seed %d): acknowledged save m-%d cn %d", round, seed, a.id(), a.cn())
            .isEqualTo(a.subject());
      }
      List<StoreEvent> journal = s.readJournal(StoreId.parse(store), 0, Integer.MAX_VALUE);
      assertThat(journal).extracting(StoreEvent::position).as("journal positions strictly increase").isSorted()
          .doesNotHaveDuplicates();
      java.util.Set<String> journaled = new java.util.HashSet<>();
      for (StoreEvent e : journal) {
        e.changeNumber().ifPresent(cn -> journaled.add(e.id() + "@" + cn.value()));
      }
      assertThat(acks).as("every acknowledged save has its journal entry")
          .allSatisfy(a -> assertThat(journaled).contains(a.id() + "@" + a.cn()));
      assertThat(check.checkIntegrity()).as("round %d: integrity", round).isEmpty();
    }
  }

  private HttpResponse<String> send(String method, String url, String subject, String ifMatch)
      throws java.io.IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
        .timeout(Duration.ofSeconds(20));
    if (ifMatch != null) {
      b.header("If-Match", ifMatch);
    }
    if (subject == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      String body = JSON.createObjectNode().set("properties", JSON.createObjectNode().put("PidTagSubject", subject))
          .toString();
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
