package msgstore.storage.postgres;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import msgstore.api.EventType;
import msgstore.api.MapiError;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.engine.spi.CommitResult;
import msgstore.engine.spi.CommitResult.OpResult;
import msgstore.engine.spi.NewVersion;
import msgstore.engine.spi.PreconditionFailedException;
import msgstore.engine.spi.PreconditionFailedException.Reason;
import msgstore.engine.spi.StoredMessage;
import msgstore.engine.spi.VersionFactory;
import msgstore.engine.spi.WriteBatch;
import msgstore.engine.spi.WriteOp;
import msgstore.storage.jdbc.JdbcRows;

/**
 * Applies the operations of one batch inside its transaction (see {@link PostgresWriter}): the
 * transaction holds the journal_head row lock, so no other write transaction of any node runs
 * between its checks and its writes. Preconditions are checked here with SQL, in the same
 * transaction as the writes they guard; a failed one throws {@link PreconditionFailedException}
 * and the writer rolls the batch back (to its savepoint). Change numbers are allocated with
 * {@code UPDATE store SET last_cn = last_cn + 1 ... RETURNING}, so a rolled-back batch uses none.
 * One instance per attempt of a group.
 */
final class PostgresWriteOps {
  private static final int NAMED_PROP_FIRST = 0x8000;
  private static final int NAMED_PROP_LAST = 0xFFFE;

  private static final String MESSAGE_ROW =
      "SELECT m.store_guid, m.folder_id, m.cn, m.deleted, m.read_flags, m.status, m.local_commit_time, f.deleted,"
          + " m.delivery_time, m.modseq FROM message m LEFT JOIN folder f ON f.id = m.folder_id WHERE m.id = ?";
  private static final String MESSAGE_ROW_WITH_CONTENT =
      "SELECT m.store_guid, m.folder_id, m.cn, m.deleted, m.read_flags, m.status, m.local_commit_time, f.deleted,"
          + " m.delivery_time, m.modseq, v.content FROM message m LEFT JOIN folder f ON f.id = m.folder_id"
          + " LEFT JOIN message_version v ON v.message_id = m.id AND v.cn = m.cn WHERE m.id = ?";
  private static final String FOLDER_ROW = "SELECT store_guid, parent_id, display_name, deleted FROM folder WHERE id = ?";
  /** A new message takes its folder's next UID and raises it, in one statement (ADR 0028). */
  private static final String INSERT_MESSAGE =
      "WITH f AS (UPDATE folder SET uid_next = uid_next + 1 WHERE id = ? AND deleted = 0"
          + " RETURNING store_guid, id, uid_next - 1 AS uid)"
          + " INSERT INTO message (id, store_guid, folder_id, cn, deleted, read_flags, status, local_commit_time,"
          + " subject, sender_name, delivery_time, last_mod_time, size, importance, message_class, has_attach, uid)"
          + " SELECT ?, store_guid, id, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, uid FROM f";
  // Setting an indexed column, even to its old value, rewrites its index entry; a save that keeps
  // the delivery time leaves it (and so the delivery-time index) alone.
  private static final String UPDATE_SAVE =
      "UPDATE message SET cn = ?, local_commit_time = ?, subject = ?, sender_name = ?,"
          + " last_mod_time = ?, size = ?, importance = ?, message_class = ?, has_attach = ?";
  /** A new version of new content takes the next UID of its folder (ADR 0028). */
  private static final String NEW_UID = ", uid = (SELECT uid_next FROM folder WHERE folder.id = message.folder_id)";
  private static final String WHERE_SAVE = " WHERE id = ? AND cn = ? AND deleted = 0";
  /**
   * Locks journal_head and checks that its position is the one assumed ({@link
   * PostgresTx.Ids#assume}): when it is not, the position would be NULL, and the statement fails
   * ({@link PostgresErrors#guardFailed}).
   */
  private static final String GUARD_HEAD =
      "UPDATE journal_head SET position = CASE WHEN position = ? THEN position END WHERE id = 1";
  private static final String WHERE_SAVE_AT_VERSION = WHERE_SAVE + " AND folder_id = ? RETURNING delivery_time";
  private static final String INSERT_VERSION =
      "INSERT INTO message_version (message_id, cn, committed_at, committed_by, kind, based_on_cn, size, content,"
          + " blobs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
  /**
   * A reference row only for a blob the message does not refer to yet (ADR 0036: one row per
   * message and blob); write transactions hold journal_head, so no prune interleaves.
   */
  private static final String INSERT_VERSION_BLOB = "INSERT INTO version_blob (message_id, cn, sha)"
      + " SELECT ?, ?, b.sha FROM unnest(string_to_array(?::text, ' ')) AS b(sha) WHERE NOT EXISTS"
      + " (SELECT 1 FROM version_blob x WHERE x.message_id = ? AND x.sha = b.sha) ON CONFLICT DO NOTHING";
  private static final String INSERT_JOURNAL =
      "INSERT INTO journal (position, store_guid, type, kind, object_id, parent_id, old_id, old_parent_id, cn,"
          + " changed_tags, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  /**
   * A journal entry about a message with what it means for IMAP (ADR 0028): its position is the
   * message's MODSEQ and the HIGHESTMODSEQ of the folder it is in and of the one it left.
   */
  private static final String INSERT_MESSAGE_JOURNAL = "WITH j AS (" + INSERT_JOURNAL + "),"
      + " m AS (UPDATE message SET modseq = ? WHERE id = ?)"
      + " UPDATE folder SET highest_modseq = ? WHERE id IN (?, ?)";
  private static final String SIBLING_NAMED =
      "SELECT id FROM folder WHERE parent_id = ? AND deleted = 0 AND display_name = ?  AND id <> ? LIMIT 1";

  private record MessageRow(
      long id, UUID store, long folderId, long cn, boolean deleted, int readFlags, int status, long localCommitTime,
      boolean folderLive, Long deliveryTime, long modseq, byte[] content) {

    StoredMessage stored() {
      return new StoredMessage(
          id, store, folderId, cn, deleted, readFlags, status, JdbcRows.instant(localCommitTime), content);
    }
  }

  private record FolderRow(long id, UUID store, long parentId, String name, boolean deleted) {}

  private final PostgresTx c;
  private final PostgresTx.Ids ids;
  private final String sender;
  /** Folder id -> store, for this attempt; a folder never changes store and ids are never reused. */
  private final Map<Long, UUID> folderStores = new HashMap<>();

  // the batch being applied
  private String actor;
  private Instant now;
  private long nowMicros;
  private List<StoreEvent> events;
  private int opIndex;

  /** {@code sender}: the payload of the journal's notifications ({@link PostgresTx.Ids#flush}). */
  PostgresWriteOps(PostgresTx c, String sender) {
    this.c = c;
    this.sender = sender;
    this.ids = c.ids();
  }

  /** Applies {@code batch}, appending its journal entries to {@code eventsOut}. */
  CommitResult apply(WriteBatch batch, Instant commitTime, List<StoreEvent> eventsOut) throws SQLException {
    begin(batch, commitTime, eventsOut);
    List<OpResult> results = new ArrayList<>(batch.ops().size());
    for (int i = 0; i < batch.ops().size(); i++) {
      opIndex = i;
      results.add(apply(batch.ops().get(i)));
    }
    return new CommitResult(results);
  }

  private void begin(WriteBatch batch, Instant commitTime, List<StoreEvent> eventsOut) {
    if (batch == null || batch.ops() == null) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "a batch needs a list of operations");
    }
    this.actor = batch.actor() == null ? "" : batch.actor();
    this.now = commitTime;
    this.nowMicros = JdbcRows.micros(commitTime);
    this.events = eventsOut;
  }

  /** Whether {@code batch} is one save at a version without a MODSEQ condition: {@link #saveAtVersion} writes it. */
  static boolean isSaveAtVersion(WriteBatch batch) {
    return batch != null && batch.ops() != null && batch.ops().size() == 1
        && batch.ops().getFirst() instanceof WriteOp.PutMessage o && o.factory() != null
        && o.expect() instanceof WriteOp.Expect.AtVersion && o.unchangedSince() < 0;
  }

  /**
   * The common save (R28, R33) as one statement and no read, in a write transaction of {@link
   * PostgresWriter} that holds the journal_head lock and knows the change numbers of the stores
   * ({@link PostgresTx.Ids#peekCn}): the version is built with the next one, then one statement
   * ({@link #saveWrites}) whose conditional UPDATE is the compare-and-set and whose other writes
   * (the store's change number, the version, its blob references, the journal entry) are made
   * from that UPDATE's result, so when it matches no row nothing at all is written, and the row is
   * read only to say why. With {@code commit} (the last batch of its group), the statement also
   * writes journal_head with its NOTIFY, and the COMMIT goes in the same round trip: a lone save
   * is two round trips, the lock and this one, or one when the transaction assumed the numbers
   * of its writer's last commit ({@link PostgresTx.Ids#assume}): then the guard goes first in the
   * same round trip.
   */
  CommitResult saveAtVersion(WriteBatch batch, Instant commitTime, List<StoreEvent> eventsOut, boolean commit)
      throws SQLException {
    begin(batch, commitTime, eventsOut);
    WriteOp.PutMessage o = (WriteOp.PutMessage) batch.ops().getFirst();
    long expected = ((WriteOp.Expect.AtVersion) o.expect()).cn();
    PostgresTx.Allocated allocated = ids.peekCn(o.folderId());
    NewVersion v = versionAt(o, expected, allocated);
    boolean earlierEntries = ids.positionsUsed();
    long position = ids.nextPosition();
    long guard = ids.takeGuard();
    // The guard as a statement of its own: the one of saveWrites would write journal_head twice in one statement.
    PreparedStatement ps = c.prepare((guard >= 0 ? GUARD_HEAD + "; " : "")
        + saveWrites(!o.keepUid(), commit ? Tail.HEAD_AND_COMMIT : Tail.COUNT));
    int i = 1;
    if (guard >= 0) {
      ps.setLong(i++, guard);
    }
    i = bindSaveWrites(ps, i, o, expected, allocated, v, position);
    if (commit) {
      ps.setLong(i++, position); // hd
      ps.setLong(i++, position - 1);
      ps.setBoolean(i++, earlierEntries);
      ps.setString(i, sender);
      ids.committing();
    }
    boolean matched;
    ps.execute();
    if (guard >= 0) {
      ps.getMoreResults(); // past the guard's update count
    }
    try (ResultSet rs = ps.getResultSet()) {
      matched = rs.next() && rs.getLong(1) == 1;
    }
    if (!matched) {
      ids.reset(position - 1);
    }
    if (commit) {
      ps.getMoreResults(); // the COMMIT's
      ids.headWritten();
    }
    if (!matched) {
      throw whyNotSaved(o, expected); // after a statement that wrote nothing: read only to say why
    }
    return saved(o, expected, allocated, position);
  }

  /**
   * Several saves ({@link #isSaveAtVersion}, all keeping or all taking a new UID) and the COMMIT
   * of their transaction in one round trip and one statement ({@link #groupWrites}),
   * speculatively: each is given the next change number and position as if the ones before it
   * matched. Returns their results (and appends each one's journal entry to its list of {@code
   * eventsOut}) once committed. Null when one of them cannot be built (its folder is gone); when
   * one of them does not match, or another transaction wrote one of their stores, the statement
   * fails and writes nothing (its stores' guard, {@link PostgresErrors#guardFailed}): the caller
   * rolls back and writes them one by one. Null too when their contents pass {@link
   * #MAX_GROUP_STATEMENT_BYTES} (one array value of PostgreSQL is at most 1 GB; large versions
   * are written one statement each).
   */
  List<CommitResult> saveAll(List<WriteBatch> batches, Instant commitTime, List<List<StoreEvent>> eventsOut)
      throws SQLException {
    int n = batches.size();
    boolean newUid = !((WriteOp.PutMessage) batches.getFirst().ops().getFirst()).keepUid();
    long guard = ids.takeGuard();
    Object[][] col = new Object[GROUP_COLUMNS][n];
    Map<UUID, long[]> storeCns = new java.util.LinkedHashMap<>(); // the change numbers each store continues and ends at
    Map<Long, long[]> folders = new java.util.LinkedHashMap<>(); // HIGHESTMODSEQ, new UIDs
    List<CommitResult> results = new ArrayList<>(n);
    long bytes = 0;
    for (int b = 0; b < n; b++) {
      begin(batches.get(b), commitTime, eventsOut.get(b));
      WriteOp.PutMessage o = (WriteOp.PutMessage) batches.get(b).ops().getFirst();
      long expected = ((WriteOp.Expect.AtVersion) o.expect()).cn();
      PostgresTx.Allocated allocated = ids.peekCn(o.folderId());
      if (allocated == null || o.keepUid() == newUid) {
        return null;
      }
      NewVersion v = versionAt(o, expected, allocated);
      bytes += v.content().length;
      if (bytes > MAX_GROUP_STATEMENT_BYTES) {
        return null;
      }
      long position = ids.nextPosition();
      long cn = allocated.cn();
      storeCns.computeIfAbsent(allocated.store(), k -> new long[] {cn - 1, cn})[1] = cn;
      long[] folder = folders.computeIfAbsent(o.folderId(), k -> new long[2]);
      folder[0] = position;
      NewVersion.Columns cols = v.columns();
      Object[] row = {o.messageId(), expected, cn, o.folderId(), cols.subject(), cols.senderName(),
          microsOrNull(cols.lastModificationTime()), cols.messageSize(), cols.importance(), cols.messageClass(),
          cols.hasAttachments() ? 1 : 0, microsOrNull(cols.deliveryTime()), position, folder[1]++,
          allocated.store().toString(), actor, kindOr(o.kind(), "SAVED"), o.basedOnCn(), v.content(),
          JdbcRows.encodeBlobs(v.blobs()), JdbcRows.typeCode(eventType(o)), JdbcRows.encodeTags(tags(o.changedTags()))};
      for (int k = 0; k < GROUP_COLUMNS; k++) {
        col[k][b] = row[k];
      }
      results.add(saved(o, expected, allocated, position));
    }
    PreparedStatement ps = c.prepare((guard >= 0 ? GUARD_HEAD + "; " : "") + groupWrites(newUid) + "; COMMIT");
    int i = 1;
    if (guard >= 0) {
      ps.setLong(i++, guard);
    }
    for (int k = 0; k < GROUP_COLUMNS; k++) {
      ps.setArray(i++, c.jdbc().createArrayOf(GROUP_COLUMN_TYPES[k], typed(GROUP_COLUMN_TYPES[k], col[k])));
    }
    ps.setLong(i++, nowMicros);
    ps.setInt(i++, n);
    ps.setArray(i++, c.jdbc().createArrayOf("text", storeCns.keySet().stream().map(UUID::toString).toArray()));
    ps.setArray(i++, c.jdbc().createArrayOf("bigint", storeCns.values().stream().map(x -> x[0]).toArray()));
    ps.setArray(i++, c.jdbc().createArrayOf("bigint", storeCns.values().stream().map(x -> x[1]).toArray()));
    ps.setArray(i++, c.jdbc().createArrayOf("bigint", folders.keySet().toArray()));
    ps.setArray(i++, c.jdbc().createArrayOf("bigint", folders.values().stream().map(x -> x[0]).toArray()));
    ps.setArray(i++, c.jdbc().createArrayOf("bigint", folders.values().stream().map(x -> x[1]).toArray()));
    ps.setLong(i++, ids.mark());
    ps.setString(i, sender);
    ids.committing();
    ps.execute();
    if (guard >= 0) {
      ps.getMoreResults(); // past the guard's update count
    }
    long matched;
    try (ResultSet rs = ps.getResultSet()) {
      matched = rs.next() ? rs.getLong(1) : -1;
    }
    ps.getMoreResults(); // the COMMIT's
    // Committed: the store guard failed the statement unless every save matched. (Not an
    // exception: one here would send the group, committed, to be written again one by one.)
    assert matched == n : "a group of " + n + " saves committed with " + matched + " matched";
    ids.headWritten();
    return results;
  }

  /** The most version content one group statement carries ({@link #saveAll}). */
  static final long MAX_GROUP_STATEMENT_BYTES = 64L << 20;

  /** The columns of a group of saves ({@link #groupWrites}), one array each, in this order. */
  private static final String[] GROUP_COLUMN_TYPES = {"bigint", "bigint", "bigint", "bigint", "text", "text",
      "bigint", "bigint", "integer", "text", "integer", "bigint", "bigint", "bigint", "text", "text", "text",
      "bigint", "bytea", "text", "integer", "text"};
  private static final int GROUP_COLUMNS = GROUP_COLUMN_TYPES.length;

  private static Object[] typed(String type, Object[] values) {
    return switch (type) {
      case "bigint" -> java.util.Arrays.copyOf(values, values.length, Long[].class);
      case "integer" -> java.util.Arrays.copyOf(values, values.length, Integer[].class);
      case "text" -> java.util.Arrays.copyOf(values, values.length, String[].class);
      case "bytea" -> java.util.Arrays.copyOf(values, values.length, byte[][].class);
      default -> throw new IllegalArgumentException(type);
    };
  }

  private static Long microsOrNull(Instant t) {
    return t == null ? null : JdbcRows.micros(t);
  }

  /**
   * {@link #saveAll}'s statement: the saves of a group as sets, each row written once (ADR 0033
   * addendum). The messages' compare-and-set is one UPDATE over the group ({@code upd}); each
   * store's change number is written once, from the one the group continues to its last, and only
   * when every save matched ({@code st}: else NULL, the statement fails and writes nothing, {@link
   * PostgresErrors#guardFailed}); each folder once (its HIGHESTMODSEQ and, with {@code newUid}, its
   * UIDNEXT past the new versions, which take the UIDs from the old UIDNEXT on, in group order);
   * the versions, their blob references and journal entries in one INSERT each; journal_head with
   * its NOTIFY. A data-modifying CTE runs whether or not it is referenced.
   */
  private static String groupWrites(boolean newUid) {
    return "WITH s AS (SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::text[],"
        + " ?::bigint[], ?::bigint[], ?::integer[], ?::text[], ?::integer[], ?::bigint[], ?::bigint[], ?::bigint[],"
        + " ?::text[], ?::text[], ?::text[], ?::bigint[], ?::bytea[], ?::text[], ?::integer[], ?::text[])"
        + " AS s(id, expected, cn, folder_id, subject, sender_name, last_mod_time, size, importance, message_class,"
        + " has_attach, delivery_time, position, uid_offset, store_guid, actor, kind, based_on_cn, content, blobs,"
        + " type, changed_tags)),"
        + " now AS (SELECT ?::bigint AS at),"
        + " upd AS (UPDATE message m SET cn = s.cn, local_commit_time = now.at, subject = s.subject,"
        + " sender_name = s.sender_name, last_mod_time = s.last_mod_time, size = s.size, importance = s.importance,"
        + " message_class = s.message_class, has_attach = s.has_attach, delivery_time = s.delivery_time,"
        + " modseq = s.position"
        + (newUid ? ", uid = (SELECT f.uid_next FROM folder f WHERE f.id = m.folder_id) + s.uid_offset" : "")
        + " FROM s, now WHERE m.id = s.id AND m.cn = s.expected AND m.deleted = 0 AND m.folder_id = s.folder_id"
        + " RETURNING m.id),"
        + " st AS (UPDATE store SET last_cn = CASE WHEN last_cn = x.continues AND (SELECT count(*) FROM upd) = ?"
        + " THEN x.last END FROM unnest(?::text[], ?::bigint[], ?::bigint[]) AS x(guid, continues, last)"
        + " WHERE store.guid = x.guid),"
        + " ver AS (INSERT INTO message_version (message_id, cn, committed_at, committed_by, kind, based_on_cn, size,"
        + " content, blobs) SELECT s.id, s.cn, now.at, s.actor, s.kind, s.based_on_cn, s.size, s.content, s.blobs"
        + " FROM s, now),"
        + " vb AS (INSERT INTO version_blob (message_id, cn, sha) SELECT s.id, s.cn, b.sha FROM s,"
        + " unnest(string_to_array(s.blobs, ' ')) AS b(sha) WHERE NOT EXISTS (SELECT 1 FROM version_blob x"
        + " WHERE x.message_id = s.id AND x.sha = b.sha) ON CONFLICT DO NOTHING),"
        + " fo AS (UPDATE folder SET highest_modseq = x.highest_modseq"
        + (newUid ? ", uid_next = uid_next + x.uids" : "")
        + " FROM unnest(?::bigint[], ?::bigint[], ?::bigint[]) AS x(id, highest_modseq, uids) WHERE folder.id = x.id),"
        + " jr AS (INSERT INTO journal (position, store_guid, type, kind, object_id, parent_id, old_id, old_parent_id,"
        + " cn, changed_tags, at) SELECT s.position, s.store_guid, s.type, " + JdbcRows.KIND_MESSAGE
        + ", s.id, s.folder_id, NULL, NULL, s.cn, s.changed_tags, now.at FROM s, now),"
        + " hd AS (UPDATE journal_head SET position = ? WHERE id = 1 RETURNING pg_notify('"
        + PostgresJournalFeed.CHANNEL + "', ?))"
        + " SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM hd)";
  }

  /**
   * Binds {@link #saveWrites}' parameters, from index {@code first}, up to its journal entry;
   * returns the next index.
   */
  private int bindSaveWrites(PreparedStatement ps, int first, WriteOp.PutMessage o, long expected,
      PostgresTx.Allocated allocated, NewVersion v, long position) throws SQLException {
    UUID store = allocated.store();
    long cn = allocated.cn();
    NewVersion.Columns col = v.columns();
    int i = first;
    i = bindSave(ps, i, cn, col); // upd
    JdbcRows.setMicrosOrNull(ps, i++, col.deliveryTime());
    ps.setLong(i++, position); // its MODSEQ
    ps.setLong(i++, o.messageId());
    ps.setLong(i++, expected);
    ps.setLong(i++, o.folderId());
    ps.setLong(i++, cn - 1); // st: the change number it continues
    ps.setLong(i++, cn);
    ps.setString(i++, store.toString());
    ps.setLong(i++, cn); // ver
    ps.setLong(i++, nowMicros);
    ps.setString(i++, actor);
    ps.setString(i++, kindOr(o.kind(), "SAVED"));
    ps.setLong(i++, o.basedOnCn());
    ps.setLong(i++, col.messageSize());
    ps.setBytes(i++, v.content());
    String blobs = JdbcRows.encodeBlobs(v.blobs());
    ps.setString(i++, blobs);
    ps.setLong(i++, cn); // vb
    ps.setString(i++, blobs);
    ps.setLong(i++, position); // fo: HIGHESTMODSEQ
    ps.setLong(i++, o.folderId());
    ps.setLong(i++, position); // jr
    ps.setString(i++, store.toString());
    ps.setInt(i++, JdbcRows.typeCode(eventType(o)));
    ps.setInt(i++, JdbcRows.KIND_MESSAGE);
    ps.setLong(i++, o.folderId());
    ps.setLong(i++, cn);
    ps.setString(i++, JdbcRows.encodeTags(tags(o.changedTags())));
    ps.setLong(i++, nowMicros);
    return i;
  }

  /** A save that matched: its change number is taken, its journal entry an event. */
  private CommitResult saved(WriteOp.PutMessage o, long expected, PostgresTx.Allocated allocated, long position) {
    ids.cnUsed(allocated.store(), allocated.cn());
    events.add(JdbcRows.event(position, eventType(o), allocated.store(), JdbcRows.KIND_MESSAGE, o.messageId(),
        o.folderId(), null, null, allocated.cn(), tags(o.changedTags()), now));
    return new CommitResult(List.of(new OpResult(o.messageId(), allocated.cn(), expected, position)));
  }

  private static EventType eventType(WriteOp.PutMessage o) {
    return o.event() == null ? EventType.OBJECT_MODIFIED : o.event();
  }

  /** What follows a save's writes in its statement. */
  private enum Tail {
    /** A SELECT of whether it matched. */
    COUNT,
    /** journal_head written with its NOTIFY, the SELECT, then COMMIT. */
    HEAD_AND_COMMIT
  }

  /**
   * {@link #saveAtVersion}'s writes; with {@code newUid} the new version takes the next UID of its
   * folder (ADR 0028); with {@link Tail#HEAD_AND_COMMIT} journal_head is written (to this save's
   * position, or to the one before when it matched nothing and earlier batches of the group used
   * positions), then COMMIT. The store's change number is set only from the one the save continues (else NULL: {@link
   * PostgresErrors#guardFailed}). The message row gets its MODSEQ (the journal position) in the same
   * UPDATE, and its folder its HIGHESTMODSEQ and, with {@code newUid}, its next UIDNEXT in one row
   * write ({@code fo}; migration V4).
   */
  private static String saveWrites(boolean newUid, Tail tail) {
    String journal = "INSERT INTO journal (position, store_guid, type, kind, object_id, parent_id, old_id,"
        + " old_parent_id, cn, changed_tags, at) SELECT ?, ?, ?, ?, id, ?, NULL, NULL, ?, ?, ? FROM upd";
    String writes = "WITH upd AS (" + UPDATE_SAVE + ", delivery_time = ?, modseq = ?" + (newUid ? NEW_UID : "")
        + " WHERE id = ? AND cn = ? AND deleted = 0 AND folder_id = ?"
        + " RETURNING id),"
        + " st AS (UPDATE store SET last_cn = CASE WHEN last_cn = ? THEN ? END WHERE guid = ?"
        + " AND EXISTS (SELECT 1 FROM upd)),"
        + " ver AS (INSERT INTO message_version (message_id, cn, committed_at, committed_by, kind, based_on_cn, size,"
        + " content, blobs) SELECT id, ?, ?, ?, ?, ?, ?, ?, ? FROM upd),"
        + " vb AS (INSERT INTO version_blob (message_id, cn, sha) SELECT upd.id, ?, b.sha FROM upd,"
        + " unnest(string_to_array(?::text, ' ')) AS b(sha) WHERE NOT EXISTS (SELECT 1 FROM version_blob x"
        + " WHERE x.message_id = upd.id AND x.sha = b.sha) ON CONFLICT DO NOTHING),"
        + " fo AS (UPDATE folder SET highest_modseq = ?" + (newUid ? ", uid_next = uid_next + 1" : "")
        + " WHERE id = ? AND EXISTS (SELECT 1 FROM upd))";
    return switch (tail) {
      case COUNT -> writes + ", jr AS (" + journal + ") SELECT (SELECT count(*) FROM upd)";
      case HEAD_AND_COMMIT -> writes + ", jr AS (" + journal + "),"
          + " hd AS (UPDATE journal_head SET position = CASE WHEN EXISTS (SELECT 1 FROM upd) THEN ? ELSE ? END"
          + " WHERE id = 1 AND (EXISTS (SELECT 1 FROM upd) OR ?) RETURNING pg_notify('" + PostgresJournalFeed.CHANNEL
          + "', ?)) SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM hd); COMMIT";
    };
  }

  private OpResult apply(WriteOp op) throws SQLException {
    return switch (op) {
      case WriteOp.CreateStore o -> createStore(o);
      case WriteOp.CreateFolder o -> createFolder(o);
      case WriteOp.UpdateFolder o -> updateFolder(o);
      case WriteOp.DeleteFolder o -> deleteFolder(o);
      case WriteOp.MergeFolderProp o -> mergeFolderProp(o);
      case WriteOp.SetRights o -> setRights(o);
      case WriteOp.MapNamedProp o -> mapNamedProp(o);
      case WriteOp.PutMessage o -> putMessage(o);
      case WriteOp.DeleteMessage o -> deleteMessage(o);
      case WriteOp.UndeleteMessage o -> undeleteMessage(o);
      case WriteOp.MoveMessage o -> moveMessage(o);
      case WriteOp.SetReadState o -> setReadState(o);
      case null -> throw invalid("operation " + opIndex + " is null");
    };
  }

  // ---- stores and folders

  private OpResult createStore(WriteOp.CreateStore o) throws SQLException {
    if (o.guid() == null || o.displayName() == null || o.owner() == null) {
      throw invalid("CreateStore needs a guid, a display name and an owner");
    }
    String guid = o.guid().toString();
    PreparedStatement exists = c.prepare("SELECT 1 FROM store WHERE guid = ?");
    exists.setString(1, guid);
    try (ResultSet rs = exists.executeQuery()) {
      if (rs.next()) {
        throw failed(Reason.COLLISION, 0, "store " + guid + " exists already");
      }
    }
    long rootId = ids.nextFolderId();
    PreparedStatement store = c.prepare(
        "INSERT INTO store (guid, display_name, owner, root_folder_id, created_at, last_cn) VALUES (?, ?, ?, ?, ?, 0)");
    store.setString(1, guid);
    store.setString(2, o.displayName());
    store.setString(3, o.owner());
    store.setLong(4, rootId);
    store.setLong(5, nowMicros);
    store.executeUpdate();
    insertFolder(rootId, o.guid(), 0, "");
    for (String name : o.topFolders() == null ? List.<String>of() : o.topFolders()) {
      checkFolderName(name);
      checkNoSibling(rootId, name, 0);
      insertFolder(ids.nextFolderId(), o.guid(), rootId, name);
    }
    return new OpResult(rootId, 0, 0, 0);
  }

  private OpResult createFolder(WriteOp.CreateFolder o) throws SQLException {
    checkFolderName(o.displayName());
    FolderRow parent = folder(o.parentId());
    if (parent == null || parent.deleted()) {
      throw failed(Reason.NOT_FOUND, 0, parent == null
          ? "no parent folder " + o.parentId()
          : "parent folder " + o.parentId() + " is deleted");
    }
    checkNoSibling(parent.id(), o.displayName(), 0);
    long id = ids.nextFolderId();
    insertFolder(id, parent.store(), parent.id(), o.displayName());
    long position = journal(EventType.OBJECT_CREATED, parent.store(), JdbcRows.KIND_FOLDER, id, parent.id(),
        null, null, 0, List.of());
    return new OpResult(id, 0, 0, position);
  }

  private OpResult updateFolder(WriteOp.UpdateFolder o) throws SQLException {
    FolderRow f = liveFolder(o.folderId());
    boolean rename = o.newName() != null && !o.newName().equals(f.name());
    boolean move = o.newParentId() != null && o.newParentId() != f.parentId();
    if (!rename && !move) {
      return new OpResult(f.id(), 0, 0, 0);
    }
    if (f.parentId() == 0) {
      throw invalid("folder " + f.id() + " is the root folder of store " + f.store() + "; it cannot be renamed or moved");
    }
    String name = rename ? o.newName() : f.name();
    long parentId = move ? o.newParentId() : f.parentId();
    if (rename) {
      checkFolderName(name);
    }
    if (move) {
      FolderRow target = folder(parentId);
      if (target == null || target.deleted()) {
        throw failed(Reason.NOT_FOUND, 0, target == null
            ? "no folder " + parentId + " to move folder " + f.id() + " into"
            : "folder " + parentId + " to move folder " + f.id() + " into is deleted");
      }
      if (!target.store().equals(f.store())) {
        throw invalid("folder " + f.id() + " of store " + f.store() + " cannot move into folder " + parentId
            + " of store " + target.store());
      }
      PreparedStatement up = c.prepare("WITH RECURSIVE up(id) AS (SELECT ?::bigint UNION SELECT f.parent_id FROM folder f"
          + " JOIN up ON f.id = up.id WHERE f.parent_id <> 0) SELECT 1 FROM up WHERE id = ? LIMIT 1");
      up.setLong(1, parentId);
      up.setLong(2, f.id());
      try (ResultSet rs = up.executeQuery()) {
        if (rs.next()) {
          throw failed(Reason.CYCLE, 0, "folder " + parentId + " is folder " + f.id() + " or lies under it");
        }
      }
    }
    checkNoSibling(parentId, name, f.id());
    PreparedStatement ps = c.prepare("UPDATE folder SET display_name = ?, parent_id = ? WHERE id = ?");
    ps.setString(1, name);
    ps.setLong(2, parentId);
    ps.setLong(3, f.id());
    ps.executeUpdate();
    long position = 0;
    if (rename) {
      position = journal(EventType.OBJECT_MODIFIED, f.store(), JdbcRows.KIND_FOLDER, f.id(), parentId, null, null, 0,
          List.of(PropTags.DISPLAY_NAME));
    }
    if (move) {
      position = journal(EventType.OBJECT_MOVED, f.store(), JdbcRows.KIND_FOLDER, f.id(), parentId, f.id(),
          f.parentId(), 0, List.of());
    }
    return new OpResult(f.id(), 0, 0, position);
  }

  private OpResult deleteFolder(WriteOp.DeleteFolder o) throws SQLException {
    FolderRow top = liveFolder(o.folderId());
    if (top.parentId() == 0) {
      throw invalid("folder " + top.id() + " is the root folder of store " + top.store() + "; it cannot be deleted");
    }
    // The subtree, deepest first; a hard delete also takes folders deleted before.
    record Sub(long id, long parentId, boolean live) {}
    List<Sub> subtree = new ArrayList<>();
    PreparedStatement tree = c.prepare("WITH RECURSIVE sub(id, depth) AS (SELECT ?::bigint, 0 UNION ALL"
        + " SELECT f.id, sub.depth + 1 FROM folder f JOIN sub ON f.parent_id = sub.id WHERE ?::int = 1 OR f.deleted = 0)"
        + " SELECT f.id, f.parent_id, f.deleted FROM sub JOIN folder f ON f.id = sub.id ORDER BY sub.depth DESC, f.id");
    tree.setLong(1, top.id());
    tree.setInt(2, o.hard() ? 1 : 0);
    try (ResultSet rs = tree.executeQuery()) {
      while (rs.next()) {
        subtree.add(new Sub(rs.getLong(1), rs.getLong(2), rs.getInt(3) == 0));
      }
    }
    PreparedStatement live = c.prepare("SELECT id FROM message WHERE folder_id = ? AND deleted = 0 ORDER BY id");
    long position = 0;
    for (Sub s : subtree) {
      List<Long> ids = new ArrayList<>();
      live.setLong(1, s.id());
      try (ResultSet rs = live.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getLong(1));
        }
      }
      for (long id : ids) {
        position = journal(EventType.OBJECT_DELETED, top.store(), JdbcRows.KIND_MESSAGE, id, s.id(), null, null, 0,
            List.of());
      }
    }
    for (Sub s : subtree) {
      if (o.hard()) {
        for (String sql : List.of(
            "DELETE FROM version_blob WHERE message_id IN (SELECT id FROM message WHERE folder_id = ?)",
            "DELETE FROM message_version WHERE message_id IN (SELECT id FROM message WHERE folder_id = ?)",
            "DELETE FROM message WHERE folder_id = ?",
            "DELETE FROM folder_rights WHERE folder_id = ?",
            "DELETE FROM folder WHERE id = ?")) {
          PreparedStatement ps = c.prepare(sql);
          ps.setLong(1, s.id());
          ps.executeUpdate();
        }
        folderStores.remove(s.id());
      } else {
        PreparedStatement msgs = c.prepare(
            "UPDATE message SET deleted = 1, deleted_at = ? WHERE folder_id = ? AND deleted = 0");
        msgs.setLong(1, nowMicros);
        msgs.setLong(2, s.id());
        msgs.executeUpdate();
        PreparedStatement folder = c.prepare("UPDATE folder SET deleted = 1 WHERE id = ?");
        folder.setLong(1, s.id());
        folder.executeUpdate();
      }
      if (s.live()) {
        position = journal(EventType.OBJECT_DELETED, top.store(), JdbcRows.KIND_FOLDER, s.id(), s.parentId(), null,
            null, 0, List.of());
      }
    }
    return new OpResult(top.id(), 0, 0, position);
  }

  private OpResult mergeFolderProp(WriteOp.MergeFolderProp o) throws SQLException {
    String prop = String.format("property 0x%08X of folder %d", o.propTag(), o.folderId());
    if (o.merge() == null) {
      throw invalid("MergeFolderProp of " + prop + " needs a merge function");
    }
    PreparedStatement read = c.prepare("SELECT props FROM folder WHERE id = ? AND deleted = 0");
    read.setLong(1, o.folderId());
    byte[] current;
    try (ResultSet rs = read.executeQuery()) {
      if (!rs.next()) {
        throw failed(Reason.NOT_FOUND, 0, "no live folder " + o.folderId());
      }
      current = rs.getBytes(1);
    }
    byte[] merged = o.merge().merge(current == null ? new byte[0] : current);
    if (merged == null) {
      throw invalid("the merge of " + prop + " returned no property set");
    }
    PreparedStatement write = c.prepare("UPDATE folder SET props = ? WHERE id = ?");
    write.setBytes(1, merged);
    write.setLong(2, o.folderId());
    write.executeUpdate();
    return new OpResult(o.folderId(), 0, 0, 0);
  }

  private OpResult setRights(WriteOp.SetRights o) throws SQLException {
    if (o.user() == null) {
      throw invalid("SetRights on folder " + o.folderId() + " needs a user");
    }
    liveFolder(o.folderId());
    PreparedStatement ps;
    if (o.rights() == null) {
      ps = c.prepare("DELETE FROM folder_rights WHERE folder_id = ? AND user_name = ?");
      ps.setLong(1, o.folderId());
      ps.setString(2, o.user());
    } else {
      ps = c.prepare("INSERT INTO folder_rights (folder_id, user_name, rights) VALUES (?, ?, ?)"
          + " ON CONFLICT (folder_id, user_name) DO UPDATE SET rights = excluded.rights");
      ps.setLong(1, o.folderId());
      ps.setString(2, o.user());
      ps.setString(3, o.rights());
    }
    ps.executeUpdate();
    return new OpResult(o.folderId(), 0, 0, 0);
  }

  private OpResult mapNamedProp(WriteOp.MapNamedProp o) throws SQLException {
    if (o.storeGuid() == null || o.guid() == null || (o.name() == null) == (o.lid() == null)) {
      throw invalid("MapNamedProp needs a store, a property-set GUID and exactly one of name and lid, got "
          + o.guid() + "/" + o.name() + "/" + o.lid());
    }
    String store = o.storeGuid().toString();
    PreparedStatement find = c.prepare(
        "SELECT prop_id FROM named_prop WHERE store_guid = ? AND guid = ? AND name IS NOT DISTINCT FROM ? AND lid IS NOT DISTINCT FROM ?");
    find.setString(1, store);
    find.setString(2, o.guid().toString());
    find.setString(3, o.name());
    JdbcRows.setLongOrNull(find, 4, o.lid() == null ? null : o.lid().longValue());
    try (ResultSet rs = find.executeQuery()) {
      if (rs.next()) {
        return new OpResult(rs.getInt(1), 0, 0, 0);
      }
    }
    PreparedStatement next = c.prepare("SELECT (SELECT max(prop_id) FROM named_prop WHERE store_guid = ?),"
        + " EXISTS (SELECT 1 FROM store WHERE guid = ?)");
    next.setString(1, store);
    next.setString(2, store);
    int id;
    try (ResultSet rs = next.executeQuery()) {
      rs.next();
      long max = rs.getLong(1);
      boolean none = rs.wasNull();
      if (!rs.getBoolean(2)) {
        throw failed(Reason.NOT_FOUND, 0, "no store " + store);
      }
      id = none ? NAMED_PROP_FIRST : (int) max + 1;
    }
    if (id > NAMED_PROP_LAST) {
      throw new StoreException(MapiError.TOO_BIG, "store " + store + " has used every named property id (0x8000 to 0xFFFE)");
    }
    PreparedStatement insert = c.prepare("INSERT INTO named_prop (store_guid, prop_id, guid, name, lid) VALUES (?, ?, ?, ?, ?)");
    insert.setString(1, store);
    insert.setInt(2, id);
    insert.setString(3, o.guid().toString());
    insert.setString(4, o.name());
    JdbcRows.setLongOrNull(insert, 5, o.lid() == null ? null : o.lid().longValue());
    insert.executeUpdate();
    return new OpResult(id, 0, 0, 0);
  }

  // ---- messages

  private OpResult putMessage(WriteOp.PutMessage o) throws SQLException {
    if (o.expect() == null || o.factory() == null) {
      throw invalid("PutMessage of message " + o.messageId() + " needs an expectation and a version factory");
    }
    return o.expect() instanceof WriteOp.Expect.New ? createMessage(o) : updateMessage(o);
  }

  private OpResult createMessage(WriteOp.PutMessage o) throws SQLException {
    if (o.messageId() != 0) {
      throw invalid("PutMessage expecting a new message needs message id 0, got " + o.messageId());
    }
    UUID store = folderStore(o.folderId());
    List<PropTag> tags = tags(o.changedTags());
    long id = ids.nextMessageId();
    long cn = ids.nextCn(store);
    NewVersion v = build(o.factory(), id, cn, null);
    if (insertMessage(id, cn, v, 0, o.folderId()) == 0) {
      FolderRow f = folder(o.folderId());
      throw f == null
          ? failed(Reason.NOT_FOUND, 0, "no folder " + o.folderId())
          : failed(Reason.DELETED, 0, "folder " + o.folderId() + " is deleted");
    }
    insertVersion(id, cn, kindOr(o.kind(), "CREATED"), o.basedOnCn(), v);
    long position = journal(o.event() == null || o.event() == EventType.NEW_MAIL ? EventType.OBJECT_CREATED
        : o.event(), store, JdbcRows.KIND_MESSAGE, id, o.folderId(), null, null, cn, tags);
    if (o.event() == EventType.NEW_MAIL) {
      // A delivery raises fnevObjectCreated and fnevNewMail (R77): a second entry, without a change
      // number (the version is the created one's; change numbers in the journal only grow).
      position = journal(EventType.NEW_MAIL, store, JdbcRows.KIND_MESSAGE, id, o.folderId(), null, null, 0, tags);
    }
    return new OpResult(id, cn, 0, position);
  }

  private OpResult updateMessage(WriteOp.PutMessage o) throws SQLException {
    if (o.expect() instanceof WriteOp.Expect.AtVersion(long expected) && o.unchangedSince() < 0) {
      return updateAtVersion(o, expected);
    }
    MessageRow m = liveMessage(o.messageId(), false);
    if (m.folderId() != o.folderId()) {
      throw failed(Reason.NOT_FOUND, 0, "message " + m.id() + " is in folder " + m.folderId() + ", not in folder "
          + o.folderId());
    }
    if (o.expect() instanceof WriteOp.Expect.AtVersion(long expected) && expected != m.cn()) {
      throw failed(Reason.CHANGED, m.cn(), "message " + m.id() + " is at cn " + m.cn() + ", not at cn " + expected
          + " (the base of this save)");
    }
    checkUnchangedSince(m, o.unchangedSince());
    List<PropTag> tags = tags(o.changedTags());
    long cn = ids.nextCn(m.store());
    NewVersion v = build(o.factory(), m.id(), cn, m.stored());
    NewVersion.Columns col = v.columns();
    Long delivery = col.deliveryTime() == null ? null : JdbcRows.micros(col.deliveryTime());
    boolean deliveryChanged = !java.util.Objects.equals(delivery, m.deliveryTime());
    PreparedStatement ps = c.prepare(UPDATE_SAVE + (deliveryChanged ? ", delivery_time = ?" : "")
        + (o.keepUid() ? "" : NEW_UID) + WHERE_SAVE);
    bindSave(ps, 1, cn, col);
    int i = 10;
    if (deliveryChanged) {
      JdbcRows.setMicrosOrNull(ps, i++, col.deliveryTime());
    }
    ps.setLong(i, m.id());
    ps.setLong(i + 1, m.cn());
    if (ps.executeUpdate() != 1) {
      throw new StoreException(MapiError.CALL_FAILED, "message " + m.id() + " changed under its own write");
    }
    if (!o.keepUid()) {
      uidTaken(m.folderId());
    }
    insertVersion(m.id(), cn, kindOr(o.kind(), "SAVED"), o.basedOnCn(), v);
    long position = journal(o.event() == null ? EventType.OBJECT_MODIFIED : o.event(), m.store(),
        JdbcRows.KIND_MESSAGE, m.id(), m.folderId(), null, null, cn, tags);
    return new OpResult(m.id(), cn, m.cn(), position);
  }

  /**
   * The common save (R28, R33) without a read first: one statement allocates the change number of
   * the folder's store, then the conditional UPDATE is the check. When it matches no row, the row
   * is read only to say why; the change number taken for the attempt goes back with the rollback.
   */
  private OpResult updateAtVersion(WriteOp.PutMessage o, long expected) throws SQLException {
    PostgresTx.Allocated allocated = ids.nextCnOfFolder(o.folderId());
    NewVersion v = versionAt(o, expected, allocated);
    UUID store = allocated.store();
    long cn = allocated.cn();
    NewVersion.Columns col = v.columns();
    PreparedStatement ps = c.prepare(UPDATE_SAVE + (o.keepUid() ? "" : NEW_UID) + WHERE_SAVE_AT_VERSION);
    bindSave(ps, 1, cn, col);
    ps.setLong(10, o.messageId());
    ps.setLong(11, expected);
    ps.setLong(12, o.folderId());
    Long storedDelivery;
    boolean matched;
    try (ResultSet rs = ps.executeQuery()) {
      matched = rs.next();
      storedDelivery = matched ? JdbcRows.longOrNull(rs, 1) : null;
    }
    if (!matched) {
      throw whyNotSaved(o, expected);
    }
    if (!o.keepUid()) {
      uidTaken(o.folderId());
    }
    Long delivery = col.deliveryTime() == null ? null : JdbcRows.micros(col.deliveryTime());
    if (!java.util.Objects.equals(delivery, storedDelivery)) {
      PreparedStatement d = c.prepare("UPDATE message SET delivery_time = ? WHERE id = ?");
      JdbcRows.setMicrosOrNull(d, 1, col.deliveryTime());
      d.setLong(2, o.messageId());
      d.executeUpdate();
    }
    insertVersion(o.messageId(), cn, kindOr(o.kind(), "SAVED"), o.basedOnCn(), v);
    long position = journal(o.event() == null ? EventType.OBJECT_MODIFIED : o.event(), store,
        JdbcRows.KIND_MESSAGE, o.messageId(), o.folderId(), null, null, cn, tags(o.changedTags()));
    return new OpResult(o.messageId(), cn, expected, position);
  }

  /** The version a save at {@code expected} builds with the change number {@code allocated}; none: the folder is gone. */
  private NewVersion versionAt(WriteOp.PutMessage o, long expected, PostgresTx.Allocated allocated)
      throws SQLException {
    if (allocated == null) {
      throw whyNotSaved(o, expected);
    }
    return build(o.factory(), o.messageId(), allocated.cn(),
        new StoredMessage(o.messageId(), allocated.store(), o.folderId(), expected, false, 0, 0, null, null));
  }

  /** Why a save at {@code expected} matched no row (read only once it failed). */
  private StoreException whyNotSaved(WriteOp.PutMessage o, long expected) throws SQLException {
    MessageRow m = liveMessage(o.messageId(), false);
    if (m.folderId() != o.folderId()) {
      return failed(Reason.NOT_FOUND, 0, "message " + m.id() + " is in folder " + m.folderId() + ", not in folder "
          + o.folderId());
    }
    if (m.cn() != expected) {
      return failed(Reason.CHANGED, m.cn(), "message " + m.id() + " is at cn " + m.cn() + ", not at cn " + expected
          + " (the base of this save)");
    }
    return new StoreException(MapiError.CALL_FAILED, "message " + m.id() + " matched no row at cn " + expected);
  }

  private OpResult deleteMessage(WriteOp.DeleteMessage o) throws SQLException {
    if (!o.hard()) {
      PreparedStatement ps = c.prepare("UPDATE message SET deleted = 1, deleted_at = ?"
          + " WHERE id = ? AND deleted = 0 AND (?::bigint = 0 OR cn = ?) RETURNING store_guid, folder_id, cn");
      ps.setLong(1, nowMicros);
      ps.setLong(2, o.messageId());
      ps.setLong(3, o.expectCn());
      ps.setLong(4, o.expectCn());
      Touched t = touched(ps);
      if (t == null) {
        MessageRow m = liveMessage(o.messageId(), false);
        throw failed(Reason.CHANGED, m.cn(), "message " + m.id() + " is at cn " + m.cn() + ", not at cn "
            + o.expectCn() + " expected by the delete");
      }
      long position = journal(EventType.OBJECT_DELETED, t.store(), JdbcRows.KIND_MESSAGE, o.messageId(), t.folderId(),
          null, null, 0, List.of());
      return new OpResult(o.messageId(), 0, t.cn(), position);
    }
    MessageRow m = message(o.messageId(), false);
    if (m == null) {
      throw missingMessage(o.messageId());
    }
    if (o.expectCn() != 0 && o.expectCn() != m.cn()) {
      throw failed(Reason.CHANGED, m.cn(), "message " + m.id() + " is at cn " + m.cn() + ", not at cn "
          + o.expectCn() + " expected by the delete");
    }
    removeMessage(m.id());
    long position = 0;
    if (!m.deleted()) {
      position = journal(EventType.OBJECT_DELETED, m.store(), JdbcRows.KIND_MESSAGE, m.id(), m.folderId(), null,
          null, 0, List.of());
    }
    return new OpResult(m.id(), 0, m.cn(), position);
  }

  /** What an UPDATE ... RETURNING store_guid, folder_id, cn touched; null when no row matched. */
  private record Touched(UUID store, long folderId, long cn) {}

  private static Touched touched(PreparedStatement ps) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next() ? new Touched(UUID.fromString(rs.getString(1)), rs.getLong(2), rs.getLong(3)) : null;
    }
  }

  private OpResult undeleteMessage(WriteOp.UndeleteMessage o) throws SQLException {
    PreparedStatement ps = c.prepare("UPDATE message SET deleted = 0, deleted_at = NULL" + NEW_UID
        + " WHERE id = ? AND deleted = 1"
        + " AND EXISTS (SELECT 1 FROM folder f WHERE f.id = message.folder_id AND f.deleted = 0)"
        + " RETURNING store_guid, folder_id, cn");
    ps.setLong(1, o.messageId());
    Touched t = touched(ps);
    if (t == null) {
      MessageRow m = message(o.messageId(), false);
      if (m == null) {
        throw failed(Reason.NOT_FOUND, 0, "no message " + o.messageId() + " to restore (never existed or purged)");
      }
      if (!m.folderLive()) {
        throw failed(Reason.NOT_FOUND, 0, "folder " + m.folderId() + " of message " + m.id() + " is deleted");
      }
      return new OpResult(m.id(), 0, 0, 0); // live already: nothing to restore
    }
    uidTaken(t.folderId());
    long position = journal(EventType.OBJECT_CREATED, t.store(), JdbcRows.KIND_MESSAGE, o.messageId(), t.folderId(),
        null, null, 0, List.of());
    return new OpResult(o.messageId(), 0, t.cn(), position);
  }

  private OpResult moveMessage(WriteOp.MoveMessage o) throws SQLException {
    if (o.factory() == null) {
      throw invalid("MoveMessage of message " + o.messageId() + " needs a version factory");
    }
    MessageRow src = liveMessage(o.messageId(), true);
    FolderRow target = folder(o.targetFolderId());
    if (target == null) {
      throw failed(Reason.NOT_FOUND, 0, "no folder " + o.targetFolderId() + " to move message " + src.id() + " into");
    }
    if (target.deleted()) {
      throw failed(Reason.DELETED, 0, "folder " + target.id() + " to move message " + src.id() + " into is deleted");
    }
    if (!target.store().equals(src.store())) {
      throw invalid("message " + src.id() + " of store " + src.store() + " cannot move into folder " + target.id()
          + " of store " + target.store());
    }
    long id = ids.nextMessageId();
    long cn = ids.nextCn(src.store());
    NewVersion v = build(o.factory(), id, cn, src.stored());
    if (insertMessage(id, cn, v, src.status(), target.id()) != 1) {
      throw new StoreException(MapiError.CALL_FAILED, "folder " + target.id() + " vanished under its own write");
    }
    if (!o.copy()) {
      for (String sql : List.of(
          "UPDATE message_version SET message_id = ? WHERE message_id = ?",
          "UPDATE version_blob SET message_id = ? WHERE message_id = ?")) {
        PreparedStatement ps = c.prepare(sql);
        ps.setLong(1, id);
        ps.setLong(2, src.id());
        ps.executeUpdate();
      }
      PreparedStatement delete = c.prepare("DELETE FROM message WHERE id = ?");
      delete.setLong(1, src.id());
      delete.executeUpdate();
    }
    insertVersion(id, cn, o.copy() ? "COPIED_IN" : "MOVED_IN", src.cn(), v);
    long position = journal(o.copy() ? EventType.OBJECT_COPIED : EventType.OBJECT_MOVED, src.store(),
        JdbcRows.KIND_MESSAGE, id, target.id(), src.id(), src.folderId(), cn, List.of());
    return new OpResult(id, cn, src.cn(), position);
  }

  private OpResult setReadState(WriteOp.SetReadState o) throws SQLException {
    List<PropTag> tags = tags(o.changedTags());
    PreparedStatement ps = c.prepare("UPDATE message SET read_flags = (read_flags & ~?) | (? & ?),"
        + " status = (status & ~?) | (? & ?), local_commit_time = ? WHERE id = ? AND deleted = 0"
        + " AND (?::bigint < 0 OR modseq <= ?) RETURNING store_guid, folder_id");
    ps.setInt(1, o.flagsMask());
    ps.setInt(2, o.flagsValue());
    ps.setInt(3, o.flagsMask());
    ps.setInt(4, o.statusMask());
    ps.setInt(5, o.statusValue());
    ps.setInt(6, o.statusMask());
    ps.setLong(7, nowMicros);
    ps.setLong(8, o.messageId());
    ps.setLong(9, o.unchangedSince());
    ps.setLong(10, o.unchangedSince());
    UUID store = null;
    long folderId = 0;
    try (ResultSet rs = ps.executeQuery()) {
      if (rs.next()) {
        store = UUID.fromString(rs.getString(1));
        folderId = rs.getLong(2);
      }
    }
    if (store == null) {
      checkUnchangedSince(liveMessage(o.messageId(), false), o.unchangedSince());
      throw new StoreException(MapiError.CALL_FAILED, "message " + o.messageId() + " is live but was not updated");
    }
    long position = journal(EventType.OBJECT_MODIFIED, store, JdbcRows.KIND_MESSAGE, o.messageId(), folderId, null,
        null, 0, tags);
    return new OpResult(o.messageId(), 0, 0, position);
  }

  // ---- rows

  private FolderRow folder(long id) throws SQLException {
    PreparedStatement ps = c.prepare(FOLDER_ROW);
    ps.setLong(1, id);
    try (ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        return null;
      }
      FolderRow f = new FolderRow(id, UUID.fromString(rs.getString(1)), rs.getLong(2), rs.getString(3), rs.getInt(4) != 0);
      folderStores.put(id, f.store());
      return f;
    }
  }

  private FolderRow liveFolder(long id) throws SQLException {
    FolderRow f = folder(id);
    if (f == null || f.deleted()) {
      throw failed(Reason.NOT_FOUND, 0, f == null ? "no folder " + id : "folder " + id + " is deleted");
    }
    return f;
  }

  private UUID folderStore(long folderId) throws SQLException {
    UUID store = folderStores.get(folderId);
    if (store != null) {
      return store;
    }
    FolderRow f = folder(folderId);
    if (f == null) {
      throw failed(Reason.NOT_FOUND, 0, "no folder " + folderId);
    }
    if (f.deleted()) {
      throw failed(Reason.DELETED, 0, "folder " + folderId + " is deleted");
    }
    return f.store();
  }

  private MessageRow message(long id, boolean withContent) throws SQLException {
    PreparedStatement ps = c.prepare(withContent ? MESSAGE_ROW_WITH_CONTENT : MESSAGE_ROW);
    ps.setLong(1, id);
    try (ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        return null;
      }
      int folderDeleted = rs.getInt(8);
      boolean folderLive = !rs.wasNull() && folderDeleted == 0;
      long delivery = rs.getLong(9);
      Long deliveryTime = rs.wasNull() ? null : delivery;
      byte[] content = null;
      if (withContent) {
        content = rs.getBytes(11);
        if (content == null) {
          throw new StoreException(MapiError.CORRUPT_DATA, "message " + id + " has no version row for its cn " + rs.getLong(3));
        }
      }
      return new MessageRow(id, UUID.fromString(rs.getString(1)), rs.getLong(2), rs.getLong(3), rs.getInt(4) != 0,
          rs.getInt(5), rs.getInt(6), rs.getLong(7), folderLive, deliveryTime, rs.getLong(10), content);
    }
  }

  /** A live message in a live folder. @throws PreconditionFailedException NOT_FOUND or DELETED */
  private MessageRow liveMessage(long id, boolean withContent) throws SQLException {
    MessageRow m = message(id, withContent);
    if (m == null) {
      throw missingMessage(id);
    }
    if (m.deleted()) {
      throw failed(Reason.DELETED, 0, "message " + id + " is deleted");
    }
    if (!m.folderLive()) {
      throw failed(Reason.DELETED, 0, "folder " + m.folderId() + " of message " + id + " is deleted");
    }
    return m;
  }

  /** IMAP UNCHANGEDSINCE (ADR 0028), checked in the write transaction: fails CHANGED when the MODSEQ is above it. */
  private void checkUnchangedSince(MessageRow m, long unchangedSince) {
    if (unchangedSince >= 0 && m.modseq() > unchangedSince) {
      throw failed(Reason.CHANGED, m.cn(), "message " + m.id() + " is at MODSEQ " + m.modseq() + ", above "
          + unchangedSince + " (UNCHANGEDSINCE)");
    }
  }

  /** No row: DELETED when the id was allocated once (ids are never reused), else NOT_FOUND. */
  private PreconditionFailedException missingMessage(long id) throws SQLException {
    if (id > 0 && id <= ids.lastMessageId()) {
      return failed(Reason.DELETED, 0, "message " + id + " was deleted or moved");
    }
    return failed(Reason.NOT_FOUND, 0, "no message " + id);
  }

  private int insertMessage(long id, long cn, NewVersion v, int status, long folderId) throws SQLException {
    PreparedStatement ps = c.prepare(INSERT_MESSAGE);
    ps.setLong(1, folderId);
    ps.setLong(2, id);
    ps.setLong(3, cn);
    ps.setInt(4, v.initialReadFlags());
    ps.setInt(5, status);
    ps.setLong(6, nowMicros);
    bindColumns(ps, 7, v.columns());
    return ps.executeUpdate();
  }

  /**
   * Raises the UIDNEXT of {@code folderId} past the UID a statement just gave one of its messages
   * ({@link #NEW_UID}: its uid_next); the journal_head lock keeps any other writer out between the two.
   */
  private void uidTaken(long folderId) throws SQLException {
    PreparedStatement ps = c.prepare("UPDATE folder SET uid_next = uid_next + 1 WHERE id = ?");
    ps.setLong(1, folderId);
    ps.executeUpdate();
  }

  /**
   * Binds the nine parameters of {@link #UPDATE_SAVE} (cn, commit time and the sort columns a save
   * may change) from index {@code first}; returns the next index.
   */
  private int bindSave(PreparedStatement ps, int first, long cn, NewVersion.Columns col) throws SQLException {
    int i = first;
    ps.setLong(i++, cn);
    ps.setLong(i++, nowMicros);
    ps.setString(i++, col.subject());
    ps.setString(i++, col.senderName());
    JdbcRows.setMicrosOrNull(ps, i++, col.lastModificationTime());
    ps.setLong(i++, col.messageSize());
    if (col.importance() == null) {
      ps.setNull(i++, Types.INTEGER);
    } else {
      ps.setInt(i++, col.importance());
    }
    ps.setString(i++, col.messageClass());
    ps.setInt(i++, col.hasAttachments() ? 1 : 0);
    return i;
  }

  private static void bindColumns(PreparedStatement ps, int i, NewVersion.Columns col) throws SQLException {
    ps.setString(i, col.subject());
    ps.setString(i + 1, col.senderName());
    JdbcRows.setMicrosOrNull(ps, i + 2, col.deliveryTime());
    JdbcRows.setMicrosOrNull(ps, i + 3, col.lastModificationTime());
    ps.setLong(i + 4, col.messageSize());
    if (col.importance() == null) {
      ps.setNull(i + 5, Types.INTEGER);
    } else {
      ps.setInt(i + 5, col.importance());
    }
    ps.setString(i + 6, col.messageClass());
    ps.setInt(i + 7, col.hasAttachments() ? 1 : 0);
  }

  private void insertVersion(long messageId, long cn, String kind, long basedOnCn, NewVersion v) throws SQLException {
    PreparedStatement ps = c.prepare(INSERT_VERSION);
    ps.setLong(1, messageId);
    ps.setLong(2, cn);
    ps.setLong(3, nowMicros);
    ps.setString(4, actor);
    ps.setString(5, kind);
    ps.setLong(6, basedOnCn);
    ps.setLong(7, v.columns().messageSize());
    String blobs = JdbcRows.encodeBlobs(v.blobs());
    ps.setBytes(8, v.content());
    ps.setString(9, blobs);
    ps.executeUpdate();
    if (blobs != null) {
      PreparedStatement blob = c.prepare(INSERT_VERSION_BLOB);
      blob.setLong(1, messageId);
      blob.setLong(2, cn);
      blob.setString(3, blobs);
      blob.setLong(4, messageId);
      blob.executeUpdate();
    }
  }

  private void removeMessage(long id) throws SQLException {
    for (String sql : List.of(
        "DELETE FROM version_blob WHERE message_id = ?",
        "DELETE FROM message_version WHERE message_id = ?",
        "DELETE FROM message WHERE id = ?")) {
      PreparedStatement ps = c.prepare(sql);
      ps.setLong(1, id);
      ps.executeUpdate();
    }
  }

  private NewVersion build(VersionFactory factory, long messageId, long cn, StoredMessage current) {
    NewVersion v = factory.build(new VersionFactory.VersionContext(messageId, cn, now, current));
    if (v == null || v.content() == null || v.columns() == null || v.blobs() == null) {
      throw new StoreException(MapiError.INVALID_PARAMETER,
          "the version factory returned an incomplete version for message " + messageId + " at cn " + cn);
    }
    for (String sha : v.blobs()) {
      if (!PostgresBlobs.isSha256(sha)) {
        throw new StoreException(MapiError.INVALID_PARAMETER,
            "version cn " + cn + " of message " + messageId + " refers to blob '" + sha + "', not a SHA-256 hex");
      }
    }
    return v;
  }

  /** Appends a journal entry; returns its position. */
  private long journal(EventType type, UUID store, int kind, long id, long parentId, Long oldId, Long oldParentId,
      long cn, List<PropTag> tags) throws SQLException {
    long position = ids.nextPosition();
    boolean message = kind == JdbcRows.KIND_MESSAGE;
    PreparedStatement ps = c.prepare(message ? INSERT_MESSAGE_JOURNAL : INSERT_JOURNAL);
    ps.setLong(1, position);
    ps.setString(2, store.toString());
    ps.setInt(3, JdbcRows.typeCode(type));
    ps.setInt(4, kind);
    ps.setLong(5, id);
    ps.setLong(6, parentId);
    JdbcRows.setLongOrNull(ps, 7, oldId);
    JdbcRows.setLongOrNull(ps, 8, oldParentId);
    JdbcRows.setLongOrNull(ps, 9, cn > 0 ? cn : null);
    ps.setString(10, JdbcRows.encodeTags(tags));
    ps.setLong(11, nowMicros);
    if (message) {
      ps.setLong(12, position);
      ps.setLong(13, id);
      ps.setLong(14, position);
      ps.setLong(15, parentId);
      JdbcRows.setLongOrNull(ps, 16, oldParentId);
    }
    ps.executeUpdate();
    events.add(JdbcRows.event(position, type, store, kind, id, parentId, oldId, oldParentId, cn, tags, now));
    return position;
  }

  // ---- checks

  private void checkFolderName(String name) {
    if (name == null || name.isBlank()) {
      throw invalid("a folder name must not be blank, got " + (name == null ? "null" : "'" + name + "'"));
    }
  }

  private void checkNoSibling(long parentId, String name, long self) throws SQLException {
    PreparedStatement ps = c.prepare(SIBLING_NAMED);
    ps.setLong(1, parentId);
    ps.setString(2, name);
    ps.setLong(3, self);
    try (ResultSet rs = ps.executeQuery()) {
      if (rs.next()) {
        throw failed(Reason.COLLISION, 0, "folder " + parentId + " already has a child folder named '" + name
            + "' (folder " + rs.getLong(1) + ")");
      }
    }
  }

  private void insertFolder(long id, UUID store, long parentId, String name) throws SQLException {
    PreparedStatement ps = c.prepare(
        "INSERT INTO folder (id, store_guid, parent_id, display_name) VALUES (?, ?, ?, ?)");
    ps.setLong(1, id);
    ps.setString(2, store.toString());
    ps.setLong(3, parentId);
    ps.setString(4, name);
    ps.executeUpdate();
    folderStores.put(id, store);
  }

  private static List<PropTag> tags(List<Integer> tags) {
    if (tags == null || tags.isEmpty()) {
      return List.of();
    }
    List<PropTag> out = new ArrayList<>(tags.size());
    for (Integer t : tags) {
      if (t != null) {
        out.add(PropTag.of(t));
      }
    }
    return out;
  }

  private static String kindOr(String kind, String otherwise) {
    return kind == null || kind.isEmpty() ? otherwise : kind;
  }

  private PreconditionFailedException failed(Reason reason, long currentCn, String message) {
    return new PreconditionFailedException(opIndex, reason, currentCn, "operation " + opIndex + ": " + message);
  }

  private StoreException invalid(String message) {
    return new StoreException(MapiError.INVALID_PARAMETER, "operation " + opIndex + ": " + message);
  }
}
