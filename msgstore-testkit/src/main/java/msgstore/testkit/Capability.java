package msgstore.testkit;

/**
 * Optional features a {@link msgstore.api.MessageStore} implementation may lack. A contract test of
 * such a feature is skipped (JUnit assumption) unless the implementation declares the capability in
 * {@link StoreContractBase#capabilities()}; tests are never deleted to make an implementation pass
 * (STYLE habit 14). Everything not listed here is required of every implementation.
 */
public enum Capability {
  /** Users other than the owner, folder rights (R2, R5): {@code Folder.setRights}, NO_ACCESS. */
  RIGHTS,
  /** Advise, the change journal and its replay (R75-R80, X4). */
  NOTIFICATIONS,
  /** Version history, readVersion, restoreVersion, X2's {@code SaveResult.replaced()} (X1-X3). */
  HISTORY,
  /** Embedded messages inside attachments (R57-R60). */
  EMBEDDED_MESSAGES,
  /** Named properties: GetIDsFromNames / GetNamesFromIDs. */
  NAMED_PROPERTIES,
  /** The session's {@code ConflictResolver} (EXT R81-R84, X6). */
  CONFLICT_RESOLVER,
  /** Conflict messages: KEEP_BOTH and {@code saveKeepBoth} (EXT R85). */
  KEEP_BOTH,
  /** A folder's PR_RESOLVE_METHOD choosing the default conflict choice (EXT R86). */
  RESOLVE_METHOD,
  /** EWS-style three-way merge on save and {@code previewMerge} (EXT R87-R93). */
  MERGE,
  /**
   * The IMAP numbers and writes (ADR 0028): {@code Folder.mailboxState}, {@code Session.storeFlags},
   * and the UID and MODSEQ properties on handles and in contents tables.
   */
  IMAP,
  /** Closing the store and opening it again on the same directory keeps everything. */
  REOPEN,
  /**
   * R5 as the spec words it: opening an object the caller may not read fails with NO_ACCESS. An
   * implementation without it (the HTTP server and its SDK, issue 3 "Security", ADR 0009) answers
   * as if the object did not exist: NOT_FOUND, so a stranger cannot learn that it exists.
   */
  NO_ACCESS_REVEALS_EXISTENCE
}
