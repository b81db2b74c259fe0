package msgstore.api;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One change-journal entry as a notification (R75-R80, X4). {@code position} orders the journal
 * and is what a subscriber resumes from. {@code changeNumber} is the version a commit created
 * (empty for deletes, read-state changes and folder events).
 *
 * @param objectKind MESSAGE or FOLDER
 * @param id the message or folder id after the event
 * @param parentId its folder (or parent folder) after the event
 * @param oldId for moves and copies: the id before
 * @param oldParentId for moves and copies: the folder before
 * @param changedTags for OBJECT_MODIFIED: the properties that changed, where known (R80)
 */
public record StoreEvent(
    long position,
    EventType type,
    StoreId storeId,
    ObjectKind objectKind,
    long id,
    Optional<FolderId> parentId,
    Optional<Long> oldId,
    Optional<FolderId> oldParentId,
    Optional<ChangeNumber> changeNumber,
    Optional<ChangeKey> changeKey,
    List<PropTag> changedTags,
    Instant at) {

  public enum ObjectKind {
    MESSAGE,
    FOLDER
  }

  public StoreEvent {
    changedTags = List.copyOf(changedTags);
  }

  public Optional<MessageId> messageId() {
    return objectKind == ObjectKind.MESSAGE ? Optional.of(MessageId.of(id)) : Optional.empty();
  }
}
