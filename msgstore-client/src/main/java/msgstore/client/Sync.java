package msgstore.client;

import static msgstore.api.PropTags.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import msgstore.api.MessageSnapshot;
import msgstore.api.MessageSnapshot.AttachmentSnapshot;
import msgstore.api.OpenFlag;
import msgstore.api.PropTag;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.RecipientOp;
import msgstore.protocol.Op;

/**
 * Ops that bring a server-side handle from a state the client knows to the state of a client
 * handle. Used where the log cannot simply repeat calls: a child handle that outlived a save of
 * its message (its server-side handle is gone, {@link RemoteAttachment#bind}), and CopyTo.
 */
final class Sync {
  static final MessageSnapshot NEW_EMBEDDED = content(List.of(PropValue.of(MESSAGE_CLASS, "IPM.Note")), List.of(),
      List.of());

  private Sync() {}

  static MessageSnapshot content(List<PropValue> props, List<Recipient> recipients, List<AttachmentSnapshot> atts) {
    return new MessageSnapshot(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), props,
        recipients, atts);
  }

  static AttachmentSnapshot emptyAttachment(int num) {
    return new AttachmentSnapshot(num, List.of(), Optional.empty(), Optional.empty());
  }

  /** The attachment number a fresh server handle on {@code m} assigns next. */
  static int nextAttachNum(MessageSnapshot m) {
    return m.attachments().stream().mapToInt(AttachmentSnapshot::attachNum).max().orElse(-1) + 1;
  }

  /** Property ops from {@code from} to {@code to}: deletions, then the values that differ. */
  static void props(OpLog log, int w, List<PropValue> from, List<PropValue> to) {
    TreeMap<PropTag, PropValue> f = LocalRules.map(from);
    TreeMap<PropTag, PropValue> t = LocalRules.map(to);
    List<PropTag> delete = new ArrayList<>();
    for (PropTag tag : f.keySet()) {
      if (!t.containsKey(tag)) {
        delete.add(tag);
      }
    }
    List<PropValue> set = new ArrayList<>();
    for (PropValue v : t.values()) {
      if (!v.equals(f.get(v.tag()))) {
        set.add(v);
      }
    }
    if (!delete.isEmpty()) {
      log.add(new Op.DeleteProps(w, delete));
    }
    if (!set.isEmpty()) {
      log.add(new Op.SetProps(w, set));
    }
  }

  /**
   * Ops turning the message handle {@code w} (state {@code from}; its next attachment number in
   * {@code next[0]}) into {@code to}.
   */
  static void message(OpLog log, int w, MessageSnapshot from, MessageSnapshot to, int[] next) {
    props(log, w, from.props(), to.props());
    recipients(log, w, from.recipients(), to.recipients());
    TreeMap<Integer, AttachmentSnapshot> fa = new TreeMap<>();
    from.attachments().forEach(a -> fa.put(a.attachNum(), a));
    TreeMap<Integer, AttachmentSnapshot> ta = new TreeMap<>();
    to.attachments().forEach(a -> ta.put(a.attachNum(), a));
    for (int num : fa.keySet()) {
      if (!ta.containsKey(num)) {
        log.add(new Op.DeleteAttachment(w, num));
      }
    }
    for (AttachmentSnapshot t : ta.values()) {
      AttachmentSnapshot f = fa.get(t.attachNum());
      if (t.equals(f)) {
        continue;
      }
      int a;
      if (f != null) {
        a = log.alloc();
        log.add(new Op.OpenAttachment(w, t.attachNum(), Set.of(OpenFlag.MODIFY), a));
      } else {
        burn(log, w, next, t.attachNum());
        a = log.alloc();
        log.add(new Op.CreateAttachment(w, a));
        next[0]++;
        f = emptyAttachment(t.attachNum());
      }
      attachment(log, a, f, t);
      log.add(new Op.SaveChanges(a, Set.of()));
    }
  }

  /** Creates and drops attachments on {@code w} until its next number is {@code num}. */
  static void burn(OpLog log, int w, int[] next, int num) {
    while (next[0] < num) {
      int x = log.alloc();
      log.add(new Op.CreateAttachment(w, x));
      log.add(new Op.Close(x));
      next[0]++;
    }
  }

  private static void recipients(OpLog log, int w, List<Recipient> from, List<Recipient> to) {
    if (from.equals(to)) {
      return;
    }
    TreeMap<Integer, Recipient> f = new TreeMap<>();
    from.forEach(r -> f.put(r.rowId(), r));
    TreeMap<Integer, Recipient> t = new TreeMap<>();
    to.forEach(r -> t.put(r.rowId(), r));
    List<Recipient> remove = new ArrayList<>();
    List<Recipient> modify = new ArrayList<>();
    List<Recipient> add = new ArrayList<>();
    for (Recipient r : f.values()) {
      if (!t.containsKey(r.rowId())) {
        remove.add(new Recipient(r.rowId(), List.of()));
      }
    }
    for (Recipient r : t.values()) {
      Recipient old = f.get(r.rowId());
      if (old == null) {
        add.add(r);
      } else if (!old.equals(r)) {
        modify.add(r);
      }
    }
    if (!remove.isEmpty()) {
      log.add(new Op.ModifyRecipients(w, RecipientOp.REMOVE, remove));
    }
    if (!modify.isEmpty()) {
      log.add(new Op.ModifyRecipients(w, RecipientOp.MODIFY, modify));
    }
    if (!add.isEmpty()) {
      log.add(new Op.ModifyRecipients(w, RecipientOp.ADD, add));
    }
  }

  /** Ops turning the attachment handle {@code w} (state {@code from}) into {@code to}. */
  static void attachment(OpLog log, int w, AttachmentSnapshot from, AttachmentSnapshot to) {
    List<PropValue> serverProps = new ArrayList<>(from.props());
    Optional<MessageSnapshot> serverEmbedded = from.embedded();
    if (!Objects.equals(from.content(), to.content())) {
      if (to.content().isPresent()) {
        log.add(new Op.WriteContent(w, to.content().get()));
        serverProps.removeIf(p -> p.tag().id() == ATTACH_METHOD.id());
        serverProps.add(PropValue.of(ATTACH_METHOD, ATTACH_BY_VALUE));
        serverEmbedded = Optional.empty();
      } else {
        log.add(new Op.DeleteProps(w, List.of(ATTACH_DATA_BINARY)));
      }
    }
    if (to.embedded().isPresent() && !to.embedded().equals(serverEmbedded)) {
      int e = log.alloc();
      log.add(new Op.OpenEmbeddedMessage(w, Set.of(OpenFlag.MODIFY), e));
      MessageSnapshot start = serverEmbedded.orElse(NEW_EMBEDDED);
      message(log, e, start, to.embedded().get(), new int[] {nextAttachNum(start)});
      log.add(new Op.SaveChanges(e, Set.of()));
      serverProps.removeIf(p -> p.tag().id() == ATTACH_METHOD.id());
      serverProps.add(PropValue.of(ATTACH_METHOD, ATTACH_EMBEDDED_MSG));
    }
    props(log, w, serverProps, to.props());
  }
}
