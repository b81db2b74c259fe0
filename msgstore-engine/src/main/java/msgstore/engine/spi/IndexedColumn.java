package msgstore.engine.spi;

import msgstore.api.PropTag;
import msgstore.api.PropTags;

/**
 * The message columns a backend keeps for contents tables, with the property each mirrors; sorting
 * on them decodes no version. The IMAP numbers (ADR 0028) are kept but not indexed.
 */
public enum IndexedColumn {
  DELIVERY_TIME(PropTags.MESSAGE_DELIVERY_TIME),
  LAST_MODIFICATION_TIME(PropTags.LAST_MODIFICATION_TIME),
  SUBJECT(PropTags.SUBJECT),
  SENDER_NAME(PropTags.SENDER_NAME),
  MESSAGE_SIZE(PropTags.MESSAGE_SIZE),
  IMPORTANCE(PropTags.IMPORTANCE),
  MESSAGE_CLASS(PropTags.MESSAGE_CLASS),
  IMAP_UID(PropTags.IMAP_UID),
  IMAP_MODSEQ(PropTags.IMAP_MODSEQ);

  private final PropTag tag;

  IndexedColumn(PropTag tag) {
    this.tag = tag;
  }

  public PropTag tag() {
    return tag;
  }

  /** The column mirroring a property, if any. */
  public static java.util.Optional<IndexedColumn> of(PropTag tag) {
    for (IndexedColumn c : values()) {
      if (c.tag.equals(tag)) {
        return java.util.Optional.of(c);
      }
    }
    return java.util.Optional.empty();
  }
}
