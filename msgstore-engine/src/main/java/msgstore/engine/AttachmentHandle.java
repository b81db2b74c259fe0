package msgstore.engine;

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
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.OpenFlag;
import msgstore.api.PropProblem;
import msgstore.api.PropTag;
import msgstore.api.PropValue;
import msgstore.api.SaveFlag;
import msgstore.api.SaveOptions;
import msgstore.api.StoreException;

/**
 * An attachment handle (R50-R60). It starts from the parent handle's pending copy of the
 * attachment (R55); its SaveChanges puts its state back into the parent's pending state (R51),
 * never into the store. Content goes to the storage at once ({@link
 * msgstore.engine.spi.Storage#stageBlob}: small content is staged there and made durable by the
 * commit that first refers to it, larger content streamed into the blob store) and is referenced
 * by hash, so the pending state never holds it.
 */
final class AttachmentHandle implements Attachment {
  private final MessageHandle parent;
  private final int num;
  private final PropBag props;
  private ContentRef content;
  private Content embedded;
  private MessageHandle embeddedWriter;
  private AccessLevel access;
  private boolean closed;

  AttachmentHandle(MessageHandle parent, Content.Attach a, AccessLevel access) {
    this.parent = parent;
    this.num = a.num();
    this.props = new PropBag(a.props());
    this.content = a.content();
    this.embedded = a.embedded();
    this.access = access;
    parent.session().track(this);
  }

  private String what() {
    return "attachment " + num + " of " + parent;
  }

  private void checkOpen() {
    if (closed) {
      throw new StoreException(MapiError.INVALID_OBJECT, "the handle on " + what() + " is closed");
    }
  }

  private void checkWritable() {
    checkOpen();
    if (access != AccessLevel.MODIFY) {
      throw new StoreException(MapiError.NO_ACCESS, "the handle on " + what() + " is read-only");
    }
  }

  @Override
  public int attachNum() {
    return num;
  }

  @Override
  public synchronized AccessLevel accessLevel() {
    return access;
  }

  @Override
  public synchronized boolean isOpen() {
    return !closed;
  }

  /** The properties of an attachment as its table row and handle show them. */
  static List<PropValue> viewProps(Content.Attach a) {
    List<PropValue> out = new ArrayList<>(a.props());
    out.add(PropValue.of(ATTACH_NUM, a.num()));
    long size = a.content() != null ? a.content().size()
        : a.embedded() != null ? ContentCodec.encode(a.embedded()).length + a.embedded().attachmentBytes() : 0;
    out.add(PropValue.of(ATTACH_SIZE, (int) Math.min(Integer.MAX_VALUE, size)));
    if (a.get(ATTACH_METHOD).isEmpty()) {
      out.add(PropValue.of(ATTACH_METHOD, a.embedded() != null ? ATTACH_EMBEDDED_MSG : ATTACH_BY_VALUE));
    }
    return Content.sorted(out);
  }

  private Content.Attach state() {
    return new Content.Attach(num, props.values(), content, embedded);
  }

  @Override
  public synchronized List<PropValue> getProps() {
    checkOpen();
    return viewProps(state());
  }

  @Override
  public synchronized Optional<PropValue> getProp(PropTag tag) {
    return Content.find(getProps(), tag);
  }

  @Override
  public synchronized List<PropProblem> setProps(Collection<PropValue> values) {
    checkWritable();
    List<PropValue> rest = new ArrayList<>();
    for (PropValue v : values) {
      if (v.tag().equals(ATTACH_DATA_BINARY)) {
        writeContent(new ByteArrayInputStream((byte[]) v.rawValue()));
      } else {
        rest.add(v);
      }
    }
    return props.set(rest, parent.session().options().limits(), t -> msgstore.api.PropTags.writeProblem(t, false), what());
  }

  @Override
  public synchronized List<PropProblem> deleteProps(Collection<PropTag> tags) {
    checkWritable();
    if (tags.contains(ATTACH_DATA_BINARY)) {
      content = null;
    }
    return props.delete(tags, t -> msgstore.api.PropTags.writeProblem(t, false));
  }

  @Override
  public synchronized ContentRef writeContent(InputStream in) {
    checkWritable();
    ContentRef ref = parent.session().storage.stageBlob(in, parent.session().options().limits().maxAttachmentBytes());
    content = ref;
    embedded = null;
    props.put(PropValue.of(ATTACH_METHOD, ATTACH_BY_VALUE));
    return ref;
  }

  @Override
  public synchronized Optional<InputStream> openContent() {
    checkOpen();
    return Optional.ofNullable(content).map(c -> parent.session().storage.openBlob(c.sha256()));
  }

  @Override
  public synchronized Optional<ContentRef> content() {
    checkOpen();
    return Optional.ofNullable(content);
  }

  @Override
  public synchronized Message openEmbeddedMessage(OpenFlag... flags) {
    checkOpen();
    Set<OpenFlag> f = Set.of(flags);
    boolean wantsWrite = f.contains(OpenFlag.MODIFY) || f.contains(OpenFlag.BEST_ACCESS);
    AccessLevel level = !wantsWrite ? AccessLevel.READ_ONLY
        : access == AccessLevel.MODIFY ? AccessLevel.MODIFY
        : f.contains(OpenFlag.BEST_ACCESS) ? AccessLevel.READ_ONLY : null;
    if (level == null) {
      throw new StoreException(MapiError.NO_ACCESS, "cannot open the embedded message of " + what()
          + " for writing: the attachment handle is read-only");
    }
    if (embedded == null) {
      if (level != AccessLevel.MODIFY) {
        throw new StoreException(MapiError.NOT_FOUND, what() + " holds no embedded message");
      }
      if (embeddedWriter != null) { // R58
        throw new StoreException(MapiError.NO_ACCESS, "the embedded message of " + what()
            + " is already open for writing and not yet saved");
      }
      embeddedWriter = MessageHandle.embedded(this, parent, null, level);
      return embeddedWriter;
    }
    return MessageHandle.embedded(this, parent, embedded, level);
  }

  /** The embedded message's SaveChanges lands here (R57, R60). */
  synchronized void putEmbedded(Content c) {
    checkOpen();
    embedded = c;
    content = null;
    embeddedWriter = null;
    props.put(PropValue.of(ATTACH_METHOD, ATTACH_EMBEDDED_MSG));
  }

  synchronized void embeddedClosed(MessageHandle h) {
    if (embeddedWriter == h) {
      embeddedWriter = null;
    }
  }

  @Override
  public synchronized void saveChanges(SaveFlag... flags) {
    checkOpen(); // R25 via R51
    if (access != AccessLevel.MODIFY) {
      throw new StoreException(MapiError.NO_ACCESS, "cannot save " + what() + ": the handle is read-only");
    }
    SaveOptions o = SaveOptions.of(flags);
    o.check(what());
    parent.putAttachment(state());
    o.accessAfterSave().ifPresentOrElse(a -> access = a, this::close);
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      parent.session().untrack(this);
    }
  }

  @Override
  public String toString() {
    return "handle on " + what();
  }
}
