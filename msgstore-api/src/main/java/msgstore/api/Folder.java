package msgstore.api;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * A folder. Folder operations commit at once (they are not transacted like messages). Every call
 * checks the caller's rights at that moment.
 */
public interface Folder {
  FolderId id();

  StoreId storeId();

  /** The folder's current row (name, counts, the caller's rights). */
  FolderInfo info();

  /** CreateMessage (R14): a new message handle, invisible to others until its first save. */
  Message createMessage();

  /** Creates a subfolder. @throws StoreException COLLISION if a sibling has that name */
  Folder createFolder(String displayName);

  /** Renames. @throws StoreException COLLISION if a sibling has that name */
  void rename(String displayName);

  /** Moves this folder under {@code newParent}. @throws StoreException FOLDER_CYCLE under itself */
  void moveTo(FolderId newParent);

  /**
   * Deletes this folder with its subfolders and messages (R44: open handles on them then fail
   * with OBJECT_DELETED). Messages are soft-deleted unless {@code mode} is HARD.
   */
  void delete(DeleteMode mode);

  /** The hierarchy table: children, or the whole subtree with {@code deep}. */
  List<FolderInfo> hierarchy(boolean deep);

  /** A subfolder by name. */
  Optional<Folder> subfolder(String displayName);

  /** The contents table of committed messages. */
  ContentsTable contentsTable();

  /** Soft-deleted messages of this folder, still recoverable (X3). */
  List<MessageId> softDeletedMessages();

  /**
   * The folder as an IMAP mailbox (ADR 0028). Its messages' UIDs and MODSEQs are the computed
   * properties {@link PropTags#IMAP_UID} and {@link PropTags#IMAP_MODSEQ}, which contents tables
   * can show, sort on and restrict on.
   */
  default MailboxState mailboxState() {
    throw new StoreException(MapiError.NO_SUPPORT, "mailboxState is not supported by this implementation");
  }

  /** SetReadFlags on many messages at once (R71). */
  void setReadFlags(Collection<MessageId> messages, boolean read);

  /** Folder properties (PR_RESOLVE_METHOD, R86, among them). */
  Optional<PropValue> getProp(PropTag tag);

  void setProp(PropValue value);

  /** Grants {@code user} rights on this folder (owner only). */
  void setRights(String user, FolderRights rights);
}
