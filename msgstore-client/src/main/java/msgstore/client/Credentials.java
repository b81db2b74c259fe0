package msgstore.client;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import msgstore.api.MapiError;
import msgstore.api.StoreException;

/**
 * What a {@link RemoteMessageStore} sends as {@code Authorization} for a user. With Basic
 * credentials {@link msgstore.api.MessageStore#openSession openSession} exchanges them once for a
 * bearer token (POST /tokens) and revokes that token when the session closes; a bearer token is
 * used as given and never revoked by the SDK.
 */
@FunctionalInterface
public interface Credentials {
  /**
   * The {@code Authorization} header value for {@code user}: {@code "Basic …"} or {@code "Bearer …"}.
   *
   * @throws StoreException NO_ACCESS when there are no credentials for {@code user}
   */
  String authorization(String user);

  /** Basic authentication with the password {@code passwordOf} gives (null: no such user). */
  static Credentials basic(Function<String, char[]> passwordOf) {
    Objects.requireNonNull(passwordOf, "passwordOf");
    return user -> {
      char[] pw = passwordOf.apply(user);
      if (pw == null) {
        throw new StoreException(MapiError.NO_ACCESS, "no credentials for user '" + user + "'");
      }
      return basicHeader(user, pw);
    };
  }

  /** A bearer token that acts as {@code user}; other users have no credentials. */
  static Credentials token(String user, String token) {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(token, "token");
    return u -> {
      if (!u.equals(user)) {
        throw new StoreException(MapiError.NO_ACCESS, "the token is for '" + user + "', not for '" + u + "'");
      }
      return "Bearer " + token;
    };
  }

  /** Basic authentication with fixed passwords per user name. */
  static Credentials of(Map<String, String> passwords) {
    Map<String, String> copy = Map.copyOf(passwords);
    return basic(u -> {
      String pw = copy.get(u);
      return pw == null ? null : pw.toCharArray();
    });
  }

  /** {@code Basic base64(user:password)}; the password array is not kept. */
  static String basicHeader(String user, char[] password) {
    CharBuffer cb = CharBuffer.allocate(user.length() + 1 + password.length);
    cb.put(user).put(':').put(password).flip();
    ByteBuffer bb = StandardCharsets.UTF_8.encode(cb);
    byte[] raw = new byte[bb.remaining()];
    bb.get(raw);
    try {
      return "Basic " + Base64.getEncoder().encodeToString(raw);
    } finally {
      Arrays.fill(raw, (byte) 0);
      Arrays.fill(cb.array(), '\0');
    }
  }
}
