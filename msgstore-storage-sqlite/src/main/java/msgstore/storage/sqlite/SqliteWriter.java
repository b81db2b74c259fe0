package msgstore.storage.sqlite;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import msgstore.api.MapiError;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.engine.spi.PreconditionFailedException;
import msgstore.engine.spi.CommitResult;
import msgstore.engine.spi.WriteBatch;
import msgstore.storage.jdbc.GroupCommitter;
import msgstore.storage.jdbc.JdbcRows;

/**
 * The single writer: one platform thread owning the only write connection, fed by a queue
 * ({@link GroupCommitter}: its grouping policy, lingering and shutdown are shared with the
 * PostgreSQL backend).
 *
 * <p>Group commit. Consecutive batches form one group, written in one {@code BEGIN IMMEDIATE}
 * transaction: each batch runs inside its own {@code SAVEPOINT}; its operations check their
 * preconditions with SQL as they go, so a batch sees the effects of the batches before it in the
 * group exactly as if each had committed alone. A batch whose precondition fails (or which throws
 * any other per-batch error) is rolled back to its savepoint and fails alone; the counters it
 * advanced are restored ({@link SqliteCounters}). The change numbers of the group are written to
 * {@code store.last_cn}, then one {@code COMMIT} makes the whole group durable with one fsync.
 *
 * <p>If the transaction fails as a whole (disk full, I/O error, corruption, or an error at
 * COMMIT), it is rolled back, every batch of the group fails with the translated exception and
 * the counters are reloaded from the database: nothing is committed and no change number is
 * used up (R99).
 *
 * <p>Only after COMMIT returns are the callers' futures completed and then the {@link
 * #onCommitted} listener called, on the thread that wrote the group (the writer thread, or a lone
 * committer that found the writer idle and wrote its batch itself: GroupCommitter's callerRuns,
 * two thread switches less per commit at low concurrency), with the journal entries of the
 * group's successful batches in position order (R79). Maintenance tasks ({@link #runTask}) run
 * on the writer thread between groups, each in its own transaction. The storage deadline of ADR 0030 is
 * ignored: every wait is in this process.
 */
final class SqliteWriter implements AutoCloseable {
  static final int MAX_GROUP = GroupCommitter.MAX_GROUP;
  static final String THREAD_NAME = "msgstore-sqlite-writer";
  /** How often a writer looks at the database's size again: every this many groups. */
  static final int CACHE_SIZING_GROUPS = 1024;

  private static final System.Logger LOG = System.getLogger(SqliteWriter.class.getName());

  @FunctionalInterface
  interface Task<T> {
    T run(SqliteConnection c, Instant now) throws SQLException;
  }

  private sealed interface Outcome permits Committed, Failed {}

  private record Committed(CommitResult result, List<StoreEvent> events, List<SqliteStaging.Written> written)
      implements Outcome {}

  private record Failed(StoreException error) implements Outcome {}

  private final Path file;
  private final SqliteConnection c;
  private final Clock clock;
  /** The readers, whose read transactions follow the commits ({@link SqliteReader#committed}). */
  private final SqliteReader readers;
  private final SqliteCounters counters = new SqliteCounters();
  private final SqliteWriteOps ops;
  private final SqliteStaging staging;
  private final GroupCommitter<WriteBatch, CommitResult> committer;
  private volatile Consumer<List<StoreEvent>> listener = events -> {};
  /** Groups committed since the page cache was last sized to the database ({@link #sizeCache}). */
  private int groupsSinceCacheSized;
  /** The PRAGMA cache_size statement run last. */
  private String cacheSize = "";

  /** Takes ownership of {@code c}, which must be in JDBC manual-commit mode with no transaction open. */
  SqliteWriter(Path file, SqliteConnection c, Clock clock, SqliteStaging staging, SqliteReader readers) {
    this.file = file;
    this.readers = readers;
    this.c = c;
    this.clock = clock;
    this.staging = staging;
    this.ops = new SqliteWriteOps(c, counters, staging);
    this.committer = new GroupCommitter<>(file.toString(), THREAD_NAME, this::writeGroup,
        SqliteWriter::asStoreException, this::stopped, true);
  }

  void start() {
    try {
      sizeCache();
    } catch (SQLException e) {
      throw SqliteErrorTranslator.translate(e, "sizing the page cache of the writer of " + file);
    }
    committer.start();
  }

  /**
   * Sets the page cache for the database's size ({@link SqlitePragmas#writerCacheSize}); at start
   * and then every {@link #CACHE_SIZING_GROUPS} groups, by whoever writes (the writer lock held).
   */
  private void sizeCache() throws SQLException {
    groupsSinceCacheSized = 0;
    String size = SqlitePragmas.writerCacheSize(SqlitePragmas.queryLong(c.jdbc(), "PRAGMA page_count"),
        SqlitePragmas.queryLong(c.jdbc(), "PRAGMA page_size"));
    if (!size.equals(cacheSize)) {
      SqlitePragmas.execute(c.jdbc(), size);
      cacheSize = size;
    }
  }

  void onCommitted(Consumer<List<StoreEvent>> l) {
    this.listener = l == null ? events -> {} : l;
  }

  /** Commits a batch; returns once it is durable. */
  CommitResult commit(WriteBatch batch) {
    if (batch == null) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "commit needs a batch");
    }
    return committer.commit(batch);
  }

  /** Runs a maintenance task on the writer thread in its own transaction. */
  <T> T runTask(String operation, Task<T> task) {
    return committer.runTask(operation, () -> runInTransaction(operation, task));
  }

  /** Jobs waiting for the writer thread (for tests and diagnostics). */
  int queued() {
    return committer.queued();
  }

  /** Transactions committed by {@link #commit} so far (one fsync each). */
  long groupsCommitted() {
    return committer.groupsCommitted();
  }

  /** Batches those transactions carried, failed ones included. */
  long batchesCommitted() {
    return committer.batchesCommitted();
  }

  @Override
  public void close() {
    committer.close();
  }

  // ---- the writer thread

  /** When the thread ends. */
  private void stopped() {
    try {
      SqlitePragmas.execute(c.jdbc(), "PRAGMA optimize");
    } catch (SQLException e) {
      LOG.log(Level.DEBUG, "PRAGMA optimize failed on close of " + file, e);
    }
    c.close();
  }

  /** Writes one group in one transaction, then completes its batches and notifies the listener. */
  private void writeGroup(List<GroupCommitter.Pending<WriteBatch, CommitResult>> group, IntConsumer committed)
      throws SQLException {
    Outcome[] outcomes = writeTransaction(group);
    committed.accept(outcomes.length);
    List<StoreEvent> events = new ArrayList<>();
    for (Outcome o : outcomes) {
      if (o instanceof Committed ok && !ok.written().isEmpty()) {
        staging.written(ok.written()); // durable now: readers find it inline
      }
    }
    for (int i = 0; i < outcomes.length; i++) {
      switch (outcomes[i]) {
        case Committed ok -> {
          group.get(i).complete(ok.result());
          events.addAll(ok.events());
        }
        case Failed f -> group.get(i).fail(f.error());
      }
    }
    notifyListener(events);
  }

  /** Writes one group in one transaction; throws when the transaction as a whole failed. */
  private Outcome[] writeTransaction(List<GroupCommitter.Pending<WriteBatch, CommitResult>> group)
      throws SQLException {
    Instant now = JdbcRows.truncate(clock.instant());
    Outcome[] outcomes = new Outcome[group.size()];
    try {
      readers.endIdleSnapshots();
      c.execute("BEGIN IMMEDIATE");
      for (int i = 0; i < outcomes.length; i++) {
        outcomes[i] = writeBatch(group.get(i).batch(), now);
      }
      counters.flush(c);
      c.execute("COMMIT");
      readers.committed(); // before any caller hears of it: their next reads must see it
    } catch (SQLException | RuntimeException | Error e) {
      abort(e);
      throw e;
    }
    counters.committed();
    if (++groupsSinceCacheSized >= CACHE_SIZING_GROUPS) {
      try {
        sizeCache();
      } catch (SQLException e) { // the group is committed: only the cache keeps its size
        LOG.log(Level.WARNING, "could not size the page cache of the writer of " + file, e);
      }
    }
    return outcomes;
  }

  private Outcome writeBatch(WriteBatch batch, Instant now) throws SQLException {
    counters.beginBatch();
    ops.beginBatch();
    c.execute("SAVEPOINT batch");
    List<StoreEvent> events = new ArrayList<>();
    List<SqliteStaging.Written> written = new ArrayList<>();
    try {
      CommitResult result = ops.apply(batch, now, events, written);
      c.execute("RELEASE batch");
      return new Committed(result, events, written);
    } catch (SQLException e) {
      if (SqliteErrorTranslator.failsTransaction(e)) {
        throw e;
      }
      rollbackBatch();
      return new Failed(SqliteErrorTranslator.translate(e, "commit of a batch by '" + batch.actor() + "'"));
    } catch (PreconditionFailedException e) {
      // A failed check (the common loser of a race on one message): no SQL failed, so the
      // prepared statements and the caches of what is still true stay.
      c.execute("ROLLBACK TO batch");
      c.execute("RELEASE batch");
      counters.rollbackBatch();
      ops.rollbackBatch();
      return new Failed(e);
    } catch (RuntimeException e) {
      rollbackBatch();
      return new Failed(asStoreException(e, "commit of a batch by '" + batch.actor() + "'"));
    }
  }

  private void rollbackBatch() throws SQLException {
    c.forgetStatements();
    c.execute("ROLLBACK TO batch");
    c.execute("RELEASE batch");
    counters.rollbackBatch();
    ops.forgetCaches();
  }

  /** Rolls the whole transaction back and forgets every in-memory allocation. */
  private void abort(Throwable cause) {
    counters.forget();
    ops.forgetCaches();
    c.forgetStatements();
    try {
      c.execute("ROLLBACK");
    } catch (SQLException e) {
      // SQLite may have rolled back already (disk full, I/O error): then there is nothing to undo.
      cause.addSuppressed(e);
    }
  }

  private <T> T runInTransaction(String operation, Task<T> task) {
    Instant now = JdbcRows.truncate(clock.instant());
    try {
      T result;
      try {
        readers.endIdleSnapshots();
        c.execute("BEGIN IMMEDIATE");
        result = task.run(c, now);
        c.execute("COMMIT");
        readers.committed();
      } catch (SQLException | RuntimeException | Error e) {
        abort(e);
        throw e;
      }
      return result;
    } catch (Throwable e) {
      throw asStoreException(e, operation + " on " + file);
    }
  }

  private void notifyListener(List<StoreEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    try {
      listener.accept(List.copyOf(events));
    } catch (VirtualMachineError e) {
      throw e;
    } catch (RuntimeException | Error e) {
      LOG.log(Level.WARNING, "the onCommitted listener of " + file + " threw; the commit stands", e);
    }
  }

  private static StoreException asStoreException(Throwable t, String operation) {
    return switch (t) {
      case StoreException s -> s;
      case SQLException s -> SqliteErrorTranslator.translate(s, operation);
      case OutOfMemoryError oom -> new StoreException(MapiError.NOT_ENOUGH_MEMORY, operation + " failed: " + oom, oom);
      default -> new StoreException(MapiError.CALL_FAILED, operation + " failed: " + t, t);
    };
  }
}
