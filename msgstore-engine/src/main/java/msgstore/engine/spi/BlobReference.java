package msgstore.engine.spi;

import java.util.UUID;

/**
 * A message that refers to a blob from at least one of its retained versions (the current one or
 * one kept in history), with where the message is now: what deciding who may read the blob needs.
 *
 * @param messageId the message
 * @param storeGuid its store
 * @param folderId the folder it is in now
 * @param softDeleted whether it is soft-deleted
 */
public record BlobReference(long messageId, UUID storeGuid, long folderId, boolean softDeleted) {}
