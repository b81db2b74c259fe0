package msgstore.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
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
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.StoreException;
import msgstore.api.StoreId;
import msgstore.engine.spi.CommitResult;
import msgstore.engine.spi.StoredFolder;
import msgstore.engine.spi.WriteOp;

/** A folder of the embedded store; every call re-reads the folder and re-checks rights. */
final class EmbeddedFolder implements Folder {
  private final EmbeddedSession session;
  private final long id;
  private final StoreId storeId;

  EmbeddedFolder(EmbeddedSession session, long id, StoreId storeId) {
    this.session = session;
    this.id = id;
    this.storeId = storeId;
  }

  @Override
  public FolderId id() {
    return FolderId.of(id);
  }

  @Override
  public StoreId storeId() {
    return storeId;
  }

  private StoredFolder readable() {
    session.checkOpen();
    return session.readableFolder(id());
  }

  private StoredFolder writable() {
    session.checkOpen();
    return session.writableFolder(id());
  }

  private FolderInfo info(StoredFolder f, int depth, FolderRights rights) {
    return new FolderInfo(FolderId.of(f.id()), new StoreId(f.storeGuid()),
        f.parentId() == 0 ? Optional.empty() : Optional.of(FolderId.of(f.parentId())), f.displayName(),
        f.contentCount(), f.unreadCount(), f.childCount(), depth, rights);
  }

  @Override
  public FolderInfo info() {
    StoredFolder f = readable();
    return info(f, 0, session.rights(f));
  }

  @Override
  public Message createMessage() {
    writable();
    return MessageHandle.create(session, id(), storeId);
  }

  @Override
  public Folder createFolder(String displayName) {
    writable();
    Names.check(displayName, "folder name", session.options().limits());
    CommitResult r = session.commit(new WriteOp.CreateFolder(id, displayName));
    return new EmbeddedFolder(session, r.get(0).id(), storeId);
  }

  @Override
  public void rename(String displayName) {
    writable();
    Names.check(displayName, "folder name", session.options().limits());
    session.commit(new WriteOp.UpdateFolder(id, displayName, null));
  }

  @Override
  public void moveTo(FolderId newParent) {
    StoredFolder f = writable();
    if (f.parentId() == 0) {
      throw new StoreException(MapiError.NO_ACCESS, "the root folder " + id() + " cannot be moved");
    }
    StoredFolder p = session.writableFolder(newParent);
    if (!p.storeGuid().equals(f.storeGuid())) {
      throw new StoreException(MapiError.NO_SUPPORT, "cannot move folder " + id() + " into another store");
    }
    session.commit(new WriteOp.UpdateFolder(id, null, newParent.value()));
  }

  @Override
  public void delete(DeleteMode mode) {
    StoredFolder f = writable();
    if (f.parentId() == 0) {
      throw new StoreException(MapiError.NO_ACCESS, "the root folder " + id() + " cannot be deleted");
    }
    session.commit(new WriteOp.DeleteFolder(id, mode == DeleteMode.HARD));
  }

  @Override
  public List<FolderInfo> hierarchy(boolean deep) {
    readable();
    List<FolderInfo> out = new ArrayList<>();
    Deque<Object[]> todo = new ArrayDeque<>();
    todo.add(new Object[] {id, 0});
    while (!todo.isEmpty()) {
      Object[] next = todo.poll();
      int depth = (Integer) next[1] + 1;
      for (StoredFolder c : session.storage.childFolders((Long) next[0])) {
        FolderRights r = session.rights(c);
        if (r.canRead()) {
          out.add(info(c, depth, r));
        }
        if (deep) {
          todo.add(new Object[] {c.id(), depth});
        }
      }
    }
    return out;
  }

  @Override
  public Optional<Folder> subfolder(String displayName) {
    readable();
    return session.storage.childFolders(id).stream()
        .filter(c -> c.displayName().equalsIgnoreCase(displayName) && session.rights(c).canRead())
        .findFirst()
        .map(c -> new EmbeddedFolder(session, c.id(), storeId));
  }

  @Override
  public ContentsTable contentsTable() {
    readable();
    return new FolderContentsTable(session, id());
  }

  @Override
  public List<MessageId> softDeletedMessages() {
    readable();
    return session.storage.softDeletedInFolder(id).stream().map(MessageId::of).toList();
  }

  @Override
  public MailboxState mailboxState() {
    StoredFolder f = readable(); // one row: counts and IMAP numbers from one snapshot (ADR 0028)
    return new MailboxState(id(), f.id(), f.uidNext(), f.highestModseq(), f.contentCount(), f.unreadCount());
  }

  @Override
  public void setReadFlags(Collection<MessageId> messages, boolean read) {
    readable();
    List<WriteOp> ops = new ArrayList<>();
    for (MessageId m : messages) {
      // Only messages of this folder: the folder's read rights say nothing about any other message.
      if (session.storage.findMessageRow(m.value()).filter(x -> x.folderId() == id).isEmpty()) {
        throw new StoreException(MapiError.NOT_FOUND, "message " + m + " is not in folder " + id());
      }
      ops.add(new WriteOp.SetReadState(m.value(), PropTags.MSGFLAG_READ, read ? PropTags.MSGFLAG_READ : 0, 0, 0,
          List.of(PropTags.MESSAGE_FLAGS.value())));
    }
    if (!ops.isEmpty()) {
      session.commit(ops.toArray(WriteOp[]::new));
    }
  }

  @Override
  public Optional<PropValue> getProp(PropTag tag) {
    StoredFolder f = readable();
    if (tag.equals(PropTags.DISPLAY_NAME)) {
      return Optional.of(PropValue.of(tag, f.displayName()));
    }
    if (tag.equals(PropTags.CONTENT_COUNT)) {
      return Optional.of(PropValue.of(tag, (int) f.contentCount()));
    }
    if (tag.equals(PropTags.CONTENT_UNREAD_COUNT)) {
      return Optional.of(PropValue.of(tag, (int) f.unreadCount()));
    }
    if (tag.equals(PropTags.SUBFOLDERS)) {
      return Optional.of(PropValue.of(tag, f.childCount() > 0));
    }
    if (tag.equals(PropTags.FOLDER_CHILD_COUNT)) {
      return Optional.of(PropValue.of(tag, (int) f.childCount()));
    }
    return Content.find(ContentCodec.decodeProps(f.props()), tag);
  }

  @Override
  public void setProp(PropValue value) {
    writable();
    PropTag t = value.tag();
    if (t.id() == PropTags.DISPLAY_NAME.id()) {
      rename(value.asString());
      return;
    }
    if (t.equals(PropTags.CONTENT_COUNT) || t.equals(PropTags.CONTENT_UNREAD_COUNT) || t.equals(PropTags.SUBFOLDERS)
        || t.equals(PropTags.FOLDER_CHILD_COUNT)) {
      throw new StoreException(MapiError.COMPUTED, "folder property " + t + " is computed by the store");
    }
    if (value.rawValue() instanceof String s && s.length() * 3 > session.options().limits().maxPropertyBytes()) {
      throw new StoreException(MapiError.TOO_BIG, "folder property " + t + " is over the limit of "
          + session.options().limits().maxPropertyBytes() + " bytes");
    }
    // The merge runs inside the storage write on the folder's committed properties: a read here
    // and a write of the whole set there would lose a concurrent writer's other property.
    session.commit(new WriteOp.MergeFolderProp(id, t.value(), current -> {
      List<PropValue> props = new ArrayList<>(ContentCodec.decodeProps(current));
      props.removeIf(p -> p.tag().id() == t.id());
      props.add(value);
      return ContentCodec.encodeProps(Content.sorted(props));
    }));
  }

  @Override
  public void setRights(String user, FolderRights rights) {
    StoredFolder f = readable();
    if (session.rights(f) != FolderRights.OWNER) {
      throw new StoreException(MapiError.NO_ACCESS, session.user() + " is not an owner of folder " + id());
    }
    Names.check(user, "user name", session.options().limits());
    session.commit(new WriteOp.SetRights(id, user, rights.name()));
  }

  @Override
  public String toString() {
    return "folder " + id();
  }
}
