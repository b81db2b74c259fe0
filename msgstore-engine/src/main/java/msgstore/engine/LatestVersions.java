package msgstore.engine;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import msgstore.api.EventType;
import msgstore.api.StoreEvent;

/**
 * The newest change number this process has seen committed per message, fed from the durable
 * journal. It is a hint only: change numbers only grow, so a known number above a handle's base
 * proves the handle stale, and the save can be refused without queueing a write that would lose
 * anyway (the hot-message case). The absence of a hint proves nothing; the conditional write in
 * the storage stays the only authority (R33).
 *
 * <p>It also knows the conditional saves on their way to the storage ({@link #claim}), one per
 * message: a save from an older base than the one on its way is stale (that base is a newer
 * committed version) and fails at once (R28); of two saves from the same base at most one can win,
 * so the second waits for the first and fails at once if the first committed. Either way no
 * version is built and no write is queued that would lose behind the one on its way: where many
 * clients race on one message, the losers cost little and the winner's write is not queued
 * behind theirs.
 */
final class LatestVersions {
  private static final int MAX_ENTRIES = 200_000;
  private final ConcurrentHashMap<Long, Long> cn = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, Claim> saving = new ConcurrentHashMap<>();

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

  /**
   * A conditional save of a message from {@code baseCn} is about to be written: its claim, to be
   * {@linkplain Claim#settle settled} once the write is decided, or null when a save from the same
   * or a newer base holds it (then see {@link #newerThanBase}). A holder from an older base is
   * stale: it keeps writing (and will lose), and the claim passes to this save.
   */
  Claim claim(long messageId, long baseCn) {
    Claim mine = new Claim(messageId, baseCn);
    return saving.compute(messageId, (k, held) -> held == null || held.baseCn < baseCn ? mine : held) == mine
        ? mine : null;
  }

  /**
   * What the save holding the message's claim proves about a save from {@code baseCn}: a committed
   * change number above {@code baseCn} at once when the holder's base is newer (it opened a version
   * this save has not seen), or, when its base is the same, the change number it committed (this
   * waits for its write); else 0 (no holder, an older base, or the holder did not commit: the
   * caller writes as usual).
   */
  long newerThanBase(long messageId, long baseCn) {
    Claim c = saving.get(messageId);
    if (c == null || c.baseCn < baseCn) {
      return 0;
    }
    return c.baseCn > baseCn ? c.baseCn : c.committed.join();
  }

  /** A save's claim on writing a message's next version from its base. */
  final class Claim {
    private final long messageId;
    private final long baseCn;
    private final CompletableFuture<Long> committed = new CompletableFuture<>();

    private Claim(long messageId, long baseCn) {
      this.messageId = messageId;
      this.baseCn = baseCn;
    }

    /** The write is decided: {@code cn} is the change number it committed, 0 when it did not. */
    void settle(long cn) {
      if (cn > 0) { // durable once written: known before its journal entry arrives
        LatestVersions.this.cn.merge(messageId, cn, Math::max);
      }
      saving.remove(messageId, this);
      committed.complete(cn);
    }
  }
}
