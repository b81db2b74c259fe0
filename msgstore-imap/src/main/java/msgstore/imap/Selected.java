package msgstore.imap;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import msgstore.api.ContentsTable;
import msgstore.api.Folder;
import msgstore.api.MailboxState;
import msgstore.api.MessageId;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.SortOrder;
import msgstore.api.TableRow;

/**
 * The selected mailbox as this session knows it (RFC 9051 2.3.1.2): its live messages in UID
 * order, whose positions are the message sequence numbers. The view changes only when this
 * session tells the client (EXISTS, EXPUNGE or VANISHED, FETCH), in {@link #refresh}; a message
 * expunged elsewhere stays in the view, unfetchable, while EXPUNGE may not be sent (during FETCH,
 * STORE and SEARCH, RFC 9051 7.5.1).
 */
final class Selected {
  /** One message of the view: what FETCH FLAGS/UID/MODSEQ/INTERNALDATE read (ADR 0028). */
  record Msg(long uid, MessageId id, long modseq, int messageFlags, int status, int flagStatus, int lastVerb,
      List<String> keywords, Instant internalDate) {
    boolean seen() {
      return (messageFlags & PropTags.MSGFLAG_READ) != 0;
    }

    boolean deleted() {
      return (status & PropTags.MSGSTATUS_DELMARKED) != 0;
    }

    boolean draft() {
      return (messageFlags & PropTags.MSGFLAG_UNSENT) != 0;
    }

    boolean flagged() {
      return flagStatus == PropTags.FOLLOWUP_FLAGGED;
    }

    boolean answered() {
      return lastVerb == PropTags.EXCHIVERB_REPLYTOSENDER || lastVerb == PropTags.EXCHIVERB_REPLYTOALL;
    }

    /** The flag list, e.g. {@code (\Seen \Flagged work)}. */
    String flags() {
      List<String> f = new ArrayList<>();
      if (answered()) {
        f.add("\\Answered");
      }
      if (flagged()) {
        f.add("\\Flagged");
      }
      if (deleted()) {
        f.add("\\Deleted");
      }
      if (seen()) {
        f.add("\\Seen");
      }
      if (draft()) {
        f.add("\\Draft");
      }
      f.addAll(keywords);
      return "(" + String.join(" ", f) + ")";
    }
  }

  private static final int PAGE = 2000;
  final Folder folder;
  final boolean readOnly;
  final PropTag keywordsTag;
  final long uidValidity;
  private final List<PropTag> columns;
  /** The view, in UID order. */
  private final List<Msg> view = new ArrayList<>();
  /** UIDs of the view that are gone from the store but not yet reported. */
  private final Set<Long> gone = new HashSet<>();
  private long highestModseq;
  private long uidNext;

  Selected(Folder folder, boolean readOnly, PropTag keywordsTag) {
    this.folder = folder;
    this.readOnly = readOnly;
    this.keywordsTag = keywordsTag;
    this.columns = List.of(PropTags.IMAP_UID, PropTags.IMAP_MODSEQ, PropTags.MESSAGE_FLAGS, PropTags.MESSAGE_STATUS,
        PropTags.FLAG_STATUS, PropTags.LAST_VERB_EXECUTED, keywordsTag, PropTags.MESSAGE_DELIVERY_TIME);
    MailboxState s = folder.mailboxState();
    this.uidValidity = s.uidValidity();
    this.highestModseq = s.highestModseq();
    this.uidNext = s.uidNext();
    view.addAll(readAll().values());
    view.sort((a, b) -> Long.compare(a.uid(), b.uid()));
  }

  int exists() {
    return view.size();
  }

  long highestModseq() {
    return highestModseq;
  }

  long uidNext() {
    return uidNext;
  }

  List<Msg> view() {
    return Collections.unmodifiableList(view);
  }

  boolean isGone(Msg m) {
    return gone.contains(m.uid());
  }

  /** The message's sequence number (1-based), or 0 when it is not in the view. */
  int seqOf(long uid) {
    int lo = 0;
    int hi = view.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      long u = view.get(mid).uid();
      if (u < uid) {
        lo = mid + 1;
      } else if (u > uid) {
        hi = mid - 1;
      } else {
        return mid + 1;
      }
    }
    return 0;
  }

  /** The messages a sequence set names, in view order; numbers past the end are BAD (RFC 9051 9 seq-number). */
  List<Msg> resolve(SequenceSet set, boolean byUid) {
    List<Msg> out = new ArrayList<>();
    if (view.isEmpty()) {
      if (!byUid) {
        throw new BadCommand("the mailbox is empty: no message sequence numbers are valid");
      }
      return out;
    }
    if (byUid) {
      long largest = view.get(view.size() - 1).uid();
      for (Msg m : view) {
        if (set.contains(m.uid(), largest)) {
          out.add(m);
        }
      }
      return out;
    }
    for (long[] r : set.ranges()) {
      long hi = r[1] == SequenceSet.STAR ? view.size() : r[1];
      long lo = r[0] == SequenceSet.STAR ? view.size() : r[0];
      if (Math.max(lo, hi) > view.size()) {
        throw new BadCommand("message sequence number " + Math.max(lo, hi) + " is past the last one (" + view.size() + ")");
      }
    }
    for (int i = 0; i < view.size(); i++) {
      if (set.contains(i + 1, view.size())) {
        out.add(view.get(i));
      }
    }
    return out;
  }

  /**
   * Replaces one message's state after this session changed it (STORE), so refresh does not repeat
   * it. The known HIGHESTMODSEQ stays: a change elsewhere with a lower MODSEQ may still be unseen.
   */
  void update(Msg m) {
    int seq = seqOf(m.uid());
    if (seq > 0) {
      view.set(seq - 1, m);
    }
  }

  /** Reads every message of the folder, by UID (one decode per message: SELECT, and finding expunges). */
  Map<Long, Msg> readAll() {
    ContentsTable t = folder.contentsTable().setColumns(columns).sortBy(List.of(SortOrder.ascending(PropTags.IMAP_UID)));
    Map<Long, Msg> out = new HashMap<>();
    for (int offset = 0;; offset += PAGE) {
      List<TableRow> rows = t.queryRows(offset, PAGE);
      for (TableRow r : rows) {
        Msg m = msg(r);
        out.put(m.uid(), m);
      }
      if (rows.size() < PAGE) {
        return out;
      }
    }
  }

  /**
   * Reads the messages whose MODSEQ is above {@code since}, by UID: the table sorted by MODSEQ,
   * newest first, read page by page until a page reaches {@code since}. The sort is done by the
   * storage on the row column (no restriction, which would decode every message), so this costs
   * about one decode per changed message.
   */
  Map<Long, Msg> readSince(long since) {
    ContentsTable t = folder.contentsTable().setColumns(columns)
        .sortBy(List.of(SortOrder.descending(PropTags.IMAP_MODSEQ)));
    Map<Long, Msg> out = new HashMap<>();
    int page = 2;
    for (int offset = 0;; offset += page, page = Math.min(PAGE, page * 4)) {
      List<TableRow> rows = t.queryRows(offset, page);
      for (TableRow r : rows) {
        Msg m = msg(r);
        if (m.modseq() <= since) {
          return out;
        }
        out.put(m.uid(), m);
      }
      if (rows.size() < page) {
        return out;
      }
    }
  }

  /** The current state of one message of the view after this session wrote it at MODSEQ {@code written}. */
  Msg reread(Msg m, long written) {
    return readSince(written - 1).getOrDefault(m.uid(), m);
  }

  /** The IMAP UID (PR_INTERNET_ARTICLE_NUMBER, PT_LONG: an unsigned 32-bit number). */
  static long uid(msgstore.api.PropReader r) {
    return r.getInt(PropTags.IMAP_UID).map(Integer::toUnsignedLong).orElse(0L);
  }

  private Msg msg(TableRow r) {
    @SuppressWarnings("unchecked")
    List<String> kw = r.get(keywordsTag).map(v -> (List<String>) v.value()).orElse(List.of());
    return new Msg(
        uid(r),
        r.messageId(),
        r.getLong(PropTags.IMAP_MODSEQ).orElse(0L),
        r.getInt(PropTags.MESSAGE_FLAGS).orElse(0),
        r.getInt(PropTags.MESSAGE_STATUS).orElse(0),
        r.getInt(PropTags.FLAG_STATUS).orElse(0),
        r.getInt(PropTags.LAST_VERB_EXECUTED).orElse(0),
        kw.stream().filter(Selected::isKeyword).toList(),
        r.getInstant(PropTags.MESSAGE_DELIVERY_TIME).orElse(Instant.EPOCH));
  }

  /** A keyword that can be an IMAP flag atom (Outlook categories may have spaces; those are not shown). */
  static boolean isKeyword(String k) {
    if (k.isEmpty() || k.startsWith("\\")) {
      return false;
    }
    for (int i = 0; i < k.length(); i++) {
      char c = k.charAt(i);
      if (c <= ' ' || c >= 0x7f || "(){%*\"\\]".indexOf(c) >= 0) {
        return false;
      }
    }
    return true;
  }

  /** What changed since the view was last told, as the client must hear it. */
  record Changes(List<Long> expunged, int exists, List<Msg> changed) {}

  /**
   * Brings the view up to the store: messages gone are removed when {@code allowExpunge} (their
   * UIDs returned, for EXPUNGE or VANISHED), new ones appended (EXISTS), changed ones returned for
   * an unsolicited FETCH. Nothing is read when the mailbox's HIGHESTMODSEQ and UIDNEXT did not move.
   */
  Changes refresh(boolean allowExpunge) {
    MailboxState s = folder.mailboxState();
    if (s.highestModseq() == highestModseq && s.uidNext() == uidNext && (gone.isEmpty() || !allowExpunge)) {
      return new Changes(List.of(), -1, List.of());
    }
    if (gone.isEmpty()) {
      Changes c = refreshChanged(s);
      if (c != null) {
        return c;
      }
    }
    Map<Long, Msg> now = readAll();
    List<Long> expunged = new ArrayList<>();
    List<Msg> changed = new ArrayList<>();
    List<Msg> next = new ArrayList<>(view.size());
    long lastUid = 0;
    for (Msg m : view) {
      Msg n = now.remove(m.uid());
      lastUid = Math.max(lastUid, m.uid());
      if (n == null) {
        if (allowExpunge) {
          expunged.add(m.uid());
          gone.remove(m.uid());
          continue;
        }
        gone.add(m.uid());
        next.add(m);
        continue;
      }
      if (n.modseq() != m.modseq()) {
        changed.add(n);
      }
      next.add(n);
    }
    int before = next.size();
    List<Msg> arrived = new ArrayList<>(now.values());
    arrived.sort((a, b) -> Long.compare(a.uid(), b.uid()));
    for (Msg m : arrived) {
      if (m.uid() > lastUid) {
        next.add(m);
      }
    }
    view.clear();
    view.addAll(next);
    highestModseq = Math.max(highestModseq, s.highestModseq());
    uidNext = s.uidNext();
    return new Changes(expunged, next.size() > before ? next.size() : -1, changed); // EXISTS never tells of fewer
  }

  /**
   * The common case, read cheaply: only the messages whose MODSEQ is above the known
   * HIGHESTMODSEQ (changed or new). When the folder's count says some message also left it, null:
   * the caller reads the whole folder to find which.
   */
  private Changes refreshChanged(MailboxState s) {
    Map<Long, Msg> since = readSince(highestModseq);
    long lastUid = view.isEmpty() ? 0 : view.get(view.size() - 1).uid();
    List<Msg> arrived = new ArrayList<>();
    List<Msg> changed = new ArrayList<>();
    for (Msg m : since.values()) {
      if (m.uid() > lastUid) {
        arrived.add(m);
      } else {
        int seq = seqOf(m.uid());
        if (seq > 0 && view.get(seq - 1).modseq() != m.modseq()) {
          changed.add(m);
        }
      }
    }
    if (s.messages() != view.size() + arrived.size()) {
      return null;
    }
    changed.sort((a, b) -> Long.compare(a.uid(), b.uid()));
    changed.forEach(this::update);
    arrived.sort((a, b) -> Long.compare(a.uid(), b.uid()));
    view.addAll(arrived);
    highestModseq = Math.max(highestModseq, s.highestModseq());
    uidNext = s.uidNext();
    return new Changes(List.of(), arrived.isEmpty() ? -1 : view.size(), changed);
  }

  /** The UIDs in {@code known} (all below UIDNEXT when null) that are not live (ADR 0028 VANISHED). */
  List<Long> vanished(SequenceSet known) {
    Set<Long> live = new HashSet<>();
    view.stream().filter(m -> !gone.contains(m.uid())).forEach(m -> live.add(m.uid()));
    List<Long> out = new ArrayList<>();
    long largest = uidNext - 1;
    if (known == null) {
      for (long u = 1; u < uidNext; u++) {
        if (!live.contains(u)) {
          out.add(u);
        }
      }
      return out;
    }
    for (long[] r : known.ranges()) {
      long lo = r[0] == SequenceSet.STAR ? largest : r[0];
      long hi = Math.min(r[1] == SequenceSet.STAR ? largest : r[1], largest);
      for (long u = lo; u <= hi; u++) {
        if (!live.contains(u)) {
          out.add(u);
        }
      }
    }
    return out.stream().distinct().sorted().toList();
  }

  static PropValue keywordsValue(PropTag tag, List<String> keywords) {
    return PropValue.of(tag, List.copyOf(keywords));
  }
}
