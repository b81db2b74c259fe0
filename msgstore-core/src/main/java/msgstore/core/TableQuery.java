package msgstore.core;

import static msgstore.api.PropTags.*;

import java.util.List;
import msgstore.api.ContentsTable;
import msgstore.api.FolderId;
import msgstore.api.MapiError;
import msgstore.api.PropTag;
import msgstore.api.Restriction;
import msgstore.api.SortOrder;
import msgstore.api.StoreException;

/**
 * What a contents table holds between queries, the same embedded and remote: its columns, sort
 * and restriction, their defaults and checks, and the range check of a query. A side supplies
 * only how a page and a count are computed: evaluated from storage ({@link RowEvaluation}) or
 * asked of the server. Not thread-safe, like the API says.
 */
public abstract class TableQuery implements ContentsTable {
  /** The columns a new contents table has. */
  public static final List<PropTag> DEFAULT_COLUMNS = List.of(MID, SUBJECT, SENDER_NAME, MESSAGE_DELIVERY_TIME,
      LAST_MODIFICATION_TIME, MESSAGE_SIZE, MESSAGE_FLAGS, IMPORTANCE, MESSAGE_CLASS, HAS_ATTACHMENTS);
  /** The most rows one queryRows returns. */
  public static final int MAX_ROWS = 10_000;
  protected final FolderId folder;
  private List<PropTag> columns = DEFAULT_COLUMNS;
  private List<SortOrder> sort = List.of(SortOrder.descending(MESSAGE_DELIVERY_TIME));
  private Restriction restriction;

  protected TableQuery(FolderId folder) {
    this.folder = folder;
  }

  @Override
  public final ContentsTable setColumns(List<PropTag> cols) {
    if (cols == null || cols.isEmpty()) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "a contents table of " + folder
          + " needs at least one column");
    }
    this.columns = List.copyOf(cols);
    return this;
  }

  @Override
  public final ContentsTable sortBy(List<SortOrder> order) {
    this.sort = order == null ? List.of() : List.copyOf(order);
    return this;
  }

  @Override
  public final ContentsTable restrict(Restriction r) {
    this.restriction = r;
    return this;
  }

  protected final List<PropTag> columns() {
    return columns;
  }

  protected final List<SortOrder> sort() {
    return sort;
  }

  /** The restriction, or null for none. */
  protected final Restriction restriction() {
    return restriction;
  }

  /** INVALID_PARAMETER unless {@code offset >= 0} and {@code 0 <= count <= MAX_ROWS}. */
  protected final void checkRange(int offset, int count) {
    if (offset < 0 || count < 0 || count > MAX_ROWS) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "queryRows on " + folder + ": offset must be >= 0 and count 0.."
          + MAX_ROWS + ", got offset " + offset + ", count " + count);
    }
  }
}
