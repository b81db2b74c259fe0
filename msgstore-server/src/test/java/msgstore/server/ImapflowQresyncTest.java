package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * imapflow 2.10.2 (npm; {@code scripts/imapflow.sh} installs it) with QRESYNC against a real
 * server: it enables QRESYNC, appends, fetches the source back byte for byte, and hears another
 * connection's flag change and expunge as a FETCH and a VANISHED (RFC 7162 3.2.10) while idle.
 * Skipped, naming the script, when node or the package cannot be had.
 */
class ImapflowQresyncTest {
  @TempDir
  static Path dir;
  static TestServer t;
  static int port;

  @BeforeAll
  static void start() {
    t = TestServer.startWithImap(dir.resolve("data"));
    port = t.imapPort();
  }

  @AfterAll
  static void stop() {
    t.close();
  }

  /** The directory holding node_modules/imapflow, or null when scripts/imapflow.sh could not install it. */
  private static Path imapflow() throws Exception {
    Path script = Path.of("..", "scripts", "imapflow.sh").toAbsolutePath().normalize();
    Process p = new ProcessBuilder("bash", script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0 || out.isEmpty()) {
      return null;
    }
    return Path.of(out);
  }

  @Test
  void imapflowShouldEnableQresyncFetchTheAppendedBytesAndHearFlagsAndVanishedWhileIdle() throws Exception {
    Path modules = imapflow();
    assumeTrue(modules != null, "imapflow is not installed and scripts/imapflow.sh could not install it");
    Path script = dir.resolve("imapflow_qresync.js");
    try (InputStream in = getClass().getResourceAsStream("/imap/imapflow_qresync.js")) {
      Files.write(script, in.readAllBytes());
    }
    ProcessBuilder pb = new ProcessBuilder(List.of("node", script.toString(), Integer.toString(port), "alice",
        "secret-alice", "Flow")).redirectErrorStream(true);
    pb.environment().put("NODE_PATH", modules.resolve("node_modules").toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    JsonNode r = new ObjectMapper().readTree(out.lines().reduce((a, b) -> b).orElseThrow());
    assertThat(r.get("enabled").toString()).contains("QRESYNC").contains("CONDSTORE");
    assertThat(r.get("source").asText()).isEqualTo("From: flow@example.org\r\nSubject: from imapflow\r\n\r\nhello from node\r\n");
    assertThat(r.get("flags").toString()).contains("\\\\Seen");
    long uid = r.get("appendUid").asLong();
    assertThat(r.get("events").toString()).contains("\"type\":\"flags\",\"uid\":" + uid);
    assertThat(r.get("events").toString()).contains("\"type\":\"expunge\",\"uid\":" + uid + ",\"vanished\":true");
  }
}
