package msgstore.server;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import msgstore.api.FolderId;
import msgstore.api.MapiError;
import msgstore.api.Session;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.api.StoreId;

/**
 * Which journal entries a user may see: every entry of a store they own; otherwise only entries
 * about folders (or messages in folders) that the engine lets them open. Answers are remembered
 * for a few seconds per folder, so a stream or a journal page costs one check per folder.
 */
final class Visibility {
  private static final long TTL_NANOS = 5_000_000_000L;
  private final Session session;
  private final boolean owner;
  private final ConcurrentHashMap<Long, long[]> cache = new ConcurrentHashMap<>();

  Visibility(Session session, StoreId store) {
    this.session = session;
    this.owner = session.store(store).owner().equals(session.user());
  }

  boolean canSee(StoreEvent e) {
    if (owner) {
      return true;
    }
    if (e.objectKind() == StoreEvent.ObjectKind.FOLDER && readable(FolderId.of(e.id()))) {
      return true;
    }
    return readable(e.parentId()) || readable(e.oldParentId());
  }

  private boolean readable(Optional<FolderId> f) {
    return f.isPresent() && readable(f.get());
  }

  private boolean readable(FolderId f) {
    long now = System.nanoTime();
    long[] c = cache.get(f.value());
    if (c != null && now - c[1] < TTL_NANOS) {
      return c[0] == 1;
    }
    boolean ok;
    try {
      session.openFolder(f);
      ok = true;
    } catch (StoreException ex) {
      if (ex.error() != MapiError.NO_ACCESS && ex.error() != MapiError.NOT_FOUND) {
        throw ex;
      }
      ok = false;
    }
    cache.put(f.value(), new long[] {ok ? 1 : 0, now});
    return ok;
  }
}
