package msgstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code msgstore serve --lmtp-port 0 --lmtp-domains ...}: LMTP listens, announces itself, honours the domains. */
class ServeLmtpTest {
  private static final Pattern HTTP = Pattern.compile("msgstore serving (http://127\\.0\\.0\\.1:\\d+)/api/v1");
  private static final Pattern LMTP = Pattern.compile("LMTP on 127\\.0\\.0\\.1:(\\d+) \\(domains example\\.com\\)");

  @TempDir
  Path data;

  @Test
  void serveWithLmtpOptionsShouldAcceptMailForLocalDomainsOnly() throws Exception {
    AwaitedOutput out = new AwaitedOutput();
    Io io = Io.of(new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), Map.of(),
        (file, interactive, log) -> {
          throw new AssertionError("no editor expected");
        });
    CompletableFuture<Integer> serve = CompletableFuture.supplyAsync(() -> Main.run(io, "serve", "--data",
        data.toString(), "--port", "0", "--lmtp-port", "0", "--lmtp-bind", "127.0.0.1", "--lmtp-domains", "example.com"));
    int port = out.await(Duration.ofSeconds(60), serve, LMTP).map(m -> Integer.parseInt(m[0].group(1))).orElse(-1);
    assertThat(port).as("stdout: %s", out).isPositive();
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
      OutputStream o = s.getOutputStream();
      assertThat(in.readLine()).startsWith("220 ");
      o.write("LHLO t\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<admin@other.example>\r\nRCPT TO:<admin@Example.COM>\r\nDATA\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      String line;
      while ((line = in.readLine()).startsWith("250-")) {
        // LHLO capabilities
      }
      assertThat(in.readLine()).startsWith("250 2.1.0");
      assertThat(in.readLine()).startsWith("550 5.1.2");
      assertThat(in.readLine()).startsWith("250 2.1.5");
      assertThat(in.readLine()).startsWith("354");
      o.write("Subject: via serve\r\n\r\nhello\r\n.\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(in.readLine()).startsWith("250 2.0.0 <admin@Example.COM>");
      assertThat(in.readLine()).startsWith("221");
      String base = out.await(Duration.ofSeconds(10), serve, HTTP).map(m -> m[0].group(1)).orElseThrow();
      String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create(base + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      assertThat(metrics).contains("msgstore_lmtp_delivered_total 1\n", "msgstore_lmtp_failed_total 0\n",
          "msgstore_lmtp_too_big_total 0\n", "msgstore_lmtp_store_seconds_total ");
    } finally {
      io.stop().complete(null);
      assertThat(serve.get(60, TimeUnit.SECONDS)).isZero();
    }
  }
}
