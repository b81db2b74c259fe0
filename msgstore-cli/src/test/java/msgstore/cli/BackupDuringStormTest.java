package msgstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import msgstore.engine.EngineOptions;
import msgstore.server.MsgstoreServer;
import msgstore.server.ServerConfig;
import msgstore.server.auth.PasswordHasher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code msgstore backup} taken while a real server takes a storm of concurrent saves over HTTP,
 * then {@code msgstore restore-backup} into a new folder and a second server on it (issue 7). The
 * restored store must be a consistent prefix of what was acknowledged:
 *
 * <ul>
 *   <li>every message in it has exactly the content of one acknowledged version of that message
 *       (same change key, subject, body and attachment bytes);
 *   <li>every save acknowledged before the backup started is there, at that version or a later
 *       acknowledged one (R28: an acknowledged save is durable);
 *   <li>its journal is the live journal up to one position: same events, no gap, nothing extra;
 *   <li>the integrity check passes (restore-backup runs it) and the accounts came along (the
 *       restored server accepts alice's password).
 * </ul>
 *
 * <p>Small in CI (4 clients, about 100 acknowledged saves before the backup); {@code
 * -Dmsgstore.stress=full}: 16 clients, 2,000 saves before the backup, 3 rounds.
 */
class BackupDuringStormTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final PasswordHasher FAST = PasswordHasher.of(64, 1, 1);
  private static final String PASSWORD = "secret-alice";
  private static final boolean FULL = "full".equals(System.getProperty("msgstore.stress", "ci")
      .strip().toLowerCase(Locale.ROOT)); // as msgstore.testkit.Stress, without the testkit's test engines

  private static final int CLIENTS = FULL ? 16 : 4;
  private static final int SEEDED = FULL ? 32 : 8;
  private static final int ACKS_BEFORE_BACKUP = FULL ? 2000 : 100;
  private static final int ACKS_AFTER_BACKUP = FULL ? 500 : 30;
  private static final int ROUNDS = FULL ? 3 : 1;

  @TempDir
  Path dir;

  /** One acknowledged save: the version the server said it committed, and what it holds. */
  record Ack(String id, long cn, String changeKey, String subject, String body, long ackedAt) {}

  /** A plain HTTP client for one server, as alice. */
  record Http(HttpClient client, String base) {
    static Http to(MsgstoreServer s) {
      return new Http(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build(), s.baseUri() + "/api/v1");
    }

    Resp send(String method, String path, JsonNode body, String ifMatch) {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
          .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("alice:" + PASSWORD)
              .getBytes(StandardCharsets.UTF_8)));
      if (ifMatch != null) {
        b.header("If-Match", ifMatch);
      }
      if (body != null) {
        b.header("Content-Type", "application/json");
        b.method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
      } else {
        b.method(method, HttpRequest.BodyPublishers.noBody());
      }
      try {
        HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Resp(r.statusCode(), r.body());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    JsonNode get(String path) {
      Resp r = send("GET", path, null, null);
      assertThat(r.status()).as("GET %s: %s", path, r).isEqualTo(200);
      return r.json();
    }
  }

  record Resp(int status, byte[] body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public String toString() {
      return status + " " + new String(body, StandardCharsets.UTF_8);
    }
  }

  private static MsgstoreServer start(Path data) {
    return MsgstoreServer.start(ServerConfig.defaults(data, 0), FAST,
        EngineOptions.defaults().withMaintenanceInterval(Duration.ZERO));
  }

  private static ObjectNode content(String subject, String body) {
    ObjectNode m = JSON.createObjectNode();
    m.putObject("properties").put("PidTagSubject", subject).put("PidTagBody", body);
    return m;
  }

  private static String text(JsonNode message, String prop) {
    return message.path("properties").path(prop).path("value").asText(null);
  }

  @Test
  void aBackupTakenMidStormShouldRestoreToAConsistentPrefixOfTheAcknowledgedSaves() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      runRound(dir.resolve("round-" + round), round);
    }
  }

  private void runRound(Path root, int round) throws Exception {
    Path live = root.resolve("data");
    MsgstoreServer server = start(live);
    List<Ack> acks = new CopyOnWriteArrayList<>();
    Map<String, byte[]> attachments = new ConcurrentHashMap<>(); // message id -> its attachment's bytes
    List<String> ids = new CopyOnWriteArrayList<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    AtomicInteger conflicts = new AtomicInteger();
    String store;
    String inbox;
    try {
      server.accounts().addUser("alice", PASSWORD.toCharArray(), true);
      Http http = Http.to(server);
      store = null;
      for (JsonNode s : http.get("/stores")) {
        if (s.get("owner").asText().equals("alice")) {
          store = s.get("id").asText();
        }
      }
      assertThat(store).as("alice's mailbox").isNotNull();
      inbox = null;
      for (JsonNode f : http.get("/stores/" + store + "/folders")) {
        if (f.get("displayName").asText().equals("Inbox")) {
          inbox = f.get("id").asText();
        }
      }
      String storeId = store;
      String inboxId = inbox;
      for (int i = 0; i < SEEDED; i++) {
        create(http, storeId, inboxId, "seed-" + i, new Random(i), acks, ids, attachments);
      }

      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> clients = new ArrayList<>();
      for (int t = 0; t < CLIENTS; t++) {
        int client = t;
        clients.add(Thread.ofPlatform().name("storm-" + t).start(() -> {
          Random rnd = new Random(round * 1000L + client);
          Http h = Http.to(server);
          try {
            for (int n = 0; !stop.get(); n++) {
              String tag = "c" + client + "-" + n;
              int op = rnd.nextInt(10);
              if (op < 2) {
                create(h, storeId, inboxId, tag, rnd, acks, ids, attachments);
              } else {
                String id = ids.get(rnd.nextInt(Math.min(ids.size(), SEEDED + 4))); // a few hot messages
                save(h, storeId, id, tag, op < 8 ? null : "*", acks, conflicts);
              }
            }
          } catch (Throwable e) {
            failures.add(e);
          }
        }));
      }

      awaitAcks(acks, SEEDED + ACKS_BEFORE_BACKUP, failures);
      long backupStartedAt = System.nanoTime();
      CliRun backup = CliRun.run(Map.of(), "", null, "backup", "--data", live.toString(), root.resolve("backup").toString());
      int acksAtBackupEnd = acks.size();
      awaitAcks(acks, acksAtBackupEnd + ACKS_AFTER_BACKUP, failures);
      stop.set(true);
      for (Thread c : clients) {
        c.join();
      }
      assertThat(failures).as("client failures").isEmpty();
      assertThat(backup.code()).as(backup.toString()).isZero();
      assertThat(backup.out()).contains("backed up");

      List<JsonNode> liveJournal = journal(http, storeId);

      CliRun restore = CliRun.run(Map.of(), "", null, "restore-backup", root.resolve("backup").toString(), "--data",
          root.resolve("restored").toString());
      assertThat(restore.code()).as(restore.toString()).isZero();
      assertThat(restore.out()).contains("integrity check passed");

      check(root.resolve("restored"), storeId, acks, attachments, backupStartedAt, liveJournal);
      System.out.printf("backup during storm, round %d: %d acknowledged saves (%d before the backup started),"
          + " %d conflicts (412), %d messages; %s", round, acks.size(),
          acks.stream().filter(a -> a.ackedAt() < backupStartedAt).count(), conflicts.get(), ids.size(), backup.out());
    } finally {
      server.close();
    }
  }

  private static void awaitAcks(List<Ack> acks, int target, List<Throwable> failures) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(FULL ? 600 : 120).toNanos();
    while (acks.size() < target && failures.isEmpty()) {
      assertThat(System.nanoTime()).as("%d of %d saves acknowledged in time", acks.size(), target).isLessThan(deadline);
      Thread.sleep(20); // polling a counter the clients raise; there is no event to wait on
    }
  }

  private static void create(Http h, String store, String inbox, String tag, Random rnd, List<Ack> acks,
      List<String> ids, Map<String, byte[]> attachments) {
    ObjectNode m = content("subject " + tag, "body " + tag);
    byte[] bytes = null;
    if (rnd.nextBoolean()) {
      bytes = ("attachment of " + tag + " " + rnd.nextLong()).getBytes(StandardCharsets.UTF_8);
      ObjectNode a = m.putArray("attachments").addObject();
      a.putObject("properties").put("PidTagAttachLongFilename", tag + ".txt");
      a.put("contentBase64", Base64.getEncoder().encodeToString(bytes));
    }
    Resp r = h.send("POST", "/stores/" + store + "/folders/" + inbox + "/messages", m, null);
    assertThat(r.status()).as("create %s: %s", tag, r).isEqualTo(201);
    JsonNode res = r.json();
    String id = res.get("messageId").asText();
    if (bytes != null) {
      attachments.put(id, bytes);
    }
    acks.add(new Ack(id, res.get("changeNumber").asLong(), res.get("changeKey").asText(), "subject " + tag,
        "body " + tag, System.nanoTime()));
    ids.add(id);
  }

  /** A conditional save from a fresh read (ifMatch null), or a forced one ("*"). */
  private static void save(Http h, String store, String id, String tag, String ifMatch, List<Ack> acks,
      AtomicInteger conflicts) {
    String base = ifMatch;
    if (base == null) {
      Resp current = h.send("GET", "/stores/" + store + "/messages/" + id, null, null);
      assertThat(current.status()).as("GET %s: %s", id, current).isEqualTo(200);
      base = "\"" + current.json().get("changeKey").asText() + "\"";
    }
    Resp r = h.send("PATCH", "/stores/" + store + "/messages/" + id, content("subject " + tag, "body " + tag), base);
    if (r.status() == 412) {
      conflicts.incrementAndGet(); // someone saved in between: nothing written, nothing to record
      return;
    }
    assertThat(r.status()).as("save %s of %s: %s", tag, id, r).isEqualTo(200);
    JsonNode res = r.json();
    acks.add(new Ack(id, res.get("changeNumber").asLong(), res.get("changeKey").asText(), "subject " + tag,
        "body " + tag, System.nanoTime()));
  }

  private static List<JsonNode> journal(Http h, String store) {
    List<JsonNode> events = new ArrayList<>();
    long after = 0;
    while (true) {
      JsonNode page = h.get("/stores/" + store + "/journal?after=" + after + "&limit=10000");
      if (page.isEmpty()) {
        return events;
      }
      for (JsonNode e : page) {
        events.add(e);
        after = e.get("position").asLong();
      }
    }
  }

  private void check(Path restoredDir, String store, List<Ack> acks, Map<String, byte[]> attachments,
      long backupStartedAt, List<JsonNode> liveJournal) {
    Map<String, Map<String, Ack>> byKey = new HashMap<>(); // id -> change key -> ack
    Set<String> ids = new LinkedHashSet<>();
    for (Ack a : acks) {
      byKey.computeIfAbsent(a.id(), k -> new HashMap<>()).put(a.changeKey(), a);
      ids.add(a.id());
    }
    MsgstoreServer restored = start(restoredDir);
    try {
      Http h = Http.to(restored); // alice's password working proves accounts.db came back
      List<JsonNode> journal = journal(h, store);
      assertThat(journal).as("the restored journal").isNotEmpty();
      long head = journal.get(journal.size() - 1).get("position").asLong();
      List<JsonNode> livePrefix = liveJournal.stream().filter(e -> e.get("position").asLong() <= head).toList();
      assertThat(journal).as("the restored journal is the live one up to position %d: same events, no gap", head)
          .isEqualTo(livePrefix);

      Map<String, Long> restoredCn = new HashMap<>();
      for (String id : ids) {
        Resp r = h.send("GET", "/stores/" + store + "/messages/" + id, null, null);
        if (r.status() == 404) {
          continue;
        }
        assertThat(r.status()).as("GET %s on the restored server: %s", id, r).isEqualTo(200);
        JsonNode m = r.json();
        Ack ack = byKey.get(id).get(m.get("changeKey").asText());
        assertThat(ack).as("%s in the backup is at an acknowledged version: %s", id, m).isNotNull();
        assertThat(m.get("changeNumber").asLong()).isEqualTo(ack.cn());
        assertThat(text(m, "PidTagSubject")).as("subject of %s", id).isEqualTo(ack.subject());
        assertThat(text(m, "PidTagBody")).as("body of %s", id).isEqualTo(ack.body());
        byte[] expected = attachments.get(id);
        assertThat(m.get("attachments").size()).as("attachments of %s", id).isEqualTo(expected == null ? 0 : 1);
        if (expected != null) {
          Resp bytes = h.send("GET", "/stores/" + store + "/messages/" + id + "/attachments/0/content", null, null);
          assertThat(bytes.status()).isEqualTo(200);
          assertThat(bytes.body()).as("attachment of %s", id).isEqualTo(expected);
        }
        restoredCn.put(id, ack.cn());
      }
      int before = 0;
      for (Ack a : acks) {
        if (a.ackedAt() < backupStartedAt) {
          before++;
          assertThat(restoredCn.get(a.id())).as("%s, acknowledged at cn %d before the backup started", a.id(), a.cn())
              .isNotNull().isGreaterThanOrEqualTo(a.cn());
        }
      }
      assertThat(before).isGreaterThanOrEqualTo(SEEDED + ACKS_BEFORE_BACKUP);
    } finally {
      restored.close();
    }
    assertThat(Files.exists(restoredDir.resolve(ServerConfig.ACCOUNTS_FILE))).isTrue();
  }
}
