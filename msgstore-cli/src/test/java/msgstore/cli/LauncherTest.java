package msgstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./msgstore} launcher's freshness check and build lock (issue 7), run as real bash
 * processes on a copy of the launcher in a small fake checkout. Maven is replaced by a stand-in
 * ({@code MSGSTORE_LAUNCHER_BUILD_CMD}) that logs each build, so the test runs no Maven itself.
 */
class LauncherTest {
  private static final Path REPO = Path.of("").toAbsolutePath().getParent();
  private static final String BUILDING = "Building msgstore";

  @TempDir
  Path root;

  Path buildLog;

  @BeforeEach
  void fakeCheckout() throws IOException {
    Files.copy(REPO.resolve("msgstore"), root.resolve("msgstore"), StandardCopyOption.COPY_ATTRIBUTES);
    Files.createDirectories(root.resolve("scripts"));
    Files.copy(REPO.resolve("scripts/jdk.sh"), root.resolve("scripts/jdk.sh"));
    write("pom.xml", "<project/>");
    write("msgstore-api/pom.xml", "<project/>");
    write("msgstore-api/src/main/java/A.java", "class A {}");
    write("msgstore-api/src/test/java/ATest.java", "class ATest {}");
    buildLog = root.resolve("builds.log");
    FileTime anHourAgo = FileTime.from(Instant.now().minusSeconds(3600));
    for (String f : List.of("msgstore", "scripts/jdk.sh", "pom.xml", "msgstore-api/pom.xml",
        "msgstore-api/src/main/java/A.java", "msgstore-api/src/test/java/ATest.java")) {
      Files.setLastModifiedTime(root.resolve(f), anHourAgo);
    }
  }

  private Path write(String relative, String text) throws IOException {
    Path p = root.resolve(relative);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
    return p;
  }

  private record Run(int code, String err) {}

  /** Starts {@code ./msgstore} in build-only mode; the stand-in build takes {@code buildSeconds}. */
  private Process start(int buildSeconds) throws IOException {
    ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("msgstore").toString())
        .directory(root.toFile())
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("MSGSTORE_LAUNCHER_BUILD_ONLY", "1");
    pb.environment().put("MSGSTORE_LAUNCHER_BUILD_CMD", "echo build >> builds.log; sleep " + buildSeconds
        + "; mkdir -p msgstore-cli/target; touch msgstore-cli/target/msgstore-cli-0.1.0-SNAPSHOT.jar");
    return pb.start();
  }

  private static Run finish(Process p) throws Exception {
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("launcher finished").isTrue();
    return new Run(p.exitValue(), err);
  }

  private Run launch() throws Exception {
    return finish(start(0));
  }

  private int builds() throws IOException {
    return Files.exists(buildLog) ? Files.readAllLines(buildLog).size() : 0;
  }

  /** Puts the last build a minute in the past and {@code files} 30 s after it: newer than the build. */
  private void touchAfterLastBuild(Path... files) throws IOException {
    Instant now = Instant.now();
    Files.setLastModifiedTime(root.resolve("msgstore-cli/target/.launcher-built"), FileTime.from(now.minusSeconds(60)));
    for (Path f : files) {
      Files.setLastModifiedTime(f, FileTime.from(now.minusSeconds(30)));
    }
  }

  @Test
  void aSecondRunWithNoSourceChangedShouldNotBuild() throws Exception {
    Run first = launch();
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.err()).contains(BUILDING);
    assertThat(builds()).isEqualTo(1);

    // What made every call rebuild: generated sources under target/ (the benchmarks'), data files,
    // git's own files, and test sources, none of them in the CLI jar.
    touchAfterLastBuild(
        write("msgstore-bench/target/generated-sources/annotations/B_jmhTest.java", "class B_jmhTest {}"),
        write("msgstore-bench/src/main/java/B.java", "class B {}"),
        write("msgstore-api/target/classes/A.class", ""),
        write("data/msgstore.db", ""),
        write(".git/index", ""),
        root.resolve("msgstore-api/src/test/java/ATest.java"));
    Run second = launch();

    assertThat(second.code()).as(second.err()).isZero();
    assertThat(second.err()).doesNotContain(BUILDING);
    assertThat(builds()).isEqualTo(1);
  }

  @Test
  void anEditedSourcePomOrLauncherShouldBuildAgain() throws Exception {
    assertThat(launch().code()).isZero();
    int expected = 1;
    for (String changed : List.of("msgstore-api/src/main/java/A.java", "msgstore-api/pom.xml", "pom.xml", "msgstore",
        "scripts/jdk.sh")) {
      touchAfterLastBuild(root.resolve(changed));
      Run r = launch();
      expected++;
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.err()).as("after editing %s", changed).contains(BUILDING);
      assertThat(builds()).as("after editing %s", changed).isEqualTo(expected);
    }
  }

  @Test
  void twoLaunchersStartedTogetherAfterAnEditShouldBuildOnce() throws Exception {
    assertThat(launch().code()).isZero();
    touchAfterLastBuild(root.resolve("msgstore-api/src/main/java/A.java"));

    Process a = start(2);
    Process b = start(2);
    Run ra = finish(a);
    Run rb = finish(b);

    assertThat(ra.code()).as(ra.err()).isZero();
    assertThat(rb.code()).as(rb.err()).isZero();
    assertThat(builds()).as("builds after the first: %s / %s", ra.err(), rb.err()).isEqualTo(2);
    assertThat((ra.err() + rb.err()).split(BUILDING, -1)).hasSize(2); // one "Building" line in all
  }

  @Test
  void aFailedBuildShouldExitThreeWithoutEscapesAndBuildAgainNextTime() throws Exception {
    ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("msgstore").toString()).directory(root.toFile());
    pb.environment().put("MSGSTORE_LAUNCHER_BUILD_ONLY", "1");
    // Maven 3.8 writes ESC[0m even with -B into a pipe; the launcher strips escapes from its output.
    pb.environment().put("MSGSTORE_LAUNCHER_BUILD_CMD", "printf '\\033[0m\\033[1;31mcompile error\\033[m\\n' >&2; exit 1");
    Run failed = finish(pb.start());

    assertThat(failed.code()).isEqualTo(3);
    assertThat(failed.err()).contains("compile error", "the build failed").doesNotContain("\u001b");
    Run next = launch();
    assertThat(next.err()).contains(BUILDING);
    assertThat(builds()).isEqualTo(1);
  }

  @Test
  void testShouldPassMavensExitCodeAndStripItsEscapesOnEachStream() throws Exception {
    // A stand-in mvn first on PATH, writing what Maven 3.8 writes into a pipe even with -B.
    Path bin = root.resolve("fake-bin");
    Files.createDirectories(bin);
    Path mvn = bin.resolve("mvn");
    Files.writeString(mvn, "#!/usr/bin/env bash\nprintf '\\033[0m[INFO] args: %s\\n' \"$*\"\n"
        + "printf '\\033[0m\\033[1;31m[ERROR] a test failed\\033[m\\n' >&2\nexit 5\n");
    mvn.toFile().setExecutable(true);
    ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("msgstore").toString(), "test", "-Dfoo=1")
        .directory(root.toFile());
    pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    Run r = finish(p);

    assertThat(r.code()).isEqualTo(5);
    assertThat(out).contains("[INFO] args: -B -ntp -Dstyle.color=never verify -Dfoo=1").doesNotContain("\u001b", "ERROR");
    assertThat(r.err()).contains("[ERROR] a test failed").doesNotContain("\u001b", "INFO");
  }
}
