package msgstore.client;

import static msgstore.api.PropTags.*;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;
import msgstore.api.MessageSnapshot;
import msgstore.api.MessageSnapshot.AttachmentSnapshot;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.StoreLimits;
import msgstore.core.Props;
import msgstore.core.Views;

/**
 * What the SDK's handles compute on their own. The rules of a handle (states, the pending
 * overlay, recipient and attachment tables, read-only properties) are msgstore-core's, shared
 * with the engine (ADR 0023); what is left here is the one thing only the server knows exactly:
 * the stored size of an embedded message (docs/client.md, "Known differences").
 */
final class LocalRules {
  private LocalRules() {}

  static TreeMap<PropTag, PropValue> map(Collection<PropValue> props) {
    TreeMap<PropTag, PropValue> m = new TreeMap<>();
    for (PropValue p : props) {
      m.put(p.tag(), p);
    }
    return m;
  }

  // ---- attachments

  /** The properties of an attachment as its table row and handle show them. */
  static List<PropValue> attachmentViewProps(AttachmentSnapshot a) {
    long size = a.content().isPresent() ? a.content().get().size()
        : a.embedded().isPresent() ? embeddedSize(a.embedded().get()) : 0;
    return Views.attachment(a.attachNum(), a.props(), size, a.embedded().isPresent());
  }

  /**
   * An estimate of an embedded message's stored size (the engine uses its encoded length, which
   * only the server knows): the property values and recipient rows, plus attachment content.
   */
  static long embeddedSize(MessageSnapshot m) {
    long n = 16;
    for (PropValue p : m.props()) {
      n += 8 + StoreLimits.propertyBytes(p);
    }
    for (Recipient r : m.recipients()) {
      n += 8;
      for (PropValue p : r.props()) {
        n += 8 + StoreLimits.propertyBytes(p);
      }
    }
    for (AttachmentSnapshot a : m.attachments()) {
      n += 8;
      for (PropValue p : a.props()) {
        n += 8 + StoreLimits.propertyBytes(p);
      }
      n += a.content().map(c -> c.size()).orElse(0L);
      n += a.embedded().map(LocalRules::embeddedSize).orElse(0L);
    }
    return n;
  }

  /** A recipient row as stored: without the PR_ROWID the server's view adds. */
  static Recipient withoutRowIdProp(Recipient r) {
    List<PropValue> p = new ArrayList<>();
    for (PropValue v : r.props()) {
      if (v.tag().id() != ROWID.id()) {
        p.add(v);
      }
    }
    return new Recipient(r.rowId(), Props.sorted(p));
  }

  /** A view to be stored as a new message: times and identity-bound properties start afresh. */
  static MessageSnapshot freshCopy(MessageSnapshot c) {
    List<PropValue> p = new ArrayList<>();
    for (PropValue v : c.props()) {
      if (!PropTags.COMPUTED_FROM_ROW.contains(v.tag()) && !PropTags.COMPUTED_BY_COMMIT.contains(v.tag()) && !v.tag().equals(SEARCH_KEY)) {
        p.add(v);
      }
    }
    c.get(MESSAGE_FLAGS).ifPresent(p::add);
    return Sync.content(Props.sorted(p), c.recipients(), c.attachments());
  }
}
