package msgstore.storage.sqlite.crash;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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
import msgstore.api.StoreInfo;
import msgstore.api.TableRow;
import msgstore.api.VersionInfo;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.storage.sqlite.SqliteMessageStore;
import msgstore.testkit.Stress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety: a separate JVM ({@link CrashWorker}) saves in a loop with several threads and is
 * killed with SIGKILL at random moments, many times, on the same store file.
 *
 * <p>The worker prints one line per operation only after the call returned (a save with its
 * message id, change number and the token it wrote into both PR_SUBJECT and an 8 KB PR_BODY, plus
 * creates, moves, deletes and attachment writes). Each round this test starts the worker on the
 * store the previous rounds left, waits for a random number of reported operations, a random
 * time after start-up or a random time from process start (so start-up and recovery get killed
 * too), kills it with {@link Process#destroyForcibly()} (SIGKILL on Linux, exit status 137),
 * reads every line the worker managed to write, then reopens the store here and checks that:
 *
 * <ul>
 *   <li>{@code checkIntegrity()} is empty (PRAGMA integrity_check and the storage invariants);
 *   <li>every reported save is durable: its message (followed through moves) exists at that
 *       change number or a newer one, and the reported version is readable in history with the
 *       reported token in its subject, the matching body, and the attachment it wrote;
 *   <li>no message is torn: every message's current version has a body matching its subject
 *       token, and whole attachments;
 *   <li>creates, moves and deletes that were reported happened, and nothing else vanished;
 *   <li>the journal matches the messages: positions increase, every retained version of every
 *       message has a journal entry with its change number (the current one included) and every
 *       journal entry with a change number has its version, reported moves and deletes are there;
 *   <li>nothing is reused after a crash: change numbers reported in a later round are above every
 *       change number the store held when reopened, new message ids were never seen before;
 *   <li>the worker continues from the existing state (same store, same hot and own messages).
 * </ul>
 *
 * <p>{@link #aLostReportedSaveFailsTheCheck} shows the check can fail: it empties the WAL after a
 * kill, as if the last commits had never reached the disk, and expects the lost saves to be named.
 *
 * <p>Rounds: 5 by default ({@code -Dmsgstore.stress=ci}), 100 with {@code -Dmsgstore.stress=full}.
 * {@code -Dmsgstore.crash.seed=<n>} replays a seed's kill schedule and operation mix (the thread
 * interleaving is up to the scheduler); the seed is printed at the start and in every failure.
 */
class CrashSafetyTest {
  private static final int THREADS = 4;
  /** How long the worker may stay silent before the test gives up on it. */
  private static final long SILENCE_LIMIT_MILLIS = 60_000;
  /** Earlier rounds' saves re-checked each round, besides all of the round's own. */
  private static final int OLDER_SAVES_SAMPLE = 200;
  private static final int MAX_PROBLEMS_SHOWN = 30;

  @TempDir Path dir;

  private enum KillMode {
    /** After a random number of reported operations. */
    AFTER_OPS,
    /** A random time after READY, whatever is being written then. */
    AFTER_READY_DELAY,
    /** A random time after the process started: possibly during start-up and recovery. */
    AFTER_START_DELAY
  }

  /** A reported save (a CREATED line is a save too). */
  private record Saved(int round, String kind, long id, long cn, String token, boolean attachment) {
    @Override
    public String toString() {
      return kind + " m-" + id + " cn " + cn + " token " + token + (attachment ? " (+attachment)" : "") + " in round "
          + round;
    }
  }

  /** A line of the worker's stdout, or its end. */
  private record Out(String line, boolean eof) {}

  /** Everything the worker reported over all rounds, and what the store held at the last check. */
  private static final class Model {
    final List<Saved> saves = new ArrayList<>();
    final Map<Long, Long> reportedMoves = new LinkedHashMap<>();
    final Map<Long, Integer> reportedDeletes = new LinkedHashMap<>();
    final Map<Long, Integer> reportedCreates = new LinkedHashMap<>();
    /** Message ids the store had ever used when last reopened (from the journal). */
    final Set<Long> knownIds = new HashSet<>();
    /** The highest change number the store held when last reopened. */
    long maxCn;
    String storeGuid;
    Long hot;
    List<Long> own;
  }

  /** What one round saw. */
  private static final class RoundLog {
    final Map<String, Integer> lines = new TreeMap<>();
    final List<String> problems = new ArrayList<>();
    final List<String> noise = new ArrayList<>();
    boolean ready;
    long readyMillis = -1;
    long killMillis;
    int exitCode;
    String partialLine;

    int ops() {
      return lines.getOrDefault("SAVED", 0) + lines.getOrDefault("CREATED", 0) + lines.getOrDefault("MOVED", 0)
          + lines.getOrDefault("DELETED", 0);
    }
  }

  /** How one round's worker is killed. */
  private record RoundPlan(int round, KillMode mode, int killAfterOps, long killAfterReadyMillis,
      long killAfterStartMillis, long workerSeed) {
    static RoundPlan random(int round, Random rnd, long lastReadyMillis) {
      KillMode mode = KillMode.values()[(round - 1) % KillMode.values().length];
      return new RoundPlan(round, mode, 1 + rnd.nextInt(rnd.nextBoolean() ? 40 : 400), rnd.nextInt(1500),
          (long) (rnd.nextDouble() * 1.3 * lastReadyMillis), rnd.nextLong());
    }

    @Override
    public String toString() {
      return switch (mode) {
        case AFTER_OPS -> "kill after " + killAfterOps + " reported ops";
        case AFTER_READY_DELAY -> "kill " + killAfterReadyMillis + " ms after READY";
        case AFTER_START_DELAY -> "kill " + killAfterStartMillis + " ms after process start";
      };
    }
  }

  @Test
  void everyReportedSaveSurvivesSigkill() throws Exception {
    int rounds = Stress.scale(5, 100);
    long seed = Long.getLong("msgstore.crash.seed", new Random().nextLong());
    Random rnd = new Random(seed);
    Path file = dir.resolve("crash.db");
    Model model = new Model();
    long lastReadyMillis = 1500;
    long total = System.nanoTime();
    log("crash safety: %d rounds (msgstore.stress=%s), seed %d (rerun with -Dmsgstore.crash.seed=%d), store %s",
        rounds, System.getProperty(Stress.PROPERTY, "ci"), seed, seed, file);
    for (int round = 1; round <= rounds; round++) {
      long t0 = System.nanoTime();
      RoundPlan plan = RoundPlan.random(round, rnd, lastReadyMillis);
      RoundLog r = runAndKill(file, plan, model, seed);
      if (r.readyMillis >= 0) {
        lastReadyMillis = r.readyMillis;
      }
      String verified = verify(file, round, model, r, rnd);
      logRound(plan, rounds, r, verified, t0);
      if (!r.problems.isEmpty()) {
        fail("crash safety failed in round " + round + " of " + rounds + " (seed " + seed + ", " + plan + "), "
            + describe(r.problems));
      }
    }
    log("crash safety: %d rounds passed in %d ms, %d reported saves in all", rounds,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - total), model.saves.size());
  }

  /**
   * The check can fail: after a clean round, a second round's commits are thrown away behind the
   * worker's back (its WAL emptied after the kill, as if the commits had never reached the disk),
   * and the verification must name the reported saves that are missing.
   */
  @Test
  void aLostReportedSaveFailsTheCheck() throws Exception {
    long seed = Long.getLong("msgstore.crash.seed", new Random().nextLong());
    Random rnd = new Random(seed);
    Path file = dir.resolve("lost.db");
    Model model = new Model();
    long t0 = System.nanoTime();
    RoundPlan first = new RoundPlan(1, KillMode.AFTER_OPS, 20, 0, 0, rnd.nextLong());
    RoundLog r1 = runAndKill(file, first, model, seed);
    String verified = verify(file, 1, model, r1, rnd); // closing the store checkpoints the WAL into the database
    logRound(first, 2, r1, verified, t0);
    if (!r1.problems.isEmpty()) {
      fail("the clean round failed (seed " + seed + "): " + describe(r1.problems));
    }
    long t1 = System.nanoTime();
    RoundPlan second = new RoundPlan(2, KillMode.AFTER_OPS, 20, 0, 0, rnd.nextLong());
    RoundLog r2 = runAndKill(file, second, model, seed);
    // 20 saves (about 12 pages each) stay far below the 1000-page auto-checkpoint: round 2 is in the WAL only.
    Path wal = file.resolveSibling(file.getFileName() + "-wal");
    long walBytes = Files.size(wal);
    Files.write(wal, new byte[0]);
    Files.deleteIfExists(file.resolveSibling(file.getFileName() + "-shm"));
    verified = verify(file, 2, model, r2, rnd);
    logRound(second, 2, r2, verified + " after dropping " + walBytes + " WAL bytes", t1);
    log("  the lost commits were noticed: %s", describe(r2.problems));
    assertThat(r2.problems).as("problems found after round 2's commits were dropped").isNotEmpty();
    assertThat(r2.problems).anySatisfy(p -> assertThat(p).startsWith("reported save lost: ")
        .containsPattern("m-\\d+").contains("cn"));
  }

  private static String describe(List<String> problems) {
    List<String> shown = problems.subList(0, Math.min(MAX_PROBLEMS_SHOWN, problems.size()));
    return problems.size() + " problem(s):\n  " + String.join("\n  ", shown)
        + (problems.size() > shown.size() ? "\n  ..." : "");
  }

  private static void logRound(RoundPlan plan, int rounds, RoundLog r, String verified, long t0) {
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    log("round %d/%d [%s]: %s, killed at %d ms (exit %d), reported %s%s; verified %s; %d ms", plan.round(), rounds,
        plan, r.ready ? "READY after " + r.readyMillis + " ms" : "killed before READY", r.killMillis, r.exitCode,
        r.lines, r.partialLine == null ? "" : ", dropped an unterminated last line", verified, ms);
    if (!r.noise.isEmpty()) {
      log("  other worker output: %s", r.noise.subList(0, Math.min(5, r.noise.size())));
    }
  }

  // ---- running and killing the worker

  private RoundLog runAndKill(Path file, RoundPlan plan, Model model, long seed) throws Exception {
    RoundLog r = new RoundLog();
    int round = plan.round();
    KillMode mode = plan.mode();
    Path stderr = dir.resolve("worker-" + round + ".err");
    String java = ProcessHandle.current().info().command().orElse(
        Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> cmd = List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        CrashWorker.class.getName(), file.toString(), Integer.toString(round), Long.toString(plan.workerSeed()),
        Integer.toString(THREADS));
    long start = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
    BlockingQueue<Out> out = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> readLines(p.getInputStream(), out), "crash-worker-stdout-" + round);
    reader.setDaemon(true);
    reader.start();
    try {
      long readyAt = 0;
      while (true) {
        long now = System.nanoTime();
        long deadline = switch (mode) {
          case AFTER_OPS -> Long.MAX_VALUE;
          case AFTER_READY_DELAY -> r.ready ? readyAt + TimeUnit.MILLISECONDS.toNanos(plan.killAfterReadyMillis())
              : Long.MAX_VALUE;
          case AFTER_START_DELAY -> start + TimeUnit.MILLISECONDS.toNanos(plan.killAfterStartMillis());
        };
        if (deadline != Long.MAX_VALUE && now - deadline >= 0) {
          break;
        }
        long wait = deadline == Long.MAX_VALUE ? SILENCE_LIMIT_MILLIS
            : Math.min(SILENCE_LIMIT_MILLIS, 1 + TimeUnit.NANOSECONDS.toMillis(deadline - now));
        Out o = out.poll(wait, TimeUnit.MILLISECONDS);
        if (o == null) {
          if (deadline != Long.MAX_VALUE) {
            continue; // the deadline (at most a few seconds away) is checked at the top
          }
          fail("round " + round + " (seed " + seed + "): the crash worker wrote nothing for " + SILENCE_LIMIT_MILLIS
              + " ms" + stderrOf(stderr));
        }
        if (o.eof()) {
          int code = p.waitFor();
          fail("round " + round + " (seed " + seed + "): the crash worker exited by itself with status " + code
              + " before it was killed; last problems: " + r.problems + stderrOf(stderr));
        }
        handle(o.line(), round, model, r);
        if (r.ready && readyAt == 0) {
          readyAt = System.nanoTime();
          r.readyMillis = TimeUnit.NANOSECONDS.toMillis(readyAt - start);
        }
        if (mode == KillMode.AFTER_OPS && r.ready && r.ops() >= plan.killAfterOps()) {
          break;
        }
      }
      r.killMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      p.destroyForcibly(); // SIGKILL on Linux
      if (!p.waitFor(SILENCE_LIMIT_MILLIS, TimeUnit.MILLISECONDS)) {
        fail("round " + round + ": the crash worker did not die within " + SILENCE_LIMIT_MILLIS + " ms of SIGKILL");
      }
      r.exitCode = p.exitValue();
      // Everything the worker wrote before it died is still in the pipe: read it up to the end.
      while (true) {
        Out o = out.poll(SILENCE_LIMIT_MILLIS, TimeUnit.MILLISECONDS);
        if (o == null) {
          fail("round " + round + ": the crash worker's stdout did not end after it was killed");
        }
        if (o.eof()) {
          break;
        }
        handle(o.line(), round, model, r);
      }
      if (r.exitCode != 128 + 9) {
        fail("round " + round + " (seed " + seed + "): the crash worker should have died of SIGKILL (exit status 137),"
            + " but exited with " + r.exitCode + "; problems: " + r.problems + stderrOf(stderr));
      }
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
        p.waitFor(SILENCE_LIMIT_MILLIS, TimeUnit.MILLISECONDS);
      }
    }
    return r;
  }

  /** Splits the worker's stdout into lines; a last line without its newline was cut by the kill and is dropped. */
  private static void readLines(InputStream in, BlockingQueue<Out> out) {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try (in) {
      int n;
      while ((n = in.read(buf)) > 0) {
        for (int i = 0; i < n; i++) {
          if (buf[i] == '\n') {
            out.add(new Out(line.toString(UTF_8), false));
            line.reset();
          } else {
            line.write(buf[i]);
          }
        }
      }
    } catch (IOException e) {
      // The pipe broke with the process; what was read is all there is.
    }
    if (line.size() > 0) {
      out.add(new Out("#PARTIAL " + line.toString(UTF_8), false));
    }
    out.add(new Out(null, true));
  }

  /** Records one line of the worker's report in the model, checking what can be checked at once. */
  private static void handle(String line, int round, Model model, RoundLog r) {
    if (line.startsWith("#PARTIAL ")) {
      r.partialLine = line.substring(9);
      return;
    }
    String[] f = line.split(" ");
    String kind = f[0];
    try {
      switch (kind) {
        case "READY" -> {
          r.ready = true;
          if (model.storeGuid != null && !model.storeGuid.equals(f[1])) {
            r.problems.add("the worker did not continue with the existing store: READY names store " + f[1]
                + ", but the store file held " + model.storeGuid);
          }
          if (model.hot != null && model.hot != Long.parseLong(f[2])) {
            r.problems.add("the worker did not continue with the existing hot message m-" + model.hot + ": READY names m-"
                + f[2]);
          }
          List<Long> own = Arrays.stream(f[3].split(",")).map(Long::parseLong).toList();
          if (model.own != null && !model.own.equals(own)) {
            r.problems.add("the worker did not continue with the existing own messages " + model.own + ": READY names "
                + own);
          }
        }
        case "SAVED", "CREATED" -> {
          long id = Long.parseLong(f[1]);
          long cn = Long.parseLong(f[2]);
          model.saves.add(new Saved(round, kind, id, cn, f[3], f[4].equals("1")));
          if (cn <= model.maxCn) {
            r.problems.add(kind + " m-" + id + " reports cn " + cn + ", but the store already held cn " + model.maxCn
                + " when reopened before this round: a change number was reused");
          }
          if (kind.equals("CREATED")) {
            model.reportedCreates.put(id, round);
            newId(id, line, model, r);
          }
        }
        case "MOVED" -> {
          long newId = Long.parseLong(f[2]);
          model.reportedMoves.put(Long.parseLong(f[1]), newId);
          newId(newId, line, model, r);
        }
        case "DELETED" -> model.reportedDeletes.put(Long.parseLong(f[1]), round);
        case "ERROR" -> r.problems.add("the crash worker failed: " + line);
        default -> {
          r.noise.add(line);
          return;
        }
      }
    } catch (RuntimeException e) {
      r.problems.add("cannot parse the worker's line '" + line + "': " + e);
      return;
    }
    r.lines.merge(kind, 1, Integer::sum);
  }

  private static void newId(long id, String line, Model model, RoundLog r) {
    if (model.knownIds.contains(id)) {
      r.problems.add("'" + line + "' reuses message id m-" + id + ", which the store had used before this round");
    }
  }

  private static String stderrOf(Path stderr) {
    try {
      String s = Files.exists(stderr) ? Files.readString(stderr) : "";
      return s.isBlank() ? "" : "\nworker stderr:\n" + (s.length() > 8000 ? s.substring(0, 8000) + "..." : s);
    } catch (IOException e) {
      return "\n(cannot read the worker's stderr: " + e + ")";
    }
  }

  // ---- verification

  /** Reopens the store and checks it against the model; returns a summary, adds problems to {@code r}. */
  private String verify(Path file, int round, Model model, RoundLog r, Random rnd) {
    List<String> problems = r.problems;
    try (EmbeddedMessageStore store = SqliteMessageStore.open(file)) {
      for (String p : store.checkIntegrity()) {
        problems.add("checkIntegrity: " + p);
      }
      try (Session s = store.openSession(CrashWorker.USER)) {
        Optional<StoreInfo> info = s.stores().stream().filter(x -> x.displayName().equals(CrashWorker.STORE_NAME))
            .findFirst();
        if (info.isEmpty()) {
          if (model.storeGuid != null || !model.saves.isEmpty()) {
            problems.add("the store '" + CrashWorker.STORE_NAME + "' (" + model.storeGuid + ") is gone, after "
                + model.saves.size() + " reported saves");
          }
          return "integrity ok, no store created yet";
        }
        StoreId sid = info.get().id();
        if (model.storeGuid != null && !model.storeGuid.equals(sid.toString())) {
          problems.add("the store is now " + sid + ", it was " + model.storeGuid);
        }
        model.storeGuid = sid.toString();
        return verifyStore(s, sid, info.get(), round, model, problems, rnd);
      }
    }
  }

  private String verifyStore(Session s, StoreId sid, StoreInfo info, int round, Model model, List<String> problems,
      Random rnd) {
    // The journal.
    List<StoreEvent> journal = new ArrayList<>();
    long after = 0;
    while (true) {
      List<StoreEvent> page = s.readJournal(sid, after, 10_000);
      if (page.isEmpty()) {
        break;
      }
      for (StoreEvent e : page) {
        if (e.position() <= after) {
          problems.add("journal position " + e.position() + " follows position " + after);
        }
        after = e.position();
        journal.add(e);
      }
    }
    if (s.journalPosition(sid) != after) {
      problems.add("journalPosition is " + s.journalPosition(sid) + ", but the last journal entry is at " + after);
    }
    Map<Long, Long> jMoves = new HashMap<>();
    Set<Long> jDeleted = new HashSet<>();
    Set<Long> jIds = new HashSet<>();
    long maxCn = 0;
    for (StoreEvent e : journal) {
      if (e.objectKind() != StoreEvent.ObjectKind.MESSAGE) {
        continue;
      }
      jIds.add(e.id());
      e.oldId().ifPresent(jIds::add);
      if (e.type() == EventType.OBJECT_MOVED && e.oldId().isPresent()) {
        Long before = jMoves.put(e.oldId().get(), e.id());
        if (before != null) {
          problems.add("the journal moves m-" + e.oldId().get() + " twice: to m-" + before + " and to m-" + e.id());
        }
      }
      if (e.type() == EventType.OBJECT_DELETED) {
        jDeleted.add(e.id());
      }
      if (e.changeNumber().isPresent()) {
        maxCn = Math.max(maxCn, e.changeNumber().get().value());
      }
    }
    // Versions per message as the journal has them, ids followed through later moves.
    Map<Long, Set<Long>> jVersions = new HashMap<>();
    for (StoreEvent e : journal) {
      if (e.objectKind() == StoreEvent.ObjectKind.MESSAGE && e.changeNumber().isPresent()) {
        jVersions.computeIfAbsent(resolve(e.id(), jMoves), k -> new TreeSet<>()).add(e.changeNumber().get().value());
      }
    }

    // Every message in the store, live or soft-deleted.
    Folder root = s.openFolder(info.rootFolder());
    Map<Long, Boolean> messages = new TreeMap<>(); // id -> soft-deleted
    List<Folder> folders = new ArrayList<>();
    folders.add(root);
    for (FolderInfo fi : root.hierarchy(true)) {
      folders.add(s.openFolder(fi.id()));
    }
    for (Folder f : folders) {
      for (TableRow row : f.contentsTable().setColumns(List.of(PropTags.MID)).queryRows(0, 10_000)) {
        messages.put(row.messageId().value(), false);
      }
      for (MessageId id : f.softDeletedMessages()) {
        if (messages.put(id.value(), true) != null) {
          problems.add("m-" + id.value() + " is both live and soft-deleted");
        }
      }
    }

    // Every message: its current version whole, its history equal to the journal.
    Map<Long, Long> currentCn = new HashMap<>();
    int versionsMatched = 0;
    for (Map.Entry<Long, Boolean> m : messages.entrySet()) {
      long id = m.getKey();
      long cn;
      try (Message h = s.openMessage(MessageId.of(id), OpenFlag.SHOW_SOFT_DELETES)) {
        cn = h.baseChangeNumber().orElseThrow().value();
        String p = contentProblem(s, h.snapshot(), null, false);
        if (p != null) {
          problems.add("m-" + id + " (current version cn " + cn + ") is torn: " + p);
        }
      }
      currentCn.put(id, cn);
      Set<Long> journaled = jVersions.getOrDefault(id, Set.of());
      if (!journaled.contains(cn)) {
        problems.add("m-" + id + ": the journal has no entry for its current cn " + cn + " (journal cns of it: "
            + journaled + ")");
      }
      Set<Long> retained = new TreeSet<>();
      for (VersionInfo v : s.versions(MessageId.of(id))) {
        retained.add(v.changeNumber().value());
      }
      if (!retained.contains(cn)) {
        problems.add("m-" + id + ": its current cn " + cn + " is not among its versions " + retained);
      }
      if (!retained.equals(journaled)) {
        Set<Long> notJournaled = new TreeSet<>(retained);
        notJournaled.removeAll(journaled);
        Set<Long> lost = new TreeSet<>(journaled);
        lost.removeAll(retained);
        problems.add("m-" + id + ": history and journal differ: versions without a journal entry " + notJournaled
            + ", journal entries without a version " + lost);
      }
      versionsMatched += retained.size();
    }
    for (Long id : jVersions.keySet()) {
      if (!messages.containsKey(id)) {
        problems.add("the journal has versions " + jVersions.get(id) + " of m-" + id
            + " (ids followed through moves), but no folder holds that message");
      }
    }

    // Every reported save of this round, and a sample of earlier ones.
    List<Saved> toCheck = new ArrayList<>();
    List<Saved> older = new ArrayList<>();
    for (Saved sv : model.saves) {
      (sv.round() == round ? toCheck : older).add(sv);
    }
    int ofThisRound = toCheck.size();
    for (int i = 0; i < Math.min(OLDER_SAVES_SAMPLE, older.size()); i++) {
      toCheck.add(older.get(older.size() <= OLDER_SAVES_SAMPLE ? i : rnd.nextInt(older.size())));
    }
    for (Saved sv : toCheck) {
      checkSave(s, sv, jMoves, messages, currentCn, problems);
    }

    // Reported creates, moves and deletes.
    for (Map.Entry<Long, Integer> c : model.reportedCreates.entrySet()) {
      long rid = resolve(c.getKey(), jMoves);
      Boolean deleted = messages.get(rid);
      if (deleted == null) {
        problems.add("m-" + c.getKey() + " (CREATED in round " + c.getValue() + (rid != c.getKey() ? ", moved to m-"
            + rid : "") + ") is gone");
      } else if (deleted && !model.reportedDeletes.containsKey(rid) && !jDeleted.contains(rid)) {
        problems.add("m-" + rid + " (CREATED as m-" + c.getKey() + " in round " + c.getValue()
            + ") is soft-deleted, but no delete was reported or journaled");
      }
    }
    for (Map.Entry<Long, Long> mv : model.reportedMoves.entrySet()) {
      Long j = jMoves.get(mv.getKey());
      if (j == null || !j.equals(mv.getValue())) {
        problems.add("reported MOVED m-" + mv.getKey() + " -> m-" + mv.getValue() + ", but the journal moves it to "
            + (j == null ? "nowhere" : "m-" + j));
      }
      if (messages.containsKey(mv.getKey())) {
        problems.add("m-" + mv.getKey() + " was reported moved to m-" + mv.getValue() + " but is still in a folder");
      }
    }
    for (Map.Entry<Long, Integer> d : model.reportedDeletes.entrySet()) {
      long id = d.getKey();
      if (!Boolean.TRUE.equals(messages.get(id))) {
        problems.add("m-" + id + " was reported DELETED in round " + d.getValue() + " but is "
            + (messages.containsKey(id) ? "live" : "gone (not even soft-deleted)"));
      }
      if (!jDeleted.contains(id)) {
        problems.add("m-" + id + " was reported DELETED in round " + d.getValue() + " but the journal has no delete");
      }
    }

    // The worker's fixed messages: one each, the same as before.
    Folder inbox = root.subfolder("Inbox").orElse(null);
    Folder archive = root.subfolder(CrashWorker.ARCHIVE).orElse(null);
    String roles = "";
    if (inbox != null && archive != null) {
      Map<String, List<Long>> byTopic = CrashWorker.roles(inbox, archive);
      List<Long> hot = byTopic.getOrDefault(CrashWorker.HOT, List.of());
      if (hot.size() > 1) {
        problems.add("more than one hot message: " + hot);
      } else if (hot.size() == 1) {
        if (model.hot != null && !model.hot.equals(hot.get(0))) {
          problems.add("the hot message was m-" + model.hot + ", it is now m-" + hot.get(0));
        }
        model.hot = hot.get(0);
      }
      List<Long> own = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        List<Long> o = byTopic.getOrDefault(CrashWorker.OWN_PREFIX + t, List.of());
        if (o.size() > 1) {
          problems.add("more than one message " + CrashWorker.OWN_PREFIX + t + ": " + o);
        }
        if (o.size() == 1) {
          own.add(o.get(0));
        }
      }
      if (own.size() == THREADS) {
        if (model.own != null && !model.own.equals(own)) {
          problems.add("the own messages were " + model.own + ", they are now " + own);
        }
        model.own = own;
      }
      roles = ", hot m-" + model.hot + " at cn " + (model.hot == null ? "-" : currentCn.get(model.hot));
    }

    if (maxCn < model.maxCn) {
      problems.add("the highest change number in the journal went down from " + model.maxCn + " to " + maxCn);
    }
    model.maxCn = Math.max(model.maxCn, maxCn);
    model.knownIds.addAll(jIds);
    model.knownIds.addAll(messages.keySet());
    long live = messages.values().stream().filter(d -> !d).count();
    return String.format("integrity ok, journal %d entries (max cn %d), %d live + %d soft-deleted messages whole,"
        + " %d versions == journal, %d saves of this round + %d earlier durable, %d creates / %d moves / %d deletes"
        + " reported so far%s", journal.size(), maxCn, live, messages.size() - live, versionsMatched, ofThisRound,
        toCheck.size() - ofThisRound, model.reportedCreates.size(), model.reportedMoves.size(),
        model.reportedDeletes.size(), roles);
  }

  private static long resolve(long id, Map<Long, Long> moves) {
    long cur = id;
    for (int i = 0; moves.containsKey(cur); i++) {
      if (i > moves.size()) {
        throw new AssertionError("the journal's moves of m-" + id + " form a cycle");
      }
      cur = moves.get(cur);
    }
    return cur;
  }

  /** A reported save: its message is there at that cn or later, and that version is readable and whole. */
  private static void checkSave(Session s, Saved sv, Map<Long, Long> jMoves, Map<Long, Boolean> messages,
      Map<Long, Long> currentCn, List<String> problems) {
    long rid = resolve(sv.id(), jMoves);
    String where = rid == sv.id() ? "m-" + rid : "m-" + sv.id() + " (now m-" + rid + ")";
    if (!messages.containsKey(rid)) {
      problems.add("reported save lost: " + sv + ": " + where + " is not in any folder, not even soft-deleted");
      return;
    }
    long cur = currentCn.get(rid);
    if (cur < sv.cn()) {
      problems.add("reported save lost: " + sv + ": expected " + where + " at cn >= " + sv.cn()
          + ", found its current version at cn " + cur);
    }
    MessageSnapshot v;
    try {
      v = s.readVersion(MessageId.of(rid), ChangeNumber.of(sv.cn()));
    } catch (StoreException e) {
      List<Long> retained = s.versions(MessageId.of(rid)).stream().map(x -> x.changeNumber().value()).toList();
      problems.add("reported save lost: " + sv + ": expected version cn " + sv.cn() + " of " + where
          + " in history, found " + e.error().mapiName() + " (current cn " + cur + ", retained versions " + retained
          + ")");
      return;
    }
    String p = contentProblem(s, v, sv.token(), sv.attachment());
    if (p != null) {
      problems.add("reported save " + sv + ": version cn " + sv.cn() + " of " + where + " is not what was saved: " + p);
    }
  }

  /**
   * Null when the version is whole: subject is a token (the expected one, when given), the body is
   * the one written with that token, and every attachment's content is the one written with its
   * name; with {@code wantAttachment}, the attachment named after the token is there.
   */
  private static String contentProblem(Session s, MessageSnapshot v, String token, boolean wantAttachment) {
    Optional<String> subject = v.get(PropTags.SUBJECT).map(PropValue::asString);
    Optional<String> body = v.get(PropTags.BODY).map(PropValue::asString);
    if (subject.isEmpty() || body.isEmpty()) {
      return "subject " + subject.orElse("missing") + ", body " + (body.isEmpty() ? "missing" : "present");
    }
    if (token != null && !token.equals(subject.get())) {
      return "subject is '" + subject.get() + "', expected '" + token + "'";
    }
    String expected = CrashWorker.body(subject.get());
    if (!expected.equals(body.get())) {
      String b = body.get();
      return "subject '" + subject.get() + "' but the body (" + b.length() + " chars, expected " + expected.length()
          + ") starts '" + b.substring(0, Math.min(40, b.length())) + "' and ends '"
          + b.substring(Math.max(0, b.length() - 40)) + "'";
    }
    boolean found = false;
    for (MessageSnapshot.AttachmentSnapshot a : v.attachments()) {
      String name = a.get(PropTags.ATTACH_FILENAME).map(PropValue::asString).orElse("");
      if (!name.startsWith("a-")) {
        return "attachment " + a.attachNum() + " has no name the worker writes: '" + name + "'";
      }
      String attToken = name.substring(2);
      found |= attToken.equals(token);
      if (a.content().isEmpty()) {
        return "attachment " + a.attachNum() + " (" + name + ") has no content";
      }
      ContentRef ref = a.content().get();
      byte[] want = CrashWorker.attachmentContent(attToken);
      byte[] got;
      try (InputStream in = s.openContent(ref)) {
        got = in.readAllBytes();
      } catch (IOException | StoreException e) {
        return "attachment " + a.attachNum() + " (" + name + ", " + ref + ") cannot be read: " + e;
      }
      if (!Arrays.equals(want, got)) {
        return "attachment " + a.attachNum() + " (" + name + ") has " + got.length + " bytes of content, not the "
            + want.length + " written";
      }
      Optional<PropValue> size = a.get(PropTags.ATTACH_SIZE);
      if (size.isPresent() && size.get().asInt() < want.length) {
        return "attachment " + a.attachNum() + " (" + name + ") has PR_ATTACH_SIZE " + size.get().asInt()
            + " below its content's " + want.length + " bytes";
      }
    }
    if (wantAttachment && !found) {
      return "no attachment a-" + token + " among " + v.attachments().size() + " attachments";
    }
    return null;
  }

  private static void log(String format, Object... args) {
    System.out.println("[crash] " + String.format(format, args));
    System.out.flush();
  }
}
