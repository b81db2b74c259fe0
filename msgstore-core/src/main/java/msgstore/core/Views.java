package msgstore.core;

import static msgstore.api.PropTags.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import msgstore.api.AccessLevel;
import msgstore.api.MapiError;
import msgstore.api.OpenFlag;
import msgstore.api.PropValue;
import msgstore.api.StoreException;

/** The properties a handle computes for its view, and the embedded-message open rules (R57, R58). */
public final class Views {
  /** MAPI_MESSAGE, the PR_OBJECT_TYPE of a message. */
  public static final int MAPI_MESSAGE = 5;

  private Views() {}

  /**
   * PR_MESSAGE_FLAGS, PR_HASATTACH and, for a message never saved, PR_READ as a message handle
   * shows them (R71): MSGFLAG_HASATTACH follows the attachment table; a saved message's
   * MSGFLAG_READ is its row's read state ({@code readFlags}), a new one's the pending flag.
   */
  public static List<PropValue> messageFlags(int pendingFlags, boolean hasAttach, boolean saved, int readFlags) {
    int flags = pendingFlags & ~MSGFLAG_HASATTACH;
    if (saved) {
      flags = (flags & ~MSGFLAG_READ) | (readFlags & MSGFLAG_READ);
    }
    List<PropValue> out = new ArrayList<>(3);
    out.add(PropValue.of(MESSAGE_FLAGS, flags | (hasAttach ? MSGFLAG_HASATTACH : 0)));
    out.add(PropValue.of(HAS_ATTACHMENTS, hasAttach));
    if (!saved) {
      out.add(PropValue.of(READ, (flags & MSGFLAG_READ) != 0));
    }
    return out;
  }

  /**
   * The properties of an attachment as its table row and handle show them: its own, plus
   * PR_ATTACH_NUM, PR_ATTACH_SIZE ({@code size}: the content's, or the embedded message's) and a
   * default PR_ATTACH_METHOD.
   */
  public static List<PropValue> attachment(int num, List<PropValue> props, long size, boolean embedded) {
    List<PropValue> out = new ArrayList<>(props.size() + 3);
    out.addAll(props);
    out.add(PropValue.of(ATTACH_NUM, num));
    out.add(PropValue.of(ATTACH_SIZE, (int) Math.min(Integer.MAX_VALUE, size)));
    if (Props.find(props, ATTACH_METHOD).isEmpty()) {
      out.add(PropValue.of(ATTACH_METHOD, embedded ? ATTACH_EMBEDDED_MSG : ATTACH_BY_VALUE));
    }
    return Props.sorted(out);
  }

  /**
   * OpenEmbeddedMessage's checks on the attachment handle {@code attachment} (R54, R57, R58): the
   * access the embedded handle gets. An attachment without an embedded message can only be opened
   * to create one, and only by one writer at a time until it saves.
   */
  public static AccessLevel embeddedAccess(HandleState attachment, Set<OpenFlag> flags, boolean holdsEmbedded,
      boolean writerOpen) {
    AccessLevel level = attachment.childAccess(flags, () -> "cannot open the embedded message of "
        + attachment.what() + " for writing: the attachment handle is read-only");
    if (!holdsEmbedded) {
      if (level != AccessLevel.MODIFY) {
        throw new StoreException(MapiError.NOT_FOUND, attachment.what() + " holds no embedded message");
      }
      if (writerOpen) { // R58
        throw new StoreException(MapiError.NO_ACCESS, "the embedded message of " + attachment.what()
            + " is already open for writing and not yet saved");
      }
    }
    return level;
  }
}
