package msgstore.server.auth;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashing (RFC 9106) with bouncycastle, encoded as a PHC string:
 * {@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>}, salt and hash in unpadded standard
 * base64. The defaults (19 MiB, 2 passes, 1 lane) are OWASP's first Argon2id recommendation and
 * cost about 0.2 s here; tests pass a cheap setting to {@link #of}.
 *
 * <p>{@link #verify} reads the cost parameters from the stored string, so hashes made under older
 * settings keep verifying; {@link #needsRehash} tells when one should be replaced. Neither method
 * modifies the password array it is given: the caller owns it and should zero it. Instances are
 * immutable and thread-safe.
 */
public final class PasswordHasher {
  /** OWASP's recommended Argon2id memory cost in KiB (19 MiB). */
  public static final int DEFAULT_MEMORY_KIB = 19 * 1024;

  public static final int DEFAULT_ITERATIONS = 2;
  public static final int DEFAULT_PARALLELISM = 1;

  private static final int SALT_BYTES = 16;
  private static final int HASH_BYTES = 32;
  private static final int MIN_HASH_BYTES = 16;
  private static final int MAX_HASH_BYTES = 64;
  /** Upper bounds for parameters read from a stored string: 1 GiB, 64 passes, 16 lanes. */
  private static final int MAX_MEMORY_KIB = 1024 * 1024;

  private static final int MAX_ITERATIONS = 64;
  private static final int MAX_PARALLELISM = 16;
  private static final String PREFIX = "$argon2id$v=19$";

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final PasswordHasher DEFAULT =
      new PasswordHasher(DEFAULT_MEMORY_KIB, DEFAULT_ITERATIONS, DEFAULT_PARALLELISM);

  private final int memoryKiB;
  private final int iterations;
  private final int parallelism;

  private PasswordHasher(int memoryKiB, int iterations, int parallelism) {
    this.memoryKiB = memoryKiB;
    this.iterations = iterations;
    this.parallelism = parallelism;
  }

  /** The production setting: m=19456 KiB, t=2, p=1. */
  public static PasswordHasher defaults() {
    return DEFAULT;
  }

  /**
   * A hasher with the given costs, for example {@code of(1024, 1, 1)} in tests.
   *
   * @throws StoreException INVALID_PARAMETER when a cost is out of range: parallelism 1..16,
   *     iterations 1..64, memory 8*parallelism..1048576 KiB
   */
  public static PasswordHasher of(int memoryKiB, int iterations, int parallelism) {
    checkCosts(memoryKiB, iterations, parallelism, "PasswordHasher.of");
    return new PasswordHasher(memoryKiB, iterations, parallelism);
  }

  public int memoryKiB() {
    return memoryKiB;
  }

  public int iterations() {
    return iterations;
  }

  public int parallelism() {
    return parallelism;
  }

  /**
   * Hashes a password with a fresh 16-byte random salt.
   *
   * @return the PHC string, for example {@code $argon2id$v=19$m=19456,t=2,p=1$...$...}
   * @throws NullPointerException when {@code password} is null
   */
  public String hash(char[] password) {
    Objects.requireNonNull(password, "password");
    byte[] salt = new byte[SALT_BYTES];
    RANDOM.nextBytes(salt);
    byte[] hash = derive(password, salt, memoryKiB, iterations, parallelism, HASH_BYTES);
    Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
    return PREFIX + "m=" + memoryKiB + ",t=" + iterations + ",p=" + parallelism
        + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
  }

  /**
   * Checks a password against a PHC string made by {@link #hash}, with the costs the string
   * names. The final comparison is constant-time.
   *
   * @return true when the password matches; false when it does not, or when the string is not a
   *     well-formed argon2id v=19 PHC string (a tampered or foreign hash never verifies)
   * @throws NullPointerException when an argument is null
   */
  public boolean verify(char[] password, String phc) {
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(phc, "phc");
    Phc parsed = Phc.parse(phc);
    if (parsed == null) {
      return false;
    }
    byte[] actual = derive(password, parsed.salt, parsed.memoryKiB, parsed.iterations,
        parsed.parallelism, parsed.hash.length);
    boolean equal = MessageDigest.isEqual(actual, parsed.hash);
    Arrays.fill(actual, (byte) 0);
    return equal;
  }

  /** True when {@code phc} was not made with this hasher's costs (or is not well-formed). */
  public boolean needsRehash(String phc) {
    Phc parsed = Phc.parse(Objects.requireNonNull(phc, "phc"));
    return parsed == null
        || parsed.memoryKiB != memoryKiB
        || parsed.iterations != iterations
        || parsed.parallelism != parallelism
        || parsed.salt.length != SALT_BYTES
        || parsed.hash.length != HASH_BYTES;
  }

  /** True when {@code phc} is a well-formed argon2id v=19 PHC string within the cost bounds. */
  static boolean wellFormed(String phc) {
    return Phc.parse(phc) != null;
  }

  @Override
  public String toString() {
    return "PasswordHasher[argon2id m=" + memoryKiB + ",t=" + iterations + ",p=" + parallelism + "]";
  }

  private static byte[] derive(
      char[] password, byte[] salt, int memoryKiB, int iterations, int parallelism, int length) {
    Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
        .withVersion(Argon2Parameters.ARGON2_VERSION_13)
        .withMemoryAsKB(memoryKiB)
        .withIterations(iterations)
        .withParallelism(parallelism)
        .withSalt(salt)
        .build();
    Argon2BytesGenerator generator = new Argon2BytesGenerator();
    generator.init(params);
    byte[] passwordBytes = utf8(password);
    byte[] out = new byte[length];
    try {
      generator.generateBytes(passwordBytes, out);
    } finally {
      Arrays.fill(passwordBytes, (byte) 0);
    }
    return out;
  }

  /** UTF-8 bytes of a password, leaving no other copy of them behind. */
  static byte[] utf8(char[] password) {
    ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
    byte[] bytes = new byte[encoded.remaining()];
    encoded.get(bytes);
    if (encoded.hasArray()) {
      Arrays.fill(encoded.array(), (byte) 0);
    }
    return bytes;
  }

  private static void checkCosts(int memoryKiB, int iterations, int parallelism, String where) {
    if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
      throw new StoreException(MapiError.INVALID_PARAMETER,
          where + ": parallelism must be 1.." + MAX_PARALLELISM + ", was " + parallelism);
    }
    if (iterations < 1 || iterations > MAX_ITERATIONS) {
      throw new StoreException(MapiError.INVALID_PARAMETER,
          where + ": iterations must be 1.." + MAX_ITERATIONS + ", was " + iterations);
    }
    if (memoryKiB < 8 * parallelism || memoryKiB > MAX_MEMORY_KIB) {
      throw new StoreException(MapiError.INVALID_PARAMETER, where + ": memory must be "
          + 8 * parallelism + ".." + MAX_MEMORY_KIB + " KiB, was " + memoryKiB);
    }
  }

  /** A parsed {@code $argon2id$v=19$m=..,t=..,p=..$salt$hash}. */
  private record Phc(int memoryKiB, int iterations, int parallelism, byte[] salt, byte[] hash) {
    /** The parsed string, or null when it is not a well-formed argon2id v=19 PHC string. */
    static Phc parse(String phc) {
      if (!phc.startsWith(PREFIX)) {
        return null;
      }
      String[] parts = phc.substring(PREFIX.length()).split("\\$", -1);
      if (parts.length != 3) {
        return null;
      }
      String[] costs = parts[0].split(",", -1);
      if (costs.length != 3
          || !costs[0].startsWith("m=") || !costs[1].startsWith("t=") || !costs[2].startsWith("p=")) {
        return null;
      }
      try {
        int m = Integer.parseInt(costs[0].substring(2));
        int t = Integer.parseInt(costs[1].substring(2));
        int p = Integer.parseInt(costs[2].substring(2));
        checkCosts(m, t, p, "phc");
        // PHC strings are unpadded; the JDK decoder accepts that but also padding, so reject '='.
        if (parts[1].indexOf('=') >= 0 || parts[2].indexOf('=') >= 0) {
          return null;
        }
        byte[] salt = Base64.getDecoder().decode(parts[1]);
        byte[] hash = Base64.getDecoder().decode(parts[2]);
        if (salt.length < 8 || hash.length < MIN_HASH_BYTES || hash.length > MAX_HASH_BYTES) {
          return null;
        }
        return new Phc(m, t, p, salt, hash);
      } catch (IllegalArgumentException | StoreException e) {
        return null;
      }
    }
  }
}
