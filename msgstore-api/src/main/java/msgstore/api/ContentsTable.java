package msgstore.api;

import java.util.List;

/**
 * A folder's contents table (committed messages only: R11, R14). Setting columns, sort order and
 * restriction is cheap; every {@link #queryRows} reads the folder as currently committed. Not
 * thread-safe; use one per thread.
 */
public interface ContentsTable {
  /** Default columns: PR_MID, subject, sender name, delivery time, size, flags, importance, class, has-attach. */
  ContentsTable setColumns(List<PropTag> columns);

  /** Sort keys, major first. Default: PR_MESSAGE_DELIVERY_TIME descending. */
  ContentsTable sortBy(List<SortOrder> order);

  /** Restriction; null removes it. */
  ContentsTable restrict(Restriction restriction);

  /** Rows {@code offset} to {@code offset + count - 1} in sort order. */
  List<TableRow> queryRows(int offset, int count);

  /** The number of rows that pass the restriction. */
  int rowCount();
}
