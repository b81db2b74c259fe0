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
import msgstore.api.Message;
import msgstore.api.OpenFlag;
import msgstore.api.PropProblem;
import msgstore.api.PropTag;
import msgstore.api.PropValue;
import msgstore.api.SaveFlag;
import msgstore.api.SaveOptions;
import msgstore.core.HandleState;
import msgstore.core.PendingProps;
import msgstore.core.Views;

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
  private final PendingProps props;
  private ContentRef content;
  private Content embedded;
  private MessageHandle embeddedWriter;
  private final HandleState st;

  AttachmentHandle(MessageHandle parent, Content.Attach a, AccessLevel access) {
    this.parent = parent;
    this.num = a.num();
    this.props = new PendingProps(a.props());
    this.content = a.content();
    this.embedded = a.embedded();
    this.st = new HandleState(access, false, this::what, () -> {});
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

  @Override
  public int attachNum() {
    return num;
  }

  @Override
  public synchronized AccessLevel accessLevel() {
    return st.access();
  }

  @Override
  public synchronized boolean isOpen() {
    return st.isOpen();
  }

  /** The properties of an attachment as its table row and handle show them. */
  static List<PropValue> viewProps(Content.Attach a) {
    long size = a.content() != null ? a.content().size()
        : a.embedded() != null ? ContentCodec.encode(a.embedded()).length + a.embedded().attachmentBytes() : 0;
    return Views.attachment(a.num(), a.props(), size, a.embedded() != null);
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
    return props.set(rest, parent.session().options().limits(), st::writeProblem, what());
  }

  @Override
  public synchronized List<PropProblem> deleteProps(Collection<PropTag> tags) {
    checkWritable();
    if (tags.contains(ATTACH_DATA_BINARY)) {
      content = null;
    }
    return props.delete(tags, st::writeProblem);
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
    AccessLevel level = Views.embeddedAccess(st, Set.of(flags), embedded != null, embeddedWriter != null);
    if (embedded == null) {
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
    SaveOptions o = SaveOptions.of(flags);
    st.checkSavable(o); // R25 via R51, R26, R21
    parent.putAttachment(state());
    st.afterSave(o, this::close);
  }

  @Override
  public synchronized void close() {
    if (st.markClosed()) {
      parent.session().untrack(this);
    }
  }

  @Override
  public String toString() {
    return "handle on " + what();
  }
}
