package msgstore.imap;

import java.io.IOException;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import msgstore.api.FlagChange;

/**
 * FETCH and UID FETCH (RFC 9051 6.4.5, 7.5.2) with CHANGEDSINCE and VANISHED (RFC 7162 3.1.4,
 * 3.2.6). Flags, UID and MODSEQ come from the view (refreshed first, without expunges); the
 * message parts from the exported bytes ({@link MessageCache}). BODY[...] without PEEK, RFC822
 * and RFC822.TEXT set \Seen in a read-write mailbox.
 */
final class Fetch {
  /** One requested item. {@code section} is the section text echoed back; {@code path} its part numbers. */
  private record Item(String name, String section, List<Integer> path, String spec, Set<String> fields, long from,
      long length, boolean peek) {}

  private final ImapSession s;
  private final boolean byUid;
  private final Parser p;

  Fetch(ImapSession s, boolean byUid, Parser p) {
    this.s = s;
    this.byUid = byUid;
    this.p = p;
  }

  String run() throws IOException {
    p.sp();
    SequenceSet set = p.sequenceSet();
    p.sp();
    List<Item> items = new ArrayList<>();
    if (p.peek('(')) {
      p.open();
      while (!p.skip(')')) {
        p.skip(' ');
        items.add(item());
      }
    } else {
      String macro = p.keyword();
      switch (macro) {
        case "ALL" -> items.addAll(simple("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"));
        case "FAST" -> items.addAll(simple("FLAGS", "INTERNALDATE", "RFC822.SIZE"));
        case "FULL" -> items.addAll(simple("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"));
        default -> items.add(item(macro));
      }
    }
    long changedSince = -1;
    boolean vanished = false;
    if (p.skip(' ')) {
      p.open();
      while (!p.skip(')')) {
        p.skip(' ');
        String m = p.atom().toUpperCase(Locale.ROOT);
        if (m.equals("CHANGEDSINCE")) {
          p.sp();
          changedSince = p.number();
        } else if (m.equals("VANISHED")) {
          vanished = true;
        } else {
          throw new BadCommand("unknown FETCH modifier " + m);
        }
      }
    }
    p.end();
    if (vanished && (!byUid || !s.qresync || changedSince < 0)) {
      throw new BadCommand("VANISHED needs UID FETCH, QRESYNC enabled and CHANGEDSINCE (RFC 7162 3.2.6)");
    }
    if (changedSince >= 0) {
      s.condstore = true; // RFC 7162 3.1: a CHANGEDSINCE enables CONDSTORE
    }
    s.updates(!byUid);
    Selected sel = s.selected;
    List<Selected.Msg> msgs = sel.resolve(set, byUid);
    if (vanished) {
      List<Long> gone = sel.vanished(set);
      if (!gone.isEmpty()) {
        s.conn().send("* VANISHED (EARLIER) " + SequenceSet.format(gone));
      }
    }
    boolean withModseq = changedSince >= 0 || items.stream().anyMatch(i -> i.name.equals("MODSEQ"));
    for (Selected.Msg m : msgs) {
      if (sel.isGone(m) || (changedSince >= 0 && m.modseq() <= changedSince)) {
        continue;
      }
      s.conn().send(response(sel, m, items, withModseq));
    }
    return "OK FETCH completed";
  }

  private static List<Item> simple(String... names) {
    List<Item> out = new ArrayList<>();
    for (String n : names) {
      out.add(new Item(n, "", List.of(), "", Set.of(), -1, -1, true));
    }
    return out;
  }

  private Item item() {
    return item(p.keyword());
  }

  private Item item(String name) {
    switch (name) {
      case "FLAGS", "UID", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODYSTRUCTURE", "MODSEQ", "RFC822",
          "RFC822.HEADER", "RFC822.TEXT" -> {
        return simple(name).get(0);
      }
      case "BODY", "BODY.PEEK" -> {
        if (!p.peek('[')) {
          if (name.equals("BODY.PEEK")) {
            throw new BadCommand("BODY.PEEK needs a section");
          }
          return simple("BODY").get(0);
        }
        return section(name.equals("BODY.PEEK"));
      }
      default -> throw new BadCommand("unknown FETCH item " + name);
    }
  }

  private Item section(boolean peek) {
    p.expect('[');
    List<Integer> path = new ArrayList<>();
    String spec = "";
    Set<String> fields = Set.of();
    StringBuilder echo = new StringBuilder();
    if (!p.peek(']')) {
      String text = p.keyword();
      String[] parts = text.split("\\.");
      int i = 0;
      while (i < parts.length && !parts[i].isEmpty() && Character.isDigit(parts[i].charAt(0))) {
        try {
          int n = Integer.parseInt(parts[i]);
          if (n < 1) {
            throw new NumberFormatException();
          }
          path.add(n);
        } catch (NumberFormatException e) {
          throw new BadCommand("invalid part number " + parts[i]);
        }
        i++;
      }
      spec = String.join(".", List.of(parts).subList(i, parts.length));
      if (!List.of("", "HEADER", "TEXT", "MIME", "HEADER.FIELDS", "HEADER.FIELDS.NOT").contains(spec)
          || (spec.equals("MIME") && path.isEmpty())) {
        throw new BadCommand("invalid section " + text);
      }
      echo.append(text);
      if (spec.startsWith("HEADER.FIELDS")) {
        p.sp();
        p.open();
        fields = new LinkedHashSet<>();
        List<String> names = new ArrayList<>();
        while (!p.skip(')')) {
          p.skip(' ');
          String f = p.astring();
          fields.add(f.toUpperCase(Locale.ROOT));
          names.add(f.toUpperCase(Locale.ROOT));
        }
        if (fields.isEmpty()) {
          throw new BadCommand("HEADER.FIELDS needs at least one field name");
        }
        echo.append(" (").append(String.join(" ", names)).append(")");
      }
    }
    p.expect(']');
    long from = -1;
    long length = -1;
    if (p.skip('<')) {
      from = p.number();
      p.expect('.');
      length = p.number();
      if (length == 0) {
        throw new BadCommand("a partial of 0 octets");
      }
      p.expect('>');
    }
    return new Item("BODY[]", echo.toString(), path, spec, fields, from, length, peek);
  }

  private Out response(Selected sel, Selected.Msg m, List<Item> items, boolean withModseq) throws IOException {
    boolean setSeen = !sel.readOnly && !m.seen() && items.stream().anyMatch(i -> (i.name.equals("BODY[]") && !i.peek)
        || i.name.equals("RFC822") || i.name.equals("RFC822.TEXT"));
    boolean flagsChanged = false;
    if (setSeen) {
      long written = s.session.storeFlags(m.id(), FlagChange.none().withRead(true), -1).modseq();
      m = sel.reread(m, written);
      sel.update(m);
      flagsChanged = true;
    }
    Out o = new Out().raw("* " + sel.seqOf(m.uid()) + " FETCH (");
    List<String> done = new ArrayList<>();
    boolean first = true;
    if (byUid) {
      o.raw("UID " + m.uid());
      done.add("UID");
      first = false;
    }
    for (Item i : items) {
      if (done.contains(i.name) && !i.name.equals("BODY[]")) {
        continue;
      }
      done.add(i.name);
      if (!first) {
        o.sp();
      }
      first = false;
      item(o, m, i);
    }
    if (flagsChanged && !done.contains("FLAGS")) {
      o.raw(" FLAGS " + m.flags());
    }
    if (withModseq && !done.contains("MODSEQ")) {
      o.raw(" MODSEQ (" + m.modseq() + ")");
    }
    return o.raw(")").crlf();
  }

  private void item(Out o, Selected.Msg m, Item i) throws IOException {
    switch (i.name) {
      case "UID" -> o.raw("UID " + m.uid());
      case "FLAGS" -> o.raw("FLAGS " + m.flags());
      case "MODSEQ" -> o.raw("MODSEQ (" + m.modseq() + ")");
      case "INTERNALDATE" -> o.raw("INTERNALDATE \"" + ImapSession.DATE_TIME.format(m.internalDate().atZone(ZoneOffset.UTC))
          + "\"");
      case "RFC822.SIZE" -> o.raw("RFC822.SIZE " + s.cache.size(s.session, m));
      case "ENVELOPE" -> {
        o.raw("ENVELOPE ");
        mime(m).envelope(o);
      }
      case "BODYSTRUCTURE" -> {
        o.raw("BODYSTRUCTURE ");
        mime(m).bodyStructure(o, true);
      }
      case "BODY" -> {
        o.raw("BODY ");
        mime(m).bodyStructure(o, false);
      }
      case "RFC822" -> o.raw("RFC822 ").literal(mime(m).whole());
      case "RFC822.HEADER" -> o.raw("RFC822.HEADER ").literal(mime(m).header());
      case "RFC822.TEXT" -> o.raw("RFC822.TEXT ").literal(mime(m).text());
      case "BODY[]" -> {
        byte[] data = sectionBytes(mime(m), i);
        o.raw("BODY[" + i.section + "]");
        if (i.from >= 0) {
          o.raw("<" + i.from + ">");
          int from = (int) Math.min(i.from, data.length);
          int len = (int) Math.min(i.length, data.length - from);
          o.sp().literal(data, from, len);
        } else {
          o.sp().literal(data);
        }
      }
      default -> throw new IllegalStateException(i.name);
    }
  }

  private MimePart mime(Selected.Msg m) throws IOException {
    return s.cache.get(s.session, m);
  }

  /** The octets of a section (RFC 9051 6.4.5); empty when the part does not exist. */
  private static byte[] sectionBytes(MimePart root, Item i) {
    MimePart part = i.path.isEmpty() ? root : root.part(i.path);
    if (part == null) {
      return new byte[0];
    }
    MimePart msg = i.path.isEmpty() ? root : part.message;
    return switch (i.spec) {
      case "" -> i.path.isEmpty() ? root.whole() : part.text();
      case "MIME" -> part.header();
      case "HEADER" -> msg == null ? new byte[0] : msg.header();
      case "TEXT" -> msg == null ? new byte[0] : msg.text();
      case "HEADER.FIELDS" -> msg == null ? new byte[0] : msg.headerFields(i.fields, false);
      case "HEADER.FIELDS.NOT" -> msg == null ? new byte[0] : msg.headerFields(i.fields, true);
      default -> new byte[0];
    };
  }
}
