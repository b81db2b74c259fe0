package msgstore.engine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import msgstore.api.ContentRef;
import msgstore.api.MessageSnapshot;
import msgstore.api.MessageSnapshot.AttachmentSnapshot;
import msgstore.api.PropTag;
import msgstore.api.PropValue;
import msgstore.api.Recipient;

/**
 * The transacted content of one message version (or of a handle's view): properties, recipient
 * rows and attachments. Immutable; lists are sorted (properties by tag, recipients by row id,
 * attachments by number).
 */
record Content(List<PropValue> props, List<Recipient> recipients, List<Attach> attachments) {
  static final Content EMPTY = new Content(List.of(), List.of(), List.of());

  Content {
    props = List.copyOf(props);
    recipients = List.copyOf(recipients);
    attachments = List.copyOf(attachments);
  }

  /** One attachment: its number, properties, binary content and/or embedded message. */
  record Attach(int num, List<PropValue> props, ContentRef content, Content embedded) {
    Attach {
      props = List.copyOf(props);
    }

    Optional<PropValue> get(PropTag tag) {
      return find(props, tag);
    }

    AttachmentSnapshot snapshot() {
      return new AttachmentSnapshot(num, props, Optional.ofNullable(content),
          Optional.ofNullable(embedded).map(e -> e.snapshot(null)));
    }

    static Attach of(AttachmentSnapshot s) {
      return new Attach(s.attachNum(), s.props(), s.content().orElse(null),
          s.embedded().map(Content::of).orElse(null));
    }
  }

  Optional<PropValue> get(PropTag tag) {
    return find(props, tag);
  }

  static Optional<PropValue> find(List<PropValue> props, PropTag tag) {
    for (PropValue p : props) {
      if (p.tag().equals(tag)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** The properties as a sorted map, for editing. */
  TreeMap<PropTag, PropValue> propMap() {
    TreeMap<PropTag, PropValue> m = new TreeMap<>();
    for (PropValue p : props) {
      m.put(p.tag(), p);
    }
    return m;
  }

  Content withProps(Collection<PropValue> newProps) {
    return new Content(sorted(newProps), recipients, attachments);
  }

  static List<PropValue> sorted(Collection<PropValue> values) {
    TreeMap<PropTag, PropValue> m = new TreeMap<>();
    for (PropValue p : values) {
      m.put(p.tag(), p);
    }
    return new ArrayList<>(m.values());
  }

  /** Every blob this content refers to, embedded messages included. */
  void collectBlobs(List<String> out) {
    for (Attach a : attachments) {
      if (a.content() != null) {
        out.add(a.content().sha256());
      }
      if (a.embedded() != null) {
        a.embedded().collectBlobs(out);
      }
    }
  }

  long attachmentBytes() {
    long n = 0;
    for (Attach a : attachments) {
      if (a.content() != null) {
        n += a.content().size();
      }
      if (a.embedded() != null) {
        n += a.embedded().attachmentBytes();
      }
    }
    return n;
  }

  MessageSnapshot snapshot(SnapshotIds ids) {
    SnapshotIds i = ids == null ? SnapshotIds.NONE : ids;
    return new MessageSnapshot(Optional.ofNullable(i.id()), Optional.ofNullable(i.folder()),
        Optional.ofNullable(i.cn()), Optional.ofNullable(i.changeKey()), props, recipients,
        attachments.stream().map(Attach::snapshot).toList());
  }

  static Content of(MessageSnapshot s) {
    return new Content(sorted(s.props()), s.recipients(), s.attachments().stream().map(Attach::of).toList());
  }

  /** Identity fields of a snapshot. */
  record SnapshotIds(msgstore.api.MessageId id, msgstore.api.FolderId folder, msgstore.api.ChangeNumber cn,
      msgstore.api.ChangeKey changeKey) {
    static final SnapshotIds NONE = new SnapshotIds(null, null, null, null);
  }
}
