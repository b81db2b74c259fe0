package msgstore.server.auth;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Self-signed certificate + PKCS#8 key PEM pairs for tests, made with the JDK's own {@code keytool}
 * (no openssl needed): {@code CN=localhost}, SAN {@code DNS:localhost, IP:127.0.0.1}, valid for
 * two days. Generating one takes about a second, so make it once per test class.
 */
public final class TestCertificates {
  private static final String STORE_PASSWORD = "changeit";

  /** A certificate PEM and its private key PEM. */
  public record PemPair(Path certificate, Path privateKey) {}

  private TestCertificates() {}

  /** An RSA 2048 pair in {@code dir} ({@code cert.pem}, {@code key.pem}). */
  public static PemPair selfSigned(Path dir) {
    return selfSigned(dir, "RSA");
  }

  /**
   * A pair of the given key algorithm, "RSA" (2048 bits) or "EC" (P-256), written to {@code
   * dir/<alg>-cert.pem} and {@code dir/<alg>-key.pem} (RSA: {@code cert.pem}, {@code key.pem}).
   */
  public static PemPair selfSigned(Path dir, String keyAlgorithm) {
    try {
      Files.createDirectories(dir);
      String prefix = keyAlgorithm.equals("RSA") ? "" : keyAlgorithm.toLowerCase(Locale.ROOT) + "-";
      Path p12 = dir.resolve(prefix + "keystore.p12");
      Files.deleteIfExists(p12);
      List<String> command = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
          "-genkeypair", "-noprompt", "-alias", "test", "-keyalg", keyAlgorithm,
          "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
          "-storetype", "PKCS12", "-keystore", p12.toString(),
          "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD));
      command.addAll(keyAlgorithm.equals("EC") ? List.of("-groupname", "secp256r1") : List.of("-keysize", "2048"));
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output;
      try (InputStream in = process.getInputStream()) {
        output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException("keytool failed: " + output);
      }
      KeyStore store = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(p12)) {
        store.load(in, STORE_PASSWORD.toCharArray());
      }
      Key key = store.getKey("test", STORE_PASSWORD.toCharArray());
      Certificate certificate = store.getCertificate("test");
      Path certPem = dir.resolve(prefix + "cert.pem");
      Path keyPem = dir.resolve(prefix + "key.pem");
      Files.writeString(certPem, pem("CERTIFICATE", certificate.getEncoded()));
      Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()));
      Files.delete(p12);
      return new PemPair(certPem, keyPem);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot make a test certificate in " + dir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while making a test certificate", e);
    }
  }

  /** A client TLS context that trusts exactly the certificate(s) in {@code certPem}. */
  public static SSLContext clientContextTrusting(Path certPem) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      int i = 0;
      for (Certificate c : Tls.certificates(certPem)) {
        trust.setCertificateEntry("ca" + i++, c);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot build a client TLS context for " + certPem, e);
    }
  }

  /** PEM text: the type line, base64 in 64-character lines, the end line. */
  public static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
