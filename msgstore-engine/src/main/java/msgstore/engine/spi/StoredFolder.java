package msgstore.engine.spi;

import java.util.UUID;

/**
 * A folder row. {@code parentId} is 0 for a root. {@code props} is the engine-encoded folder
 * property set (may be empty). Counts cover live messages and live child folders.
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
    long childCount) {}
