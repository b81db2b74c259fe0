package msgstore.server.auth;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A bearer token as {@link Accounts} describes it. The secret {@code token} is present only in
 * the value {@link Accounts#createToken} returns; the database keeps nothing but its SHA-256, so it
 * cannot be shown again. {@link #toString} never includes the secret.
 *
 * @param id the token's public id, used to list and revoke it (URL-safe)
 * @param user the user the token authenticates as
 * @param label the caller's description, for example "laptop sync"
 * @param createdAt when it was issued
 * @param revokedAt when it was revoked, if it was
 * @param token the secret, only right after creation
 */
public record TokenInfo(
    String id,
    String user,
    String label,
    Instant createdAt,
    Optional<Instant> revokedAt,
    Optional<String> token) {

  public TokenInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(revokedAt, "revokedAt");
    Objects.requireNonNull(token, "token");
  }

  /** True unless the token has been revoked. */
  public boolean active() {
    return revokedAt.isEmpty();
  }

  @Override
  public String toString() {
    return "TokenInfo[id=" + id + ", user=" + user + ", label=" + label + ", createdAt=" + createdAt
        + ", revokedAt=" + revokedAt.map(Instant::toString).orElse("-")
        + (token.isPresent() ? ", token=<hidden>" : "") + "]";
  }
}
