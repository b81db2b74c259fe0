package msgstore.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import msgstore.api.FolderId;
import msgstore.api.StoreId;
import msgstore.api.TableRow;
import msgstore.core.TableQuery;
import msgstore.protocol.Json;

/**
 * A contents table of the remote store: its columns, sort and restriction are kept client-side
 * ({@link TableQuery}, shared with the engine); each {@link #queryRows} and {@link #rowCount} is
 * one POST /messages/query, which the server evaluates with the engine's table. Not thread-safe,
 * like the API says.
 */
final class RemoteContentsTable extends TableQuery {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private final RemoteSession session;
  private final StoreId store;

  RemoteContentsTable(RemoteSession session, StoreId store, FolderId folder) {
    super(folder);
    this.session = session;
    this.store = store;
  }

  private JsonNode query(int offset, int limit) {
    session.checkOpen();
    ObjectNode b = F.objectNode();
    ArrayNode c = b.putArray("columns");
    columns().forEach(t -> c.add(t.hex()));
    ArrayNode s = b.putArray("sort");
    sort().forEach(o -> s.add(Json.sortOrder(o)));
    if (restriction() != null) {
      b.set("restriction", Json.restriction(restriction()));
    }
    b.put("offset", offset).put("limit", limit);
    return session.http().post(RemoteSession.sp(store) + "/folders/" + folder + "/messages/query", session.auth(), b);
  }

  @Override
  public List<TableRow> queryRows(int offset, int count) {
    checkRange(offset, count);
    JsonNode n = query(offset, count);
    List<TableRow> out = new ArrayList<>();
    int i = 0;
    for (JsonNode r : n.path("rows")) {
      TableRow row = Json.tableRow(r, columns(), "rows[" + i++ + "]");
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
