package msgstore.server.lmtp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real LMTP clients that no one here wrote, run as subprocesses: Python's {@code smtplib.LMTP}
 * (through {@code lmtp/lmtp_send.py}, which only sequences smtplib's public calls) and {@code swaks}.
 */
public final class LmtpClients {
  private static final ObjectMapper JSON = new ObjectMapper();

  private LmtpClients() {}

  /** Python's answer: lhlo, features, size, mail, rcpt[], data[] (each [code, text]), noop, quit. */
  public static JsonNode python(int port, String from, List<String> mailOptions, List<String> rcpts, Path message,
      int transactions) throws IOException, InterruptedException {
    Path script = Path.of(System.getProperty("java.io.tmpdir"), "msgstore-lmtp_send.py");
    try (var in = LmtpClients.class.getResourceAsStream("/lmtp/lmtp_send.py")) {
      byte[] text = in.readAllBytes();
      if (!Files.exists(script) || !java.util.Arrays.equals(Files.readAllBytes(script), text)) {
        Path tmp = Files.createTempFile(script.getParent(), "lmtp_send", ".py");
        Files.write(tmp, text);
        Files.move(tmp, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      }
    }
    ObjectNode job = JSON.createObjectNode();
    job.put("from", from);
    mailOptions.forEach(job.putArray("mail_options")::add);
    rcpts.forEach(job.putArray("rcpts")::add);
    job.put("message_file", message.toString());
    job.put("transactions", transactions);
    Process p = new ProcessBuilder("python3", script.toString(), "127.0.0.1", Integer.toString(port))
        .redirectError(ProcessBuilder.Redirect.PIPE).start();
    p.getOutputStream().write(JSON.writeValueAsBytes(job));
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("python3 lmtp_send.py failed: %s", new String(err, StandardCharsets.UTF_8))
        .isZero();
    return JSON.readTree(out);
  }

  public static JsonNode python(int port, List<String> rcpts, Path message) throws IOException, InterruptedException {
    return python(port, "sender@example.org", List.of(), rcpts, message, 1);
  }

  /** The reply codes of an array of [code, text] pairs. */
  public static List<Integer> codes(JsonNode replies) {
    List<Integer> out = new ArrayList<>();
    replies.forEach(r -> out.add(r.get(0).asInt()));
    return out;
  }

  /** Whether swaks is installed. */
  public static boolean swaksInstalled() {
    return Files.isExecutable(Path.of("/usr/bin/swaks")) || Files.isExecutable(Path.of("/usr/local/bin/swaks"));
  }

  /** swaks --protocol LMTP; returns its transcript (server lines start with {@code <~ } or {@code <** }). */
  public static String swaks(int port, String to, Path message) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("swaks", "--protocol", "LMTP", "--server", "127.0.0.1", "--port",
        Integer.toString(port), "--from", "swaks@example.org", "--to", to, "--data", "@" + message,
        "--helo", "swaks.example", "--timeout", "60").redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return out;
  }
}
