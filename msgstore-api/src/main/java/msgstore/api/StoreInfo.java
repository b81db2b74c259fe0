package msgstore.api;

/** A store: its id (GUID), name, owner and root folder. */
public record StoreInfo(StoreId id, String displayName, String owner, FolderId rootFolder) {}
