package msgstore.engine.spi;

/**
 * Merges one property into a folder's encoded property set, inside the write of a {@link
 * WriteOp.MergeFolderProp}: the backend hands it the set as committed at that moment and stores
 * what it returns, in the same transaction. Called on the backend's writer thread, at most once
 * per attempt; it must be quick and must not call the storage.
 */
@FunctionalInterface
public interface FolderPropsMerge {
  /** The new encoded property set, given the current one (empty when the folder has none). */
  byte[] merge(byte[] current);
}
