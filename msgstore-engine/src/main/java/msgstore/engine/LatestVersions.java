package msgstore.engine;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import msgstore.api.EventType;
import msgstore.api.StoreEvent;

/**
 * The newest change number this process has seen committed per message, fed from the durable
 * journal. It is a hint only: change numbers only grow, so a known number above a handle's base
 * proves the handle stale, and the save can be refused without queueing a write that would lose
 * anyway (the hot-message case). The absence of a hint proves nothing; the conditional write in
 * the storage stays the only authority (R33).
 */
final class LatestVersions {
  private static final int MAX_ENTRIES = 200_000;
  private final ConcurrentHashMap<Long, Long> cn = new ConcurrentHashMap<>();

  void observe(List<StoreEvent> entries) {
    if (cn.size() > MAX_ENTRIES) {
      cn.clear();
    }
    for (StoreEvent e : entries) {
      if (e.messageId().isEmpty()) {
        continue;
      }
      long id = e.messageId().get().value();
      if (e.changeNumber().isPresent()) {
        cn.merge(id, e.changeNumber().get().value(), Math::max);
      }
      if (e.type() == EventType.OBJECT_MOVED || e.type() == EventType.OBJECT_DELETED) {
        e.oldMessageId().ifPresent(o -> cn.remove(o.value()));
        if (e.type() == EventType.OBJECT_DELETED) {
          cn.remove(id);
        }
      }
    }
  }

  /** True when a commit newer than {@code baseCn} is known for the message. */
  boolean knownNewerThan(long messageId, long baseCn) {
    Long known = cn.get(messageId);
    return known != null && known > baseCn;
  }
}
