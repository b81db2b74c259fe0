package msgstore.imap;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import msgstore.api.FlagChange;
import msgstore.api.MapiError;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.StoreException;

/**
 * STORE and UID STORE (RFC 9051 6.4.6) with UNCHANGEDSINCE (RFC 7162 3.1.3). Each message is one
 * {@code Session.storeFlags} call, whose MODSEQ precondition the storage checks inside its write
 * (ADR 0028): a message changed since the client's MODSEQ is not written and is reported in
 * {@code [MODIFIED ...]}. Without UNCHANGEDSINCE the store is forced, except that a change of
 * keywords (a list property) is made against the keyword list it was computed from, and computed
 * again when that list changed meanwhile.
 */
final class Store {
  enum Mode {
    ADD,
    REMOVE,
    REPLACE
  }

  private static final int KEYWORD_RETRIES = 5;
  private final ImapSession s;
  private final boolean byUid;
  private final Parser p;

  Store(ImapSession s, boolean byUid, Parser p) {
    this.s = s;
    this.byUid = byUid;
    this.p = p;
  }

  String run() {
    p.sp();
    SequenceSet set = p.sequenceSet();
    p.sp();
    long unchangedSince = -1;
    if (p.peek('(')) {
      p.open();
      String m = p.atom().toUpperCase(Locale.ROOT);
      if (!m.equals("UNCHANGEDSINCE")) {
        throw new BadCommand("unknown STORE modifier " + m);
      }
      p.sp();
      unchangedSince = p.number();
      p.close();
      p.sp();
      s.condstore = true; // RFC 7162 3.1: UNCHANGEDSINCE enables CONDSTORE
    }
    String op = p.atom().toUpperCase(Locale.ROOT);
    Mode mode = op.startsWith("+") ? Mode.ADD : op.startsWith("-") ? Mode.REMOVE : Mode.REPLACE;
    String bare = mode == Mode.REPLACE ? op : op.substring(1);
    boolean silent = bare.equals("FLAGS.SILENT");
    if (!silent && !bare.equals("FLAGS")) {
      throw new BadCommand("expected FLAGS, +FLAGS or -FLAGS (.SILENT), got " + op);
    }
    p.sp();
    List<String> flags = new ArrayList<>();
    if (p.peek('(')) {
      p.open();
      while (!p.skip(')')) {
        p.skip(' ');
        flags.add(ImapSession.flagAtom(p));
      }
    } else {
      flags.add(ImapSession.flagAtom(p));
      while (p.skip(' ')) {
        flags.add(ImapSession.flagAtom(p));
      }
    }
    p.end();
    s.requireWritable();
    s.updates(!byUid);
    Selected sel = s.selected;
    List<Selected.Msg> msgs = sel.resolve(set, byUid);
    List<Long> modified = new ArrayList<>();
    List<Selected.Msg> stored = new ArrayList<>();
    long firstWritten = Long.MAX_VALUE;
    for (Selected.Msg m : msgs) {
      if (sel.isGone(m)) {
        continue;
      }
      if (unchangedSince >= 0 && m.modseq() > unchangedSince) {
        modified.add(byUid ? m.uid() : (long) sel.seqOf(m.uid())); // known already to be changed
        continue;
      }
      Optional<Long> written = write(sel, m, flags, mode, unchangedSince);
      if (written.isEmpty()) {
        modified.add(byUid ? m.uid() : (long) sel.seqOf(m.uid()));
      } else if (written.get() >= 0) {
        stored.add(m);
        if (written.get() > m.modseq()) { // else nothing changed (the flags were already so)
          firstWritten = Math.min(firstWritten, written.get());
        }
      }
    }
    if (!stored.isEmpty()) {
      Map<Long, Selected.Msg> now = firstWritten == Long.MAX_VALUE ? Map.of() : sel.readSince(firstWritten - 1);
      for (Selected.Msg m : stored) {
        Selected.Msg n = now.getOrDefault(m.uid(), m);
        sel.update(n);
        Out o = new Out().raw("* " + sel.seqOf(n.uid()) + " FETCH (");
        List<String> parts = new ArrayList<>();
        if (!silent) {
          parts.add("FLAGS " + n.flags());
        }
        if (byUid || (silent && s.condstore)) {
          parts.add("UID " + n.uid());
        }
        if (s.condstore) {
          parts.add("MODSEQ (" + n.modseq() + ")");
        }
        if (!silent || s.condstore) {
          s.conn().send(o.raw(String.join(" ", parts) + ")").crlf());
        }
      }
    }
    if (!modified.isEmpty()) {
      modified.sort(Long::compare);
      return "OK [MODIFIED " + SequenceSet.format(modified) + "] conditional STORE failed";
    }
    return "OK STORE completed";
  }

  /**
   * Writes one message's flags; empty when its MODSEQ is above {@code unchangedSince} (MODIFIED),
   * -1 when it was expunged meanwhile, else its new MODSEQ.
   */
  private Optional<Long> write(Selected sel, Selected.Msg m, List<String> flags, Mode mode, long unchangedSince) {
    boolean keywords = flags.stream().anyMatch(f -> !f.startsWith("\\")) || mode == Mode.REPLACE;
    Selected.Msg base = m;
    for (int attempt = 0;; attempt++) {
      long condition = unchangedSince;
      if (keywords) {
        condition = unchangedSince < 0 ? base.modseq() : Math.min(unchangedSince, base.modseq());
      }
      try {
        return Optional.of(s.session.storeFlags(m.id(), change(flags, mode, base, s.keywordsTag()), condition).modseq());
      } catch (StoreException e) {
        if (e.error() == MapiError.NOT_FOUND || e.error() == MapiError.OBJECT_DELETED) {
          return Optional.of(-1L);
        }
        if (e.error() != MapiError.OBJECT_CHANGED) {
          throw e;
        }
        if (!keywords || attempt >= KEYWORD_RETRIES) {
          if (keywords && unchangedSince < 0) {
            throw new StoreException(MapiError.BUSY, "the keywords of UID " + m.uid() + " kept changing; try again");
          }
          return Optional.empty();
        }
        Selected.Msg now = sel.readSince(base.modseq()).get(m.uid());
        if (now == null) {
          return Optional.of(-1L);
        }
        if (unchangedSince >= 0 && now.modseq() > unchangedSince) {
          return Optional.empty();
        }
        base = now;
      }
    }
  }

  /** The flag change a STORE of {@code flags} makes on a message now like {@code current} (null: a new message). */
  static FlagChange change(List<String> flags, Mode mode, Selected.Msg current, PropTag keywordsTag) {
    Set<String> system = new LinkedHashSet<>();
    Set<String> keywords = new LinkedHashSet<>();
    for (String f : flags) {
      if (f.startsWith("\\")) {
        String sf = f.toLowerCase(Locale.ROOT);
        if (!List.of("\\seen", "\\deleted", "\\draft", "\\flagged", "\\answered").contains(sf)) {
          throw new BadCommand("unknown system flag " + f + " (\\Recent cannot be stored)");
        }
        system.add(sf);
      } else {
        if (!Selected.isKeyword(f)) {
          throw new BadCommand("invalid keyword " + f);
        }
        keywords.add(f);
      }
    }
    boolean on = mode != Mode.REMOVE;
    FlagChange c = FlagChange.none();
    List<PropValue> set = new ArrayList<>();
    List<PropTag> delete = new ArrayList<>();
    for (String f : List.of("\\seen", "\\deleted", "\\draft", "\\flagged", "\\answered")) {
      boolean named = system.contains(f);
      if (!named && mode != Mode.REPLACE) {
        continue;
      }
      boolean value = named ? on : false;
      switch (f) {
        case "\\seen" -> c = c.withRead(value);
        case "\\deleted" -> c = c.withDeleteMark(value);
        case "\\draft" -> {
          if (named || current == null || current.draft() != value) {
            c = c.withDraft(value);
          }
        }
        case "\\flagged" -> {
          if (value) {
            set.add(PropValue.of(PropTags.FLAG_STATUS, PropTags.FOLLOWUP_FLAGGED));
          } else if (named || current == null || current.flagStatus() != 0) {
            delete.add(PropTags.FLAG_STATUS);
          }
        }
        case "\\answered" -> {
          if (value) {
            set.add(PropValue.of(PropTags.LAST_VERB_EXECUTED, PropTags.EXCHIVERB_REPLYTOSENDER));
          } else if (named || current == null || current.answered()) {
            delete.add(PropTags.LAST_VERB_EXECUTED);
          }
        }
        default -> throw new IllegalStateException(f);
      }
    }
    if (!keywords.isEmpty() || mode == Mode.REPLACE) {
      Set<String> now = new LinkedHashSet<>(current == null ? List.of() : current.keywords());
      switch (mode) {
        case ADD -> now.addAll(keywords);
        case REMOVE -> now.removeAll(keywords);
        case REPLACE -> {
          now.clear();
          now.addAll(keywords);
        }
        default -> throw new IllegalStateException();
      }
      if (now.isEmpty()) {
        if (current != null && !current.keywords().isEmpty()) {
          delete.add(keywordsTag);
        }
      } else if (current == null || !new LinkedHashSet<>(current.keywords()).equals(now)) {
        set.add(Selected.keywordsValue(keywordsTag, List.copyOf(now)));
      }
    }
    return c.withSet(set).withDelete(delete);
  }
}
