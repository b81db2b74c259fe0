package msgstore.engine.spi;

import java.time.Instant;
import java.util.UUID;

public record StoredStore(UUID guid, String displayName, String owner, long rootFolderId, Instant createdAt) {}
