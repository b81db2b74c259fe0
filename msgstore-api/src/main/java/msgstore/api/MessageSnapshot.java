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
    List<AttachmentSnapshot> attachments) {
  public MessageSnapshot {
    props = List.copyOf(props);
    recipients = List.copyOf(recipients);
    attachments = List.copyOf(attachments);
  }

  public Optional<PropValue> get(PropTag tag) {
    return props.stream().filter(p -> p.tag().equals(tag)).findFirst();
  }

  /** An attachment of this snapshot. */
  public record AttachmentSnapshot(
      int attachNum, List<PropValue> props, Optional<ContentRef> content, Optional<MessageSnapshot> embedded) {
    public AttachmentSnapshot {
      props = List.copyOf(props);
    }

    public Optional<PropValue> get(PropTag tag) {
      return props.stream().filter(p -> p.tag().equals(tag)).findFirst();
    }
  }
}
