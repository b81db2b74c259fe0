package msgstore.engine.spi;

import java.time.Instant;
import java.util.UUID;

/**
 * A message row with its current version's content.
 *
 * @param readFlags the non-transacted PR_MESSAGE_FLAGS bits (MSGFLAG_READ and friends, R71)
 * @param status the non-transacted PR_MSG_STATUS (R74)
 * @param localCommitTime PR_LOCAL_COMMIT_TIME: last commit or read-state change (R66)
 * @param content the engine-encoded version (properties, recipients, attachments)
 * @param uid the message's IMAP UID in its folder (ADR 0028); 0 where not read
 * @param modseq the journal position of its last change (IMAP MODSEQ, ADR 0028); 0 where not read
 */
public record StoredMessage(
    long id,
    UUID storeGuid,
    long folderId,
    long cn,
    boolean softDeleted,
    int readFlags,
    int status,
    Instant localCommitTime,
    byte[] content,
    long uid,
    long modseq) {

  /** A row without its IMAP numbers (what a version factory needs). */
  public StoredMessage(long id, UUID storeGuid, long folderId, long cn, boolean softDeleted, int readFlags, int status,
      Instant localCommitTime, byte[] content) {
    this(id, storeGuid, folderId, cn, softDeleted, readFlags, status, localCommitTime, content, 0, 0);
  }
}
