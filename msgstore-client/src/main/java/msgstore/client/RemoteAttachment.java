package msgstore.client;

import static msgstore.api.PropTags.*;

import java.io.InputStream;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import msgstore.api.AccessLevel;
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
import msgstore.core.AttachmentCore;
import msgstore.protocol.Op;

/**
 * An attachment handle of the remote store (R50-R60): it starts from the parent handle's pending
 * copy (R55); its SaveChanges puts its state into the parent's pending state (R51) and is logged
 * in the parent tree's {@link OpLog}. Content is streamed to the server at once (POST /content)
 * and referenced by its hash, so the pending state never holds it.
 */
final class RemoteAttachment extends AttachmentCore<MessageSnapshot, RemoteMessage> {
  private final RemoteMessage parent;
  private final OpLog log;
  private int wire;
  private int epoch;

  /** {@code wire}: the handle's number in the current epoch (writable handles), else -1. */
  RemoteAttachment(RemoteMessage parent, AttachmentSnapshot a, AccessLevel access, int wire) {
    super(a.attachNum(), a.props(), a.content().orElse(null), a.embedded().orElse(null), access);
    this.parent = parent;
    this.log = parent.log;
    this.wire = wire;
    this.epoch = log.epoch();
    parent.session().track(this);
  }

  @Override
  protected Object lock() {
    return log;
  }

  @Override
  protected Message parentHandle() {
    return parent;
  }

  @Override
  protected long embeddedSize(MessageSnapshot m) {
    return LocalRules.embeddedSize(m);
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

  AttachmentSnapshot state() {
    return new AttachmentSnapshot(num, props.values(), Optional.ofNullable(content),
        Optional.ofNullable(embedded));
  }

  @Override
  public List<PropProblem> setProps(Collection<PropValue> values) {
    synchronized (log) {
      st.checkWritable();
      List<PropValue> rest = writeBinaryValues(values, this::writeContentLocked);
      return log.setProps(this::bind, props, rest, parent.session().limits(), st, what());
    }
  }

  @Override
  public List<PropProblem> deleteProps(Collection<PropTag> tags) {
    synchronized (log) {
      st.checkWritable();
      List<PropTag> t = List.copyOf(tags);
      int w = bind();
      dropContentIfDeleted(t);
      return log.deleteProps(w, props, t, st);
    }
  }

  @Override
  public ContentRef writeContent(InputStream in) {
    synchronized (log) {
      st.checkWritable();
      return writeContentLocked(in);
    }
  }

  private ContentRef writeContentLocked(InputStream in) {
    ContentRef ref = parent.session().uploadContent(parent.storeId(), in);
    int w = bind();
    holdContent(ref);
    log.add(new Op.WriteContent(w, ref));
    return ref;
  }

  @Override
  public Optional<InputStream> openContent() {
    ContentRef c;
    synchronized (log) {
      st.checkOpen();
      c = content;
    }
    return Optional.ofNullable(c).map(r -> parent.session().openContent(parent.storeId(), r));
  }

  @Override
  public Message openEmbeddedMessage(OpenFlag... flags) {
    synchronized (log) {
      st.checkOpen();
      Set<OpenFlag> f = Set.of(flags);
      AccessLevel level = embeddedAccess(f);
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
}
