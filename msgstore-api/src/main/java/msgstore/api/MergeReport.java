package msgstore.api;

import java.util.List;

/**
 * The three-way diff of a merge (R88, X6): for each unit (property, recipient row, attachment) that
 * either side changed since the base, who changed it, the three values, and the outcome.
 */
public record MergeReport(MergeMode mode, List<UnitChange> changes) {
  public MergeReport {
    changes = List.copyOf(changes);
  }

  /** The units both sides changed differently. */
  public List<UnitChange> conflicts() {
    return changes.stream().filter(c -> c.side() == Side.BOTH).toList();
  }

  public boolean hasConflicts() {
    return changes.stream().anyMatch(c -> c.side() == Side.BOTH);
  }

  /** Which side changed a unit since the base. */
  public enum Side {
    /** Only the saving handle. */
    OURS,
    /** Only other clients (the current version). */
    THEIRS,
    /** Both, differently: a conflict. */
    BOTH
  }

  /** Which value a unit has in the merged result. */
  public enum Outcome {
    OURS,
    THEIRS
  }

  /** A merge unit. */
  public sealed interface Unit {}

  /** A property of the message. */
  public record PropertyUnit(PropTag tag) implements Unit {}

  /** A recipient row, by PR_ROWID. */
  public record RecipientUnit(int rowId) implements Unit {}

  /** An attachment, by PR_ATTACH_NUM, compared as a whole. */
  public record AttachmentUnit(int attachNum) implements Unit {}

  /**
   * One changed unit. Values are {@link PropValue} for properties, {@link Recipient} for recipient
   * rows and {@link MessageSnapshot.AttachmentSnapshot} for attachments; null where the unit is
   * absent on that side.
   */
  public record UnitChange(Unit unit, Side side, Object base, Object ours, Object theirs, Outcome outcome) {}
}
