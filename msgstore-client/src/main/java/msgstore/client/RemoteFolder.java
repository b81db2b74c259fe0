package msgstore.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import msgstore.api.ContentsTable;
import msgstore.api.DeleteMode;
import msgstore.api.Folder;
import msgstore.api.FolderId;
import msgstore.api.FolderInfo;
import msgstore.api.FolderRights;
import msgstore.api.MailboxState;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.PropTag;
import msgstore.api.PropValue;
import msgstore.api.StoreException;
import msgstore.api.StoreId;
import msgstore.protocol.Json;
import msgstore.protocol.PropCodec;

/** A folder of the remote store: every call is one request, checked by the server as embedded. */
final class RemoteFolder implements Folder {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private final RemoteSession session;
  private final FolderId id;
  private final StoreId storeId;

  RemoteFolder(RemoteSession session, FolderId id, StoreId storeId) {
    this.session = session;
    this.id = id;
    this.storeId = storeId;
  }

  private String path() {
    return RemoteSession.sp(storeId) + "/folders/" + id;
  }

  private Http http() {
    return session.http();
  }

  @Override
  public FolderId id() {
    return id;
  }

  @Override
  public StoreId storeId() {
    return storeId;
  }

  @Override
  public FolderInfo info() {
    session.checkOpen();
    return session.learn(RemoteSession.read(http().get(path(), session.auth()), FolderInfo.class));
  }

  @Override
  public Message createMessage() {
    FolderInfo f = info();
    if (!f.rights().canWrite()) {
      throw new StoreException(MapiError.NO_ACCESS, session.user() + " may not modify folder " + id + " ('"
          + f.displayName() + "')");
    }
    return RemoteMessage.created(session, id, storeId);
  }

  @Override
  public Folder createFolder(String displayName) {
    session.checkOpen();
    ObjectNode b = F.objectNode().put("displayName", displayName).put("parentId", id.toString());
    FolderInfo f = session.learn(RemoteSession.read(
        http().post(RemoteSession.sp(storeId) + "/folders", session.auth(), b), FolderInfo.class));
    return new RemoteFolder(session, f.id(), storeId);
  }

  @Override
  public void rename(String displayName) {
    session.checkOpen();
    http().patch(path(), session.auth(), F.objectNode().put("displayName", displayName));
  }

  @Override
  public void moveTo(FolderId newParent) {
    session.checkOpen();
    http().patch(path(), session.auth(), F.objectNode().put("parentId", newParent.toString()));
  }

  @Override
  public void delete(DeleteMode mode) {
    session.checkOpen();
    http().delete(path() + "?mode=" + mode.name(), session.auth());
  }

  @Override
  public List<FolderInfo> hierarchy(boolean deep) {
    session.checkOpen();
    List<FolderInfo> out = RemoteSession.readList(http().get(path() + "/folders?deep=" + deep, session.auth()),
        FolderInfo.class);
    out.forEach(session::learn);
    return out;
  }

  @Override
  public Optional<Folder> subfolder(String displayName) {
    return hierarchy(false).stream()
        .filter(c -> c.displayName().equalsIgnoreCase(displayName) && c.rights().canRead())
        .findFirst()
        .map(c -> new RemoteFolder(session, c.id(), storeId));
  }

  @Override
  public ContentsTable contentsTable() {
    info();
    return new RemoteContentsTable(session, storeId, id);
  }

  @Override
  public List<MessageId> softDeletedMessages() {
    session.checkOpen();
    JsonNode n = http().get(path() + "/deleted", session.auth());
    List<MessageId> out = new ArrayList<>();
    for (JsonNode e : n.path("ids")) {
      MessageId m = MessageId.parse(e.asText());
      session.store().learnMessage(m, storeId);
      out.add(m);
    }
    return out;
  }

  @Override
  public MailboxState mailboxState() {
    session.checkOpen();
    return Json.mailboxState(http().get(path() + "/mailbox", session.auth()), "mailbox");
  }

  @Override
  public void setReadFlags(Collection<MessageId> messages, boolean read) {
    session.checkOpen();
    ObjectNode b = F.objectNode().put("read", read);
    ArrayNode a = b.putArray("ids");
    messages.forEach(m -> a.add(m.toString()));
    http().post(path() + "/read-flags", session.auth(), b);
  }

  @Override
  public Optional<PropValue> getProp(PropTag tag) {
    session.checkOpen();
    JsonNode n = http().get(path() + "/properties?tags=" + tag.hex(), session.auth());
    return PropCodec.parseObject(n.get("properties"), "properties").stream().filter(p -> p.tag().equals(tag))
        .findFirst();
  }

  @Override
  public void setProp(PropValue value) {
    session.checkOpen();
    ObjectNode props = F.objectNode();
    props.set(value.tag().hex(), PropCodec.full(value));
    ObjectNode b = F.objectNode();
    b.set("properties", props);
    http().patch(path() + "/properties", session.auth(), b);
  }

  @Override
  public void setRights(String user, FolderRights rights) {
    session.checkOpen();
    http().put(path() + "/rights/" + Http.enc(user).replace("+", "%20"), session.auth(),
        F.objectNode().put("rights", rights.name()));
  }

  @Override
  public String toString() {
    return "folder " + id;
  }
}
