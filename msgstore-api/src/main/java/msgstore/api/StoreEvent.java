package msgstore.api;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One change-journal entry as a notification (R75-R80, X4). {@code position} orders the journal
 * and is what a subscriber resumes from. {@code changeNumber} is the version a commit created
 * (empty for deletes, read-state changes and folder events).
 *
 * <p>Read the object's ids through the typed accessors: {@link #messageId()} and {@link
 * #oldMessageId()} for a message event, {@link #folderId()} and {@link #oldFolderId()} for a
 * folder event; each is empty for the other kind. The raw {@code id} and {@code oldId} components
 * are the numeric values behind them (a MessageId's or FolderId's {@code value()}, depending on
 * {@code objectKind}) and exist for storage and wire code that builds events.
 *
 * @param objectKind MESSAGE or FOLDER
 * @param id the numeric message or folder id after the event; see {@link #messageId()}, {@link #folderId()}
 * @param parentId its folder (or parent folder) after the event
 * @param oldId for moves and copies: the numeric id before; see {@link #oldMessageId()}, {@link #oldFolderId()}
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

  /** The message's id after the event; empty for a folder event. */
  public Optional<MessageId> messageId() {
    return objectKind == ObjectKind.MESSAGE ? Optional.of(MessageId.of(id)) : Optional.empty();
  }

  /** For a message moved or copied: its id before (R77); empty otherwise and for folder events. */
  public Optional<MessageId> oldMessageId() {
    return objectKind == ObjectKind.MESSAGE ? oldId.map(MessageId::of) : Optional.empty();
  }

  /** The folder's id for a folder event; empty for a message event (its folder is {@link #parentId()}). */
  public Optional<FolderId> folderId() {
    return objectKind == ObjectKind.FOLDER ? Optional.of(FolderId.of(id)) : Optional.empty();
  }

  /** For a folder moved or copied: its id before; empty otherwise and for message events. */
  public Optional<FolderId> oldFolderId() {
    return objectKind == ObjectKind.FOLDER ? oldId.map(FolderId::of) : Optional.empty();
  }

  /** True when the event is about {@code message}: its id after the event or, for a move or copy, before. */
  public boolean concerns(MessageId message) {
    return messageId().filter(message::equals).isPresent() || oldMessageId().filter(message::equals).isPresent();
  }
}
