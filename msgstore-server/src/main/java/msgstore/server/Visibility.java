package msgstore.server;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import msgstore.api.EventType;
import msgstore.api.FolderId;
import msgstore.api.MapiError;
import msgstore.api.Session;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.api.StoreId;

/**
 * Which journal entries a user may see, and how (the journal route and the event stream): every
 * entry of a store they own as it is; otherwise only entries about objects in folders that the
 * engine lets them read, and never an id of an object they may not read (ADR 0009):
 *
 * <ul>
 *   <li>a message event is seen when the caller may read the message's folder; a folder event
 *       when they may read the folder itself (a deleted folder: its parent);
 *   <li>a move or copy between a folder they may read and one they may not is seen only from their
 *       side: moved or copied in, it is an {@code OBJECT_CREATED} in the readable folder; moved
 *       out, an {@code OBJECT_DELETED} of the old id from the readable folder; copied out, nothing
 *       (the source did not change). The unreadable side's ids never appear.
 * </ul>
 *
 * Rights are today's, not those at the time of the entry. Answers are remembered for a few
 * seconds per folder, so a stream or a journal page costs one check per folder.
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

  /** Whether the caller sees the entry at all (in some form: see {@link #view}). */
  boolean canSee(StoreEvent e) {
    return view(e).isPresent();
  }

  /**
   * The entry as the caller may see it: {@code e} itself when they may see all of it, a rewritten
   * entry (same position) for a move or copy across the edge of what they may read, or empty.
   */
  Optional<StoreEvent> view(StoreEvent e) {
    if (owner) {
      return Optional.of(e);
    }
    boolean folder = e.objectKind() == StoreEvent.ObjectKind.FOLDER;
    boolean crossing = e.type() == EventType.OBJECT_MOVED || e.type() == EventType.OBJECT_COPIED;
    if (crossing && e.oldParentId().isPresent()) {
      boolean now = folder ? readable(e.folderId().orElseThrow()) : readable(e.parentId());
      boolean before = readable(e.oldParentId());
      if (now && before) {
        return Optional.of(e);
      }
      if (now) {
        return Optional.of(new StoreEvent(e.position(), EventType.OBJECT_CREATED, e.storeId(), e.objectKind(), e.id(),
            e.parentId(), Optional.empty(), Optional.empty(), e.changeNumber(), e.changeKey(), List.of(), e.at()));
      }
      if (before && e.type() == EventType.OBJECT_MOVED) {
        return Optional.of(new StoreEvent(e.position(), EventType.OBJECT_DELETED, e.storeId(), e.objectKind(),
            e.oldId().orElse(e.id()), e.oldParentId(), Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), List.of(), e.at()));
      }
      return Optional.empty();
    }
    boolean visible;
    if (folder) {
      visible = readable(e.folderId().orElseThrow()) || (e.type() == EventType.OBJECT_DELETED && readable(e.parentId()));
    } else {
      visible = readable(e.parentId());
    }
    return visible ? Optional.of(e) : Optional.empty();
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
