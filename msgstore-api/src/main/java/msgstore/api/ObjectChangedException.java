package msgstore.api;

import java.util.Optional;

/**
 * {@link MapiError#OBJECT_CHANGED}: the message changed since the handle's base version (R28) or
 * a merge found conflicts under {@link MergeMode#NEVER_OVERWRITE} (R89). Carries the base and the
 * current change keys; nothing was written and the handle keeps its edits (R22).
 */
public final class ObjectChangedException extends StoreException {
  private static final long serialVersionUID = 1L;
  private final transient ChangeKey base;
  private final transient ChangeKey current;
  private final transient MergeReport mergeReport;

  public ObjectChangedException(String message, ChangeKey base, ChangeKey current, MergeReport mergeReport) {
    super(MapiError.OBJECT_CHANGED, message);
    this.base = base;
    this.current = current;
    this.mergeReport = mergeReport;
  }

  /** The change key the handle was opened on (or last saved). */
  public ChangeKey baseChangeKey() {
    return base;
  }

  /** The change key of the message's current version. */
  public ChangeKey currentChangeKey() {
    return current;
  }

  /** For a failed merge save: what each side changed and which units conflict. */
  public Optional<MergeReport> mergeReport() {
    return Optional.ofNullable(mergeReport);
  }
}
