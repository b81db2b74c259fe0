package msgstore.api;

/** What to do with a save that hit OBJECT_CHANGED (spec section 12, X6). */
public sealed interface ConflictChoice {
  /** R82: leave the message unchanged; the save fails with USER_CANCEL and keeps its edits. */
  record KeepOriginal() implements ConflictChoice {}

  /** R83: the same as FORCE_SAVE: the handle's whole view replaces the message. */
  record Overwrite() implements ConflictChoice {}

  /** R84: store the handle's view as a new message in {@code folder}; re-bind the handle to it. */
  record SaveElsewhere(FolderId folder) implements ConflictChoice {}

  /** R85: turn the message into a conflict message holding both versions. */
  record KeepBoth() implements ConflictChoice {}

  /** X6: three-way merge per unit with the given mode (R87-R89). */
  record Merge(MergeMode mode) implements ConflictChoice {}

  static ConflictChoice keepOriginal() {
    return new KeepOriginal();
  }

  static ConflictChoice overwrite() {
    return new Overwrite();
  }

  static ConflictChoice saveElsewhere(FolderId folder) {
    return new SaveElsewhere(folder);
  }

  static ConflictChoice keepBoth() {
    return new KeepBoth();
  }

  static ConflictChoice merge(MergeMode mode) {
    return new Merge(mode);
  }
}
