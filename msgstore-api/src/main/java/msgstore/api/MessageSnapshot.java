package msgstore.api;

import java.util.List;
import java.util.Optional;

/**
 * An immutable view of a message: a committed version (history, conflict context) or a handle's
 * view. {@code id}, {@code changeNumber} and {@code changeKey} are empty for content that was
 * never committed.
 */
public record MessageSnapshot(
    Optional<MessageId> id,
    Optional<FolderId> folderId,
    Optional<ChangeNumber> changeNumber,
    Optional<ChangeKey> changeKey,
    List<PropValue> props,
    List<Recipient> recipients,
    List<AttachmentSnapshot> attachments) implements PropReader {
  public MessageSnapshot {
    props = List.copyOf(props);
    recipients = List.copyOf(recipients);
    attachments = List.copyOf(attachments);
  }

  public Optional<PropValue> get(PropTag tag) {
    return props.stream().filter(p -> p.tag().equals(tag)).findFirst();
  }

  /** The same as {@code get(tag)}, for the typed getters of {@link PropReader}. */
  @Override
  public Optional<PropValue> getProp(PropTag tag) {
    return get(tag);
  }

  /** An attachment of this snapshot. */
  public record AttachmentSnapshot(
      int attachNum, List<PropValue> props, Optional<ContentRef> content, Optional<MessageSnapshot> embedded)
      implements PropReader {
    public AttachmentSnapshot {
      props = List.copyOf(props);
    }

    public Optional<PropValue> get(PropTag tag) {
      return props.stream().filter(p -> p.tag().equals(tag)).findFirst();
    }

    @Override
    public Optional<PropValue> getProp(PropTag tag) {
      return get(tag);
    }
  }
}
