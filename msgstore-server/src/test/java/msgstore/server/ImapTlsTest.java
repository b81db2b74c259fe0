package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import msgstore.engine.EngineOptions;
import msgstore.imap.ImapConfig;
import msgstore.server.auth.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * STARTTLS (RFC 9051 6.2.1) and implicit TLS (RFC 8314) with the server's certificate, checked
 * by the JDK's TLS client and by curl.
 */
class ImapTlsTest {
  @TempDir
  static Path dir;
  static TestServer t;
  static TestCertificates.PemPair pem;
  static SSLContext client;

  @BeforeAll
  static void start() throws Exception {
    pem = TestCertificates.selfSigned(dir.resolve("tls"));
    client = TestCertificates.clientContextTrusting(pem.certificate());
    t = TestServer.start(dir.resolve("data"), c -> c.withTls(pem.certificate(), pem.privateKey())
        .withImap(ImapConfig.on(0).withImapsPort(0)), EngineOptions.defaults().withMaintenanceInterval(Duration.ZERO));
  }

  @AfterAll
  static void stop() {
    t.close();
  }

  @Test
  void starttlsShouldSwitchTheConnectionToTlsAndDropStarttlsFromTheCapabilities() throws Exception {
    int port = t.server.imap().orElseThrow().port();
    try (ImapClient plain = new ImapClient(port)) {
      assertThat(plain.greeting).contains("STARTTLS");
      assertThat(plain.cmd("STARTTLS").ok()).isTrue();
      SSLSocket tls = (SSLSocket) client.getSocketFactory().createSocket(plain.socket, "localhost", port, true);
      tls.startHandshake();
      try (ImapClient c = new ImapClient(tls, false)) {
        assertThat(c.cmd("CAPABILITY").lines("CAPABILITY").get(0)).doesNotContain("STARTTLS").contains("AUTH=PLAIN");
        assertThat(c.cmd("LOGIN alice secret-alice").ok()).isTrue();
        assertThat(c.cmd("STARTTLS").status()).isEqualTo("BAD");
      }
    }
  }

  @Test
  void implicitTlsShouldGreetOverTlsAndTakeALogin() throws Exception {
    int port = t.server.imap().orElseThrow().imapsPort();
    Socket s = client.getSocketFactory().createSocket("localhost", port);
    try (ImapClient c = new ImapClient(s)) {
      assertThat(c.greeting).startsWith("* OK").doesNotContain("STARTTLS");
      assertThat(c.cmd("LOGIN bob secret-bob").ok()).isTrue();
      assertThat(c.cmd("LIST \"\" INBOX").lines("LIST")).hasSize(1);
    }
  }

  @Test
  void curlShouldLogInOverStarttlsAndOverImaps() throws Exception {
    String out = ImapRealClientsTest.run(List.of("curl", "-sS", "--max-time", "60", "--ssl-reqd", "--cacert",
        pem.certificate().toString(), "-u", "carol:secret-carol",
        "imap://localhost:" + t.server.imap().orElseThrow().port() + "/"));
    assertThat(out).contains("\"INBOX\"");
    String imaps = ImapRealClientsTest.run(List.of("curl", "-sS", "--max-time", "60", "--cacert",
        pem.certificate().toString(), "-u", "carol:secret-carol",
        "imaps://localhost:" + t.server.imap().orElseThrow().imapsPort() + "/"));
    assertThat(imaps).contains("\"Sent Items\"");
  }
}
