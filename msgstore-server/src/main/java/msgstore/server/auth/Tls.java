package msgstore.server.auth;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import msgstore.api.MapiError;
import msgstore.api.StoreException;

/**
 * Loads the server's TLS identity from PEM files: a certificate chain (leaf first, as
 * certbot's {@code fullchain.pem}) and an unencrypted PKCS#8 private key ({@code -----BEGIN
 * PRIVATE KEY-----}, RSA, EC or Ed25519). The key must match the leaf certificate. Every
 * failure is an INVALID_PARAMETER {@link StoreException} naming the file and the fix.
 */
public final class Tls {
  /** The alias of the key entry in the returned key stores. */
  public static final String KEY_ALIAS = "msgstore";

  /**
   * The password of the key entry (and of the in-memory store). It protects nothing: the store
   * never leaves memory; Jetty's {@code SslContextFactory} and {@link KeyManagerFactory} just need
   * one.
   */
  public static final String KEY_PASSWORD = "msgstore";

  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

  private Tls() {}

  /**
   * A PKCS12 key store holding one key entry, {@link #KEY_ALIAS} with password {@link
   * #KEY_PASSWORD}: the private key and the certificate chain.
   *
   * @throws StoreException INVALID_PARAMETER when a file is missing, unreadable, holds no PEM
   *     block of the right kind, is garbled, is an encrypted or PKCS#1/SEC1 key, or when the key
   *     does not match the certificate
   */
  public static KeyStore keyStore(Path certPem, Path keyPem) {
    List<X509Certificate> chain = certificates(certPem);
    PrivateKey key = privateKey(keyPem, chain.get(0).getPublicKey());
    checkPair(key, chain.get(0), certPem, keyPem);
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(KEY_ALIAS, key, KEY_PASSWORD.toCharArray(),
          chain.toArray(new X509Certificate[0]));
      return store;
    } catch (GeneralSecurityException | IOException e) {
      throw new StoreException(MapiError.CALL_FAILED,
          "cannot build a key store from " + certPem + " and " + keyPem + ": " + e.getMessage(), e);
    }
  }

  /** A TLS server context (protocol "TLS") over {@link #keyStore}. */
  public static SSLContext serverContext(Path certPem, Path keyPem) {
    KeyStore store = keyStore(certPem, keyPem);
    try {
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(store, KEY_PASSWORD.toCharArray());
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), null, new SecureRandom());
      return context;
    } catch (GeneralSecurityException e) {
      throw new StoreException(MapiError.CALL_FAILED,
          "cannot build a TLS context from " + certPem + " and " + keyPem + ": " + e.getMessage(), e);
    }
  }

  /** Every certificate of a PEM file, in file order. */
  static List<X509Certificate> certificates(Path certPem) {
    String text = read(certPem, "certificate");
    List<X509Certificate> chain = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      Matcher m = BLOCK.matcher(text);
      while (m.find()) {
        if (m.group(1).equals("CERTIFICATE")) {
          byte[] der = decode(m.group(2), certPem, "certificate");
          chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
        }
      }
    } catch (CertificateException e) {
      throw invalid(certPem, "holds a garbled certificate (" + e.getMessage() + ")", e);
    }
    if (chain.isEmpty()) {
      throw invalid(certPem, "holds no \"-----BEGIN CERTIFICATE-----\" block", null);
    }
    return chain;
  }

  private static PrivateKey privateKey(Path keyPem, PublicKey certificateKey) {
    String text = read(keyPem, "private key");
    Matcher m = BLOCK.matcher(text);
    byte[] der = null;
    while (m.find()) {
      switch (m.group(1)) {
        case "PRIVATE KEY" -> der = decode(m.group(2), keyPem, "private key");
        case "ENCRYPTED PRIVATE KEY" -> throw invalid(keyPem, "holds an encrypted key; decrypt it with "
            + "`openssl pkcs8 -topk8 -nocrypt -in " + keyPem + " -out key.pem`", null);
        case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> throw invalid(keyPem, "holds a " + m.group(1)
            + " (PKCS#1/SEC1); convert it to PKCS#8 with "
            + "`openssl pkcs8 -topk8 -nocrypt -in " + keyPem + " -out key.pem`", null);
        default -> { }
      }
      if (der != null) {
        break;
      }
    }
    if (der == null) {
      throw invalid(keyPem, "holds no \"-----BEGIN PRIVATE KEY-----\" block", null);
    }
    String algorithm = certificateKey.getAlgorithm();
    try {
      return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (InvalidKeySpecException e) {
      throw invalid(keyPem, "holds a garbled or non-" + algorithm + " PKCS#8 key (the certificate's key is "
          + algorithm + "): " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw invalid(keyPem, "holds a key of unsupported algorithm " + algorithm, e);
    } finally {
      Arrays.fill(der, (byte) 0);
    }
  }

  /** Signs a nonce with the key and verifies it with the certificate. */
  private static void checkPair(PrivateKey key, X509Certificate leaf, Path certPem, Path keyPem) {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      case "Ed448" -> "Ed448";
      default -> null;
    };
    if (algorithm == null) {
      return;
    }
    byte[] nonce = new byte[32];
    new SecureRandom().nextBytes(nonce);
    boolean matches;
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(nonce);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(leaf.getPublicKey());
      verifier.update(nonce);
      matches = verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      matches = false;
    }
    if (!matches) {
      throw invalid(keyPem, "does not hold the private key of the first certificate in " + certPem
          + " (" + leaf.getSubjectX500Principal().getName() + ")", null);
    }
  }

  private static String read(Path file, String what) {
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
    } catch (NoSuchFileException e) {
      throw invalid(file, "does not exist (expected a PEM " + what + ")", e);
    } catch (AccessDeniedException e) {
      throw invalid(file, "is not readable by this process (expected a PEM " + what + ")", e);
    } catch (IOException e) {
      throw invalid(file, "cannot be read as a PEM " + what + ": " + e, e);
    }
  }

  private static byte[] decode(String base64, Path file, String what) {
    try {
      return Base64.getMimeDecoder().decode(base64.strip());
    } catch (IllegalArgumentException e) {
      throw invalid(file, "holds a PEM " + what + " that is not valid base64", e);
    }
  }

  private static StoreException invalid(Path file, String problem, Throwable cause) {
    return new StoreException(MapiError.INVALID_PARAMETER, "TLS file " + file + " " + problem, cause);
  }
}
