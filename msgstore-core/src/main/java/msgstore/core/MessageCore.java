package msgstore.core;

import static msgstore.api.PropTags.*;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import msgstore.api.AccessLevel;
import msgstore.api.AttachmentRow;
import msgstore.api.ChangeKey;
import msgstore.api.ChangeNumber;
import msgstore.api.FolderId;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.SaveResult;
import msgstore.api.StoreException;
import msgstore.api.StoreId;
import msgstore.api.StoreLimits;

/**
 * What every message handle is, embedded or remote (R6-R10, R15-R26, R47-R60): its identity
 * (store, folder, id once saved, the change number of its base), its state ({@link HandleState}),
 * and its pending view over the base: the property overlay ({@link PendingProps}) and the
 * recipient and attachment tables as they stand in the handle. The reads of that view are
 * answered here; a side supplies the edits' side effects (the engine marks the view dirty, the
 * SDK logs the call for the server), how a base is read and how a save is committed.
 *
 * <p>{@code A} is how the side holds an attachment. Calls are serialised on {@link #lock()}
 * (R97): the handle itself, or the lock of the handle tree.
 */
public abstract class MessageCore<A> extends HandleCore implements Message {
  protected final StoreId storeId;
  /** How deep this handle is in a chain of embedded messages: 0 for a message of a folder. */
  protected final int depth;
  /** The number of the attachment this is the embedded message of, or -1. */
  private final int parentAttachNum;
  protected FolderId folderId;
  /** Null until the message is saved. */
  protected MessageId id;
  /** The change number of the base, 0 for none (a new or an embedded message). */
  protected long baseCn;
  protected PendingProps props = new PendingProps(List.of());
  protected final RecipientTable recipients;
  protected final AttachmentTable<A> attachments;

  /**
   * @param sessionCheck what else must be open for the handle to be usable (its session)
   * @param num an attachment's number
   * @param attachmentProps an attachment's own properties
   */
  @SuppressWarnings("this-escape") // the suppliers are asked only when a message is built, after construction
  protected MessageCore(StoreId storeId, FolderId folderId, int parentAttachNum, int depth, AccessLevel access,
      Runnable sessionCheck, ToIntFunction<A> num, Function<A, List<PropValue>> attachmentProps) {
    super(access, sessionCheck);
    this.storeId = storeId;
    this.folderId = folderId;
    this.parentAttachNum = parentAttachNum;
    this.depth = depth;
    this.recipients = new RecipientTable(List.of(), this::what);
    this.attachments = new AttachmentTable<>(List.of(), num, attachmentProps, this::what);
  }

  /** The object in messages: "message 42", "new message in folder 7", "embedded message of attachment 0". */
  @Override
  protected final String what() {
    return parentAttachNum >= 0 ? "embedded message of attachment " + parentAttachNum
        : id == null ? "new message in folder " + folderId : "message " + id;
  }

  /** Takes a (new) base: its properties and tables become the pending view, with no edits (R6, R29). */
  protected final void rebaseView(List<PropValue> baseProps, List<Recipient> baseRecipients, List<A> baseAttachments,
      long cn) {
    this.baseCn = cn;
    this.props = new PendingProps(baseProps);
    recipients.rebase(baseRecipients);
    attachments.rebase(baseAttachments);
  }

  /**
   * GetProps of the handle (R3, R71): the pending properties, the flags the view computes, the
   * row's properties once the message is saved ({@code rowProps}: read state, status, ids, times),
   * and the handle's access.
   */
  protected final List<PropValue> handleProps(int readFlags, int accessBits, Collection<PropValue> rowProps) {
    List<PropValue> out = props.values();
    out.addAll(Views.messageFlags(props.intValue(MESSAGE_FLAGS), attachments.hasAttachments(), id != null, readFlags));
    if (id != null) {
      out.addAll(rowProps);
    }
    out.add(PropValue.of(ACCESS_LEVEL, st.access().value()));
    out.add(PropValue.of(ACCESS, accessBits));
    out.add(PropValue.of(OBJECT_TYPE, Views.MAPI_MESSAGE));
    return Props.sorted(out);
  }

  /** What SaveChanges of an embedded message returns: it is saved into its attachment, not the store (R57). */
  protected static final SaveResult SAVED_INTO_ATTACHMENT =
      new SaveResult(null, null, null, true, Optional.empty(), Optional.empty(), Optional.empty());

  /** R57: an embedded message one level below {@code outerDepth}, TOO_BIG past the nesting limit. */
  protected static void checkNesting(int outerDepth, StoreLimits limits) {
    if (outerDepth + 1 > limits.maxEmbeddingDepth()) {
      throw new StoreException(MapiError.TOO_BIG, "embedded messages nest deeper than the limit of "
          + limits.maxEmbeddingDepth());
    }
  }

  /** R84, R46: only a message of a folder can be saved elsewhere. */
  protected final void checkSaveElsewhere() {
    if (isEmbedded()) {
      throw new StoreException(MapiError.NO_SUPPORT, "an embedded message cannot be saved elsewhere");
    }
  }

  /** R85: keep-both needs a saved message of a folder. */
  protected final void checkKeepBoth() {
    if (id == null || isEmbedded()) {
      throw new StoreException(MapiError.NO_SUPPORT, "keep-both needs a saved top-level message; " + what() + " is not");
    }
  }

  /** R72: SetMessageStatus needs a saved message. */
  protected final void checkStatusSettable() {
    if (id == null) {
      throw new StoreException(MapiError.NOT_FOUND, "SetMessageStatus needs a saved message; " + what() + " is not");
    }
  }

  /** CopyTo (R13) between handles of different stores or kinds. */
  protected static StoreException copyToOtherStore() {
    return new StoreException(MapiError.NO_SUPPORT, "CopyTo needs a target handle of the same store");
  }

  /**
   * SetReadFlag on a message that has no row yet (R71): the read flag is a pending
   * PR_MESSAGE_FLAGS bit, saved with the message. Returns the value put.
   */
  protected final PropValue setPendingReadFlag(boolean read) {
    int flags = props.intValue(MESSAGE_FLAGS);
    PropValue v = PropValue.of(MESSAGE_FLAGS, read ? flags | MSGFLAG_READ : flags & ~MSGFLAG_READ);
    props.put(v);
    return v;
  }

  /** The properties of an attachment as its table row shows them. */
  protected abstract List<PropValue> attachmentView(A a);

  @Override
  public final Optional<MessageId> id() {
    synchronized (lock()) {
      return Optional.ofNullable(id);
    }
  }

  @Override
  public final FolderId folderId() {
    synchronized (lock()) {
      return folderId;
    }
  }

  @Override
  public final StoreId storeId() {
    return storeId;
  }

  @Override
  public final Optional<ChangeNumber> baseChangeNumber() {
    synchronized (lock()) {
      return baseCn == 0 ? Optional.empty() : Optional.of(ChangeNumber.of(baseCn));
    }
  }

  @Override
  public final Optional<ChangeKey> baseChangeKey() {
    return baseChangeNumber().map(cn -> ChangeKey.of(storeId, cn));
  }

  @Override
  public final boolean isEmbedded() {
    return parentAttachNum >= 0;
  }

  @Override
  public final List<Recipient> recipients() {
    synchronized (lock()) {
      st.checkOpen();
      return recipients.view();
    }
  }

  @Override
  public final List<AttachmentRow> attachments() {
    synchronized (lock()) {
      st.checkOpen();
      return attachments.rows().stream().map(a -> new AttachmentRow(attachments.numberOf(a), attachmentView(a)))
          .toList();
    }
  }
}
