package msgstore.cli.campaign;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import msgstore.api.ChangeNumber;
import msgstore.api.ContentRef;
import msgstore.api.EventType;
import msgstore.api.Folder;
import msgstore.api.FolderInfo;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.MessageSnapshot;
import msgstore.api.OpenFlag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Session;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.api.StoreId;
import msgstore.api.TableRow;
import msgstore.api.VersionInfo;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.server.ServerConfig;
import msgstore.server.auth.Accounts;
import msgstore.server.auth.PasswordHasher;
import msgstore.storage.sqlite.SqliteMessageStore;
import msgstore.testkit.Stress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash under load at the server level (issue 7): a real {@code msgstore serve} process takes a
 * storm of {@value #CLIENTS} concurrent HTTP clients (creates, conditional saves with {@code
 * If-Match: "<etag>"}, forced saves with {@code If-Match: *}, whole-view PUTs, deletes, moves,
 * attachment uploads through {@code POST /content} + attach, reads), plus one client following
 * the store's event stream; it is killed with SIGKILL (exit status 137 is checked) at a random
 * moment, and the data directory is then opened here and checked:
 *
 * <ul>
 *   <li>{@code checkIntegrity()} is empty (PRAGMA integrity_check and the store invariants);
 *   <li>every save that got a 2xx is in the journal and in history at the acknowledged change
 *       number with exactly the content sent (subject token, the body derived from it, the
 *       attachment uploaded), and its message is there at that change number or later, unless an
 *       acknowledged (or unanswered) delete removed it (spec R28, R33, R99);
 *   <li>no save that got a 4xx (412 OBJECT_CHANGED, 404, 410) left a version anywhere;
 *   <li>saves whose answer was lost in the crash are either whole or absent: every version of
 *       every message is whole (no torn message);
 *   <li>the journal has no gap (positions 1, 2, 3, ...), every retained version has its journal
 *       entry and every journaled version its version; acknowledged moves and deletes are in it;
 *   <li>the event stream, resumed each round with {@code Last-Event-ID} on the restarted server,
 *       delivered exactly the journal, in order, nothing missed or repeated (a last restart
 *       catches the stream up to the end of the journal).
 * </ul>
 *
 * <p>Rounds: 3 by default, 50 with {@code -Dmsgstore.stress=full}. {@code
 * -Dmsgstore.crash.seed=<n>} replays a seed's kill times and operation mix.
 */
class ServerCrashCampaignTest {
  static final int CLIENTS = 16;
  static final String USER = "storm";
  private static final int HOT = 4;
  private static final int FILLER = 3000;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long START_TIMEOUT_MILLIS = 60_000;

  @TempDir Path dir;

  /** A save the server acknowledged with 2xx: message id, change number, token, and whether it attached a-token. */
  record Saved(int round, String how, long id, long cn, String token, boolean attachment) {
    @Override
    public String toString() {
      return how + " m-" + id + " cn " + cn + " token " + token + (attachment ? " (+attachment)" : "") + " (round "
          + round + ")";
    }
  }

  /** One event as the stream delivered it. */
  record Seen(long position, String type, String id, Long cn) {}

  /** Everything the clients were told, over all rounds. */
  static final class Model {
    final ConcurrentLinkedQueue<Saved> saves = new ConcurrentLinkedQueue<>();
    final Set<String> rejected = ConcurrentHashMap.newKeySet();
    final Set<String> unanswered = ConcurrentHashMap.newKeySet();
    final Map<Long, Long> moves = new ConcurrentHashMap<>();
    final Set<Long> deletes = ConcurrentHashMap.newKeySet();
    /** Ids a delete was sent for whose answer was lost. */
    final Set<Long> unansweredDeletes = ConcurrentHashMap.newKeySet();
    final ConcurrentLinkedDeque<Long> pool = new ConcurrentLinkedDeque<>();
    final List<Seen> events = Collections.synchronizedList(new ArrayList<>());
    long checkedPosition;
    int checkedSaves;
    int rejectedChecked;
    int unansweredWhole;
    String store;
    String inbox;
    String drafts;
    List<Long> hot = new ArrayList<>();
  }

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private String token;

  @Test
  void everyAcknowledgedSaveSurvivesSigkillOfTheServerUnderAStormOfClients() throws Exception {
    int rounds = Stress.scale(3, 50);
    long seed = Long.getLong("msgstore.crash.seed", new Random().nextLong());
    Random rnd = new Random(seed);
    Path data = dir.resolve("data");
    token = createUser(data);
    Model model = new Model();
    log("server crash campaign: %d rounds (msgstore.stress=%s), %d clients, seed %d (rerun with "
        + "-Dmsgstore.crash.seed=%d)", rounds, System.getProperty(Stress.PROPERTY, "ci"), CLIENTS, seed, seed);
    long total = System.nanoTime();
    long lastStartMillis = 3000;
    Map<String, Integer> crashPoints = new TreeMap<>();
    List<Long> roundTimes = new ArrayList<>();
    for (int round = 1; round <= rounds; round++) {
      long t0 = System.nanoTime();
      // About one round in six (not the first) is killed during start-up and recovery, the others under the
      // storm: half a random time after the first acknowledged save, half after a random number of them.
      boolean duringStart = round > 1 && rnd.nextInt(6) == 0;
      long killAfterStartMillis = (long) (rnd.nextDouble() * 1.2 * lastStartMillis);
      boolean byTime = rnd.nextBoolean();
      long killAfterMillis = rnd.nextInt(2000);
      int killAfterAcks = 1 + rnd.nextInt(rnd.nextBoolean() ? 30 : 300);
      String plan = duringStart ? "kill " + killAfterStartMillis + " ms after process start"
          : byTime ? "kill " + killAfterMillis + " ms after the first ack" : "kill after " + killAfterAcks + " acks";
      Path stderr = dir.resolve("serve-" + round + ".err");
      int acksBefore = model.saves.size();
      int exit;
      Storm storm = null;
      long startMillis = -1;
      try (ServeProcess server = ServeProcess.start(data, stderr, Map.of())) {
        long s0 = System.nanoTime();
        if (duringStart) {
          Thread.sleep(killAfterStartMillis); // a deliberate random moment: start-up, recovery or just listening
        } else {
          String base = server.awaitUrl(START_TIMEOUT_MILLIS) + "/api/v1";
          startMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - s0);
          lastStartMillis = startMillis;
          if (round == 1) {
            setUp(base, model);
          }
          storm = new Storm(base, model, round, rnd.nextLong());
          storm.start();
          long warm = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
          while (model.saves.size() == acksBefore && System.nanoTime() < warm && storm.failure.get() == null) {
            Thread.sleep(5); // timed kills count from the first acknowledged save, not from a cold JVM's start
          }
          long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(byTime ? killAfterMillis : 30_000);
          while (System.nanoTime() < deadline && (byTime || model.saves.size() - acksBefore < killAfterAcks)) {
            if (storm.failure.get() != null) {
              break;
            }
            Thread.sleep(5); // the kill moment itself is what is random; polling every 5 ms is fine
          }
          storm.killed.set(true);
        }
        exit = server.kill();
        if (storm != null) {
          storm.join();
          if (storm.failure.get() != null) {
            fail("round " + round + " (seed " + seed + "): a client saw something impossible: " + storm.failure.get()
                + server.stderrText());
          }
        }
        assertThat(exit).as("exit status of msgstore serve after SIGKILL").isEqualTo(ServeProcess.SIGKILL_STATUS);
      }
      crashPoints.merge(duringStart ? "during start-up" : byTime ? "timed, under the storm"
          : "after N acks, under the storm", 1, Integer::sum);
      List<String> problems = new ArrayList<>();
      String verified = verify(data, round, model, problems);
      long roundMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      roundTimes.add(roundMillis);
      log("round %d/%d [%s]: %s, %d acked saves, %d rejected, %d unanswered, statuses %s; %s; %d ms",
          round, rounds, plan, startMillis < 0 ? "killed before serving" : "started in " + startMillis + " ms",
          model.saves.size() - acksBefore, storm == null ? 0 : storm.rejected.get(),
          storm == null ? 0 : storm.unanswered.get(), storm == null ? "{}" : new TreeMap<>(storm.statuses), verified,
          roundMillis);
      if (!problems.isEmpty()) {
        fail("server crash campaign failed in round " + round + " of " + rounds + " (seed " + seed + ", " + plan + "): "
            + problems.size() + " problem(s):\n  " + String.join("\n  ", problems.subList(0,
            Math.min(30, problems.size()))));
      }
    }
    // A last restart: the stream resumes with Last-Event-ID and catches up to the end of the journal.
    long lastPosition;
    try (ServeProcess server = ServeProcess.start(data, dir.resolve("serve-final.err"), Map.of())) {
      String base = server.awaitUrl(START_TIMEOUT_MILLIS) + "/api/v1";
      lastPosition = get(base + "/stores/" + model.store + "/journal/position").get("position").asLong();
      Follower f = new Follower(base, model);
      f.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (lastSeen(model) < lastPosition && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      f.stop.set(true);
      // SIGTERM runs the shutdown hook (graceful stop); the JVM then exits with 128 + 15.
      assertThat(server.stop()).as("exit status after SIGTERM" + server.stderrText()).isEqualTo(128 + 15);
      f.join();
    }
    List<String> problems = new ArrayList<>();
    checkEvents(journal(data, model), model, problems, true);
    assertThat(problems).as("event stream after the last restart").isEmpty();
    // The check can fail: a planted acknowledgement of a save that never happened, and a planted
    // refusal of a save that did commit, must both be reported.
    int checkedSaves = model.checkedSaves;
    // The last PUT save, or when the kills left none acknowledged (a loaded machine: a server killed
    // before it served), the last acknowledged save of any kind: each wrote its token as the subject.
    Saved last = model.saves.stream().filter(sv -> sv.how().startsWith("PUT")).reduce((a, b) -> b)
        .orElseGet(() -> model.saves.stream().reduce((a, b) -> b).orElseThrow());
    model.saves.add(new Saved(rounds + 1, "planted", last.id(), last.cn() + 1_000_000, "never-sent", false));
    model.rejected.add(last.token());
    model.checkedPosition = 0;
    List<String> planted = new ArrayList<>();
    verify(data, rounds + 1, model, planted);
    assertThat(planted).as("problems found with a planted lost save and a planted refused save")
        .anySatisfy(p -> assertThat(p).startsWith("acknowledged save lost: planted"))
        .anySatisfy(p -> assertThat(p).contains("holds token " + last.token() + ", whose save was refused"));
    log("server crash campaign: %d rounds passed in %d ms (per round: min %d, median %d, max %d ms); crash points %s;"
        + " %d acknowledged saves checked, %d refused saves absent, %d unanswered saves found whole, %d events"
        + " streamed across %d restarts == journal (last position %d)",
        rounds, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - total), roundTimes.stream().min(Long::compare)
            .orElse(0L), roundTimes.stream().sorted().toList().get(roundTimes.size() / 2),
        roundTimes.stream().max(Long::compare).orElse(0L), crashPoints, checkedSaves, model.rejectedChecked,
        model.unansweredWhole, model.events.size(), rounds, lastPosition);
  }

  // ---- set-up

  /** The user and a bearer token, written before the first start (a cheap hash: the test is not about passwords). */
  private static String createUser(Path data) {
    try (Accounts a = Accounts.open(data.resolve(ServerConfig.ACCOUNTS_FILE), PasswordHasher.of(64, 1, 1))) {
      a.addUser(USER, "storm-password".toCharArray(), true);
      return a.createToken(USER, "crash campaign").token().orElseThrow();
    }
  }

  private void setUp(String base, Model model) throws Exception {
    for (JsonNode s : get(base + "/stores")) {
      if (s.get("owner").asText().equals(USER)) {
        model.store = s.get("id").asText();
      }
    }
    assertThat(model.store).as("the mailbox of " + USER).isNotNull();
    for (JsonNode f : get(base + "/stores/" + model.store + "/folders")) {
      switch (f.get("displayName").asText()) {
        case "Inbox" -> model.inbox = f.get("id").asText();
        case "Drafts" -> model.drafts = f.get("id").asText();
        default -> { }
      }
    }
    for (int i = 0; i < HOT; i++) {
      String t = "hot" + i + "-init";
      Resp r = send("POST", base + "/stores/" + model.store + "/folders/" + model.inbox + "/messages",
          messageBody(t), Map.of());
      assertThat(r.status()).as(r.toString()).isEqualTo(201);
      JsonNode j = r.json();
      long id = id(j.get("messageId").asText());
      model.hot.add(id);
      model.saves.add(new Saved(0, "create", id, j.get("changeNumber").asLong(), t, false));
    }
  }

  // ---- the storm

  /** Sixteen clients and one event follower, until the server dies under them. */
  private final class Storm {
    final String base;
    final Model model;
    final int round;
    final long seed;
    final AtomicBoolean killed = new AtomicBoolean();
    final AtomicInteger rejected = new AtomicInteger();
    final AtomicInteger unanswered = new AtomicInteger();
    final Map<String, Integer> statuses = new ConcurrentHashMap<>();
    final java.util.concurrent.atomic.AtomicReference<String> failure = new java.util.concurrent.atomic.AtomicReference<>();
    final List<Thread> threads = new ArrayList<>();
    Follower follower;

    Storm(String base, Model model, int round, long seed) {
      this.base = base;
      this.model = model;
      this.round = round;
      this.seed = seed;
    }

    void start() {
      follower = new Follower(base, model);
      follower.start();
      for (int c = 0; c < CLIENTS; c++) {
        int client = c;
        SplittableRandom rnd = new SplittableRandom(seed * 31 + c);
        Thread t = new Thread(() -> run(client, rnd), "storm-" + round + "-" + c);
        t.setDaemon(true);
        threads.add(t);
        t.start();
      }
    }

    void join() throws InterruptedException {
      for (Thread t : threads) {
        t.join(60_000);
        assertThat(t.isAlive()).as(t.getName() + " still running 60 s after the kill").isFalse();
      }
      follower.join();
    }

    private void run(int client, SplittableRandom rnd) {
      int seq = 0;
      while (!Thread.currentThread().isInterrupted()) {
        String t = "r" + round + "-c" + client + "-" + (seq++) + "-" + Long.toHexString(rnd.nextLong() & 0xffffffL);
        try {
          step(rnd, t);
        } catch (IOException e) {
          // The server died under this request: its outcome is unknown (checked as "whole or absent").
          if (!killed.get()) {
            failure.compareAndSet(null, "client " + client + " lost its connection before the kill: " + e);
          }
          return;
        } catch (AssertionError | RuntimeException e) {
          failure.compareAndSet(null, "client " + client + ": " + e);
          return;
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    private void step(SplittableRandom rnd, String t) throws IOException, InterruptedException {
      int p = rnd.nextInt(100);
      String store = "/stores/" + model.store;
      if (p < 25) { // conditional save of a hot message: many 412s
        long hot = model.hot.get(rnd.nextInt(HOT));
        Resp cur = call("GET", base + store + "/messages/m-" + hot, null, Map.of(), null);
        checkWhole(cur);
        long base0 = cur.json().get("changeNumber").asLong();
        save(rnd.nextBoolean() ? "PATCH" : "PUT", hot, t, null, cur.header("ETag"), "conditional from cn " + base0);
      } else if (p < 40) { // create
        String folder = rnd.nextBoolean() ? model.inbox : model.drafts;
        Resp r = call("POST", base + store + "/folders/" + folder + "/messages", messageBody(t), Map.of(), t);
        if (r.status() == 201) {
          JsonNode j = r.json();
          long id = id(j.get("messageId").asText());
          model.saves.add(new Saved(round, "create", id, j.get("changeNumber").asLong(), t, false));
          model.pool.addLast(id);
        } else {
          throw new AssertionError("create answered " + r);
        }
      } else if (p < 52) { // forced save
        Long id = model.pool.pollFirst();
        if (id != null) {
          save("PATCH", id, t, null, "*", "forced");
          model.pool.addLast(id);
        }
      } else if (p < 62) { // conditional whole-view save of a pool message
        Long id = model.pool.pollFirst();
        if (id != null) {
          Resp cur = call("GET", base + store + "/messages/m-" + id, null, Map.of(), null);
          if (cur.status() == 200) {
            checkWhole(cur);
            save("PUT", id, t, null, cur.header("ETag"), "whole view");
            model.pool.addLast(id);
          }
        }
      } else if (p < 74) { // attachment upload, then attach it with a forced save
        Long id = model.pool.pollFirst();
        if (id != null) {
          byte[] content = attachmentContent(t);
          Resp up = call("POST", base + store + "/content", content, Map.of("Content-Type", "application/octet-stream"),
              null);
          if (up.status() != 201) {
            throw new AssertionError("content upload answered " + up);
          }
          save("PATCH", id, t, up.json(), "*", "attachment");
          model.pool.addLast(id);
        }
      } else if (p < 82) { // delete
        Long id = model.pool.size() > 8 ? model.pool.pollFirst() : null;
        if (id != null) {
          Resp r;
          try {
            r = call("DELETE", base + store + "/messages/m-" + id, null, Map.of(), null);
          } catch (IOException e) {
            model.unansweredDeletes.add(id);
            throw e;
          }
          if (r.status() == 204) {
            model.deletes.add(id);
          } else if (r.status() != 404) {
            throw new AssertionError("delete of m-" + id + " answered " + r);
          }
        }
      } else if (p < 90) { // move to the other folder
        Long id = model.pool.pollFirst();
        if (id != null) {
          Resp cur = call("GET", base + store + "/messages/m-" + id, null, Map.of(), null);
          if (cur.status() == 200) {
            String to = cur.json().get("folderId").asText().equals(model.inbox) ? model.drafts : model.inbox;
            ObjectNode b = JSON.createObjectNode().put("folderId", to);
            Resp r = call("POST", base + store + "/messages/m-" + id + "/move", b, Map.of(), null);
            if (r.status() != 200) {
              throw new AssertionError("move of m-" + id + " answered " + r);
            }
            long moved = id(r.json().get("id").asText());
            model.moves.put(id, moved);
            model.pool.addLast(moved);
          }
        }
      } else { // read
        long id = rnd.nextBoolean() || model.pool.isEmpty() ? model.hot.get(rnd.nextInt(HOT))
            : Optional.ofNullable(model.pool.peekLast()).orElse(model.hot.get(0));
        Resp r = call("GET", base + store + "/messages/m-" + id, null, Map.of(), null);
        if (r.status() == 200) {
          checkWhole(r);
        }
      }
    }

    /** A save of {@code id} with token {@code t} (and the blob {@code uploaded}, if any); records the answer. */
    private void save(String method, long id, String t, JsonNode uploaded, String ifMatch, String how)
        throws IOException, InterruptedException {
      boolean attach = uploaded != null;
      ObjectNode b = (ObjectNode) messageBody(t);
      if (attach) { // the blob uploaded by POST /content, attached by reference
        ObjectNode a = b.putObject("attachments").putArray("add").addObject();
        a.putObject("properties").put("PidTagAttachFilename", "a-" + t);
        a.putObject("content").put("sha256", uploaded.get("sha256").asText()).put("size", uploaded.get("size").asLong());
      }
      Resp r = call(method, base + "/stores/" + model.store + "/messages/m-" + id, b, Map.of("If-Match", ifMatch), t);
      if (r.status() == 200) {
        JsonNode j = r.json();
        if (!j.get("committed").asBoolean()) {
          throw new AssertionError(how + " save of m-" + id + " with the new token " + t + " committed nothing: " + r);
        }
        model.saves.add(new Saved(round, method + " " + how, id(j.get("messageId").asText()),
            j.get("changeNumber").asLong(), t, attach));
      } else if (r.status() == 412 || r.status() == 404 || r.status() == 410) {
        model.rejected.add(t);
        rejected.incrementAndGet();
      } else {
        throw new AssertionError(how + " save of m-" + id + " answered " + r);
      }
    }

    private Resp call(String method, String url, Object body, Map<String, String> headers, String saveToken)
        throws IOException, InterruptedException {
      try {
        Resp r = send(method, url, body, headers);
        statuses.merge(method + " " + r.status(), 1, Integer::sum);
        return r;
      } catch (IOException e) {
        if (saveToken != null && killed.get()) {
          model.unanswered.add(saveToken);
          unanswered.incrementAndGet();
        }
        throw e;
      }
    }
  }

  /** Follows GET /stores/{s}/events, resuming with Last-Event-ID, until stopped or the server dies. */
  private final class Follower extends Thread {
    final String base;
    final Model model;
    final AtomicBoolean stop = new AtomicBoolean();

    Follower(String base, Model model) {
      super("event-follower");
      setDaemon(true);
      this.base = base;
      this.model = model;
    }

    @Override
    public void run() {
      while (!stop.get()) {
        long last = lastSeen(model);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/stores/" + model.store + "/events"
            + (last == 0 ? "?after=0" : ""))).header("Authorization", "Bearer " + token)
            .header("Accept", "text/event-stream");
        if (last > 0) {
          b.header("Last-Event-ID", Long.toString(last));
        }
        try {
          HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
          if (r.statusCode() != 200) {
            throw new AssertionError("event stream answered " + r.statusCode());
          }
          read(r.body());
        } catch (IOException e) {
          return; // the server died
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    private void read(InputStream in) throws IOException {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, UTF_8))) {
        String id = null;
        String data = null;
        for (String line; !stop.get() && (line = r.readLine()) != null; ) {
          if (line.startsWith("id:")) {
            id = line.substring(3).strip();
          } else if (line.startsWith("data:")) {
            data = line.substring(5).strip();
          } else if (line.isEmpty()) {
            if (id != null && data != null) {
              JsonNode e = JSON.readTree(data);
              model.events.add(new Seen(Long.parseLong(id), e.get("type").asText(), e.path("id").asText(null),
                  e.hasNonNull("changeNumber") ? e.get("changeNumber").asLong() : null));
            }
            id = null;
            data = null;
          }
        }
      }
    }
  }

  private static long lastSeen(Model model) {
    synchronized (model.events) {
      return model.events.isEmpty() ? 0 : model.events.getLast().position();
    }
  }

  // ---- verification

  private List<StoreEvent> journal(Path data, Model model) {
    try (EmbeddedMessageStore store = SqliteMessageStore.open(data.resolve(ServerConfig.STORE_FILE));
        Session s = store.openSession(USER)) {
      return readJournal(s, StoreId.parse(model.store));
    }
  }

  private static List<StoreEvent> readJournal(Session s, StoreId sid) {
    List<StoreEvent> journal = new ArrayList<>();
    long after = 0;
    while (true) {
      List<StoreEvent> page = s.readJournal(sid, after, 10_000);
      if (page.isEmpty()) {
        return journal;
      }
      journal.addAll(page);
      after = page.getLast().position();
    }
  }

  /** Opens the data directory's store (the server is dead) and checks it against what the clients were told. */
  private String verify(Path data, int round, Model model, List<String> problems) {
    try (EmbeddedMessageStore store = SqliteMessageStore.open(data.resolve(ServerConfig.STORE_FILE));
        Session s = store.openSession(USER)) {
      for (String p : store.checkIntegrity()) {
        problems.add("checkIntegrity: " + p);
      }
      StoreId sid = StoreId.parse(model.store);
      List<StoreEvent> journal = readJournal(s, sid);
      long expect = journal.isEmpty() ? 0 : journal.getFirst().position();
      for (StoreEvent e : journal) {
        if (e.position() != expect) {
          problems.add("journal gap: position " + e.position() + " where " + expect + " was expected");
          expect = e.position();
        }
        expect++;
      }
      if (!journal.isEmpty() && s.journalPosition(sid) != journal.getLast().position()) {
        problems.add("journalPosition " + s.journalPosition(sid) + " but the last entry is " + journal.getLast());
      }
      Map<Long, Long> jMoves = new HashMap<>();
      Set<Long> jDeleted = new HashSet<>();
      Map<Long, Set<Long>> jVersions = new HashMap<>();
      Map<Long, Long> cnToId = new HashMap<>();
      for (StoreEvent e : journal) {
        if (e.objectKind() != StoreEvent.ObjectKind.MESSAGE) {
          continue;
        }
        if (e.type() == EventType.OBJECT_MOVED && e.oldId().isPresent()) {
          jMoves.put(e.oldId().get(), e.id());
        }
        if (e.type() == EventType.OBJECT_DELETED) {
          jDeleted.add(e.id());
        }
      }
      for (StoreEvent e : journal) {
        if (e.objectKind() == StoreEvent.ObjectKind.MESSAGE && e.changeNumber().isPresent()) {
          long cn = e.changeNumber().get().value();
          jVersions.computeIfAbsent(resolve(e.id(), jMoves), k -> new TreeSet<>()).add(cn);
          Long other = cnToId.put(cn, e.id());
          if (other != null && other != e.id()) {
            problems.add("change number " + cn + " is journaled for m-" + other + " and m-" + e.id());
          }
        }
      }
      // Every message, live or soft-deleted: current version whole, history == journal.
      Map<Long, Boolean> messages = new TreeMap<>();
      Folder root = s.openFolder(s.store(sid).rootFolder());
      List<Folder> folders = new ArrayList<>(List.of(root));
      for (FolderInfo fi : root.hierarchy(true)) {
        folders.add(s.openFolder(fi.id()));
      }
      for (Folder f : folders) {
        for (int offset = 0; ; offset += 10_000) {
          List<TableRow> rows = f.contentsTable().setColumns(List.of(PropTags.MID)).queryRows(offset, 10_000);
          rows.forEach(row -> messages.put(row.messageId().value(), false));
          if (rows.size() < 10_000) {
            break;
          }
        }
        for (MessageId id : f.softDeletedMessages()) {
          messages.put(id.value(), true);
        }
      }
      Map<Long, Long> currentCn = new HashMap<>();
      for (long id : messages.keySet()) {
        try (Message h = s.openMessage(MessageId.of(id), OpenFlag.SHOW_SOFT_DELETES)) {
          long cn = h.baseChangeNumber().orElseThrow().value();
          currentCn.put(id, cn);
          String p = wholeness(s, h.snapshot(), null, false);
          if (p != null) {
            problems.add("m-" + id + " (current cn " + cn + ") is torn: " + p);
          }
        }
        Set<Long> retained = new TreeSet<>();
        for (VersionInfo v : s.versions(MessageId.of(id))) {
          retained.add(v.changeNumber().value());
        }
        Set<Long> journaled = jVersions.getOrDefault(id, Set.of());
        if (!retained.equals(journaled)) {
          problems.add("m-" + id + ": versions " + retained + " but journaled versions " + journaled);
        }
      }
      // Every version journaled since the last check: whole, and not from a refused save.
      Map<String, Long> committed = new HashMap<>();
      int newVersions = 0;
      for (StoreEvent e : journal) {
        if (e.position() <= model.checkedPosition || e.objectKind() != StoreEvent.ObjectKind.MESSAGE
            || e.changeNumber().isEmpty()) {
          continue;
        }
        long rid = resolve(e.id(), jMoves);
        if (!messages.containsKey(rid)) {
          continue;
        }
        long cn = e.changeNumber().get().value();
        MessageSnapshot v;
        try {
          v = s.readVersion(MessageId.of(rid), ChangeNumber.of(cn));
        } catch (StoreException x) {
          problems.add("journaled version cn " + cn + " of m-" + rid + " cannot be read: " + x.getMessage());
          continue;
        }
        newVersions++;
        String subject = v.get(PropTags.SUBJECT).map(PropValue::asString).orElse("");
        String p = wholeness(s, v, null, false);
        if (p != null) {
          problems.add("version cn " + cn + " of m-" + rid + " is torn: " + p);
        }
        if (model.rejected.contains(subject)) {
          problems.add("version cn " + cn + " of m-" + rid + " holds token " + subject
              + ", whose save was refused with a 4xx");
        }
        if (e.type() != EventType.OBJECT_MOVED && e.type() != EventType.OBJECT_DELETED) {
          committed.put(subject, cn); // a move's or delete's version carries the token of the save before it
        }
        if (model.unanswered.contains(subject)) {
          model.unansweredWhole++;
        }
      }
      model.rejectedChecked += (int) model.rejected.stream().filter(t -> t.startsWith("r" + round + "-")).count();
      // Every acknowledged save of this round.
      int checked = 0;
      for (Saved sv : model.saves) {
        if (sv.round() != round && !(round == 1 && sv.round() == 0)) {
          continue;
        }
        checked++;
        Long cn = committed.get(sv.token());
        if (cn == null || cn != sv.cn()) {
          problems.add("acknowledged save lost: " + sv + ": the journal has its token at " + (cn == null ? "no version"
              : "cn " + cn));
          continue;
        }
        long rid = resolve(sv.id(), jMoves);
        if (!messages.containsKey(rid)) {
          problems.add("acknowledged save lost: " + sv + ": m-" + rid + " is in no folder, not even soft-deleted");
        } else if (currentCn.get(rid) < sv.cn()) {
          problems.add("acknowledged save lost: " + sv + ": m-" + rid + " is at cn " + currentCn.get(rid));
        } else {
          String p = wholeness(s, s.readVersion(MessageId.of(rid), ChangeNumber.of(sv.cn())), sv.token(),
              sv.attachment());
          if (p != null) {
            problems.add("acknowledged save " + sv + " is not what was sent: " + p);
          }
        }
      }
      model.checkedSaves += checked;
      // Acknowledged moves and deletes; messages nobody deleted are live.
      for (Map.Entry<Long, Long> mv : model.moves.entrySet()) {
        if (!mv.getValue().equals(jMoves.get(mv.getKey()))) {
          problems.add("acknowledged move m-" + mv.getKey() + " -> m-" + mv.getValue() + ", journal: "
              + jMoves.get(mv.getKey()));
        }
      }
      for (long id : model.deletes) {
        if (!Boolean.TRUE.equals(messages.get(id)) || !jDeleted.contains(id)) {
          problems.add("acknowledged delete of m-" + id + " is not there: " + (messages.containsKey(id)
              ? "live" : "gone") + ", journaled " + jDeleted.contains(id));
        }
      }
      for (Map.Entry<Long, Boolean> m : messages.entrySet()) {
        if (m.getValue() && !model.deletes.contains(m.getKey()) && !model.unansweredDeletes.contains(m.getKey())) {
          problems.add("m-" + m.getKey() + " is soft-deleted, but no delete of it was sent");
        }
      }
      // The pool for the next round: live messages only (unanswered creates and moves are found again here).
      model.pool.clear();
      for (Map.Entry<Long, Boolean> m : messages.entrySet()) {
        if (!m.getValue() && !model.hot.contains(m.getKey())) {
          model.pool.add(m.getKey());
        }
      }
      checkEvents(journal, model, problems, false);
      model.checkedPosition = journal.isEmpty() ? 0 : journal.getLast().position();
      long live = messages.values().stream().filter(d -> !d).count();
      return String.format("verified: integrity ok, journal %d entries without gap, %d live + %d soft-deleted "
          + "messages whole, %d new versions whole, %d acked saves durable, %d events streamed so far", journal.size(),
          live, messages.size() - live, newVersions, checked, model.events.size());
    }
  }

  /** The events the stream delivered so far are the journal's first entries, in order, each once. */
  private static void checkEvents(List<StoreEvent> journal, Model model, List<String> problems, boolean complete) {
    List<Seen> seen;
    synchronized (model.events) {
      seen = List.copyOf(model.events);
    }
    if (seen.size() > journal.size()) {
      problems.add("the event stream delivered " + seen.size() + " events, the journal has " + journal.size());
    }
    for (int i = 0; i < Math.min(seen.size(), journal.size()); i++) {
      Seen e = seen.get(i);
      StoreEvent j = journal.get(i);
      String jid = (j.objectKind() == StoreEvent.ObjectKind.MESSAGE ? "m-" : "f-") + j.id();
      Long jcn = j.changeNumber().map(ChangeNumber::value).orElse(null);
      if (e.position() != j.position() || !e.type().equals(j.type().name()) || !jid.equals(e.id())
          || !java.util.Objects.equals(jcn, e.cn())) {
        problems.add("event " + i + " of the stream is " + e + " but the journal has " + j.position() + " " + j.type()
            + " " + jid + " cn " + jcn + (i > 0 ? " (previous event " + seen.get(i - 1) + ")" : ""));
        return;
      }
    }
    if (complete && seen.size() != journal.size()) {
      problems.add("the event stream stopped at " + seen.size() + " of " + journal.size() + " journal entries");
    }
  }

  private static long resolve(long id, Map<Long, Long> moves) {
    long cur = id;
    for (int i = 0; moves.containsKey(cur) && i <= moves.size(); i++) {
      cur = moves.get(cur);
    }
    return cur;
  }

  /** Null when the version is whole: its body and every attachment derive from their tokens. */
  private static String wholeness(Session s, MessageSnapshot v, String token, boolean wantAttachment) {
    String subject = v.get(PropTags.SUBJECT).map(PropValue::asString).orElse(null);
    String body = v.get(PropTags.BODY).map(PropValue::asString).orElse(null);
    if (subject == null || body == null) {
      return "subject " + subject + ", body " + (body == null ? "missing" : "present");
    }
    if (token != null && !token.equals(subject)) {
      return "subject is " + subject + ", expected " + token;
    }
    if (!body(subject).equals(body)) {
      return "subject " + subject + " but a body of " + body.length() + " chars that does not derive from it";
    }
    boolean found = false;
    for (MessageSnapshot.AttachmentSnapshot a : v.attachments()) {
      String name = a.get(PropTags.ATTACH_FILENAME).map(PropValue::asString).orElse("");
      if (!name.startsWith("a-") || a.content().isEmpty()) {
        return "attachment " + a.attachNum() + " named '" + name + "' with content " + a.content();
      }
      found |= name.equals("a-" + token);
      ContentRef ref = a.content().get();
      try (InputStream in = s.openContent(ref)) {
        if (!Arrays.equals(attachmentContent(name.substring(2)), in.readAllBytes())) {
          return "attachment " + a.attachNum() + " (" + name + ") has other bytes than were uploaded";
        }
      } catch (IOException | StoreException e) {
        return "attachment " + a.attachNum() + " (" + name + ") cannot be read: " + e;
      }
    }
    if (wantAttachment && !found) {
      return "no attachment a-" + token;
    }
    return null;
  }

  // ---- content derived from tokens

  static String body(String token) {
    SplittableRandom r = new SplittableRandom(token.hashCode() * 0x9E3779B97F4A7C15L + token.length());
    StringBuilder b = new StringBuilder(FILLER + 2 * token.length() + 2).append(token).append('|');
    for (int i = 0; i < FILLER; i++) {
      b.append((char) ('a' + r.nextInt(26)));
    }
    return b.append('|').append(token).toString();
  }

  static byte[] attachmentContent(String token) {
    SplittableRandom r = new SplittableRandom(token.hashCode() * 0xC2B2AE3D27D4EB4FL - token.length());
    byte[] b = new byte[200 + r.nextInt(3000)];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    return b;
  }

  private static JsonNode messageBody(String token) {
    ObjectNode m = JSON.createObjectNode();
    m.putObject("properties").put("PidTagSubject", token).put("PidTagBody", body(token));
    return m;
  }

  /** A response seen by a client: the message it carries must be whole. */
  private static void checkWhole(Resp r) {
    if (r.status() != 200) {
      return;
    }
    JsonNode p = r.json().path("properties");
    String subject = p.path("PidTagSubject").path("value").asText(null);
    String body = p.path("PidTagBody").path("value").asText(null);
    if (subject == null || body == null || !body(subject).equals(body)) {
      throw new AssertionError("a GET returned a torn message: subject " + subject);
    }
  }

  // ---- HTTP

  record Resp(int status, java.net.http.HttpHeaders headers, String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }

    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    @Override
    public String toString() {
      return status + " " + (body.length() > 500 ? body.substring(0, 500) + "..." : body);
    }
  }

  private Resp send(String method, String url, Object body, Map<String, String> headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + token);
    headers.forEach(b::header);
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else if (body instanceof byte[] bytes) {
      b.method(method, HttpRequest.BodyPublishers.ofByteArray(bytes));
    } else {
      if (!headers.containsKey("Content-Type")) {
        b.header("Content-Type", "application/json");
      }
      b.method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Resp(r.statusCode(), r.headers(), r.body());
  }

  private JsonNode get(String url) throws IOException, InterruptedException {
    Resp r = send("GET", url, null, Map.of());
    assertThat(r.status()).as("GET " + url + ": " + r).isEqualTo(200);
    return r.json();
  }

  private static long id(String text) {
    return Long.parseLong(text.substring(text.indexOf('-') + 1));
  }

  private static void log(String format, Object... args) {
    System.out.println("[server-crash] " + String.format(format, args));
    System.out.flush();
  }
}
