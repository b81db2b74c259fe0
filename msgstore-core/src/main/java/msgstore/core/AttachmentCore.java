package msgstore.core;

import static msgstore.api.PropTags.*;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import msgstore.api.AccessLevel;
import msgstore.api.Attachment;
import msgstore.api.ContentRef;
import msgstore.api.Message;
import msgstore.api.OpenFlag;
import msgstore.api.PropTag;
import msgstore.api.PropValue;

/**
 * What every attachment handle is, embedded or remote (R50-R60): it starts from its message
 * handle's pending copy of the attachment (R55) and holds its own pending properties, its content
 * (a reference by hash: the content itself is in the blob store or on the server) or its
 * embedded message, and the one embedded-message writer not yet saved (R58). Reads are answered
 * here; a side supplies how content is written and read, how an embedded message is opened, and
 * what its SaveChanges and Close also do (the SDK logs them).
 *
 * <p>{@code E} is how the side holds an embedded message, {@code H} its message handle type.
 * Calls are serialised on {@link #lock()} (R97).
 */
public abstract class AttachmentCore<E, H extends Message> extends HandleCore implements Attachment {
  protected final int num;
  protected final PendingProps props;
  /** The content, or null: by value only. */
  protected ContentRef content;
  /** The embedded message, or null. */
  protected E embedded;
  /** A new embedded message opened for writing and not yet saved (R58), or null. */
  protected H embeddedWriter;

  protected AttachmentCore(int num, List<PropValue> props, ContentRef content, E embedded, AccessLevel access) {
    super(access, () -> {});
    this.num = num;
    this.props = new PendingProps(props);
    this.content = content;
    this.embedded = embedded;
  }

  /** The message handle this attachment was opened through. */
  protected abstract Message parentHandle();

  /** The stored size of an embedded message, for PR_ATTACH_SIZE. */
  protected abstract long embeddedSize(E message);

  @Override
  protected final String what() {
    return "attachment " + num + " of " + parentHandle();
  }

  @Override
  public final int attachNum() {
    return num;
  }

  @Override
  public final List<PropValue> getProps() {
    synchronized (lock()) {
      st.checkOpen();
      long size = content != null ? content.size() : embedded != null ? embeddedSize(embedded) : 0;
      return Views.attachment(num, props.values(), size, embedded != null);
    }
  }

  @Override
  public final Optional<ContentRef> content() {
    synchronized (lock()) {
      st.checkOpen();
      return Optional.ofNullable(content);
    }
  }

  /**
   * SetProps' PR_ATTACH_DATA_BIN values become content writes ({@code write}); returns the other
   * values, for the property overlay.
   */
  protected final List<PropValue> writeBinaryValues(Collection<PropValue> values, Consumer<InputStream> write) {
    List<PropValue> rest = new ArrayList<>();
    for (PropValue v : values) {
      if (v.tag().equals(ATTACH_DATA_BINARY)) {
        write.accept(new ByteArrayInputStream((byte[]) v.rawValue()));
      } else {
        rest.add(v);
      }
    }
    return rest;
  }

  /** DeleteProps of PR_ATTACH_DATA_BIN drops the content. */
  protected final void dropContentIfDeleted(Collection<PropTag> tags) {
    if (tags.contains(ATTACH_DATA_BINARY)) {
      content = null;
    }
  }

  /** The attachment now holds {@code ref} by value (and no embedded message). */
  protected final void holdContent(ContentRef ref) {
    content = ref;
    embedded = null;
    props.put(PropValue.of(ATTACH_METHOD, ATTACH_BY_VALUE));
  }

  /** OpenEmbeddedMessage's checks (R54, R57, R58): the access the embedded handle gets. */
  protected final AccessLevel embeddedAccess(Set<OpenFlag> flags) {
    return Views.embeddedAccess(st, flags, embedded != null, embeddedWriter != null);
  }

  /** The embedded message's SaveChanges lands here (R57, R60). */
  public final void putEmbedded(E message) {
    synchronized (lock()) {
      st.checkOpen();
      embedded = message;
      content = null;
      embeddedWriter = null;
      props.put(PropValue.of(ATTACH_METHOD, ATTACH_EMBEDDED_MSG));
    }
  }

  /** An embedded message handle closed: if it was the unsaved writer, another may open (R58). */
  public final void embeddedClosed(H handle) {
    synchronized (lock()) {
      if (embeddedWriter == handle) {
        embeddedWriter = null;
      }
    }
  }
}
