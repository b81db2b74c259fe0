package msgstore.storage.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import msgstore.api.ChangeNumber;
import msgstore.api.MapiError;
import msgstore.api.StoreException;

/**
 * One borrowed pool connection for one read or one write transaction, with its prepared statements
 * (closed with it; pgjdbc keeps the server-side plans per connection) and, for writes, the
 * allocators of ids, change numbers and journal positions.
 */
final class PostgresTx implements AutoCloseable {
  /** A change number allocated in a store. */
  record Allocated(UUID store, long cn) {}

  /**
   * The numbers a node's writer left at its own last commit ({@link Ids#known}): the journal head
   * and the last change number of the stores it wrote, with the stores of their folders. Until
   * another transaction writes, the next one may {@link Ids#assume} them instead of reading them
   * under the lock; {@code foreign} is the count of other writers' commits the node had heard of
   * ({@link PostgresJournalFeed#foreignCommits}) when they were taken.
   */
  record Known(long head, Map<Long, UUID> folderStores, Map<UUID, Long> lastCns, long foreign) {
    /** Whether the store and change number of each of {@code folderIds} is known. */
    boolean covers(Collection<Long> folderIds) {
      for (Long f : folderIds) {
        UUID store = folderStores.get(f);
        if (store == null || !lastCns.containsKey(store)) {
          return false;
        }
      }
      return true;
    }
  }

  private final Connection jdbc;
  private final Map<String, PreparedStatement> statements = new HashMap<>();
  private final Ids ids = new Ids();

  PostgresTx(Connection jdbc) {
    this.jdbc = jdbc;
  }

  Connection jdbc() {
    return jdbc;
  }

  PreparedStatement prepare(String sql) throws SQLException {
    PreparedStatement ps = statements.get(sql);
    if (ps == null) {
      ps = jdbc.prepareStatement(sql);
      statements.put(sql, ps);
    }
    return ps;
  }

  void execute(String sql) throws SQLException {
    try (Statement s = jdbc.createStatement()) {
      s.execute(sql);
    }
  }

  long queryLong(String sql) throws SQLException {
    try (Statement s = jdbc.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  Ids ids() {
    return ids;
  }

  /** Closes the statements and gives the connection back to the pool. */
  @Override
  public void close() {
    for (PreparedStatement ps : statements.values()) {
      try {
        ps.close();
      } catch (SQLException ignored) {
        // the connection goes back to the pool (or is evicted) either way
      }
    }
    statements.clear();
    try {
      jdbc.close();
    } catch (SQLException ignored) {
      // Hikari evicts a broken connection itself
    }
  }

  /**
   * The allocators of a write transaction. Change numbers are {@code store.last_cn}, advanced by
   * an UPDATE that keeps the store row locked until the transaction ends: a rolled-back
   * transaction uses none, and they are committed in order (R61, R99). Journal positions continue
   * {@code journal_head}, locked by {@link #lockJournal} for the whole transaction. A group of
   * saves ({@link PostgresWriter}) reads the stores' change numbers once, with the lock, and
   * counts on in memory ({@link #peekCn}, {@link #cnUsed}); a batch that fails gives its position
   * back ({@link #mark}, {@link #reset}).
   */
  final class Ids {
    private static final String STORE_OF_FOLDER =
        " SELECT f.id, s.guid, s.last_cn FROM folder f JOIN store s ON s.guid = f.store_guid WHERE f.id = ";
    private long head = -1;
    private long position;
    private boolean committed;
    private long guard = -1;
    private boolean assumed;
    private final Map<Long, UUID> folderStores = new HashMap<>();
    private final Map<UUID, Long> lastCns = new HashMap<>();

    /** Locks journal_head (every write transaction does, first): orders write transactions across nodes. */
    void lockJournal() throws SQLException {
      head = position = queryLong("SELECT position FROM journal_head WHERE id = 1 FOR UPDATE");
    }

    /**
     * Locks journal_head, as {@link #lockJournal}, and reads the last change number of the stores
     * of {@code folderIds} for {@link #peekCn}: one round trip of two statements, the second run
     * once the lock is granted, so that under READ COMMITTED it reads what the previous holder
     * committed.
     */
    void lockJournalAndReadCns(Collection<Long> folderIds) throws SQLException {
      PreparedStatement ps = prepare("SELECT position FROM journal_head WHERE id = 1 FOR UPDATE;"
          + STORE_OF_FOLDER + "ANY(?)");
      ps.setArray(1, jdbc.createArrayOf("bigint", folderIds.toArray()));
      ps.execute();
      try (ResultSet rs = ps.getResultSet()) {
        head = position = rs.next() ? rs.getLong(1) : 0;
      }
      if (!ps.getMoreResults()) {
        throw new SQLException("locking journal_head and reading the change numbers of " + folderIds.size()
            + " folder(s) returned one result, not two");
      }
      try (ResultSet rs = ps.getResultSet()) {
        readCns(rs);
      }
    }

    /**
     * Takes the numbers of {@code known} as if read under the lock, without a round trip: the first
     * save statement then takes the lock itself and checks that the head is still {@code
     * known.head} ({@link #takeGuard}), and every save checks the change number it continues
     * (PostgresWriteOps#saveWrites): when another transaction wrote in between, the statement
     * fails ({@link PostgresErrors#guardFailed}) and writes nothing.
     */
    void assume(Known known) {
      head = position = known.head();
      guard = known.head();
      assumed = true;
      folderStores.putAll(known.folderStores());
      lastCns.putAll(known.lastCns());
    }

    /** Whether this transaction assumed its numbers ({@link #assume}). */
    boolean wasAssumed() {
      return assumed;
    }

    /** Whether this transaction assumed its numbers ({@link #assume}) and has not sent its guard yet. */
    boolean assumed() {
      return guard >= 0;
    }

    /**
     * The journal head the next statement must lock and find ({@link #assume}), once; -1 when the
     * lock is held already.
     */
    long takeGuard() {
      long g = guard;
      guard = -1;
      return g;
    }

    /** The numbers as this transaction leaves them, once its head is written ({@link #flush}). */
    Known known(long foreign) {
      if (head < 0 || position != head) {
        throw new IllegalStateException("journal_head is not written up to the positions used");
      }
      return new Known(head, Map.copyOf(folderStores), Map.copyOf(lastCns), foreign);
    }

    private void readCns(ResultSet rs) throws SQLException {
      while (rs.next()) {
        UUID store = UUID.fromString(rs.getString(2));
        folderStores.put(rs.getLong(1), store);
        lastCns.put(store, rs.getLong(3));
      }
    }

    /**
     * The next change number of the store of folder {@code folderId}, without taking it (the
     * caller's write sets {@code last_cn}, then calls {@link #cnUsed}); read when not known yet.
     * Null when there is no such folder.
     */
    Allocated peekCn(long folderId) throws SQLException {
      UUID store = folderStores.get(folderId);
      if (store == null || !lastCns.containsKey(store)) {
        PreparedStatement ps = prepare(STORE_OF_FOLDER + "?");
        ps.setLong(1, folderId);
        try (ResultSet rs = ps.executeQuery()) {
          readCns(rs);
        }
        store = folderStores.get(folderId);
        if (store == null) {
          return null;
        }
      }
      return new Allocated(store, checked(store, lastCns.get(store) + 1));
    }

    /** The caller's write set the last change number of {@code store} to {@code cn}. */
    void cnUsed(UUID store, long cn) {
      lastCns.put(store, cn);
    }

    /** A write this class did not count may have advanced change numbers: read them again when needed. */
    void forgetCns() {
      lastCns.clear();
    }

    /** The caller's own statement wrote journal_head (with its NOTIFY) up to the positions used: {@link #flush} has nothing to do. */
    void headWritten() {
      head = position;
    }

    /** Whether journal positions were used since the lock. */
    boolean positionsUsed() {
      return position != head;
    }

    /** The caller sends COMMIT with its statement: after that the outcome of the transaction may be unknown. */
    void committing() {
      committed = true;
    }

    boolean committed() {
      return committed;
    }

    long nextPosition() {
      if (head < 0) {
        throw new IllegalStateException("journal_head is not locked by this transaction");
      }
      return ++position;
    }

    /** The last position used so far. */
    long mark() {
      return position;
    }

    /** Gives back the positions used after {@code mark} (their batch was rolled back). */
    void reset(long mark) {
      position = mark;
    }

    /**
     * Writes the positions used back to journal_head, before COMMIT; when there are new entries,
     * the same statement queues a notification on {@link PostgresJournalFeed#CHANNEL} (sent by
     * PostgreSQL at COMMIT only) from {@code sender} ({@link PostgresJournalFeed#node}, or empty),
     * so waking the nodes costs no round trip of its own. With {@code commit}, the COMMIT goes in
     * the same round trip.
     */
    void flush(String sender, boolean commit) throws SQLException {
      if (head >= 0 && position != head) {
        PreparedStatement ps = prepare("UPDATE journal_head SET position = ? WHERE id = 1 RETURNING pg_notify('"
            + PostgresJournalFeed.CHANNEL + "', ?)" + (commit ? "; COMMIT" : ""));
        ps.setLong(1, position);
        ps.setString(2, sender);
        if (commit) {
          committing();
        }
        ps.execute();
        head = position;
      } else if (commit) {
        committing();
        jdbc.commit();
      }
    }

    long nextCn(UUID store) throws SQLException {
      PreparedStatement ps = prepare("UPDATE store SET last_cn = last_cn + 1 WHERE guid = ? RETURNING last_cn");
      ps.setString(1, store.toString());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new StoreException(MapiError.NOT_FOUND, "no store " + store);
        }
        return checked(store, rs.getLong(1));
      }
    }

    /** The next change number of the store of folder {@code folderId}, in one statement; null when no such folder. */
    Allocated nextCnOfFolder(long folderId) throws SQLException {
      PreparedStatement ps = prepare("UPDATE store SET last_cn = last_cn + 1"
          + " WHERE guid = (SELECT store_guid FROM folder WHERE id = ?) RETURNING guid, last_cn");
      ps.setLong(1, folderId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        UUID store = UUID.fromString(rs.getString(1));
        return new Allocated(store, checked(store, rs.getLong(2)));
      }
    }

    private static long checked(UUID store, long cn) {
      if (cn > ChangeNumber.MAX) {
        throw new StoreException(MapiError.CALL_FAILED, "change number space of store " + store + " exhausted at "
            + (cn - 1));
      }
      return cn;
    }

    long nextMessageId() throws SQLException {
      return queryLong("SELECT nextval('message_id_seq')");
    }

    long nextFolderId() throws SQLException {
      return queryLong("SELECT nextval('folder_id_seq')");
    }

    /** The largest message id ever allocated: an absent id at or below it was deleted or moved. */
    long lastMessageId() throws SQLException {
      return queryLong("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM message_id_seq");
    }
  }
}
