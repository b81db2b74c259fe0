package msgstore.api;

import java.time.Instant;
import java.util.Optional;

/** One committed version of a message in its history (X1). */
public record VersionInfo(
    MessageId messageId,
    ChangeNumber changeNumber,
    ChangeKey changeKey,
    Instant committedAt,
    String committedBy,
    VersionKind kind,
    Optional<ChangeNumber> basedOn,
    long size) {

  /** How a version came to be. */
  public enum VersionKind {
    CREATED,
    SAVED,
    FORCED,
    MERGED,
    RESTORED,
    MOVED_IN,
    COPIED_IN,
    CONFLICT
  }
}
