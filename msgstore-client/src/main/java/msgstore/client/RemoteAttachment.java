package msgstore.client;

import static msgstore.api.PropTags.*;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import msgstore.api.AccessLevel;
import msgstore.api.Attachment;
import msgstore.api.ContentRef;
import msgstore.api.Message;
import msgstore.api.MessageSnapshot;
import msgstore.api.MessageSnapshot.AttachmentSnapshot;
import msgstore.api.OpenFlag;
import msgstore.api.PropProblem;
import msgstore.api.PropTag;
import msgstore.api.PropValue;
import msgstore.api.SaveFlag;
import msgstore.api.SaveOptions;
import msgstore.core.HandleState;
import msgstore.core.PendingProps;
import msgstore.core.Props;
import msgstore.core.Views;
import msgstore.protocol.Op;

/**
 * An attachment handle of the remote store (R50-R60): it starts from the parent handle's pending
 * copy (R55); its SaveChanges puts its state into the parent's pending state (R51) and is logged
 * in the parent tree's {@link OpLog}. Content is streamed to the server at once (POST /content)
 * and referenced by its hash, so the pending state never holds it.
 */
final class RemoteAttachment implements Attachment {
  private final RemoteMessage parent;
  private final OpLog log;
  private final int num;
  private final PendingProps props;
  private ContentRef content;
  private MessageSnapshot embedded;
  private RemoteMessage embeddedWriter;
  private final HandleState st;
  private int wire;
  private int epoch;

  /** {@code wire}: the handle's number in the current epoch (writable handles), else -1. */
  RemoteAttachment(RemoteMessage parent, AttachmentSnapshot a, AccessLevel access, int wire) {
    this.parent = parent;
    this.log = parent.log;
    this.num = a.attachNum();
    this.props = new PendingProps(a.props());
    this.content = a.content().orElse(null);
    this.embedded = a.embedded().orElse(null);
    this.st = new HandleState(access, false, this::what, () -> {});
    this.wire = wire;
    this.epoch = log.epoch();
    parent.session().track(this);
  }

  private String what() {
    return "attachment " + num + " of " + parent;
  }

  private void checkOpen() {
    st.checkOpen();
  }

  private void checkWritable() {
    st.checkWritable();
  }

  /**
   * This handle's number in the current epoch of the log. A handle that outlived a save of its
   * message is opened again on the server (or created, if it was never saved into the message)
   * and brought to this handle's state.
   */
  int bind() {
    if (epoch == log.epoch()) {
      return wire;
    }
    int p = parent.bind();
    AttachmentSnapshot copy = parent.pendingAttachment(num);
    wire = log.alloc();
    epoch = log.epoch();
    if (copy != null) {
      log.add(new Op.OpenAttachment(p, num, Set.of(OpenFlag.MODIFY), wire));
    } else {
      int[] next = parent.serverNextAttachNum();
      Sync.burn(log, p, next, num);
      log.add(new Op.CreateAttachment(p, wire));
      next[0]++;
      copy = Sync.emptyAttachment(num);
    }
    Sync.attachment(log, wire, copy, state());
    return wire;
  }

  /** The embedded message the server's handle holds: this handle's (they change together). */
  Optional<MessageSnapshot> serverEmbedded() {
    return Optional.ofNullable(embedded);
  }

  @Override
  public int attachNum() {
    return num;
  }

  @Override
  public AccessLevel accessLevel() {
    synchronized (log) {
      return st.access();
    }
  }

  @Override
  public boolean isOpen() {
    synchronized (log) {
      return st.isOpen();
    }
  }

  AttachmentSnapshot state() {
    return new AttachmentSnapshot(num, props.values(), Optional.ofNullable(content),
        Optional.ofNullable(embedded));
  }

  @Override
  public List<PropValue> getProps() {
    synchronized (log) {
      checkOpen();
      return LocalRules.attachmentViewProps(state());
    }
  }

  @Override
  public Optional<PropValue> getProp(PropTag tag) {
    return Props.find(getProps(), tag);
  }

  @Override
  public List<PropProblem> setProps(Collection<PropValue> values) {
    synchronized (log) {
      checkWritable();
      List<PropValue> rest = new ArrayList<>();
      for (PropValue v : values) {
        if (v.tag().equals(ATTACH_DATA_BINARY)) {
          writeContentLocked(new ByteArrayInputStream((byte[]) v.rawValue()));
        } else {
          rest.add(v);
        }
      }
      for (PropValue v : rest) {
        parent.session().limits().checkProperty(v, what());
      }
      int w = bind();
      List<PropProblem> p = props.set(rest, parent.session().limits(), st::writeProblem, what());
      log.add(new Op.SetProps(w, rest));
      return p;
    }
  }

  @Override
  public List<PropProblem> deleteProps(Collection<PropTag> tags) {
    synchronized (log) {
      checkWritable();
      List<PropTag> t = List.copyOf(tags);
      int w = bind();
      if (t.contains(ATTACH_DATA_BINARY)) {
        content = null;
      }
      List<PropProblem> p = props.delete(t, st::writeProblem);
      log.add(new Op.DeleteProps(w, t));
      return p;
    }
  }

  @Override
  public ContentRef writeContent(InputStream in) {
    synchronized (log) {
      checkWritable();
      return writeContentLocked(in);
    }
  }

  private ContentRef writeContentLocked(InputStream in) {
    ContentRef ref = parent.session().uploadContent(parent.storeId(), in);
    int w = bind();
    content = ref;
    embedded = null;
    props.put(PropValue.of(ATTACH_METHOD, ATTACH_BY_VALUE));
    log.add(new Op.WriteContent(w, ref));
    return ref;
  }

  @Override
  public Optional<InputStream> openContent() {
    ContentRef c;
    synchronized (log) {
      checkOpen();
      c = content;
    }
    return Optional.ofNullable(c).map(r -> parent.session().openContent(parent.storeId(), r));
  }

  @Override
  public Optional<ContentRef> content() {
    synchronized (log) {
      checkOpen();
      return Optional.ofNullable(content);
    }
  }

  @Override
  public Message openEmbeddedMessage(OpenFlag... flags) {
    synchronized (log) {
      checkOpen();
      Set<OpenFlag> f = Set.of(flags);
      AccessLevel level = Views.embeddedAccess(st, f, embedded != null, embeddedWriter != null);
      if (embedded == null) {
        RemoteMessage e = RemoteMessage.embedded(this, parent, null, level);
        e.boundAs(logOpenEmbedded(f));
        embeddedWriter = e;
        return e;
      }
      RemoteMessage e = RemoteMessage.embedded(this, parent, embedded, level);
      if (level == AccessLevel.MODIFY) {
        e.boundAs(logOpenEmbedded(f));
      }
      return e;
    }
  }

  private int logOpenEmbedded(Set<OpenFlag> f) {
    int a = bind();
    int w = log.alloc();
    log.add(new Op.OpenEmbeddedMessage(a, f, w));
    return w;
  }

  /** The embedded message's SaveChanges lands here (R57, R60). */
  void putEmbedded(MessageSnapshot c) {
    checkOpen();
    embedded = c;
    content = null;
    embeddedWriter = null;
    props.put(PropValue.of(ATTACH_METHOD, ATTACH_EMBEDDED_MSG));
  }

  void embeddedClosed(RemoteMessage h) {
    if (embeddedWriter == h) {
      embeddedWriter = null;
    }
  }

  @Override
  public void saveChanges(SaveFlag... flags) {
    synchronized (log) {
      SaveOptions o = SaveOptions.of(flags);
      st.checkSavable(o); // R25 via R51, R26, R21
      if (!parent.isOpen()) {
        parent.putAttachment(state()); // INVALID_OBJECT, as the engine's parent check
      }
      int w = bind();
      parent.putAttachment(state());
      log.add(new Op.SaveChanges(w, o.flags()));
      st.afterSave(o, this::closeLocked);
    }
  }

  @Override
  public void close() {
    synchronized (log) {
      closeLocked();
    }
  }

  private void closeLocked() {
    if (st.markClosed()) {
      parent.session().untrack(this);
      if (st.access() == AccessLevel.MODIFY && epoch == log.epoch()) {
        log.add(new Op.Close(wire));
      }
    }
  }

  @Override
  public String toString() {
    return "handle on " + what();
  }
}
