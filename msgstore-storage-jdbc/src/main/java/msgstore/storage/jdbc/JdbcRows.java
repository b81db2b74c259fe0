package msgstore.storage.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Collectors;
import msgstore.api.ChangeKey;
import msgstore.api.ChangeNumber;
import msgstore.api.EventType;
import msgstore.api.FolderId;
import msgstore.api.MapiError;
import msgstore.api.PropTag;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.api.StoreId;
import msgstore.engine.spi.FolderPage;
import msgstore.engine.spi.IndexedColumn;
import msgstore.engine.spi.Storage;
import msgstore.engine.spi.StoredFolder;
import msgstore.engine.spi.StoredMessage;
import msgstore.engine.spi.StoredStore;
import msgstore.engine.spi.VersionRecord;

/**
 * Column encodings of the JDBC backends (SQLite, PostgreSQL), shared by their readers and writers
 * and identical in both, so that {@code msgstore migrate} copies rows as they are: times as epoch
 * microseconds, GUIDs as text, journal entries, and the rows of the storage SPI. A helper for
 * backends, kept out of the engine (ADR 0006: no JDBC there).
 */
public final class JdbcRows {
  public static final int KIND_MESSAGE = 0;
  public static final int KIND_FOLDER = 1;

  /** The columns of a {@link StoredMessage}, from {@code message m JOIN message_version v}. */
  public static final String MESSAGE_COLUMNS =
      "m.id, m.store_guid, m.folder_id, m.cn, m.deleted, m.read_flags, m.status, m.local_commit_time, v.content,"
          + " m.uid, m.modseq";

  public static final String MESSAGE_WITH_CONTENT = "message m JOIN message_version v ON v.message_id = m.id AND v.cn = m.cn";

  /** {@link #MESSAGE_COLUMNS} of the message table alone: the content is NULL ({@link #message} makes it empty). */
  public static final String MESSAGE_ROW_COLUMNS =
      "m.id, m.store_guid, m.folder_id, m.cn, m.deleted, m.read_flags, m.status, m.local_commit_time, NULL,"
          + " m.uid, m.modseq";

  public static final String FOLDER_COLUMNS =
      "f.id, f.store_guid, f.parent_id, f.display_name, f.deleted, f.props, f.content_count, f.unread_count,"
          + " f.child_count, f.uid_next, f.highest_modseq";

  public static final String STORE_COLUMNS = "guid, display_name, owner, root_folder_id, created_at";

  public static final String VERSION_COLUMNS = "message_id, cn, committed_at, committed_by, kind, based_on_cn, size";

  public static final String JOURNAL_COLUMNS =
      "position, store_guid, type, kind, object_id, parent_id, old_id, old_parent_id, cn, changed_tags, at";

  private static final byte[] EMPTY = new byte[0];

  private JdbcRows() {}

  // ---- times: epoch microseconds

  public static long micros(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
  }

  public static Instant instant(long micros) {
    return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
  }

  /** The instant as stored: truncated to microseconds. */
  public static Instant truncate(Instant t) {
    return t.truncatedTo(ChronoUnit.MICROS);
  }

  public static Instant instantOrNull(ResultSet rs, int column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : instant(v);
  }

  // ---- nullable binds

  public static void setLongOrNull(PreparedStatement ps, int i, Long v) throws SQLException {
    if (v == null) {
      ps.setNull(i, Types.BIGINT);
    } else {
      ps.setLong(i, v);
    }
  }

  public static void setMicrosOrNull(PreparedStatement ps, int i, Instant t) throws SQLException {
    setLongOrNull(ps, i, t == null ? null : micros(t));
  }

  public static Long longOrNull(ResultSet rs, int column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : v;
  }

  public static byte[] bytes(ResultSet rs, int column) throws SQLException {
    byte[] b = rs.getBytes(column);
    return b == null ? EMPTY : b;
  }

  // ---- rows

  /** Runs a query on a backend's connection and hands each row to {@code row}. */
  @FunctionalInterface
  public interface Rows {
    void each(String sql, Row row) throws SQLException;
  }

  /** What to do with one row of a result. */
  @FunctionalInterface
  public interface Row {
    void accept(ResultSet rs) throws SQLException;
  }

  /**
   * The invariants of the message, version, journal and folder rows, checked the same way on every
   * backend; each violation is added to {@code problems} as a readable string. {@code idList}
   * aggregates an id column into one comma-separated text in the backend's dialect (SQLite
   * {@code group_concat}, PostgreSQL {@code string_agg}). Run inside one read transaction.
   */
  public static void checkRowInvariants(Rows rows, Function<String, String> idList, List<String> problems)
      throws SQLException {
    rows.each("SELECT m.id, m.cn FROM message m LEFT JOIN message_version v ON v.message_id = m.id AND v.cn = m.cn"
        + " WHERE v.message_id IS NULL ORDER BY m.id", rs -> problems.add(
            "message " + rs.getLong(1) + ": its current cn " + rs.getLong(2) + " has no message_version row"));
    rows.each("SELECT m.store_guid, v.cn, " + idList.apply("v.message_id") + " FROM message_version v"
        + " JOIN message m ON m.id = v.message_id GROUP BY m.store_guid, v.cn HAVING count(*) > 1", rs -> problems.add(
            "store " + rs.getString(1) + ": cn " + rs.getLong(2) + " is used by more than one version (messages "
                + rs.getString(3) + ")"));
    rows.each("SELECT store_guid, cn, " + idList.apply("id") + " FROM message GROUP BY store_guid, cn"
        + " HAVING count(*) > 1", rs -> problems.add("store " + rs.getString(1) + ": cn " + rs.getLong(2)
            + " is current for more than one message (" + rs.getString(3) + ")"));
    rows.each("SELECT s.guid, s.last_cn, max(v.cn) FROM store s JOIN message m ON m.store_guid = s.guid"
        + " JOIN message_version v ON v.message_id = m.id GROUP BY s.guid, s.last_cn HAVING max(v.cn) > s.last_cn",
        rs -> problems.add("store " + rs.getString(1) + ": version cn " + rs.getLong(3) + " is above last_cn "
            + rs.getLong(2)));
    rows.each("SELECT m.id, m.cn FROM message m WHERE m.deleted = 0 AND (m.store_guid, m.cn, m.id) NOT IN"
        + " (SELECT store_guid, cn, object_id FROM journal WHERE cn IS NOT NULL) ORDER BY m.id", rs ->
            problems.add("message " + rs.getLong(1) + ": its current cn " + rs.getLong(2) + " has no journal entry"));
    rows.each("SELECT m.id, m.folder_id FROM message m LEFT JOIN folder f ON f.id = m.folder_id"
        + " WHERE f.id IS NULL ORDER BY m.id", rs -> problems.add(
            "message " + rs.getLong(1) + ": its folder " + rs.getLong(2) + " does not exist"));
    rows.each("SELECT f.id, f.content_count, f.unread_count, f.child_count,"
        + " (SELECT count(*) FROM message m WHERE m.folder_id = f.id AND m.deleted = 0),"
        + " (SELECT count(*) FROM message m WHERE m.folder_id = f.id AND m.deleted = 0 AND m.read_flags & 1 = 0),"
        + " (SELECT count(*) FROM folder k WHERE k.parent_id = f.id AND k.deleted = 0)"
        + " FROM folder f WHERE f.deleted = 0", rs -> {
          if (rs.getLong(2) != rs.getLong(5) || rs.getLong(3) != rs.getLong(6) || rs.getLong(4) != rs.getLong(7)) {
            problems.add("folder " + rs.getLong(1) + ": kept counts (content " + rs.getLong(2) + ", unread "
                + rs.getLong(3) + ", children " + rs.getLong(4) + ") differ from the rows (" + rs.getLong(5) + ", "
                + rs.getLong(6) + ", " + rs.getLong(7) + ")");
          }
        });
  }

  /** Prepares a statement on a backend's connection (cached or not). */
  @FunctionalInterface
  public interface Statements {
    PreparedStatement prepare(String sql) throws SQLException;
  }

  /**
   * Refuses a page request the backends cannot run: no sort, a sort key without a column, a
   * negative offset or limit (INVALID_PARAMETER naming the folder).
   */
  public static void checkPage(long folderId, List<Storage.SortKey> sort, int offset, int limit) {
    if (sort == null || sort.isEmpty() || sort.stream().anyMatch(k -> k == null || k.column() == null) || offset < 0
        || limit < 0) {
      throw new StoreException(MapiError.INVALID_PARAMETER,
          "page of folder " + folderId + ": bad sort " + sort + ", offset " + offset + " or limit " + limit);
    }
  }

  /**
   * A page of a folder's live messages and the folder's live count, read with {@code c} inside
   * one read transaction of the caller's (one snapshot); {@code sortTerm} is the backend's ORDER BY
   * term of a column. The page's ids are cut from the message rows alone (an index, or a sort of
   * the kept columns: no version content is carried through a sort), then joined with their content.
   */
  public static FolderPage folderPage(Statements c, long folderId, List<Storage.SortKey> sort,
      BiFunction<IndexedColumn, Boolean, String> sortTerm, int offset, int limit) throws SQLException {
    PreparedStatement count = c.prepare("SELECT content_count FROM folder WHERE id = ? AND deleted = 0");
    count.setLong(1, folderId);
    long live;
    try (ResultSet rs = count.executeQuery()) {
      live = rs.next() ? rs.getLong(1) : 0;
    }
    List<StoredMessage> out = new ArrayList<>();
    if (limit > 0 && live > 0) {
      String order = sort.stream().map(k -> sortTerm.apply(k.column(), k.descending()))
          .collect(Collectors.joining(", ")) + ", m.id ASC";
      PreparedStatement ps = c.prepare("SELECT " + MESSAGE_COLUMNS + " FROM " + MESSAGE_WITH_CONTENT
          + " WHERE m.id IN (SELECT m.id FROM message m WHERE m.folder_id = ? AND m.deleted = 0 ORDER BY " + order
          + " LIMIT ? OFFSET ?) ORDER BY " + order);
      ps.setLong(1, folderId);
      ps.setInt(2, limit);
      ps.setInt(3, offset);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(message(rs));
        }
      }
    }
    return new FolderPage(out, live);
  }

  public static StoredMessage message(ResultSet rs) throws SQLException {
    return new StoredMessage(
        rs.getLong(1),
        UUID.fromString(rs.getString(2)),
        rs.getLong(3),
        rs.getLong(4),
        rs.getInt(5) != 0,
        rs.getInt(6),
        rs.getInt(7),
        instant(rs.getLong(8)),
        bytes(rs, 9),
        rs.getLong(10),
        rs.getLong(11));
  }

  public static StoredFolder folder(ResultSet rs) throws SQLException {
    return new StoredFolder(
        rs.getLong(1),
        UUID.fromString(rs.getString(2)),
        rs.getLong(3),
        rs.getString(4),
        rs.getInt(5) != 0,
        bytes(rs, 6),
        rs.getLong(7),
        rs.getLong(8),
        rs.getLong(9),
        rs.getLong(10),
        rs.getLong(11));
  }

  public static StoredStore store(ResultSet rs) throws SQLException {
    return new StoredStore(
        UUID.fromString(rs.getString(1)), rs.getString(2), rs.getString(3), rs.getLong(4), instant(rs.getLong(5)));
  }

  /** A version from {@link #VERSION_COLUMNS}, plus content in column 8 when {@code withContent}. */
  public static VersionRecord version(ResultSet rs, boolean withContent) throws SQLException {
    return new VersionRecord(
        rs.getLong(1),
        rs.getLong(2),
        instant(rs.getLong(3)),
        rs.getString(4),
        rs.getString(5),
        rs.getLong(6),
        rs.getLong(7),
        withContent ? bytes(rs, 8) : null);
  }

  // ---- journal

  public static int typeCode(EventType type) {
    return type.bit();
  }

  public static EventType type(int code) {
    for (EventType t : EventType.values()) {
      if (t.bit() == code) {
        return t;
      }
    }
    throw new IllegalStateException("unknown journal event type " + code);
  }

  /** {@code 0037001F,0E070003}, or null for none. */
  public static String encodeTags(List<PropTag> tags) {
    if (tags.isEmpty()) {
      return null;
    }
    StringBuilder sb = new StringBuilder(tags.size() * 9);
    for (PropTag t : tags) {
      if (!sb.isEmpty()) {
        sb.append(',');
      }
      String hex = Integer.toHexString(t.value()).toUpperCase(java.util.Locale.ROOT);
      sb.append("00000000", hex.length(), 8).append(hex);
    }
    return sb.toString();
  }

  public static List<PropTag> decodeTags(String text) {
    if (text == null || text.isEmpty()) {
      return List.of();
    }
    List<PropTag> out = new ArrayList<>();
    for (String s : text.split(",")) {
      out.add(PropTag.of((int) Long.parseLong(s, 16)));
    }
    return out;
  }

  /**
   * A version's blob references as stored in its {@code message_version.blobs} column (ADR 0036):
   * the distinct SHA-256s in order, separated by one space, or null for none. Text in both backends,
   * so that {@code msgstore migrate} copies it as it is.
   */
  public static String encodeBlobs(List<String> shas) {
    if (shas.isEmpty()) {
      return null;
    }
    return String.join(" ", new java.util.LinkedHashSet<>(shas));
  }

  /** The integrity problem of a version listing a blob its message holds no reference row for (ADR 0036). */
  public static String unreferencedBlob(long messageId, long cn, String sha) {
    return "message " + messageId + " cn " + cn + ": refers to blob " + sha
        + " but the message holds no reference to it (the blob could be collected)";
  }

  public static StoreEvent event(
      long position,
      EventType type,
      UUID store,
      int kind,
      long id,
      long parentId,
      Long oldId,
      Long oldParentId,
      long cn,
      List<PropTag> tags,
      Instant at) {
    StoreId storeId = new StoreId(store);
    Optional<ChangeNumber> changeNumber = cn > 0 ? Optional.of(ChangeNumber.of(cn)) : Optional.empty();
    return new StoreEvent(
        position,
        type,
        storeId,
        kind == KIND_FOLDER ? StoreEvent.ObjectKind.FOLDER : StoreEvent.ObjectKind.MESSAGE,
        id,
        parentId > 0 ? Optional.of(FolderId.of(parentId)) : Optional.empty(),
        Optional.ofNullable(oldId),
        oldParentId != null && oldParentId > 0 ? Optional.of(FolderId.of(oldParentId)) : Optional.empty(),
        changeNumber,
        changeNumber.map(n -> ChangeKey.of(storeId, n)),
        tags,
        at);
  }

  /** A journal row from {@link #JOURNAL_COLUMNS}. */
  public static StoreEvent event(ResultSet rs) throws SQLException {
    Long cn = longOrNull(rs, 9);
    return event(
        rs.getLong(1),
        type(rs.getInt(3)),
        UUID.fromString(rs.getString(2)),
        rs.getInt(4),
        rs.getLong(5),
        rs.getLong(6),
        longOrNull(rs, 7),
        longOrNull(rs, 8),
        cn == null ? 0 : cn,
        decodeTags(rs.getString(10)),
        instant(rs.getLong(11)));
  }
}
