package msgstore.api;

import java.util.Optional;

/**
 * A row of a hierarchy table: a folder with its counts. {@code rights} are the caller's.
 * {@code depth} is relative to the folder whose hierarchy was asked for (children are 1).
 */
public record FolderInfo(
    FolderId id,
    StoreId storeId,
    Optional<FolderId> parentId,
    String displayName,
    long contentCount,
    long unreadCount,
    long childCount,
    int depth,
    FolderRights rights) {}
