package msgstore.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import msgstore.api.AccessLevel;
import msgstore.api.FolderId;
import msgstore.api.FolderRights;
import msgstore.api.MessageId;
import msgstore.api.PropTag;
import msgstore.api.PropValue;
import msgstore.api.Restriction;
import msgstore.api.SortOrder;
import msgstore.api.TableRow;
import msgstore.core.RowEvaluation;
import msgstore.core.TableQuery;
import msgstore.engine.spi.FolderPage;
import msgstore.engine.spi.IndexedColumn;
import msgstore.engine.spi.Storage;
import msgstore.engine.spi.StoredFolder;
import msgstore.engine.spi.StoredMessage;

/**
 * A folder's contents table. Without a restriction and with sort keys all on indexed columns, a
 * page is read straight from the backend's columns (one key: from its index, the first page of a
 * 100k folder in milliseconds; several: sorted by the backend on its columns, no version decoded);
 * anything else scans the folder, decodes each version, filters and sorts ({@link RowEvaluation})
 * and slices in memory. Columns, sort and restriction are held by {@link TableQuery}. Each
 * query reads one snapshot of the folder, whatever commits land while it runs.
 */
final class FolderContentsTable extends TableQuery {
  private final EmbeddedSession session;

  FolderContentsTable(EmbeddedSession session, FolderId folder) {
    super(folder);
    this.session = session;
  }

  @Override
  public List<TableRow> queryRows(int offset, int count) {
    checkRange(offset, count);
    if (count == 0) {
      session.readableFolder(folder); // still NOT_FOUND / NO_ACCESS
      return List.of();
    }
    return page(offset, count).rows();
  }

  @Override
  public int rowCount() {
    StoredFolder f = session.readableFolder(folder);
    if (restriction() == null) {
      return (int) f.contentCount();
    }
    return matchingRows(f, session.rights(f)).size();
  }

  /**
   * A page and the table's row count, read from one snapshot: either one index page with the
   * folder's count ({@code Storage.pageFolder}) or one scan ({@code Storage.scanFolder}).
   */
  ServerSupport.TablePage page(int offset, int count) {
    checkRange(offset, count);
    StoredFolder f = session.readableFolder(folder);
    FolderRights rights = session.rights(f);
    List<SortOrder> sort = sort();
    List<Storage.SortKey> keys = new ArrayList<>(sort.size());
    for (SortOrder o : sort) {
      IndexedColumn.of(o.tag()).ifPresent(c -> keys.add(new Storage.SortKey(c, o.descending())));
    }
    if (restriction() == null && !sort.isEmpty() && keys.size() == sort.size()) {
      FolderPage page = session.storage.pageFolder(f.id(), keys, offset, count);
      return new ServerSupport.TablePage((int) page.liveCount(),
          page.messages().stream().map(m -> row(new Row(m, rights))).toList());
    }
    List<Row> rows = matchingRows(f, rights);
    rows.sort(RowEvaluation.order(sort, Row::get).thenComparingLong(r -> r.message.id()));
    return new ServerSupport.TablePage(rows.size(), rows.subList(Math.min(offset, rows.size()),
        Math.min(rows.size(), offset + count)).stream().map(this::row).toList());
  }

  private List<Row> matchingRows(StoredFolder f, FolderRights rights) {
    List<Row> rows = new ArrayList<>();
    Restriction restriction = restriction();
    session.storage.scanFolder(f.id(), m -> {
      Row r = new Row(m, rights);
      if (restriction == null || RowEvaluation.matches(restriction, r::get)) {
        rows.add(r);
      }
    });
    return rows;
  }

  private TableRow row(Row r) {
    List<PropTag> columns = columns();
    List<PropValue> values = new ArrayList<>(columns.size());
    for (PropTag t : columns) {
      values.add(r.get(t).orElse(null));
    }
    return new TableRow(MessageId.of(r.message.id()), columns, values);
  }

  /** A message as a table row: its version's properties plus the row properties. */
  private static final class Row {
    final StoredMessage message;
    final FolderRights rights;
    private List<PropValue> props;

    Row(StoredMessage message, FolderRights rights) {
      this.message = message;
      this.rights = rights;
    }

    Optional<PropValue> get(PropTag tag) {
      if (props == null) {
        props = Computed.viewProps(message, ContentCodec.decode(message.content()),
            rights.canWrite() ? AccessLevel.MODIFY : AccessLevel.READ_ONLY, rights.accessBits());
      }
      return Content.find(props, tag);
    }
  }
}
