package msgstore.imap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;
import org.apache.james.mime4j.field.DefaultFieldParser;
import org.apache.james.mime4j.dom.field.DateTimeField;

/**
 * SEARCH and UID SEARCH (RFC 9051 6.4.4) with MODSEQ (RFC 7162 3.1.5) and ESEARCH results
 * (RFC 4731: RETURN (MIN MAX COUNT ALL)). Flags, UIDs, MODSEQs, sizes and internal dates are
 * evaluated on the view; header and text keys read the message (decoded header values, raw body
 * octets, case-insensitively).
 */
final class Search {
  /** What a key looks at. */
  private final class Ctx {
    final Selected.Msg msg;
    final int seq;
    private MimePart mime;

    Ctx(Selected.Msg msg, int seq) {
      this.msg = msg;
      this.seq = seq;
    }

    MimePart mime() {
      if (mime == null) {
        try {
          mime = s.cache.get(s.session, msg);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return mime;
    }
  }

  private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("d-MMM-yyyy", Locale.ROOT);
  private final ImapSession s;
  private final boolean byUid;
  private final Parser p;
  private final String tag;
  private boolean modseqKey;

  Search(ImapSession s, boolean byUid, Parser p, String tag) {
    this.s = s;
    this.byUid = byUid;
    this.p = p;
    this.tag = tag;
  }

  String run() {
    p.sp();
    List<String> returns = null;
    String first = p.peek('(') ? "" : peekKeyword();
    if (first.equals("RETURN")) {
      p.keyword();
      p.sp();
      p.open();
      returns = new ArrayList<>();
      while (!p.skip(')')) {
        p.skip(' ');
        String r = p.atom().toUpperCase(Locale.ROOT);
        if (!List.of("MIN", "MAX", "COUNT", "ALL").contains(r)) {
          throw new BadCommand("unknown SEARCH RETURN option " + r);
        }
        returns.add(r);
      }
      if (returns.isEmpty()) {
        returns.add("ALL");
      }
      p.sp();
      first = p.peek('(') ? "" : peekKeyword();
    }
    if (first.equals("CHARSET")) {
      p.keyword();
      p.sp();
      String cs = p.astring().toUpperCase(Locale.ROOT);
      if (!cs.equals("UTF-8") && !cs.equals("US-ASCII")) {
        throw new ImapSession.No("[BADCHARSET (UTF-8 US-ASCII)] charset " + cs + " is not supported");
      }
      p.sp();
    }
    List<Predicate<Ctx>> keys = new ArrayList<>();
    keys.add(key());
    while (p.skip(' ')) {
      keys.add(key());
    }
    p.end();
    if (returns == null && s.rev2) {
      returns = List.of("ALL");
    }
    s.updates(!byUid);
    Selected sel = s.selected;
    List<Long> hits = new ArrayList<>();
    long maxModseq = 0;
    int seq = 0;
    for (Selected.Msg m : sel.view()) {
      seq++;
      if (sel.isGone(m)) {
        continue;
      }
      Ctx c = new Ctx(m, seq);
      if (keys.stream().allMatch(k -> k.test(c))) {
        hits.add(byUid ? m.uid() : seq);
        maxModseq = Math.max(maxModseq, m.modseq());
      }
    }
    if (returns == null) {
      StringBuilder b = new StringBuilder("* SEARCH");
      hits.forEach(h -> b.append(' ').append(h));
      if (modseqKey && !hits.isEmpty()) {
        b.append(" (MODSEQ ").append(maxModseq).append(')');
      }
      s.conn().send(b.toString());
    } else {
      StringBuilder b = new StringBuilder("* ESEARCH (TAG \"" + tag + "\")" + (byUid ? " UID" : ""));
      if (!hits.isEmpty()) {
        if (returns.contains("MIN")) {
          b.append(" MIN ").append(hits.get(0));
        }
        if (returns.contains("MAX")) {
          b.append(" MAX ").append(hits.get(hits.size() - 1));
        }
      }
      if (returns.contains("COUNT")) {
        b.append(" COUNT ").append(hits.size());
      }
      if (returns.contains("ALL") && !hits.isEmpty()) {
        b.append(" ALL ").append(SequenceSet.format(hits));
      }
      if (modseqKey && !hits.isEmpty()) {
        b.append(" MODSEQ ").append(maxModseq);
      }
      s.conn().send(b.toString());
    }
    return "OK SEARCH completed";
  }

  private String peekKeyword() {
    return p.atSequenceSet() ? "" : p.peekKeyword();
  }

  private Predicate<Ctx> key() {
    if (p.peek('(')) {
      p.open();
      List<Predicate<Ctx>> all = new ArrayList<>();
      all.add(key());
      while (p.skip(' ')) {
        all.add(key());
      }
      p.close();
      return c -> all.stream().allMatch(k -> k.test(c));
    }
    if (p.atSequenceSet()) {
      SequenceSet set = p.sequenceSet();
      return c -> set.contains(c.seq, s.selected.exists());
    }
    String k = p.keyword();
    switch (k) {
      case "ALL", "OLD" -> {
        return c -> true;
      }
      case "NEW", "RECENT" -> {
        return c -> false;
      }
      case "ANSWERED" -> {
        return c -> c.msg.answered();
      }
      case "UNANSWERED" -> {
        return c -> !c.msg.answered();
      }
      case "DELETED" -> {
        return c -> c.msg.deleted();
      }
      case "UNDELETED" -> {
        return c -> !c.msg.deleted();
      }
      case "DRAFT" -> {
        return c -> c.msg.draft();
      }
      case "UNDRAFT" -> {
        return c -> !c.msg.draft();
      }
      case "FLAGGED" -> {
        return c -> c.msg.flagged();
      }
      case "UNFLAGGED" -> {
        return c -> !c.msg.flagged();
      }
      case "SEEN" -> {
        return c -> c.msg.seen();
      }
      case "UNSEEN" -> {
        return c -> !c.msg.seen();
      }
      case "KEYWORD", "UNKEYWORD" -> {
        p.sp();
        String kw = p.atom();
        boolean want = k.equals("KEYWORD");
        return c -> c.msg.keywords().stream().anyMatch(x -> x.equalsIgnoreCase(kw)) == want;
      }
      case "NOT" -> {
        p.sp();
        Predicate<Ctx> inner = key();
        return inner.negate();
      }
      case "OR" -> {
        p.sp();
        Predicate<Ctx> a = key();
        p.sp();
        Predicate<Ctx> b = key();
        return a.or(b);
      }
      case "UID" -> {
        p.sp();
        SequenceSet set = p.sequenceSet();
        return c -> set.contains(c.msg.uid(), largestUid());
      }
      case "LARGER", "SMALLER" -> {
        p.sp();
        long n = p.number();
        boolean larger = k.equals("LARGER");
        return c -> larger ? c.mime().bytes().length > n : c.mime().bytes().length < n;
      }
      case "BEFORE", "ON", "SINCE" -> {
        p.sp();
        LocalDate d = date();
        return c -> compare(c.msg.internalDate().atZone(ZoneOffset.UTC).toLocalDate(), d, k);
      }
      case "SENTBEFORE", "SENTON", "SENTSINCE" -> {
        p.sp();
        LocalDate d = date();
        String op = k.substring(4);
        return c -> {
          LocalDate sent = sentDate(c.mime());
          return sent != null && compare(sent, d, op);
        };
      }
      case "SUBJECT", "FROM", "TO", "CC", "BCC" -> {
        p.sp();
        String text = p.astring().toLowerCase(Locale.ROOT);
        String field = k.charAt(0) + k.substring(1).toLowerCase(Locale.ROOT);
        return c -> header(c.mime(), field).contains(text);
      }
      case "HEADER" -> {
        p.sp();
        String field = p.astring();
        p.sp();
        String text = p.astring().toLowerCase(Locale.ROOT);
        return c -> c.mime().field(field) != null && header(c.mime(), field).contains(text);
      }
      case "BODY", "TEXT" -> {
        p.sp();
        byte[] text = p.astring().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
        boolean whole = k.equals("TEXT");
        return c -> {
          MimePart m = c.mime();
          return contains(m.bytes(), whole ? m.start : m.bodyStart, m.end, text);
        };
      }
      case "MODSEQ" -> {
        p.sp();
        if (p.peek('"')) {
          p.string(); // entry-name and entry-type: per-flag MODSEQs are not kept, the message's is used
          p.sp();
          p.atom();
          p.sp();
        }
        long n = p.number();
        modseqKey = true;
        s.condstore = true;
        return c -> c.msg.modseq() >= n;
      }
      default -> throw new BadCommand("unknown SEARCH key " + k);
    }
  }

  private long largestUid() {
    List<Selected.Msg> v = s.selected.view();
    return v.isEmpty() ? 0 : v.get(v.size() - 1).uid();
  }

  private LocalDate date() {
    String d = p.peek('"') ? p.string() : p.atom();
    try {
      return LocalDate.parse(d, DATE);
    } catch (DateTimeParseException e) {
      throw new BadCommand("invalid date " + d + " (expected like 1-Feb-1994)");
    }
  }

  private static boolean compare(LocalDate a, LocalDate b, String op) {
    return switch (op) {
      case "BEFORE" -> a.isBefore(b);
      case "ON" -> a.isEqual(b);
      default -> !a.isBefore(b);
    };
  }

  private static LocalDate sentDate(MimePart m) {
    String v = m.field("Date");
    if (v == null) {
      return null;
    }
    try {
      if (DefaultFieldParser.parse("Date: " + v) instanceof DateTimeField f && f.getDate() != null) {
        return f.getDate().toInstant().atZone(ZoneOffset.UTC).toLocalDate();
      }
    } catch (org.apache.james.mime4j.MimeException e) {
      return null;
    }
    return null;
  }

  /** The field's value with RFC 2047 words decoded, lower case; "" when absent. */
  private static String header(MimePart m, String field) {
    StringBuilder b = new StringBuilder();
    for (String[] f : m.fields) {
      if (f[0].equalsIgnoreCase(field)) {
        b.append(DecoderUtil.decodeEncodedWords(f[1], DecodeMonitor.SILENT)).append('\n');
      }
    }
    return b.toString().toLowerCase(Locale.ROOT);
  }

  /** Case-insensitive (ASCII) search of {@code needle} in {@code hay[from, to)}. */
  private static boolean contains(byte[] hay, int from, int to, byte[] needle) {
    outer:
    for (int i = from; i <= to - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        byte h = hay[i + j];
        if (h >= 'A' && h <= 'Z') {
          h = (byte) (h + 32);
        }
        if (h != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
