package msgstore.api;

/**
 * A user's rights on a folder (R2, R5). OWNER and EDITOR may modify and delete messages and
 * create them; REVIEWER may only read; NONE sees nothing. The store's owner is OWNER everywhere.
 */
public enum FolderRights {
  OWNER,
  EDITOR,
  REVIEWER,
  NONE;

  public boolean canRead() {
    return this != NONE;
  }

  public boolean canWrite() {
    return this == OWNER || this == EDITOR;
  }

  /** PR_ACCESS bits (R3): MODIFY 0x1, READ 0x2, DELETE 0x4. */
  public int accessBits() {
    return (canWrite() ? 0x1 | 0x4 : 0) | (canRead() ? 0x2 : 0);
  }
}
