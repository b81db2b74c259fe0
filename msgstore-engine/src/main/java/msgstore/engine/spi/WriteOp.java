package msgstore.engine.spi;

import java.util.List;
import java.util.UUID;
import msgstore.api.EventType;

/**
 * One operation of a {@link WriteBatch} with its preconditions. Every operation that changes a
 * message or folder writes its journal entry (X4) in the same transaction. "Live" means present
 * and not deleted (for messages: not soft-deleted; for folders: not deleted).
 */
public sealed interface WriteOp {

  /**
   * Creates a store with a root folder named "" and the given top-level folders. Result id: the
   * root folder's id. Fails COLLISION if the GUID exists.
   */
  record CreateStore(UUID guid, String displayName, String owner, List<String> topFolders) implements WriteOp {}

  /**
   * Creates a folder under a live parent. Result id: the folder id. Journal: OBJECT_CREATED
   * (FOLDER). Fails NOT_FOUND (parent), COLLISION (a live sibling has that name).
   */
  record CreateFolder(long parentId, String displayName) implements WriteOp {}

  /**
   * Renames and/or moves a live folder (null = unchanged). Journal: OBJECT_MODIFIED for a rename,
   * OBJECT_MOVED for a move. Fails NOT_FOUND, COLLISION, CYCLE (new parent is the folder or under it).
   */
  record UpdateFolder(long folderId, String newName, Long newParentId) implements WriteOp {}

  /**
   * Deletes a live non-root folder, its subtree and their messages (soft: marked deleted;
   * hard: rows and history removed). Journal: OBJECT_DELETED for each message, then for the folder.
   * Fails NOT_FOUND.
   */
  record DeleteFolder(long folderId, boolean hard) implements WriteOp {}

  /**
   * Sets or deletes the one property {@code propTag} of a live folder: the backend reads the
   * folder's encoded property set, calls {@code merge} with it and writes the result, all inside
   * the write transaction. Concurrent merges of different properties therefore never lose one
   * another; on the same property the last commit wins. Fails NOT_FOUND. No journal entry.
   */
  record MergeFolderProp(long folderId, int propTag, FolderPropsMerge merge) implements WriteOp {}

  /** Sets (or with {@code rights} null, removes) a rights row. Fails NOT_FOUND. */
  record SetRights(long folderId, String user, String rights) implements WriteOp {}

  /** Maps a named property in a store (idempotent); result id: the property id (0x8000..0xFFFE). */
  record MapNamedProp(UUID storeGuid, UUID guid, String name, Integer lid) implements WriteOp {}

  /** What a {@link PutMessage} expects of the stored message. */
  sealed interface Expect {
    /** A new message in a live folder. */
    record New() implements Expect {}

    /** A live message in {@code folderId} whose current change number is {@code cn} (R28, R33). */
    record AtVersion(long cn) implements Expect {}

    /** A live message, whatever its version (FORCE_SAVE, R35, R40; restores). */
    record Live() implements Expect {}
  }

  /**
   * Writes a new version of a message (or creates it: {@code messageId} 0 with {@link
   * Expect.New}). Allocates the next change number of the folder's store, calls {@code factory},
   * updates the message row, appends to history with {@code kind} and {@code basedOnCn}, and
   * journals {@code event} (OBJECT_CREATED for creations, OBJECT_MODIFIED otherwise) with the
   * new change number and {@code changedTags}. Result: id, new cn, previous cn.
   *
   * <p>The message row's IMAP UID (ADR 0028) is taken from its folder's counter for a new message
   * and, unless {@code keepUid}, for a new version (a change of content); {@code keepUid} is for
   * commits that change only flag properties. With {@code unchangedSince} zero or more the op also
   * requires the message's MODSEQ to be at most that (IMAP UNCHANGEDSINCE), checked in the write
   * transaction; negative: no such condition.
   *
   * <p>Fails NOT_FOUND (no such message or folder), DELETED (message soft- or hard-deleted, or its
   * folder deleted), CHANGED (current cn differs from {@link Expect.AtVersion}, or the MODSEQ is
   * above {@code unchangedSince}; carries the current cn).
   */
  record PutMessage(
      long messageId,
      long folderId,
      Expect expect,
      VersionFactory factory,
      String kind,
      long basedOnCn,
      EventType event,
      List<Integer> changedTags,
      boolean keepUid,
      long unchangedSince) implements WriteOp {

    /** A commit that gives a new version a new UID, without a MODSEQ condition. */
    public PutMessage(long messageId, long folderId, Expect expect, VersionFactory factory, String kind, long basedOnCn,
        EventType event, List<Integer> changedTags) {
      this(messageId, folderId, expect, factory, kind, basedOnCn, event, changedTags, false, -1);
    }
  }

  /**
   * Deletes a message: soft marks it deleted (fails DELETED if already), hard removes row and
   * history (works on soft-deleted ones too). With {@code expectCn} non-zero also fails CHANGED
   * when the current cn differs. Journal: OBJECT_DELETED (not for hard-deleting an already
   * soft-deleted message).
   */
  record DeleteMessage(long messageId, boolean hard, long expectCn) implements WriteOp {}

  /** Restores a soft-deleted message into its folder (fails NOT_FOUND if its folder is deleted). Journal: OBJECT_CREATED. */
  record UndeleteMessage(long messageId) implements WriteOp {}

  /**
   * Moves (or copies) a live message into a live folder of the same store under a new id (R43),
   * with a new change number; {@code factory} gets the new id and the source as {@code current}.
   * A move also carries the history to the new id and removes the old row; kind MOVED_IN
   * (COPIED_IN for a copy). Journal: OBJECT_MOVED (OBJECT_COPIED) with old id and old parent.
   * Result: new id, new cn.
   */
  record MoveMessage(long messageId, long targetFolderId, boolean copy, VersionFactory factory) implements WriteOp {}

  /**
   * Non-transacted state of a live message (R71, R74): {@code flags = (flags & ~flagsMask) |
   * (flagsValue & flagsMask)}, the same for status; sets local commit time. No new cn. Journal:
   * OBJECT_MODIFIED with {@code changedTags}, no change number. With {@code unchangedSince} zero or
   * more, fails CHANGED when the message's MODSEQ is above it (IMAP UNCHANGEDSINCE, ADR 0028).
   */
  record SetReadState(long messageId, int flagsMask, int flagsValue, int statusMask, int statusValue,
      List<Integer> changedTags, long unchangedSince) implements WriteOp {

    /** A change of read state or status without a MODSEQ condition. */
    public SetReadState(long messageId, int flagsMask, int flagsValue, int statusMask, int statusValue,
        List<Integer> changedTags) {
      this(messageId, flagsMask, flagsValue, statusMask, statusValue, changedTags, -1);
    }
  }
}
