package msgstore.api;

import java.util.List;
import java.util.Optional;

/**
 * One IMAP STORE on one message ({@link Session#storeFlags}): the read state ({@code \Seen},
 * R71), the deletion mark ({@code \Deleted}: PR_MSG_STATUS MSGSTATUS_DELMARKED, R74), the unsent
 * flag ({@code \Draft}: MSGFLAG_UNSENT) and flag properties to set or delete. Only these flag
 * properties are allowed: PR_FLAG_STATUS ({@code \Flagged}), PR_ICON_INDEX, PR_LAST_VERB_EXECUTED
 * ({@code \Answered}), PR_LAST_VERB_EXECUTION_TIME and the store's tag of {@link
 * NamedProperty#KEYWORDS} (keywords); any other is INVALID_PARAMETER. Empty optionals and lists
 * leave that part as it is.
 */
public record FlagChange(
    Optional<Boolean> read, Optional<Boolean> deleteMark, Optional<Boolean> draft, List<PropValue> set, List<PropTag> delete) {
  public FlagChange {
    set = List.copyOf(set);
    delete = List.copyOf(delete);
  }

  /** A change of nothing; add parts with the {@code with...} methods. */
  public static FlagChange none() {
    return new FlagChange(Optional.empty(), Optional.empty(), Optional.empty(), List.of(), List.of());
  }

  public FlagChange withRead(boolean value) {
    return new FlagChange(Optional.of(value), deleteMark, draft, set, delete);
  }

  public FlagChange withDeleteMark(boolean value) {
    return new FlagChange(read, Optional.of(value), draft, set, delete);
  }

  public FlagChange withDraft(boolean value) {
    return new FlagChange(read, deleteMark, Optional.of(value), set, delete);
  }

  public FlagChange withSet(List<PropValue> values) {
    return new FlagChange(read, deleteMark, draft, values, delete);
  }

  public FlagChange withDelete(List<PropTag> tags) {
    return new FlagChange(read, deleteMark, draft, set, tags);
  }

  /** True when the change writes flag properties, and so makes a new version (with a new change key, same UID). */
  public boolean changesProperties() {
    return draft.isPresent() || !set.isEmpty() || !delete.isEmpty();
  }
}
