package msgstore.cli.campaign;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code msgstore serve} process (a separate JVM running {@code msgstore.cli.Main} on the
 * test class path), with its standard output read line by line and its standard error kept in a
 * file. {@link #kill()} is {@link Process#destroyForcibly()}, which is SIGKILL on Linux (the
 * process ends with status 137, checked by the callers).
 */
public final class ServeProcess implements AutoCloseable {
  static final int SIGKILL_STATUS = 128 + 9;
  private static final Pattern SERVING = Pattern.compile("msgstore serving (https?://\\S+)/api/v1");

  private final Process process;
  private final Path stderr;
  private final List<String> stdout = new ArrayList<>();
  private final Thread reader;

  private ServeProcess(Process process, Path stderr) {
    this.process = process;
    this.stderr = stderr;
    this.reader = new Thread(this::readStdout, "serve-stdout-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code msgstore serve --data DIR --port 0 ARGS...}; does not wait for it to listen. */
  public static ServeProcess start(Path data, Path stderr, Map<String, String> env, String... args) throws IOException {
    String java = ProcessHandle.current().info().command().orElse(
        Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        "msgstore.cli.Main", "serve", "--data", data.toString(), "--port", "0"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(stderr.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("MSGSTORE_"));
    pb.environment().put("MSGSTORE_LOG_LEVEL", "WARN");
    pb.environment().putAll(env);
    return new ServeProcess(pb.start(), stderr);
  }

  private void readStdout() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        synchronized (stdout) {
          stdout.add(line);
          stdout.notifyAll();
        }
      }
    } catch (IOException e) {
      // the process died; what was read is all there is
    }
  }

  /** The base URL ({@code http://127.0.0.1:PORT}) once the server prints it; fails if it exits or stays silent. */
  public String awaitUrl(long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    synchronized (stdout) {
      while (true) {
        for (String line : stdout) {
          Matcher m = SERVING.matcher(line);
          if (m.find()) {
            return m.group(1);
          }
        }
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (!process.isAlive() || left <= 0) {
          throw new AssertionError("msgstore serve did not print its URL (" + (process.isAlive() ? "still running after "
              + timeoutMillis + " ms" : "exited with " + process.exitValue()) + "); stdout " + stdout + stderrText());
        }
        stdout.wait(Math.min(left, 100));
      }
    }
  }

  /** SIGKILL; returns the exit status. */
  public int kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new AssertionError("msgstore serve did not die within 60 s of SIGKILL");
    }
    return process.exitValue();
  }

  /** SIGTERM (graceful stop); returns the exit status. */
  public int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("msgstore serve did not stop within 60 s of SIGTERM" + stderrText());
    }
    return process.exitValue();
  }

  /** Waits for the process to exit by itself; returns the exit status. */
  public int awaitExit(long timeoutMillis) throws InterruptedException {
    if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("msgstore serve still ran after " + timeoutMillis + " ms; stdout " + stdout()
          + stderrText());
    }
    reader.join(10_000);
    return process.exitValue();
  }

  public List<String> stdout() {
    synchronized (stdout) {
      return List.copyOf(stdout);
    }
  }

  public String stderr() {
    try {
      return Files.exists(stderr) ? Files.readString(stderr) : "";
    } catch (IOException e) {
      return "(cannot read " + stderr + ": " + e + ")";
    }
  }

  public String stderrText() {
    String s = stderr();
    return s.isBlank() ? "" : "\nserver stderr:\n" + (s.length() > 6000 ? s.substring(0, 6000) + "..." : s);
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
