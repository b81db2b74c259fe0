package msgstore.api;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Well-known property tags and their canonical names ([MS-OXPROPS]): each tag is reachable by its
 * {@code PidTag...} name and its {@code PR_...} alias, and each tag names back its canonical name.
 */
public final class PropTags {
  private static final Map<String, PropTag> BY_NAME = new HashMap<>();
  private static final Map<PropTag, String> CANONICAL = new HashMap<>();
  private static final Map<PropTag, String> ALIAS = new HashMap<>();

  // Message envelope and content.
  public static final PropTag SUBJECT = def(0x0037001F, "PidTagSubject", "PR_SUBJECT");
  public static final PropTag SUBJECT_PREFIX = def(0x003D001F, "PidTagSubjectPrefix", "PR_SUBJECT_PREFIX");
  public static final PropTag NORMALIZED_SUBJECT = def(0x0E1D001F, "PidTagNormalizedSubject", "PR_NORMALIZED_SUBJECT");
  public static final PropTag CONVERSATION_TOPIC = def(0x0070001F, "PidTagConversationTopic", "PR_CONVERSATION_TOPIC");
  public static final PropTag BODY = def(0x1000001F, "PidTagBody", "PR_BODY");
  public static final PropTag BODY_HTML = def(0x1013001F, "PidTagBodyHtml", "PR_BODY_HTML");
  public static final PropTag HTML = def(0x10130102, "PidTagHtml", "PR_HTML");
  public static final PropTag RTF_COMPRESSED = def(0x10090102, "PidTagRtfCompressed", "PR_RTF_COMPRESSED");
  public static final PropTag MESSAGE_CLASS = def(0x001A001F, "PidTagMessageClass", "PR_MESSAGE_CLASS");
  public static final PropTag IMPORTANCE = def(0x00170003, "PidTagImportance", "PR_IMPORTANCE");
  public static final PropTag PRIORITY = def(0x00260003, "PidTagPriority", "PR_PRIORITY");
  public static final PropTag SENSITIVITY = def(0x00360003, "PidTagSensitivity", "PR_SENSITIVITY");
  public static final PropTag MESSAGE_FLAGS = def(0x0E070003, "PidTagMessageFlags", "PR_MESSAGE_FLAGS");
  public static final PropTag MESSAGE_STATUS = def(0x0E170003, "PidTagMessageStatus", "PR_MSG_STATUS");
  public static final PropTag MESSAGE_SIZE = def(0x0E080003, "PidTagMessageSize", "PR_MESSAGE_SIZE");
  public static final PropTag HAS_ATTACHMENTS = def(0x0E1B000B, "PidTagHasAttachments", "PR_HASATTACH");
  public static final PropTag READ = def(0x0E69000B, "PidTagRead", "PR_READ");
  public static final PropTag MESSAGE_DELIVERY_TIME = def(0x0E060040, "PidTagMessageDeliveryTime", "PR_MESSAGE_DELIVERY_TIME");
  public static final PropTag CLIENT_SUBMIT_TIME = def(0x00390040, "PidTagClientSubmitTime", "PR_CLIENT_SUBMIT_TIME");
  public static final PropTag CREATION_TIME = def(0x30070040, "PidTagCreationTime", "PR_CREATION_TIME");
  public static final PropTag LAST_MODIFICATION_TIME = def(0x30080040, "PidTagLastModificationTime", "PR_LAST_MODIFICATION_TIME");
  public static final PropTag LOCAL_COMMIT_TIME = def(0x67090040, "PidTagLocalCommitTime", "PR_LOCAL_COMMIT_TIME");
  public static final PropTag LOCAL_COMMIT_TIME_MAX = def(0x670A0040, "PidTagLocalCommitTimeMax", "PR_LOCAL_COMMIT_TIME_MAX");
  public static final PropTag DELETED_COUNT_TOTAL = def(0x670B0003, "PidTagDeletedCountTotal", "PR_DELETED_COUNT_TOTAL");
  public static final PropTag LAST_MODIFIER_NAME = def(0x3FFA001F, "PidTagLastModifierName", "PR_LAST_MODIFIER_NAME");
  public static final PropTag LAST_MODIFIER_ENTRYID = def(0x3FFB0102, "PidTagLastModifierEntryId", "PR_LAST_MODIFIER_ENTRYID");
  public static final PropTag CHANGE_KEY = def(0x65E20102, "PidTagChangeKey", "PR_CHANGE_KEY");
  public static final PropTag PREDECESSOR_CHANGE_LIST = def(0x65E30102, "PidTagPredecessorChangeList", "PR_PREDECESSOR_CHANGE_LIST");
  public static final PropTag CHANGE_NUMBER = def(0x67A40014, "PidTagChangeNumber", "PR_CHANGE_NUMBER");
  public static final PropTag ENTRYID = def(0x0FFF0102, "PidTagEntryId", "PR_ENTRYID");
  public static final PropTag PARENT_ENTRYID = def(0x0E090102, "PidTagParentEntryId", "PR_PARENT_ENTRYID");
  public static final PropTag STORE_ENTRYID = def(0x0FFB0102, "PidTagStoreEntryId", "PR_STORE_ENTRYID");
  public static final PropTag RECORD_KEY = def(0x0FF90102, "PidTagRecordKey", "PR_RECORD_KEY");
  public static final PropTag SEARCH_KEY = def(0x300B0102, "PidTagSearchKey", "PR_SEARCH_KEY");
  public static final PropTag OBJECT_TYPE = def(0x0FFE0003, "PidTagObjectType", "PR_OBJECT_TYPE");
  public static final PropTag ACCESS = def(0x0FF40003, "PidTagAccess", "PR_ACCESS");
  public static final PropTag ACCESS_LEVEL = def(0x0FF70003, "PidTagAccessLevel", "PR_ACCESS_LEVEL");
  public static final PropTag MID = def(0x674A0014, "PidTagMid", "PR_MID");
  public static final PropTag FOLDER_ID = def(0x67480014, "PidTagFolderId", "PR_FID");
  public static final PropTag SENDER_NAME = def(0x0C1A001F, "PidTagSenderName", "PR_SENDER_NAME");
  public static final PropTag SENDER_EMAIL_ADDRESS = def(0x0C1F001F, "PidTagSenderEmailAddress", "PR_SENDER_EMAIL_ADDRESS");
  public static final PropTag SENT_REPRESENTING_NAME = def(0x0042001F, "PidTagSentRepresentingName", "PR_SENT_REPRESENTING_NAME");
  public static final PropTag SENT_REPRESENTING_EMAIL_ADDRESS = def(0x0065001F, "PidTagSentRepresentingEmailAddress", "PR_SENT_REPRESENTING_EMAIL_ADDRESS");
  public static final PropTag RECEIVED_BY_NAME = def(0x0040001F, "PidTagReceivedByName", "PR_RECEIVED_BY_NAME");
  public static final PropTag DISPLAY_TO = def(0x0E04001F, "PidTagDisplayTo", "PR_DISPLAY_TO");
  public static final PropTag DISPLAY_CC = def(0x0E03001F, "PidTagDisplayCc", "PR_DISPLAY_CC");
  public static final PropTag DISPLAY_BCC = def(0x0E02001F, "PidTagDisplayBcc", "PR_DISPLAY_BCC");
  public static final PropTag INTERNET_MESSAGE_ID = def(0x1035001F, "PidTagInternetMessageId", "PR_INTERNET_MESSAGE_ID");
  public static final PropTag TRANSPORT_MESSAGE_HEADERS = def(0x007D001F, "PidTagTransportMessageHeaders", "PR_TRANSPORT_MESSAGE_HEADERS");
  public static final PropTag INTERNET_CODEPAGE = def(0x3FDE0003, "PidTagInternetCodepage", "PR_INTERNET_CPID");
  public static final PropTag MESSAGE_LOCALE_ID = def(0x3FF10003, "PidTagMessageLocaleId", "PR_MESSAGE_LOCALE_ID");
  public static final PropTag FLAG_STATUS = def(0x10900003, "PidTagFlagStatus", "PR_FLAG_STATUS");
  public static final PropTag ICON_INDEX = def(0x10800003, "PidTagIconIndex", "PR_ICON_INDEX");
  public static final PropTag LAST_VERB_EXECUTED = def(0x10810003, "PidTagLastVerbExecuted", "PR_LAST_VERB_EXECUTED");
  public static final PropTag LAST_VERB_EXECUTION_TIME = def(0x10820040, "PidTagLastVerbExecutionTime", "PR_LAST_VERB_EXECUTION_TIME");
  // IMAP (ADR 0028): computed from the message row, read-only.
  /** The message's IMAP UID in its folder (RFC 9051 2.3.1.1); Exchange keeps it in this property too. */
  public static final PropTag IMAP_UID = def(0x0E230003, "PidTagInternetArticleNumber", "PR_INTERNET_ARTICLE_NUMBER");
  /** The message's IMAP MODSEQ (RFC 7162): the journal position of its last change, read state included. */
  public static final PropTag IMAP_MODSEQ = def(0x67F00014, "PidTagMsgstoreModSeq", "PR_MSGSTORE_MODSEQ");
  public static final PropTag READ_RECEIPT_REQUESTED = def(0x0029000B, "PidTagReadReceiptRequested", "PR_READ_RECEIPT_REQUESTED");
  public static final PropTag ORIGINAL_SUBJECT = def(0x0049001F, "PidTagOriginalSubject", "PR_ORIGINAL_SUBJECT");
  // Conflict handling.
  public static final PropTag IN_CONFLICT = def(0x666C000B, "PidTagInConflict", "PR_IN_CONFLICT");
  public static final PropTag CONFLICT_ENTRYID = def(0x3FF00102, "PidTagConflictEntryId", "PR_CONFLICT_ENTRYID");
  public static final PropTag CONFLICT_ITEMS = def(0x10981102, "PidTagConflictItems", "PR_CONFLICT_ITEMS");
  public static final PropTag RESOLVE_METHOD = def(0x3FE70003, "PidTagResolveMethod", "PR_RESOLVE_METHOD");
  // Folders.
  public static final PropTag DISPLAY_NAME = def(0x3001001F, "PidTagDisplayName", "PR_DISPLAY_NAME");
  public static final PropTag COMMENT = def(0x3004001F, "PidTagComment", "PR_COMMENT");
  public static final PropTag CONTENT_COUNT = def(0x36020003, "PidTagContentCount", "PR_CONTENT_COUNT");
  public static final PropTag CONTENT_UNREAD_COUNT = def(0x36030003, "PidTagContentUnreadCount", "PR_CONTENT_UNREAD");
  public static final PropTag SUBFOLDERS = def(0x360A000B, "PidTagSubfolders", "PR_SUBFOLDERS");
  public static final PropTag FOLDER_CHILD_COUNT = def(0x66380003, "PidTagFolderChildCount", "PR_FOLDER_CHILD_COUNT");
  // Recipients.
  public static final PropTag ROWID = def(0x30000003, "PidTagRowid", "PR_ROWID");
  public static final PropTag RECIPIENT_TYPE = def(0x0C150003, "PidTagRecipientType", "PR_RECIPIENT_TYPE");
  public static final PropTag EMAIL_ADDRESS = def(0x3003001F, "PidTagEmailAddress", "PR_EMAIL_ADDRESS");
  public static final PropTag ADDRESS_TYPE = def(0x3002001F, "PidTagAddressType", "PR_ADDRTYPE");
  public static final PropTag SMTP_ADDRESS = def(0x39FE001F, "PidTagSmtpAddress", "PR_SMTP_ADDRESS");
  public static final PropTag MESSAGE_RECIPIENTS = def(0x0E12000D, "PidTagMessageRecipients", "PR_MESSAGE_RECIPIENTS");
  // Attachments.
  public static final PropTag MESSAGE_ATTACHMENTS = def(0x0E13000D, "PidTagMessageAttachments", "PR_MESSAGE_ATTACHMENTS");
  public static final PropTag ATTACH_NUM = def(0x0E210003, "PidTagAttachNumber", "PR_ATTACH_NUM");
  public static final PropTag ATTACH_METHOD = def(0x37050003, "PidTagAttachMethod", "PR_ATTACH_METHOD");
  public static final PropTag ATTACH_FILENAME = def(0x3704001F, "PidTagAttachFilename", "PR_ATTACH_FILENAME");
  public static final PropTag ATTACH_LONG_FILENAME = def(0x3707001F, "PidTagAttachLongFilename", "PR_ATTACH_LONG_FILENAME");
  public static final PropTag ATTACH_MIME_TAG = def(0x370E001F, "PidTagAttachMimeTag", "PR_ATTACH_MIME_TAG");
  public static final PropTag ATTACH_CONTENT_ID = def(0x3712001F, "PidTagAttachContentId", "PR_ATTACH_CONTENT_ID");
  public static final PropTag ATTACH_SIZE = def(0x0E200003, "PidTagAttachSize", "PR_ATTACH_SIZE");
  public static final PropTag ATTACH_DATA_BINARY = def(0x37010102, "PidTagAttachDataBinary", "PR_ATTACH_DATA_BIN");
  public static final PropTag ATTACH_DATA_OBJECT = def(0x3701000D, "PidTagAttachDataObject", "PR_ATTACH_DATA_OBJ");
  public static final PropTag ATTACHMENT_HIDDEN = def(0x7FFE000B, "PidTagAttachmentHidden", "PR_ATTACHMENT_HIDDEN");
  public static final PropTag RENDERING_POSITION = def(0x370B0003, "PidTagRenderingPosition", "PR_RENDERING_POSITION");

  /** PR_MESSAGE_FLAGS bits. */
  public static final int MSGFLAG_READ = 0x1;
  public static final int MSGFLAG_UNMODIFIED = 0x2;
  public static final int MSGFLAG_SUBMIT = 0x4;
  public static final int MSGFLAG_UNSENT = 0x8;
  public static final int MSGFLAG_HASATTACH = 0x10;
  public static final int MSGFLAG_FROMME = 0x20;
  public static final int MSGFLAG_ASSOCIATED = 0x40;
  /** PR_MSG_STATUS bit: marked for deletion (IMAP {@code \Deleted} before EXPUNGE). */
  public static final int MSGSTATUS_DELMARKED = 0x8;
  /** PR_LAST_VERB_EXECUTED values (IMAP {@code \Answered} is REPLY_TO_SENDER or REPLY_TO_ALL). */
  public static final int EXCHIVERB_REPLYTOSENDER = 102;
  public static final int EXCHIVERB_REPLYTOALL = 103;
  public static final int EXCHIVERB_FORWARD = 104;
  /** PR_FLAG_STATUS values (IMAP {@code \Flagged} is FOLLOWUP_FLAGGED). */
  public static final int FOLLOWUP_COMPLETE = 1;
  public static final int FOLLOWUP_FLAGGED = 2;
  /** PR_MSG_STATUS bit for a conflict message (R85). */
  public static final int MS_IN_CONFLICT = 0x800;
  /**
   * Whether an attachment counts for PidTagHasAttachments and MSGFLAG_HASATTACH: a hidden one
   * (PidTagAttachmentHidden true, such as the kept original of an imported mail) does not.
   */
  public static boolean countsAsAttachment(java.util.Collection<PropValue> attachmentProps) {
    for (PropValue p : attachmentProps) {
      if (p.tag().equals(ATTACHMENT_HIDDEN) && p.asBoolean()) {
        return false;
      }
    }
    return true;
  }

  /** PR_ATTACH_METHOD values. */
  public static final int ATTACH_BY_VALUE = 1;
  public static final int ATTACH_EMBEDDED_MSG = 5;
  /** PR_RECIPIENT_TYPE values. */
  public static final int MAPI_TO = 1;
  public static final int MAPI_CC = 2;
  public static final int MAPI_BCC = 3;
  /** PR_SENSITIVITY values, least to most restrictive. */
  public static final int SENSITIVITY_NONE = 0;
  public static final int SENSITIVITY_PERSONAL = 1;
  public static final int SENSITIVITY_PRIVATE = 2;
  public static final int SENSITIVITY_CONFIDENTIAL = 3;
  /** PR_RESOLVE_METHOD values (R86). */
  public static final int RESOLVE_METHOD_DEFAULT = 0;
  public static final int RESOLVE_METHOD_LAST_WRITER_WINS = 1;

  /**
   * Properties of a message that come from its row and the handle, never from a version: ids,
   * access, read state, status, local commit time. The store computes them.
   */
  public static final Set<PropTag> COMPUTED_FROM_ROW = Set.of(ENTRYID, PARENT_ENTRYID, STORE_ENTRYID, MID, FOLDER_ID,
      ACCESS, ACCESS_LEVEL, OBJECT_TYPE, RECORD_KEY, LOCAL_COMMIT_TIME, MESSAGE_STATUS, READ, IMAP_UID, IMAP_MODSEQ);

  /** Properties every commit writes into the new version (change key, PCL, times, size, display lists, flags). */
  public static final Set<PropTag> COMPUTED_BY_COMMIT = Set.of(CHANGE_KEY, PREDECESSOR_CHANGE_LIST, CHANGE_NUMBER,
      LAST_MODIFICATION_TIME, CREATION_TIME, LAST_MODIFIER_NAME, MESSAGE_SIZE, HAS_ATTACHMENTS, DISPLAY_TO, DISPLAY_CC,
      DISPLAY_BCC, MESSAGE_FLAGS);

  /** Clients may never set these (R32): SetProps reports MAPI_E_COMPUTED. */
  private static final Set<PropTag> ALWAYS_READ_ONLY = Set.of(CHANGE_KEY, PREDECESSOR_CHANGE_LIST, CHANGE_NUMBER,
      MESSAGE_SIZE, HAS_ATTACHMENTS, DISPLAY_TO, DISPLAY_CC, DISPLAY_BCC, LAST_MODIFIER_NAME, LAST_MODIFIER_ENTRYID,
      CREATION_TIME, ENTRYID, PARENT_ENTRYID, STORE_ENTRYID, MID, FOLDER_ID, ACCESS, ACCESS_LEVEL, OBJECT_TYPE,
      RECORD_KEY, LOCAL_COMMIT_TIME, MESSAGE_STATUS, READ, IMAP_UID, IMAP_MODSEQ, ATTACH_NUM, ATTACH_SIZE, ROWID, MESSAGE_RECIPIENTS,
      MESSAGE_ATTACHMENTS);

  /** Settable until the first save only (R32, R65, R98): afterwards SetProps reports MAPI_E_NO_ACCESS. */
  private static final Set<PropTag> READ_ONLY_AFTER_FIRST_SAVE = Set.of(LAST_MODIFICATION_TIME, MESSAGE_FLAGS);

  private PropTags() {}

  /**
   * The problem SetProps or DeleteProps reports for {@code tag} on an object that has ({@code
   * saved}) or has not been saved yet: COMPUTED for properties the store computes, NO_ACCESS for
   * those fixed by the first save (R32); empty when a client may write it. Any type of the id counts.
   */
  public static Optional<MapiError> writeProblem(PropTag tag, boolean saved) {
    for (PropTag ro : ALWAYS_READ_ONLY) {
      if (ro.id() == tag.id()) {
        return Optional.of(MapiError.COMPUTED);
      }
    }
    if (saved) {
      for (PropTag ro : READ_ONLY_AFTER_FIRST_SAVE) {
        if (ro.id() == tag.id()) {
          return Optional.of(MapiError.NO_ACCESS);
        }
      }
    }
    return Optional.empty();
  }

  private static PropTag def(int value, String canonical, String alias) {
    PropTag tag = PropTag.of(value);
    BY_NAME.put(canonical.toLowerCase(Locale.ROOT), tag);
    BY_NAME.put(alias.toLowerCase(Locale.ROOT), tag);
    CANONICAL.put(tag, canonical);
    ALIAS.put(tag, alias);
    return tag;
  }

  /** Resolves {@code PidTagSubject} or {@code PR_SUBJECT} (case-insensitive). */
  public static Optional<PropTag> byName(String name) {
    return Optional.ofNullable(BY_NAME.get(name.strip().toLowerCase(Locale.ROOT)));
  }

  /** The {@code PidTag...} name of a well-known tag. */
  public static Optional<String> canonicalName(PropTag tag) {
    return Optional.ofNullable(CANONICAL.get(tag));
  }

  /** The {@code PR_...} name of a well-known tag. */
  public static Optional<String> alias(PropTag tag) {
    return Optional.ofNullable(ALIAS.get(tag));
  }

  /** Every well-known tag. */
  public static List<PropTag> all() {
    return Collections.unmodifiableList(CANONICAL.keySet().stream().sorted().toList());
  }
}
