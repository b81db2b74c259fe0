package msgstore.api;

/**
 * Asked once when a non-forced save would fail with OBJECT_CHANGED (R81). It runs on the saving
 * thread, outside any storage lock, and must not use the saving handle.
 */
@FunctionalInterface
public interface ConflictResolver {
  ConflictChoice resolve(Conflict conflict);

  /**
   * The three versions: the handle's view, the message's current version and the handle's base,
   * with the preview of a three-way merge.
   */
  record Conflict(MessageSnapshot view, MessageSnapshot current, MessageSnapshot base, MergeReport mergePreview) {}
}
