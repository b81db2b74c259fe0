package msgstore.engine.spi;

import java.util.UUID;

/**
 * A folder row. {@code parentId} is 0 for a root. {@code props} is the engine-encoded folder
 * property set (may be empty). Counts cover live messages and live child folders. {@code uidNext}
 * and {@code highestModseq} are the folder's IMAP UIDNEXT and HIGHESTMODSEQ (ADR 0028).
 */
public record StoredFolder(
    long id,
    UUID storeGuid,
    long parentId,
    String displayName,
    boolean deleted,
    byte[] props,
    long contentCount,
    long unreadCount,
    long childCount,
    long uidNext,
    long highestModseq) {}
