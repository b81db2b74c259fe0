package msgstore.engine;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import msgstore.api.EventType;
import msgstore.api.StoreEvent;
import msgstore.engine.spi.StorageDeadline;

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
 *
 * <p>The losers of those races take turns ({@link #awaitTurn}, ADR 0039): the first to report its
 * conflict goes at once, the next ones wait until a save of the message settles, one for each
 * settled save, so that the clients that try again meet one winner at a time instead of all
 * racing every new version and taking the processor from the save that will win.
 */
final class LatestVersions {
  private static final int MAX_ENTRIES = 200_000;
  /** Messages with losers' turns kept (a message's entry goes when a save settles with nobody waiting). */
  private static final int MAX_TURN_ENTRIES = 10_000;
  /** The longest a loser waits for its turn before it reports its conflict anyway. */
  static final long MAX_TURN_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private final ConcurrentHashMap<Long, Long> cn = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, Claim> saving = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, Turns> turns = new ConcurrentHashMap<>();

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

  /**
   * A conditional save of the message lost a race (R28) and is about to report its conflict: it
   * goes at once when no other loser is trying again or waiting, else waits until a save of the
   * message settles and hands it the turn, at most {@link #MAX_TURN_WAIT_NANOS} or half of what is
   * left of its {@link StorageDeadline}. The error it then reports is the same; only its moment
   * moves.
   */
  void awaitTurn(long messageId) {
    awaitTurn(messageId, Math.min(MAX_TURN_WAIT_NANOS, StorageDeadline.remainingNanos() / 2));
  }

  /** {@link #awaitTurn(long)}, waiting at most {@code maxNanos}. */
  void awaitTurn(long messageId, long maxNanos) {
    if (turns.size() > MAX_TURN_ENTRIES) {
      turns.clear(); // a waiter keeps its entry; only its hand-off on the next settle is lost
    }
    turns.computeIfAbsent(messageId, k -> new Turns()).await(maxNanos);
  }

  /** Losers waiting for their turn on the message (tests). */
  int waitingTurns(long messageId) {
    Turns t = turns.get(messageId);
    return t == null ? 0 : t.waiting();
  }

  /**
   * The losers of races on one message that wait for their turn to try again. A lock and a
   * condition, not a monitor: a virtual thread (IMAP, LMTP) waiting here does not pin its carrier.
   */
  private static final class Turns {
    private static final class Waiter {
      boolean go;
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition handed = lock.newCondition();
    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
    /** When the last loser went (at once or on its turn); a turn older than the longest wait is over. */
    private long outSince;
    private boolean wentOut;

    void await(long maxNanos) {
      lock.lock();
      try {
        long now = System.nanoTime();
        if (waiting.isEmpty() && (!wentOut || now - outSince > MAX_TURN_WAIT_NANOS)) {
          wentOut = true; // nobody is trying again: this loser does
          outSince = now;
          return;
        }
        Waiter me = new Waiter();
        waiting.add(me);
        boolean interrupted = false;
        try {
          for (long left = maxNanos; !me.go && left > 0; ) {
            try {
              left = handed.awaitNanos(left);
            } catch (InterruptedException e) {
              interrupted = true;
              break;
            }
          }
        } finally {
          if (!me.go) {
            waiting.remove(me);
          }
          wentOut = true;
          outSince = System.nanoTime();
          if (interrupted) {
            Thread.currentThread().interrupt();
          }
        }
      } finally {
        lock.unlock();
      }
    }

    int waiting() {
      lock.lock();
      try {
        return waiting.size();
      } finally {
        lock.unlock();
      }
    }

    /** A save of the message settled: the longest waiting loser's turn. False when none waits. */
    boolean next() {
      lock.lock();
      try {
        Waiter w = waiting.pollFirst();
        if (w == null) {
          return false;
        }
        w.go = true;
        handed.signalAll();
        return true;
      } finally {
        lock.unlock();
      }
    }
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
      Turns t = turns.get(messageId);
      if (t != null && !t.next()) {
        turns.remove(messageId, t);
      }
    }
  }
}
