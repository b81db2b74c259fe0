package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * IMAP clients no one here wrote, as subprocesses against a real server: Python's {@code
 * imaplib} through CONDSTORE (resource {@code imap/imaplib_condstore.py} only sequences imaplib's
 * public calls) and {@code curl imap://} for raw commands and a message download.
 */
class ImapRealClientsTest {
  @TempDir
  static Path dir;
  static TestServer t;
  static int port;

  @BeforeAll
  static void start() {
    t = TestServer.startWithImap(dir);
    port = t.imapPort();
  }

  @AfterAll
  static void stop() {
    t.close();
  }

  static String run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s failed: %s", command, out).isZero();
    return out;
  }

  @Test
  void pythonImaplibShouldAppendFetchAndSeeItsStaleConditionalStoreRefusedWithModified() throws Exception {
    Path script = dir.resolve("imaplib_condstore.py");
    try (InputStream in = getClass().getResourceAsStream("/imap/imaplib_condstore.py")) {
      Files.write(script, in.readAllBytes());
    }
    JsonNode r = new ObjectMapper().readTree(run(List.of("python3", script.toString(), "127.0.0.1",
        Integer.toString(port), "alice", "secret-alice", "FromPython")));
    assertThat(r.get("capabilities").toString()).contains("CONDSTORE");
    for (String step : List.of("login", "enable", "create", "append", "select", "fetch", "store", "stale_store", "refetch",
        "search")) {
      assertThat(r.get(step).get(0).asText()).as("%s: %s", step, r.get(step)).isEqualTo("OK");
    }
    assertThat(r.get("append").get(1).asText()).contains("[APPENDUID");
    assertThat(r.get("body").asText()).isEqualTo("From: py@example.org\r\nSubject: from imaplib\r\n\r\nhello from python\r\n");
    assertThat(r.get("stale_modified").asText()).matches("\\d+");
    assertThat(r.get("refetch").get(1).asText()).contains("\\Flagged").contains("\\Seen").doesNotContain("\\Answered");
    assertThat(r.get("search").get(1).asText()).matches("\\d+ \\(MODSEQ \\d+\\)");
  }

  @Test
  void curlShouldRunRawCommandsAndDownloadAMessageByUid() throws Exception {
    String url = "imap://127.0.0.1:" + port;
    List<String> curl = new ArrayList<>(List.of("curl", "-sS", "--max-time", "60", "-u", "bob:secret-bob"));
    String status = run(concat(curl, url + "/", "-X", "STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY)"));
    assertThat(status).startsWith("* STATUS \"INBOX\" (MESSAGES 0 UIDNEXT 1 UIDVALIDITY ");
    Path mail = dir.resolve("mail.eml");
    byte[] raw = ImapMessagesTest.mail("via curl", "uploaded with curl -T");
    Files.write(mail, raw);
    run(concat(curl, "-T", mail.toString(), url + "/INBOX"));
    String body = run(concat(curl, url + "/INBOX;UID=1"));
    assertThat(body).isEqualTo(new String(raw, StandardCharsets.UTF_8));
    String list = run(concat(curl, url + "/"));
    assertThat(list).contains("* LIST (\\HasNoChildren) \"/\" \"INBOX\"");
  }

  private static List<String> concat(List<String> a, String... more) {
    List<String> out = new ArrayList<>(a);
    out.addAll(List.of(more));
    return out;
  }
}
