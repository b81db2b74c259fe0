package msgstore.api;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * A message handle: one open of a message, with its own transaction (R9). It holds a base version
 * and pending edits; {@link #saveChanges} commits them atomically as a new version when the
 * message has not changed since the base (R28, R33). Handles are safe to share between threads;
 * calls on one handle are serialised (R97).
 */
public interface Message extends PropObject {
  /** The message's id; empty for a new message before its first save (R14). */
  Optional<MessageId> id();

  /** The folder the message is in (for a new message, the folder it will be created in). */
  FolderId folderId();

  StoreId storeId();

  /** The change number of the base version; empty before the first save. */
  Optional<ChangeNumber> baseChangeNumber();

  /** The change key of the base version; empty before the first save. */
  Optional<ChangeKey> baseChangeKey();

  /** True for a handle on an embedded message (R57). */
  boolean isEmbedded();

  /** The handle's view as an immutable snapshot (for CopyTo, R46, and conflict screens). */
  MessageSnapshot snapshot();

  // ---- recipients (R47-R49)

  /** The view's recipient table. */
  List<Recipient> recipients();

  /**
   * Changes the pending recipient table: ADD assigns row ids; MODIFY replaces rows by PR_ROWID
   * completely (R48); REMOVE removes by PR_ROWID; REPLACE_ALL replaces the table.
   *
   * @throws StoreException NO_ACCESS on a read-only handle, NOT_FOUND for an unknown row id
   */
  void modifyRecipients(RecipientOp op, Collection<Recipient> rows);

  /**
   * Removes rows from the pending recipient table by PR_ROWID; shorthand for {@link
   * #modifyRecipients} with REMOVE and rows that carry only their row ids.
   *
   * @throws StoreException NO_ACCESS on a read-only handle, NOT_FOUND for an unknown row id (then
   *     nothing is removed)
   */
  default void removeRecipients(int... rowIds) {
    List<Recipient> rows = new java.util.ArrayList<>(rowIds.length);
    for (int rowId : rowIds) {
      rows.add(new Recipient(rowId, List.of()));
    }
    modifyRecipients(RecipientOp.REMOVE, rows);
  }

  /** RemoveAllRecipients. */
  void removeAllRecipients();

  // ---- attachments (R50-R60)

  /** The view's attachment table: attachments saved into this handle (R50, R53). */
  List<AttachmentRow> attachments();

  /** CreateAttach: a new attachment with a number unique in this view (R50). */
  Attachment createAttachment();

  /**
   * OpenAttach (R54, R55).
   *
   * @throws StoreException NOT_FOUND for an unknown number, NO_ACCESS for MODIFY on a read-only
   *     handle without BEST_ACCESS
   */
  Attachment openAttachment(int attachNum, OpenFlag... flags);

  /** DeleteAttach: removes it from the view at once (R53). */
  void deleteAttachment(int attachNum);

  // ---- read state (R71-R74)

  /**
   * SetReadFlag: commits MSGFLAG_READ at once, without a new version (R71, R72); pending edits stay
   * pending. On a new or embedded message it only changes the pending flags.
   */
  void setReadFlag(boolean read);

  /** SetMessageStatus: commits PR_MSG_STATUS bits at once, without a new version (R74). */
  void setMessageStatus(int status, int mask);

  // ---- save (R15-R40, R81-R93)

  /**
   * SaveChanges. Checks run in the order of R25-R34; on failure nothing is committed and the
   * handle keeps its access, edits and base (R22).
   *
   * @throws StoreException INVALID_OBJECT (closed, R25), NO_ACCESS (read-only, R26),
   *     OBJECT_DELETED (deleted or moved, R27), INVALID_PARAMETER (both keep-open flags, R21),
   *     USER_CANCEL (a resolver chose KEEP_ORIGINAL, R82), or storage failures (R99)
   * @throws ObjectChangedException when the message changed since the base (R28)
   */
  SaveResult saveChanges(SaveOptions options);

  default SaveResult saveChanges(SaveFlag... flags) {
    return saveChanges(SaveOptions.of(flags));
  }

  /**
   * Saves this handle's whole view as a new message in {@code folder} and re-binds the handle to
   * it (R84); works on a stale or deleted message too (R46). The original is unchanged.
   */
  SaveResult saveAsCopy(FolderId folder, SaveFlag... flags);

  /**
   * Turns the message into a conflict message holding the current version and this handle's view
   * (R85); the handle is re-bound to it.
   */
  SaveResult saveKeepBoth(SaveFlag... flags);

  /** What a three-way merge of this handle's edits onto the current version would do (X6); writes nothing. */
  MergeReport previewMerge(MergeMode mode);

  /**
   * CopyTo: copies this handle's whole view (properties, recipients, attachments) into the
   * pending state of {@code target} (R13, R46). Allowed from a handle whose message was deleted.
   */
  void copyTo(Message target);
}
