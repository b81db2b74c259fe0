package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import msgstore.engine.EngineOptions;
import msgstore.imap.ImapConfig;
import msgstore.server.ImapClient.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parser's limits over real sockets (RFC 7889 APPENDLIMIT, RFC 7888 LITERAL+, RFC 9051 4.3):
 * an APPEND over the limit is refused before any continuation and the connection goes on, a
 * non-synchronizing one is read and dropped, a too-long line is BAD; none of them loses the
 * session's state.
 */
class ImapLimitsTest {
  @TempDir
  static Path dir;
  static TestServer t;
  static int port;

  @BeforeAll
  static void start() {
    t = TestServer.start(dir, c -> c.withImap(ImapConfig.on(0).withAppendLimit(4096)),
        EngineOptions.defaults().withMaintenanceInterval(Duration.ZERO));
    port = t.server.imap().orElseThrow().port();
  }

  @AfterAll
  static void stop() {
    t.close();
  }

  @Test
  void anAppendOverTheLimitShouldGetTooBigInsteadOfAContinuationAndTheSessionGoOn() {
    try (ImapClient c = ImapClient.login(port, "alice")) {
      assertThat(c.greeting).contains("APPENDLIMIT=4096");
      c.send("t1 APPEND INBOX {4097}\r\n");
      assertThat(c.readLine()).startsWith("t1 NO [TOOBIG]");
      assertThat(c.cmd("SELECT INBOX").ok()).isTrue();
      Reply ok = c.append("INBOX", "\\Seen", ImapMessagesTest.mail("small", "fits"));
      assertThat(ok.tagged()).contains("OK [APPENDUID");
    }
  }

  @Test
  void aNonSynchronizingLiteralOverTheLimitShouldBeDroppedThenRefused() {
    try (ImapClient c = ImapClient.login(port, "alice")) {
      c.send("t1 APPEND INBOX {5000+}\r\n" + "x".repeat(5000) + "\r\n");
      assertThat(c.readLine()).startsWith("t1 NO [TOOBIG]");
      assertThat(c.cmd("NOOP").ok()).isTrue();
    }
  }

  @Test
  void aLineOverTheLimitShouldBeBadAndTheConnectionKept() {
    try (ImapClient c = ImapClient.login(port, "alice")) {
      c.send("t1 LIST \"\" " + "y".repeat(ImapConfig.DEFAULT_MAX_LINE_BYTES + 100) + "\r\n");
      assertThat(c.readLine()).startsWith("t1 BAD line longer than");
      assertThat(c.cmd("LIST \"\" INBOX").lines("LIST")).hasSize(1);
    }
  }

  @Test
  void loginShouldBeRefusedWithoutTlsFromAnAddressThatIsNotLoopback() throws Exception {
    java.net.InetAddress other = java.net.NetworkInterface.networkInterfaces()
        .flatMap(java.net.NetworkInterface::inetAddresses)
        .filter(a -> !a.isLoopbackAddress() && a instanceof java.net.Inet4Address).findFirst().orElse(null);
    org.junit.jupiter.api.Assumptions.assumeTrue(other != null, "this machine has no non-loopback IPv4 address");
    try (TestServer s = TestServer.start(dir.resolve("any"), c -> c.withImap(ImapConfig.on(0).withBind("0.0.0.0")),
        EngineOptions.defaults().withMaintenanceInterval(Duration.ZERO));
        ImapClient c = new ImapClient(new java.net.Socket(other, s.server.imap().orElseThrow().port()))) {
      assertThat(c.greeting).contains("LOGINDISABLED").doesNotContain("AUTH=PLAIN");
      assertThat(c.cmd("LOGIN alice secret-alice").tagged()).contains("NO [PRIVACYREQUIRED]");
    }
  }
}
