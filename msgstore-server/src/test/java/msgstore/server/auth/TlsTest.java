package msgstore.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsTest {
  @TempDir static Path dir;
  private static TestCertificates.PemPair rsa;
  private static TestCertificates.PemPair ec;

  @BeforeAll
  static void generate() {
    rsa = TestCertificates.selfSigned(dir);
    ec = TestCertificates.selfSigned(dir, "EC");
  }

  @Test
  void keyStoreShouldLoadAnRsaPairAsOneKeyEntryWithItsChain() throws Exception {
    KeyStore store = Tls.keyStore(rsa.certificate(), rsa.privateKey());

    assertThat(store.isKeyEntry(Tls.KEY_ALIAS)).isTrue();
    PrivateKey key = (PrivateKey) store.getKey(Tls.KEY_ALIAS, Tls.KEY_PASSWORD.toCharArray());
    assertThat(key.getAlgorithm()).isEqualTo("RSA");
    X509Certificate leaf = (X509Certificate) store.getCertificateChain(Tls.KEY_ALIAS)[0];
    assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=localhost");
  }

  @Test
  void keyStoreShouldLoadAnEcPair() throws Exception {
    KeyStore store = Tls.keyStore(ec.certificate(), ec.privateKey());

    assertThat(store.getKey(Tls.KEY_ALIAS, Tls.KEY_PASSWORD.toCharArray()).getAlgorithm()).isEqualTo("EC");
  }

  @Test
  void serverContextShouldCompleteAHandshakeWithAClientTrustingTheCertificate() throws Exception {
    SSLContext server = Tls.serverContext(rsa.certificate(), rsa.privateKey());
    SSLContext client = TestCertificates.clientContextTrusting(rsa.certificate());

    try (SSLServerSocket listener = (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0)) {
      Thread serverThread = Thread.ofPlatform().start(() -> {
        try (SSLSocket s = (SSLSocket) listener.accept(); OutputStream out = s.getOutputStream()) {
          out.write(s.getInputStream().read() + 1);
        } catch (Exception e) {
          // the client assertion reports the failure
        }
      });
      try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("localhost", listener.getLocalPort())) {
        var params = socket.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(params);
        socket.getOutputStream().write(41);
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        assertThat(in.read()).isEqualTo(42);
      }
      serverThread.join(10_000);
    }
  }

  @Test
  void keyStoreShouldRejectAGarbledKey() throws Exception {
    Path garbled = dir.resolve("garbled-key.pem");
    String pem = Files.readString(rsa.privateKey());
    int middle = pem.length() / 2;
    char c = pem.charAt(middle) == 'A' ? 'B' : 'A';
    Files.writeString(garbled, pem.substring(0, middle - 40) + "AAAA" + c + pem.substring(middle + 5));

    assertInvalid(() -> Tls.keyStore(rsa.certificate(), garbled), garbled.toString());
  }

  @Test
  void keyStoreShouldRejectAKeyThatDoesNotMatchTheCertificate() throws Exception {
    Path otherDir = dir.resolve("other");
    TestCertificates.PemPair other = TestCertificates.selfSigned(otherDir);

    assertInvalid(() -> Tls.keyStore(rsa.certificate(), other.privateKey()), "does not hold the private key");
    assertInvalid(() -> Tls.keyStore(rsa.certificate(), ec.privateKey()), "non-RSA");
  }

  @Test
  void keyStoreShouldNameTheFileWhenItIsMissingEmptyOrOfTheWrongKind() throws Exception {
    Path missing = dir.resolve("missing.pem");
    Path empty = Files.writeString(dir.resolve("empty.pem"), "");
    Path pkcs1 = Files.writeString(dir.resolve("pkcs1.pem"), TestCertificates.pem("RSA PRIVATE KEY", new byte[] {1, 2, 3}));
    Path encrypted = Files.writeString(dir.resolve("enc.pem"), TestCertificates.pem("ENCRYPTED PRIVATE KEY", new byte[] {1}));
    Path garbledCert = Files.writeString(dir.resolve("garbled-cert.pem"), TestCertificates.pem("CERTIFICATE", new byte[] {1, 2, 3}));

    assertInvalid(() -> Tls.keyStore(missing, rsa.privateKey()), missing + " does not exist");
    assertInvalid(() -> Tls.keyStore(rsa.certificate(), missing), missing + " does not exist");
    assertInvalid(() -> Tls.keyStore(empty, rsa.privateKey()), empty + " holds no \"-----BEGIN CERTIFICATE-----\" block");
    assertInvalid(() -> Tls.keyStore(rsa.certificate(), empty), empty + " holds no \"-----BEGIN PRIVATE KEY-----\" block");
    assertInvalid(() -> Tls.keyStore(rsa.certificate(), pkcs1), "openssl pkcs8 -topk8 -nocrypt");
    assertInvalid(() -> Tls.keyStore(rsa.certificate(), encrypted), "encrypted key");
    assertInvalid(() -> Tls.keyStore(garbledCert, rsa.privateKey()), garbledCert + " holds a garbled certificate");
  }

  private static void assertInvalid(ThrowingCallable call, String messagePart) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.INVALID_PARAMETER))
        .hasMessageContaining(messagePart);
  }
}
