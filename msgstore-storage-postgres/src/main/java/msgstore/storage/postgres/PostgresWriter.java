package msgstore.storage.postgres;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import msgstore.api.MapiError;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.engine.spi.CommitResult;
import msgstore.engine.spi.StorageDeadline;
import msgstore.engine.spi.WriteBatch;
import msgstore.engine.spi.WriteOp;
import msgstore.storage.jdbc.GroupCommitter;
import msgstore.storage.jdbc.GroupCommitter.Pending;
import msgstore.storage.jdbc.JdbcRows;

/**
 * Group commit per node (ADR 0033): the commits of this node queue to one thread ({@link
 * GroupCommitter}, the SQLite writer's policy: what is waiting forms one group, a lone committer
 * never waits, and here writes its batch on its own thread), which writes each group in one
 * transaction of a pooled connection that takes the journal_head lock once and COMMITs once: one
 * lock hold and one WAL flush for the group, where each batch alone took one of each.
 *
 * <p>In the transaction, batches apply one after the other, each seeing the ones before it as if
 * they had committed alone. The common save ({@link PostgresWriteOps#isSaveAtVersion}) is one
 * statement that writes everything or, when its compare-and-set matches no row, nothing: it fails
 * alone without a savepoint (PostgreSQL gives every savepoint that writes a subtransaction, and
 * more than 64 in a transaction slow every snapshot of the server). The change numbers of the
 * group's stores are read with the lock and counted on in memory, and the last save of the group
 * carries the journal head, its NOTIFY and the COMMIT: a group of n saves written one by one is
 * n + 1 round trips, a lone save 2. A group of saves is first tried as one statement with its
 * COMMIT ({@link #writeSpeculatively}): two round trips, or one with assumed numbers. Any other
 * batch runs in its own SAVEPOINT, rolled back when a precondition (or another per-batch error)
 * fails it: it fails alone and gives back its journal positions.
 *
 * <p>Failures. A statement error inside a save (not a failed compare-and-set) aborts the
 * transaction: it is rolled back and the group runs again without that batch, which fails alone.
 * A serialization failure, a deadlock or a lost connection before the COMMIT was sent rolls the
 * whole group back (nothing was written) and it runs again, up to {@link
 * PostgresStorage#COMMIT_ATTEMPTS} times, under the earliest {@link StorageDeadline} of its
 * batches' callers (ADR 0030); before each attempt, a batch whose caller's deadline has passed
 * fails alone, BUSY (503). A connection lost with the COMMIT in flight fails the group BUSY: the
 * outcome is unknown (ADR 0024).
 *
 * <p>Events: after COMMIT, the group's journal entries go to the node's feed ({@link
 * PostgresJournalFeed#delivered}) before the callers return, so a commit's events are delivered
 * when it returns, as before.
 */
final class PostgresWriter implements AutoCloseable {
  static final String THREAD_NAME = "msgstore-pg-writer";

  private final PostgresPool pool;
  private final Clock clock;
  private final PostgresJournalFeed feed;
  private final GroupCommitter<WriteBatch, CommitResult> committer;
  /**
   * The numbers this node's last group of saves left ({@link PostgresTx.Ids#known}), for the next
   * group to assume instead of reading them under the lock (one round trip less); null when
   * unknown. Read and written by whoever writes a group (one at a time).
   */
  private volatile PostgresTx.Known known;
  /** How long other writers must have been quiet before a group assumes its numbers. */
  static final long OTHERS_QUIET_NANOS = 100_000_000;
  private final AtomicLong assumedGroups = new AtomicLong();
  private final AtomicLong staleAssumptions = new AtomicLong();

  PostgresWriter(PostgresPool pool, Clock clock, PostgresJournalFeed feed) {
    this.pool = pool;
    this.clock = clock;
    this.feed = feed;
    this.committer = new GroupCommitter<>(pool.name(), THREAD_NAME, this::writeGroup,
        PostgresWriter::asStoreException, () -> {}, true);
  }

  void start() {
    committer.start();
  }

  /** Commits {@code batch} with the next group of this node; returns once that group is durable. */
  CommitResult commit(WriteBatch batch) {
    return committer.commit(batch);
  }

  /** Transactions committed so far (one journal lock hold and one WAL flush each). */
  long groupsCommitted() {
    return committer.groupsCommitted();
  }

  /** Batches those transactions carried, failed ones included. */
  long batchesCommitted() {
    return committer.batchesCommitted();
  }

  /** Groups written on the numbers of the last commit ({@link PostgresTx.Ids#assume}), and of those, the ones that found them stale. */
  long[] assumptionStats() {
    return new long[] {assumedGroups.get(), staleAssumptions.get()};
  }

  /** Commits waiting for the writer thread (tests). */
  int queued() {
    return committer.queued();
  }

  /** Finishes the commits queued so far and stops the thread. */
  @Override
  public void close() {
    committer.close();
  }

  /** A batch of the group failed with a statement error that aborted the transaction. */
  private static final class BatchAborted extends RuntimeException {
    private final int index;

    BatchAborted(int index, SQLException cause) {
      super(cause);
      this.index = index;
    }
  }

  /** A speculative group ({@link PostgresWriteOps#saveAll}) did not go through as a whole. */
  private static final class SpeculationFailed extends RuntimeException {
    SpeculationFailed() {
      super(null, null, false, false);
    }
  }

  private sealed interface Outcome permits Committed, Failed {}

  private record Committed(CommitResult result, List<StoreEvent> events) implements Outcome {}

  private record Failed(StoreException error) implements Outcome {}

  private void writeGroup(List<Pending<WriteBatch, CommitResult>> group, IntConsumer committed) {
    List<Pending<WriteBatch, CommitResult>> live = new ArrayList<>(group);
    String operation = "commit of " + group.size() + " batch(es) on " + pool.name();
    boolean speculate = speculative(live);
    PostgresTx.Known assume = assumable(live);
    known = null; // taken again from this group's commit
    for (int attempt = 1; ; attempt++) {
      long left = expire(live);
      if (live.isEmpty()) {
        return;
      }
      boolean[] committing = {false};
      boolean speculating = speculate;
      PostgresTx.Known assuming = assume;
      long foreign = feed.foreignCommits();
      StorageDeadline deadline = left == Long.MAX_VALUE ? null : StorageDeadline.start(Duration.ofNanos(left));
      try {
        PostgresTx.Known[] after = {null};
        Outcome[] outcomes = pool.inTransaction(operation, c -> {
          try {
            if (assuming != null) {
              assumedGroups.incrementAndGet();
              c.ids().assume(assuming);
            }
            Outcome[] written = speculating ? writeSpeculatively(c, live) : writeTransaction(c, live);
            if (allSaves(live)) {
              after[0] = c.ids().known(foreign);
            }
            return written;
          } finally {
            committing[0] = c.ids().committed();
          }
        });
        known = after[0];
        committed.accept(live.size());
        finish(live, outcomes);
        return;
      } catch (SpeculationFailed e) {
        speculate = false; // one by one, each failure alone
        assume = null;
        attempt--;
      } catch (BatchAborted e) {
        Pending<WriteBatch, CommitResult> failed = live.remove(e.index);
        failed.fail(PostgresErrors.translate((SQLException) e.getCause(), describe(failed.batch())));
        assume = null;
        attempt--; // the others did not fail: each such round removes one batch
      } catch (SQLException e) {
        if (assuming != null && PostgresErrors.guardFailed(e)) {
          staleAssumptions.incrementAndGet();
          assume = null; // another transaction wrote since this node's last commit: read the numbers under the lock
          attempt--;
          continue;
        }
        assume = null;
        boolean again = PostgresErrors.retryable(e) || PostgresErrors.unavailable(e) && !committing[0];
        if (!again || attempt >= PostgresStorage.COMMIT_ATTEMPTS) {
          StoreException error = PostgresErrors.translate(e, operation);
          live.forEach(p -> p.fail(error));
          return;
        }
      } finally {
        if (deadline != null) {
          deadline.close();
        }
      }
    }
  }

  /**
   * The numbers of this node's last commit when {@code live} may assume them ({@link
   * PostgresTx.Ids#assume}): only saves, in folders whose stores that commit knew, and no commit
   * of another writer heard of since, by a feed that was listening then and still is, nor for
   * {@link #OTHERS_QUIET_NANOS} (while other nodes write, their commits mostly land between two of
   * this node's groups before their notification does, and a failed guard costs a round trip and
   * the group's versions built twice). Otherwise null: the group reads them under the lock.
   */
  private PostgresTx.Known assumable(List<Pending<WriteBatch, CommitResult>> live) {
    PostgresTx.Known k = known;
    return k != null && k.foreign() >= 0 && k.foreign() == feed.foreignCommits()
        && feed.othersQuietNanos() > OTHERS_QUIET_NANOS && allSaves(live) && k.covers(saveFolders(live)) ? k : null;
  }

  private static boolean allSaves(List<Pending<WriteBatch, CommitResult>> live) {
    for (Pending<WriteBatch, CommitResult> p : live) {
      if (!PostgresWriteOps.isSaveAtVersion(p.batch())) {
        return false;
      }
    }
    return true;
  }

  /** Fails the batches whose caller's deadline has passed; returns the earliest deadline left of the others. */
  private long expire(List<Pending<WriteBatch, CommitResult>> live) {
    long least = Long.MAX_VALUE;
    for (var it = live.iterator(); it.hasNext(); ) {
      Pending<WriteBatch, CommitResult> p = it.next();
      long left = p.remainingNanos();
      if (left <= 0) {
        p.fail(new StoreException(MapiError.BUSY, describe(p.batch()) + " failed: its storage deadline passed"
            + " before the database could write it (the database is unavailable or busy, try again)"));
        it.remove();
      } else {
        least = Math.min(least, left);
      }
    }
    return least;
  }

  /** Whether {@code live} may be written by {@link #writeSpeculatively}: several saves, all keeping or all taking a new UID. */
  private static boolean speculative(List<Pending<WriteBatch, CommitResult>> live) {
    if (live.size() < 2) {
      return false;
    }
    Boolean keepUid = null;
    for (Pending<WriteBatch, CommitResult> p : live) {
      if (!PostgresWriteOps.isSaveAtVersion(p.batch()) || !(p.batch().ops().getFirst() instanceof WriteOp.PutMessage o)
          || keepUid != null && keepUid != o.keepUid()) {
        return false;
      }
      keepUid = o.keepUid();
    }
    return true;
  }

  /**
   * One attempt at a group of saves in two round trips, whatever their number, or one when the
   * transaction assumed its numbers: the lock with the stores' change numbers, then one statement
   * that writes them all with the journal head, and the COMMIT ({@link PostgresWriteOps#saveAll}).
   * When one of them fails (its compare-and-set, its version factory, a statement), the
   * transaction is rolled back and the group is written one by one ({@link #writeTransaction}),
   * where each failure is its batch's alone.
   */
  private Outcome[] writeSpeculatively(PostgresTx c, List<Pending<WriteBatch, CommitResult>> live)
      throws SQLException {
    PostgresTx.Ids ids = c.ids();
    if (!ids.assumed()) {
      ids.lockJournalAndReadCns(saveFolders(live));
    }
    List<WriteBatch> batches = new ArrayList<>(live.size());
    List<List<StoreEvent>> events = new ArrayList<>(live.size());
    for (Pending<WriteBatch, CommitResult> p : live) {
      batches.add(p.batch());
      events.add(new ArrayList<>());
    }
    List<CommitResult> results;
    try {
      results = new PostgresWriteOps(c, feed.node()).saveAll(batches, JdbcRows.truncate(clock.instant()), events);
    } catch (SQLException e) {
      if (PostgresErrors.retryable(e) || PostgresErrors.unavailable(e) || PostgresErrors.headGuardFailed(e)) {
        throw e; // a head guard: another transaction wrote since the commit whose numbers were assumed
      }
      throw new SpeculationFailed(); // a store's guard too: after a save that did not match, the numbers are wrong
    } catch (RuntimeException e) {
      if (ids.committed()) {
        throw e; // the COMMIT was sent: its outcome is not known, the group must not be written again
      }
      throw new SpeculationFailed();
    }
    if (results == null) {
      throw new SpeculationFailed();
    }
    Outcome[] outcomes = new Outcome[live.size()];
    for (int i = 0; i < outcomes.length; i++) {
      outcomes[i] = new Committed(results.get(i), events.get(i));
    }
    return outcomes;
  }

  private static Set<Long> saveFolders(List<Pending<WriteBatch, CommitResult>> live) {
    Set<Long> folders = new LinkedHashSet<>();
    for (Pending<WriteBatch, CommitResult> p : live) {
      if (PostgresWriteOps.isSaveAtVersion(p.batch()) && p.batch().ops().getFirst() instanceof WriteOp.PutMessage o) {
        folders.add(o.folderId());
      }
    }
    return folders;
  }

  /** One attempt: the whole group in the transaction of {@code c}, committed when it returns. */
  private Outcome[] writeTransaction(PostgresTx c, List<Pending<WriteBatch, CommitResult>> live)
      throws SQLException {
    PostgresTx.Ids ids = c.ids();
    Set<Long> saveFolders = saveFolders(live);
    if (ids.assumed()) {
      // the first save locks journal_head (its guard)
    } else if (saveFolders.isEmpty()) {
      ids.lockJournal();
    } else {
      ids.lockJournalAndReadCns(saveFolders);
    }
    Instant now = JdbcRows.truncate(clock.instant());
    PostgresWriteOps ops = new PostgresWriteOps(c, feed.node());
    Outcome[] outcomes = new Outcome[live.size()];
    for (int i = 0; i < outcomes.length; i++) {
      WriteBatch batch = live.get(i).batch();
      List<StoreEvent> events = new ArrayList<>();
      long mark = ids.mark();
      if (PostgresWriteOps.isSaveAtVersion(batch)) {
        try {
          outcomes[i] = new Committed(ops.saveAtVersion(batch, now, events, i == outcomes.length - 1), events);
        } catch (SQLException e) {
          if (PostgresErrors.retryable(e) || PostgresErrors.unavailable(e)
              || ids.wasAssumed() && PostgresErrors.guardFailed(e)) {
            throw e;
          }
          throw new BatchAborted(i, e);
        } catch (RuntimeException e) {
          ids.reset(mark);
          outcomes[i] = new Failed(asStoreException(e, describe(batch)));
        }
      } else {
        outcomes[i] = inSavepoint(c, ops, batch, now, events, mark);
      }
    }
    if (!ids.committed()) {
      ids.flush(feed.node(), true);
    }
    return outcomes;
  }

  /** A batch other than a lone save, in its own SAVEPOINT: rolled back to it when it fails. */
  private Outcome inSavepoint(PostgresTx c, PostgresWriteOps ops, WriteBatch batch, Instant now,
      List<StoreEvent> events, long mark) throws SQLException {
    c.execute("SAVEPOINT batch");
    try {
      CommitResult result = ops.apply(batch, now, events);
      c.execute("RELEASE SAVEPOINT batch");
      return new Committed(result, events);
    } catch (SQLException e) {
      if (PostgresErrors.retryable(e) || PostgresErrors.unavailable(e)) {
        throw e;
      }
      rollbackTo(c, mark);
      return new Failed(PostgresErrors.translate(e, describe(batch)));
    } catch (RuntimeException e) {
      rollbackTo(c, mark);
      return new Failed(asStoreException(e, describe(batch)));
    } finally {
      c.ids().forgetCns(); // the batch advanced change numbers with SQL (or was rolled back): read them again
    }
  }

  private static void rollbackTo(PostgresTx c, long mark) throws SQLException {
    c.execute("ROLLBACK TO SAVEPOINT batch");
    c.execute("RELEASE SAVEPOINT batch");
    c.ids().reset(mark);
  }

  /** After COMMIT: the group's events to the feed, then the callers' outcomes. */
  private void finish(List<Pending<WriteBatch, CommitResult>> live, Outcome[] outcomes) {
    List<StoreEvent> events = new ArrayList<>();
    for (Outcome o : outcomes) {
      if (o instanceof Committed ok) {
        events.addAll(ok.events());
      }
    }
    if (!events.isEmpty()) {
      feed.delivered(events);
    }
    for (int i = 0; i < outcomes.length; i++) {
      switch (outcomes[i]) {
        case Committed ok -> live.get(i).complete(ok.result());
        case Failed f -> live.get(i).fail(f.error());
      }
    }
  }

  private static String describe(WriteBatch batch) {
    return "commit of a batch by '" + batch.actor() + "'";
  }

  private static StoreException asStoreException(Throwable t, String operation) {
    return switch (t) {
      case StoreException s -> s;
      case SQLException s -> PostgresErrors.translate(s, operation);
      case OutOfMemoryError oom -> new StoreException(MapiError.NOT_ENOUGH_MEMORY, operation + " failed: " + oom, oom);
      default -> new StoreException(MapiError.CALL_FAILED, operation + " failed: " + t, t);
    };
  }
}
