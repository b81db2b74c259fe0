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
    byte[] content) {}
