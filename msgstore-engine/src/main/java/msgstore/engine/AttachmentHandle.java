package msgstore.engine;

import static msgstore.api.PropTags.*;

import java.io.InputStream;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import msgstore.api.AccessLevel;
import msgstore.api.ContentRef;
import msgstore.api.Message;
import msgstore.api.OpenFlag;
import msgstore.api.PropProblem;
import msgstore.api.PropTag;
import msgstore.api.PropValue;
import msgstore.api.SaveFlag;
import msgstore.api.SaveOptions;
import msgstore.core.AttachmentCore;
import msgstore.core.Views;

/**
 * An attachment handle (R50-R60). It starts from the parent handle's pending copy of the
 * attachment (R55); its SaveChanges puts its state back into the parent's pending state (R51),
 * never into the store. Content goes to the storage at once ({@link
 * msgstore.engine.spi.Storage#stageBlob}: small content is staged there and made durable by the
 * commit that first refers to it, larger content streamed into the blob store) and is referenced
 * by hash, so the pending state never holds it.
 */
final class AttachmentHandle extends AttachmentCore<Content, MessageHandle> {
  private final MessageHandle parent;

  AttachmentHandle(MessageHandle parent, Content.Attach a, AccessLevel access) {
    super(a.num(), a.props(), a.content(), a.embedded(), access);
    this.parent = parent;
    parent.session().track(this);
  }

  @Override
  protected Message parentHandle() {
    return parent;
  }

  @Override
  protected long embeddedSize(Content m) {
    return storedSize(m);
  }

  /** An embedded message's size: its encoded length plus its attachments' content. */
  private static long storedSize(Content m) {
    return ContentCodec.encode(m).length + m.attachmentBytes();
  }

  /** The properties of an attachment as its table row and handle show them. */
  static List<PropValue> viewProps(Content.Attach a) {
    long size = a.content() != null ? a.content().size()
        : a.embedded() != null ? storedSize(a.embedded()) : 0;
    return Views.attachment(a.num(), a.props(), size, a.embedded() != null);
  }

  private Content.Attach state() {
    return new Content.Attach(num, props.values(), content, embedded);
  }

  @Override
  public synchronized List<PropProblem> setProps(Collection<PropValue> values) {
    st.checkWritable();
    List<PropValue> rest = writeBinaryValues(values, this::writeContent);
    return props.set(rest, parent.session().options().limits(), st::writeProblem, what());
  }

  @Override
  public synchronized List<PropProblem> deleteProps(Collection<PropTag> tags) {
    st.checkWritable();
    dropContentIfDeleted(tags);
    return props.delete(tags, st::writeProblem);
  }

  @Override
  public synchronized ContentRef writeContent(InputStream in) {
    st.checkWritable();
    ContentRef ref = parent.session().storage.stageBlob(in, parent.session().options().limits().maxAttachmentBytes());
    holdContent(ref);
    return ref;
  }

  @Override
  public synchronized Optional<InputStream> openContent() {
    st.checkOpen();
    return Optional.ofNullable(content).map(c -> parent.session().storage.openBlob(c.sha256()));
  }

  @Override
  public synchronized Message openEmbeddedMessage(OpenFlag... flags) {
    st.checkOpen();
    AccessLevel level = embeddedAccess(Set.of(flags));
    if (embedded == null) {
      embeddedWriter = MessageHandle.embedded(this, parent, null, level);
      return embeddedWriter;
    }
    return MessageHandle.embedded(this, parent, embedded, level);
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
}
