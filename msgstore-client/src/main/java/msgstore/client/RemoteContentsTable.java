package msgstore.client;

import static msgstore.api.PropTags.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import msgstore.api.ContentsTable;
import msgstore.api.FolderId;
import msgstore.api.MapiError;
import msgstore.api.PropTag;
import msgstore.api.Restriction;
import msgstore.api.SortOrder;
import msgstore.api.StoreException;
import msgstore.api.StoreId;
import msgstore.api.TableRow;
import msgstore.protocol.Json;

/**
 * A contents table of the remote store: columns, sort and restriction are kept here; each {@link
 * #queryRows} and {@link #rowCount} is one POST /messages/query. Not thread-safe, like the API says.
 */
final class RemoteContentsTable implements ContentsTable {
  static final List<PropTag> DEFAULT_COLUMNS = List.of(MID, SUBJECT, SENDER_NAME, MESSAGE_DELIVERY_TIME,
      LAST_MODIFICATION_TIME, MESSAGE_SIZE, MESSAGE_FLAGS, IMPORTANCE, MESSAGE_CLASS, HAS_ATTACHMENTS);
  private static final int MAX_ROWS = 10_000;
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private final RemoteSession session;
  private final StoreId store;
  private final FolderId folder;
  private List<PropTag> columns = DEFAULT_COLUMNS;
  private List<SortOrder> sort = List.of(SortOrder.descending(MESSAGE_DELIVERY_TIME));
  private Restriction restriction;

  RemoteContentsTable(RemoteSession session, StoreId store, FolderId folder) {
    this.session = session;
    this.store = store;
    this.folder = folder;
  }

  @Override
  public ContentsTable setColumns(List<PropTag> cols) {
    if (cols == null || cols.isEmpty()) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "a contents table of " + folder
          + " needs at least one column");
    }
    this.columns = List.copyOf(cols);
    return this;
  }

  @Override
  public ContentsTable sortBy(List<SortOrder> order) {
    this.sort = order == null ? List.of() : List.copyOf(order);
    return this;
  }

  @Override
  public ContentsTable restrict(Restriction r) {
    this.restriction = r;
    return this;
  }

  private JsonNode query(int offset, int limit) {
    session.checkOpen();
    ObjectNode b = F.objectNode();
    ArrayNode c = b.putArray("columns");
    columns.forEach(t -> c.add(t.hex()));
    ArrayNode s = b.putArray("sort");
    sort.forEach(o -> s.add(Json.sortOrder(o)));
    if (restriction != null) {
      b.set("restriction", Json.restriction(restriction));
    }
    b.put("offset", offset).put("limit", limit);
    return session.http().post(RemoteSession.sp(store) + "/folders/" + folder + "/messages/query", session.auth(), b);
  }

  @Override
  public List<TableRow> queryRows(int offset, int count) {
    if (offset < 0 || count < 0 || count > MAX_ROWS) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "queryRows on " + folder + ": offset must be >= 0 and count 0.."
          + MAX_ROWS + ", got offset " + offset + ", count " + count);
    }
    JsonNode n = query(offset, count);
    List<TableRow> out = new ArrayList<>();
    int i = 0;
    for (JsonNode r : n.path("rows")) {
      TableRow row = Json.tableRow(r, columns, "rows[" + i++ + "]");
      session.store().learnMessage(row.messageId(), store);
      out.add(row);
    }
    return out;
  }

  @Override
  public int rowCount() {
    return query(0, 0).path("rowCount").asInt();
  }
}
