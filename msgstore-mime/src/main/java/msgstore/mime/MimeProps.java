package msgstore.mime;

import msgstore.api.PropTag;

/**
 * Property tags of the [MS-OXCMAIL] mapping that {@link msgstore.api.PropTags} does not list, and
 * the three msgstore-mime bookkeeping tags of the fidelity rule (ADR 0017).
 */
public final class MimeProps {
  private MimeProps() {}

  // [MS-OXPROPS] tags used by the mapping.
  public static final PropTag SENDER_ADDRESS_TYPE = PropTag.of(0x0C1E001F);
  public static final PropTag SENDER_SMTP_ADDRESS = PropTag.of(0x5D01001F);
  public static final PropTag SENT_REPRESENTING_ADDRESS_TYPE = PropTag.of(0x0064001F);
  public static final PropTag SENT_REPRESENTING_SMTP_ADDRESS = PropTag.of(0x5D02001F);
  public static final PropTag IN_REPLY_TO_ID = PropTag.of(0x1042001F);
  public static final PropTag INTERNET_REFERENCES = PropTag.of(0x1039001F);
  public static final PropTag ATTACH_CONTENT_LOCATION = PropTag.of(0x3713001F);
  public static final PropTag ATTACH_FLAGS = PropTag.of(0x37140003);
  public static final PropTag ATTACHMENT_HIDDEN = PropTag.of(0x7FFE000B);
  public static final PropTag TEXT_ATTACHMENT_CHARSET = PropTag.of(0x371B001F);
  public static final PropTag ATTACH_EXTENSION = PropTag.of(0x3703001F);

  /** PidTagAttachFlags bit: the attachment is referenced by the HTML body (multipart/related, Content-ID). */
  public static final int ATT_MHTML_REF = 0x4;

  // msgstore-mime's own tags, in the user-defined non-transmittable range 0x6000-0x65FF
  // (ADR 0017: fixed tags, because a Folder handle offers no Session for named properties).

  /** On the hidden attachment holding the original bytes: the hex SHA-256 of those bytes. */
  public static final PropTag ORIGINAL_SHA256 = PropTag.of(0x6401001F);
  /** On the message: the hex SHA-256 of the original bytes (the import identity with the Message-ID). */
  public static final PropTag SOURCE_SHA256 = PropTag.of(0x6402001F);
  /** On the message: the fingerprint of the mapped content at import time (see {@code Fingerprint}). */
  public static final PropTag SOURCE_FINGERPRINT = PropTag.of(0x6403001F);
}
