package msgstore.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the whole benchmark set in one go and prints a Markdown table whose ratios are computed
 * against the raw SQLite rates measured in the same run (docs/BENCHMARKS.md).
 *
 * <pre>
 * msgstore-bench/run [smoke|full] [--forks N] [--warmup N] [--warmup-time S] [--iterations N]
 *     [--time S] [--threads 1,4,16,64] [--only REGEX] [--rebuild] [--out FILE]
 *     [--raw-rows N] [--save-store N] [--read-store N] [--big-store N] [--folder N]
 * </pre>
 *
 * Exit status: 0 when every benchmark ran (targets missed are reported, not fatal; add {@code
 * --strict} to make them fatal), 1 when a benchmark failed (for example the exactly-one-winner
 * check), 2 on bad arguments.
 */
public final class BenchMain {

  /** Sizes and JMH settings of a run. */
  static final class Profile {
    String name;
    int rawRows;
    int saveStore;
    int readStore;
    int bigStore;
    int folderMessages;
    int forks;
    int warmupIterations;
    int warmupSeconds;
    int iterations;
    int iterationSeconds;
    int[] writerThreads = {1, 4, 16, 64};
    int hotThreads = 64;

    static Profile smoke() {
      Profile p = new Profile();
      p.name = "smoke";
      p.rawRows = 1_000;
      p.saveStore = 1_000;
      p.readStore = 2_000;
      p.bigStore = 5_000;
      p.folderMessages = 1_000;
      p.forks = 1;
      p.warmupIterations = 1;
      p.warmupSeconds = 1;
      p.iterations = 2;
      p.iterationSeconds = 1;
      return p;
    }

    static Profile full() {
      Profile p = new Profile();
      p.name = "full";
      p.rawRows = 10_000;
      p.saveStore = 10_000;
      p.readStore = 100_000;
      p.bigStore = 1_000_000;
      p.folderMessages = 100_000;
      p.forks = 2;
      p.warmupIterations = 3;
      p.warmupSeconds = 5;
      p.iterations = 5;
      p.iterationSeconds = 5;
      return p;
    }
  }

  /** One JMH invocation of the set. */
  record Case(String key, String benchmark, int threads, Map<String, String[]> params) {}

  /** A result of a case (one per mode and parameter combination), or its failure. */
  record Outcome(Case c, List<RunResult> results, String error) {}

  private final Profile p;
  private final String only;
  private final boolean rebuild;
  private final boolean strict;
  private final Path out;
  private final List<Outcome> outcomes = new ArrayList<>();
  private final List<String[]> rows = new ArrayList<>();
  private int missed;

  private BenchMain(Profile p, String only, boolean rebuild, boolean strict, Path out) {
    this.p = p;
    this.only = only;
    this.rebuild = rebuild;
    this.strict = strict;
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    Profile p = Profile.smoke();
    String only = null;
    boolean rebuild = false;
    boolean strict = false;
    Path out = null;
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
        case "--rebuild" -> rebuild = true;
        case "--strict" -> strict = true;
        case "-h", "--help" -> usage(null);
        default -> {
          if (i + 1 >= a.size()) {
            usage("option " + opt + " needs a value");
          }
          String v = a.get(++i);
          switch (opt) {
            case "--forks" -> p.forks = Integer.parseInt(v);
            case "--warmup" -> p.warmupIterations = Integer.parseInt(v);
            case "--warmup-time" -> p.warmupSeconds = Integer.parseInt(v);
            case "--iterations" -> p.iterations = Integer.parseInt(v);
            case "--time" -> p.iterationSeconds = Integer.parseInt(v);
            case "--threads" -> p.writerThreads = Arrays.stream(v.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
            case "--hot-threads" -> p.hotThreads = Integer.parseInt(v);
            case "--raw-rows" -> p.rawRows = Integer.parseInt(v);
            case "--save-store" -> p.saveStore = Integer.parseInt(v);
            case "--read-store" -> p.readStore = Integer.parseInt(v);
            case "--big-store" -> p.bigStore = Integer.parseInt(v);
            case "--folder" -> p.folderMessages = Integer.parseInt(v);
            case "--only" -> only = v;
            case "--out" -> out = Path.of(v);
            default -> usage("unknown option " + opt);
          }
        }
      }
    }
    if (out == null) {
      out = BenchPaths.targetDir().resolve("bench-results")
          .resolve(p.name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".md");
    }
    System.exit(new BenchMain(p, only, rebuild, strict, out).run());
  }

  private static void usage(String error) {
    if (error != null) {
      System.err.println("msgstore-bench: " + error);
    }
    System.err.println("""
        usage: msgstore-bench/run [smoke|full] [options]
          --forks N --warmup N --warmup-time S --iterations N --time S   JMH settings (override the profile)
          --threads 1,4,16,64    writer threads of the save benchmarks     --hot-threads 64
          --raw-rows N --save-store N --read-store N --big-store N --folder N   sizes (override the profile)
          --only REGEX           run only the cases whose key matches (raw.*, save.small.*, hot.*, open.*, table.*)
          --rebuild              rebuild the prepared stores (so their build time is measured in this run)
          --strict               exit 1 when a target is missed
          --out FILE             also write the Markdown there (default target/bench-results/<profile>-<time>.md)""");
    System.exit(error == null ? 0 : 2);
  }

  // ---- the run

  private int run() throws IOException {
    long t0 = System.nanoTime();
    long encodedSize = TypicalMessage.encodedSize();

    // 1. The cases.
    List<Case> cases = new ArrayList<>();
    cases.add(new Case("raw.autocommit", RawSqliteBench.class.getName() + ".autocommit", 1,
        Map.of("rows", strs(p.rawRows), "rowBytes", strs(encodedSize))));
    cases.add(new Case("raw.batched", RawSqliteBench.class.getName() + ".batched", 1,
        Map.of("rows", strs(p.rawRows), "rowBytes", strs(encodedSize), "batch", new String[] {"16", "64"})));
    for (String size : new String[] {"small", "big"}) {
      int n = size.equals("small") ? p.saveStore : p.bigStore;
      for (int t : p.writerThreads) {
        cases.add(new Case("save." + size + ".t" + t, SaveBench.class.getName() + ".save", t, storeParams(n)));
      }
      cases.add(new Case("hot." + size, HotMessageBench.class.getName() + ".openSetSave", p.hotThreads, storeParams(n)));
    }
    for (String size : new String[] {"read", "big"}) {
      int n = size.equals("read") ? p.readStore : p.bigStore;
      cases.add(new Case("open." + size, OpenBench.class.getName() + ".open", 1, storeParams(n)));
      cases.add(new Case("table." + size, ContentsTableBench.class.getName() + ".firstPage", 1, storeParams(n)));
    }
    if (only != null) {
      Pattern sel = Pattern.compile(only);
      cases.removeIf(c -> !sel.matcher(c.key()).find());
    }

    // 2. The prepared stores the selected cases need, built here before any JMH fork so that
    //    their build time is measured on its own.
    Map<Integer, Boolean> builtNow = new LinkedHashMap<>();
    for (Case c : cases) {
      String[] m = c.params().get("storeMessages");
      if (m == null || builtNow.containsKey(Integer.parseInt(m[0]))) {
        continue;
      }
      int size = Integer.parseInt(m[0]);
      if (rebuild) {
        BenchPaths.deleteTree(PreparedStore.dirFor(size, p.folderMessages));
      }
      boolean missing = PreparedStore.cached(size, p.folderMessages).isEmpty();
      PreparedStore.ensure(size, p.folderMessages);
      builtNow.put(size, missing);
    }

    // 3. The benchmarks.
    for (Case c : cases) {
      outcomes.add(runCase(c));
    }

    // 4. The table.
    String md = report(builtNow, encodedSize, (System.nanoTime() - t0) / 1e9);
    System.out.println();
    System.out.println(md);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, md);
    System.out.println("(also written to " + out.toAbsolutePath() + ")");
    boolean failed = outcomes.stream().anyMatch(o -> o.error() != null);
    return failed || (strict && missed > 0) ? 1 : 0;
  }

  private Map<String, String[]> storeParams(int storeMessages) {
    return Map.of("storeMessages", strs(storeMessages), "folderMessages", strs(p.folderMessages));
  }

  private static String[] strs(long v) {
    return new String[] {Long.toString(v)};
  }

  private Outcome runCase(Case c) {
    System.out.printf("%n# ===== msgstore-bench case %s: %s, %d thread(s) =====%n", c.key(), c.benchmark(), c.threads());
    // JMH forks inherit this JVM's options; add what a fork needs and this one lacks.
    List<String> host = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments();
    List<String> jvm = new ArrayList<>();
    if (!host.contains("--enable-native-access=ALL-UNNAMED")) {
      jvm.add("--enable-native-access=ALL-UNNAMED"); // sqlite-jdbc's System::load
    }
    if (Runtime.version().feature() >= 23 && host.stream().noneMatch(x -> x.startsWith("--sun-misc-unsafe-memory-access"))) {
      jvm.add("--sun-misc-unsafe-memory-access=allow"); // JMH 1.37 uses sun.misc.Unsafe; JDK 24+ warns otherwise
    }
    // Forks see the same paths and knobs as this driver.
    for (String k : System.getProperties().stringPropertyNames()) {
      if (k.startsWith("msgstore.bench.") && !k.equals("msgstore.bench.target")) {
        jvm.add("-D" + k + "=" + System.getProperty(k));
      }
    }
    jvm.add("-Dmsgstore.bench.target=" + BenchPaths.targetDir());
    ChainedOptionsBuilder b = new OptionsBuilder()
        .include("^" + Pattern.quote(c.benchmark()) + "$")
        .threads(c.threads())
        .forks(p.forks)
        .warmupIterations(p.warmupIterations)
        .warmupTime(TimeValue.seconds(p.warmupSeconds))
        .measurementIterations(p.iterations)
        .measurementTime(TimeValue.seconds(p.iterationSeconds))
        .jvmArgsAppend(jvm.toArray(String[]::new))
        .shouldFailOnError(true);
    c.params().forEach(b::param);
    try {
      Collection<RunResult> r = new Runner(b.build()).run();
      if (r.isEmpty()) {
        return new Outcome(c, List.of(), "JMH returned no result (no benchmark matched?)");
      }
      return new Outcome(c, new ArrayList<>(r), null);
    } catch (RunnerException | RuntimeException e) {
      System.out.println("# msgstore-bench: case " + c.key() + " FAILED: " + e);
      return new Outcome(c, List.of(), String.valueOf(e.getMessage() != null ? e.getMessage() : e));
    }
  }

  // ---- results

  private Optional<RunResult> result(String key, Predicate<BenchmarkParams> which) {
    return outcomes.stream().filter(o -> o.c().key().equals(key)).flatMap(o -> o.results().stream())
        .filter(r -> which.test(r.getParams())).findFirst();
  }

  private Optional<RunResult> result(String key) {
    return result(key, x -> true);
  }

  private Optional<RunResult> result(String key, org.openjdk.jmh.annotations.Mode mode) {
    return result(key, x -> x.getMode() == mode);
  }

  /** A throughput score in operations per second. */
  static double perSecond(Result<?> r) {
    String unit = r.getScoreUnit();
    return r.getScore() * perSecondFactor(unit.substring(unit.indexOf('/') + 1));
  }

  static double perSecondError(Result<?> r) {
    String unit = r.getScoreUnit();
    double e = r.getScoreError();
    return Double.isNaN(e) ? Double.NaN : e * perSecondFactor(unit.substring(unit.indexOf('/') + 1));
  }

  /** A time per operation (SampleTime) in milliseconds. */
  static double millis(double score, String unit) {
    return score * 1000.0 / perSecondFactor(unit.substring(0, unit.indexOf('/')));
  }

  private static double perSecondFactor(String timeUnit) {
    return switch (timeUnit) {
      case "ns" -> 1e9;
      case "us" -> 1e6;
      case "ms" -> 1e3;
      case "s" -> 1;
      case "min" -> 1 / 60.0;
      default -> throw new IllegalArgumentException("unknown time unit " + timeUnit);
    };
  }

  private Optional<Double> rate(String key) {
    return result(key).map(r -> perSecond(r.getPrimaryResult()));
  }

  private Optional<Double> secondaryRate(String key, String label, Predicate<BenchmarkParams> which) {
    return result(key, which).flatMap(r -> Optional.ofNullable(r.getSecondaryResults().get(label))).map(BenchMain::perSecond);
  }

  private static String fmtRate(double v, String unit) {
    return String.format(Locale.ROOT, "%,.0f %s", v, unit);
  }

  private static String fmtRate(Result<?> r, String unit) {
    double e = perSecondError(r);
    if (Double.isNaN(e)) { // too few iterations for a confidence interval
      return String.format(Locale.ROOT, "%,.0f %s", perSecond(r), unit);
    }
    return String.format(Locale.ROOT, "%,.0f ± %,.0f %s", perSecond(r), e, unit);
  }

  private static String fmtRatio(double x) {
    return String.format(Locale.ROOT, "%.2fx", x);
  }

  private String verdict(boolean ok) {
    if (!ok) {
      missed++;
    }
    return ok ? "PASS" : "**MISS**";
  }

  private void row(String... cells) {
    rows.add(cells);
  }

  private String report(Map<Integer, Boolean> builtNow, long encodedSize, double seconds) {
    Optional<Double> rawAuto = rate("raw.autocommit");
    Optional<Double> raw16 = secondaryRate("raw.batched", "updates", x -> "16".equals(x.getParam("batch")));
    Optional<Double> raw64 = secondaryRate("raw.batched", "updates", x -> "64".equals(x.getParam("batch")));

    result("raw.autocommit").ifPresent(r -> row("Raw UPDATE, autocommit (limit for 1 writer)", "-", "1",
        fmtRate(r.getPrimaryResult(), "upd/s"), "", "", "", ""));
    for (String batch : new String[] {"16", "64"}) {
      result("raw.batched", x -> batch.equals(x.getParam("batch")))
          .flatMap(r -> Optional.ofNullable(r.getSecondaryResults().get("updates")))
          .ifPresent(u -> row("Raw UPDATE, " + batch + " per transaction (limit for group commit)", "-", "1",
              fmtRate(u, "upd/s"), "", "", "", ""));
    }

    for (String size : new String[] {"small", "big"}) {
      int n = size.equals("small") ? p.saveStore : p.bigStore;
      for (int t : p.writerThreads) {
        String key = "save." + size + ".t" + t;
        Optional<RunResult> r = result(key);
        if (r.isEmpty()) {
          continue;
        }
        double v = perSecond(r.get().getPrimaryResult());
        String res = fmtRate(r.get().getPrimaryResult(), "saves/s");
        String what = "Durable saves, distinct messages";
        String store = String.format(Locale.ROOT, "%,d", n);
        if (size.equals("big")) {
          Optional<Double> small = rate("save.small.t" + t);
          if (small.isPresent()) {
            double x = v / small.get();
            row(what, store, Integer.toString(t), res, String.format(Locale.ROOT, "same at %,d msgs", p.saveStore),
                fmtRatio(x), ">= 0.8x", verdict(x >= 0.8));
          } else {
            row(what, store, Integer.toString(t), res, "", "", ">= 0.8x of the small store", "n/a");
          }
          continue;
        }
        if (t == 1 && rawAuto.isPresent()) {
          double x = v / rawAuto.get();
          row(what, store, "1", res, "raw autocommit", fmtRatio(x), ">= 0.8x", verdict(x >= 0.8));
        } else if (t == 16 && raw16.isPresent()) {
          double x = v / raw16.get();
          row(what, store, "16", res, "raw batch of 16", fmtRatio(x), ">= 0.6x and >= 10,000/s",
              verdict(x >= 0.6 && v >= 10_000));
        } else if (t >= 64 && raw64.isPresent()) {
          row(what, store, Integer.toString(t), res, "raw batch of 64", fmtRatio(v / raw64.get()), "-", "info");
        } else if (raw16.isPresent() && t > 1) {
          row(what, store, Integer.toString(t), res, "raw batch of 16", fmtRatio(v / raw16.get()), "-", "info");
        } else {
          row(what, store, Integer.toString(t), res, "", "", "", "info");
        }
      }
      String hotKey = "hot." + size;
      Outcome hot = outcomes.stream().filter(o -> o.c().key().equals(hotKey)).findFirst().orElse(null);
      if (hot != null) {
        String store = String.format(Locale.ROOT, "%,d", n);
        String what = "One hot message: open+set+save";
        if (hot.error() != null) {
          row(what, store, Integer.toString(p.hotThreads), "FAILED (see log)", "", "", "exactly one winner", "**FAIL**");
        } else {
          Optional<Double> ok = secondaryRate(hotKey, "successes", x -> true);
          Optional<Double> conflicts = secondaryRate(hotKey, "conflicts", x -> true);
          String res = String.format(Locale.ROOT, "%,.0f ok/s, %,.0f conflicts/s", ok.orElse(Double.NaN),
              conflicts.orElse(Double.NaN));
          Optional<Double> one = rate("save." + size + ".t1");
          if (ok.isPresent() && one.isPresent()) {
            double x = ok.get() / one.get();
            row(what, store, Integer.toString(p.hotThreads), res + "; one-winner check passed", "saves, 1 writer",
                fmtRatio(x), ">= 0.5x", verdict(x >= 0.5));
          } else {
            row(what, store, Integer.toString(p.hotThreads), res + "; one-winner check passed", "", "", ">= 0.5x of 1 writer",
                "n/a");
          }
        }
      }
    }

    for (String size : new String[] {"read", "big"}) {
      int n = size.equals("read") ? p.readStore : p.bigStore;
      String store = String.format(Locale.ROOT, "%,d", n);
      boolean targeted = n >= 1_000_000 || size.equals("big");
      Optional<RunResult> thr = result("open." + size, org.openjdk.jmh.annotations.Mode.Throughput);
      Optional<RunResult> lat = result("open." + size, org.openjdk.jmh.annotations.Mode.SampleTime);
      if (thr.isPresent() || lat.isPresent()) {
        String res = thr.map(r -> fmtRate(r.getPrimaryResult(), "opens/s")).orElse("");
        if (lat.isPresent()) {
          Result<?> lr = lat.get().getPrimaryResult();
          double p50 = millis(lr.getStatistics().getPercentile(50), lr.getScoreUnit());
          double p99 = millis(lr.getStatistics().getPercentile(99), lr.getScoreUnit());
          res += String.format(Locale.ROOT, "%sp50 %.3f ms, p99 %.3f ms", res.isEmpty() ? "" : "; ", p50, p99);
          row("Open typical message (read-only)", store, "1", res, "", "", targeted ? "p99 < 2 ms" : "-",
              targeted ? verdict(p99 < 2.0) : "info");
        } else {
          row("Open typical message (read-only)", store, "1", res, "", "", "", "info");
        }
      }
      Optional<RunResult> tab = result("table." + size);
      if (tab.isPresent()) {
        Result<?> tr = tab.get().getPrimaryResult();
        double p50 = millis(tr.getStatistics().getPercentile(50), tr.getScoreUnit());
        double p99 = millis(tr.getStatistics().getPercentile(99), tr.getScoreUnit());
        row("Contents table, first 50 rows by delivery time desc", store + String.format(Locale.ROOT,
            " (folder %,d)", Math.min(n, p.folderMessages)), "1",
            String.format(Locale.ROOT, "p50 %.2f ms, p99 %.2f ms", p50, p99), "", "", "p99 < 20 ms", verdict(p99 < 20.0));
      }
    }

    StringBuilder sb = new StringBuilder();
    sb.append("## msgstore benchmark results (profile: ").append(p.name).append(")\n\n");
    sb.append("- Date: ").append(LocalDateTime.now().withNano(0)).append("; total run time ")
        .append(String.format(Locale.ROOT, "%.0f s", seconds)).append('\n');
    sb.append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, ")
        .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.arch")).append(", Java ")
        .append(System.getProperty("java.version")).append(", ").append(sqliteVersion()).append('\n');
    sb.append("- JMH: ").append(p.forks).append(" fork(s), warm-up ").append(p.warmupIterations).append(" x ")
        .append(p.warmupSeconds).append(" s, measurement ").append(p.iterations).append(" x ").append(p.iterationSeconds)
        .append(" s; ± is JMH's 99.9% confidence half-width\n");
    sb.append("- Durability everywhere: WAL + synchronous=FULL; store files under ").append(BenchPaths.tmpRoot())
        .append(" (").append(fileSystem(BenchPaths.tmpRoot())).append(")\n");
    sb.append("- Typical message: 20 client properties + 2 recipients, ").append(encodedSize)
        .append(" bytes encoded; raw rows carry a blob of the same size; raw table of ")
        .append(String.format(Locale.ROOT, "%,d", p.rawRows)).append(" rows\n\n");
    sb.append("| Measurement | Store msgs | Threads | Result | Compared with | Ratio | Target | Verdict |\n");
    sb.append("|---|---|---|---|---|---|---|---|\n");
    for (String[] r : rows) {
      sb.append("| ").append(String.join(" | ", r)).append(" |\n");
    }
    sb.append("\n### Prepared stores (built through the API with group commit)\n\n");
    sb.append("| Store msgs | Folder size | Build threads | Build time | Rate | Built |\n|---|---|---|---|---|---|\n");
    builtNow.forEach((size, now) -> PreparedStore.cached(size, p.folderMessages).ifPresent(i ->
        sb.append(String.format(Locale.ROOT, "| %,d | %,d | %d | %.1f s | %,.0f msg/s | %s |%n", i.messages(),
            i.folderMessages(), i.buildThreads(), i.buildSeconds(), i.buildRate(),
            now ? "in this run" : "cached, at " + i.builtAt()))));
    List<Outcome> failed = outcomes.stream().filter(o -> o.error() != null).toList();
    if (!failed.isEmpty()) {
      sb.append("\n### Failed cases\n\n");
      for (Outcome o : failed) {
        sb.append("- ").append(o.c().key()).append(": ").append(o.error().lines().findFirst().orElse("")).append('\n');
      }
    }
    if (missed > 0) {
      sb.append("\n").append(missed).append(" target(s) missed.\n");
    }
    return sb.toString();
  }

  private static String sqliteVersion() {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("select sqlite_version()")) {
      rs.next();
      return "SQLite " + rs.getString(1) + " (sqlite-jdbc " + c.getMetaData().getDriverVersion() + ")";
    } catch (SQLException e) {
      return "SQLite version unknown (" + e.getMessage() + ")";
    }
  }

  private static String fileSystem(Path dir) {
    try {
      Files.createDirectories(dir);
      return Files.getFileStore(dir).type();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
