package msgstore.imap;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import msgstore.api.EventScope;
import msgstore.api.Folder;
import msgstore.api.MailboxState;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.NamedProperty;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropType;
import msgstore.api.Session;
import msgstore.api.StoreException;
import msgstore.api.Subscription;
import msgstore.mime.MailImport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One IMAP session (RFC 9051 3): its state (not authenticated, authenticated, selected), the
 * extensions the client enabled, and the commands, run one at a time on the connection's thread.
 * Every command ends with the untagged updates of the selected mailbox the client has not heard
 * yet (RFC 9051 7: EXPUNGE or VANISHED, EXISTS, FETCH), except that EXPUNGE waits during FETCH,
 * STORE and SEARCH (RFC 9051 7.5.1).
 */
final class ImapSession {
  private static final Logger LOG = LoggerFactory.getLogger(ImapSession.class);
  static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("dd-MMM-yyyy HH:mm:ss Z", Locale.ROOT);
  private static final DateTimeFormatter APPEND_DATE = DateTimeFormatter.ofPattern("d-MMM-yyyy HH:mm:ss Z", Locale.ROOT);

  private final Connection conn;
  final ImapConfig config;
  private final ImapAuthenticator authenticator;
  Session session;
  private Mailboxes mailboxes;
  Selected selected;
  private Subscription subscription;
  boolean condstore;
  boolean qresync;
  boolean rev2;
  private boolean loggedOut;
  private PropTag keywordsTag;
  final MessageCache cache = new MessageCache();

  ImapSession(Connection conn, ImapConfig config, ImapAuthenticator authenticator) {
    this.conn = conn;
    this.config = config;
    this.authenticator = authenticator;
  }

  void run() {
    conn.send("* OK [CAPABILITY " + capabilities() + "] msgstore IMAP ready");
    try {
      while (!loggedOut) {
        Object o = conn.next(-1);
        if (o == Connection.CLOSED) {
          return;
        }
        if (o instanceof Frame.Refused r) {
          conn.send(r.response());
        } else if (o instanceof Frame.Command c) {
          command(c);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      conn.flush();
    }
  }

  void end() {
    unselect();
    if (session != null) {
      session.close();
      session = null;
    }
  }

  Connection conn() {
    return conn;
  }

  String capabilities() {
    StringBuilder b = new StringBuilder("IMAP4rev1 IMAP4rev2 LITERAL+ ID ENABLE IDLE NAMESPACE UNSELECT UIDPLUS MOVE"
        + " SPECIAL-USE CONDSTORE QRESYNC ESEARCH CHILDREN SASL-IR APPENDLIMIT=" + config.appendLimit());
    if (session == null) {
      if (conn.tlsAvailable() && !conn.isTls()) {
        b.append(" STARTTLS");
      }
      if (plainLoginAllowed()) {
        b.append(" AUTH=PLAIN");
      } else {
        b.append(" LOGINDISABLED");
      }
    }
    return b.toString();
  }

  private boolean plainLoginAllowed() {
    return conn.isTls() || conn.isLoopback() || config.plainLoginOffLoopback();
  }

  // ---- dispatch

  private void command(Frame.Command c) throws InterruptedException {
    String first = c.firstLine();
    int sp = first.indexOf(' ');
    String tag = sp > 0 ? first.substring(0, sp) : first;
    if (!Parser.isTag(tag)) {
      conn.send("* BAD invalid tag");
      return;
    }
    Parser p = new Parser(c, config.maxNesting());
    try {
      p.atom();
      p.sp();
      String name = p.atom().toUpperCase(Locale.ROOT);
      boolean uid = false;
      if (name.equals("UID")) {
        p.sp();
        name = p.atom().toUpperCase(Locale.ROOT);
        uid = true;
        if (!List.of("FETCH", "STORE", "COPY", "MOVE", "SEARCH", "EXPUNGE").contains(name)) {
          throw new BadCommand("UID " + name + " is not a command");
        }
      }
      String ok = run(tag, name, uid, p);
      if (ok != null) {
        if (!name.equals("STORE")) {
          // STORE told of the others' changes before its own FETCH answers: one more after them
          // would follow the client's new flags with a later MODSEQ and flags it did not set.
          updates(!uid && List.of("FETCH", "SEARCH").contains(name));
        }
        conn.send(tag + " " + ok);
      }
    } catch (BadCommand e) {
      conn.send(tag + " BAD " + e.getMessage());
    } catch (StoreException e) {
      updatesQuietly();
      conn.send(tag + " NO " + code(e) + e.detail());
    } catch (IOException e) {
      conn.send(tag + " NO [UNAVAILABLE] " + e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("IMAP: {} failed for {}", first.length() > 80 ? first.substring(0, 80) : first, user(), e);
      conn.send(tag + " NO [SERVERBUG] internal error (logged on the server)");
    }
  }

  private String user() {
    return session == null ? "(not logged in)" : session.user();
  }

  /** The response code of a store error (RFC 5530). */
  static String code(StoreException e) {
    if (e instanceof No) {
      return "";
    }
    return switch (e.error()) {
      case NO_ACCESS -> "[NOPERM] ";
      case NOT_FOUND, OBJECT_DELETED -> "[NONEXISTENT] ";
      case COLLISION -> "[ALREADYEXISTS] ";
      case BUSY -> "[UNAVAILABLE] ";
      case TOO_BIG -> "[TOOBIG] ";
      case NOT_ENOUGH_DISK -> "[OVERQUOTA] ";
      case NO_SUPPORT -> "[CANNOT] ";
      case INVALID_PARAMETER, BAD_VALUE -> "[CANNOT] ";
      default -> "[SERVERBUG] ";
    };
  }

  /** Runs a command; returns the text of its tagged OK (null when it answered itself). */
  private String run(String tag, String name, boolean uid, Parser p) throws IOException, InterruptedException {
    switch (name) {
      case "CAPABILITY" -> {
        p.end();
        conn.send("* CAPABILITY " + capabilities());
        return "OK CAPABILITY completed";
      }
      case "NOOP", "CHECK" -> {
        p.end();
        return "OK " + name + " completed";
      }
      case "LOGOUT" -> {
        p.end();
        conn.send("* BYE logging out");
        conn.send(tag + " OK LOGOUT completed");
        loggedOut = true;
        conn.close();
        return null;
      }
      case "ID" -> {
        p.sp();
        if (p.peek('(')) {
          skipList(p);
        } else {
          p.atom();
        }
        p.end();
        conn.send("* ID (\"name\" \"msgstore\")");
        return "OK ID completed";
      }
      default -> {
        // the commands below depend on the state
      }
    }
    if (session == null) {
      return switch (name) {
        case "STARTTLS" -> startTls(tag, p);
        case "LOGIN" -> login(p);
        case "AUTHENTICATE" -> authenticate(p);
        default -> throw new BadCommand(name + " is not valid before LOGIN");
      };
    }
    switch (name) {
      case "ENABLE" -> {
        return enable(p);
      }
      case "SELECT", "EXAMINE" -> {
        return select(tag, p, name.equals("EXAMINE"));
      }
      case "CREATE" -> {
        p.sp();
        String mbox = p.listMailbox();
        p.end();
        mailboxes.create(mbox);
        return "OK CREATE completed";
      }
      case "DELETE" -> {
        p.sp();
        String mbox = p.listMailbox();
        p.end();
        if (selected != null && mailboxes.find(mbox).map(f -> f.id().equals(selected.folder.id())).orElse(false)) {
          unselect();
        }
        mailboxes.delete(mbox);
        return "OK DELETE completed";
      }
      case "RENAME" -> {
        p.sp();
        String from = p.listMailbox();
        p.sp();
        String to = p.listMailbox();
        p.end();
        mailboxes.rename(from, to);
        return "OK RENAME completed";
      }
      case "SUBSCRIBE", "UNSUBSCRIBE" -> {
        p.sp();
        mailboxes.require(p.listMailbox());
        p.end();
        return "OK " + name + " completed (every mailbox is subscribed)";
      }
      case "LIST", "LSUB" -> {
        return list(p, name);
      }
      case "NAMESPACE" -> {
        p.end();
        conn.send("* NAMESPACE ((\"\" \"" + Mailboxes.DELIMITER + "\")) NIL NIL");
        return "OK NAMESPACE completed";
      }
      case "STATUS" -> {
        return status(p);
      }
      case "APPEND" -> {
        return append(p);
      }
      case "IDLE" -> {
        p.end();
        return idle(tag);
      }
      default -> {
        // selected state
      }
    }
    if (selected == null) {
      throw new BadCommand(name + " needs a selected mailbox");
    }
    return switch (name) {
      case "CLOSE" -> {
        p.end();
        if (!selected.readOnly) {
          expungeDeleted(null, false);
        }
        unselect();
        yield "OK CLOSE completed";
      }
      case "UNSELECT" -> {
        p.end();
        unselect();
        yield "OK UNSELECT completed";
      }
      case "EXPUNGE" -> {
        SequenceSet only = null;
        if (uid) {
          p.sp();
          only = p.sequenceSet();
        }
        p.end();
        requireWritable();
        expungeDeleted(only, true);
        yield "OK EXPUNGE completed";
      }
      case "FETCH" -> new Fetch(this, uid, p).run();
      case "STORE" -> new Store(this, uid, p).run();
      case "SEARCH" -> new Search(this, uid, p, tag).run();
      case "COPY", "MOVE" -> copy(p, uid, name.equals("MOVE"));
      default -> throw new BadCommand(name + " is not a command");
    };
  }

  private static void skipList(Parser p) {
    p.open();
    while (!p.skip(')')) {
      p.skip(' ');
      if (p.peek('"')) {
        p.string();
      } else {
        p.astring();
      }
    }
  }

  void requireWritable() {
    if (selected.readOnly) {
      throw new StoreException(MapiError.NO_ACCESS, "the mailbox is selected read-only (EXAMINE)");
    }
  }

  // ---- not authenticated

  private String startTls(String tag, Parser p) {
    p.end();
    if (!conn.tlsAvailable() || conn.isTls()) {
      throw new BadCommand(conn.isTls() ? "TLS is already on" : "no TLS certificate is configured");
    }
    conn.startTls(tag + " OK begin TLS now");
    return null;
  }

  private String login(Parser p) {
    p.sp();
    String user = p.astring();
    p.sp();
    String password = p.astring();
    p.end();
    return loggedIn(user, password);
  }

  private String loggedIn(String user, String password) {
    if (!plainLoginAllowed()) {
      throw new No("[PRIVACYREQUIRED] use STARTTLS first: passwords are not taken in the clear");
    }
    Session s;
    try {
      s = authenticator.login(user, password, conn.remoteAddress());
    } catch (StoreException e) {
      if (e.error() == MapiError.NO_ACCESS) {
        throw new No("[AUTHENTICATIONFAILED] the credentials were not accepted");
      }
      if (e.error() == MapiError.BUSY) {
        throw new No("[UNAVAILABLE] " + e.detail());
      }
      throw e;
    }
    try {
      mailboxes = Mailboxes.of(s, s.user());
      keywordsTag = s.namedPropTag(mailboxes.store().id(), NamedProperty.KEYWORDS, PropType.MV_UNICODE, true);
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    session = s;
    return "OK [CAPABILITY " + capabilities() + "] logged in";
  }

  private String authenticate(Parser p) throws InterruptedException {
    p.sp();
    String mech = p.atom().toUpperCase(Locale.ROOT);
    String initial = null;
    if (p.skip(' ')) {
      initial = p.atom();
    }
    p.end();
    if (!mech.equals("PLAIN")) {
      throw new StoreException(MapiError.NO_SUPPORT, "only AUTHENTICATE PLAIN is supported");
    }
    if (!plainLoginAllowed()) {
      throw new No("[PRIVACYREQUIRED] use STARTTLS first: passwords are not taken in the clear");
    }
    if (initial == null) {
      conn.send("+ ");
      Object o = conn.next(-1);
      while (o == Connection.WAKE) {
        o = conn.next(-1);
      }
      if (!(o instanceof Frame.Command c) || c.lines().size() != 1) {
        throw new BadCommand("expected the SASL response on one line");
      }
      initial = c.firstLine().strip();
    }
    if (initial.equals("*")) {
      throw new BadCommand("authentication cancelled");
    }
    byte[] raw;
    try {
      raw = initial.equals("=") ? new byte[0] : Base64.getDecoder().decode(initial);
    } catch (IllegalArgumentException e) {
      throw new BadCommand("the SASL response is not base64");
    }
    String[] parts = new String(raw, StandardCharsets.UTF_8).split("\0", -1);
    if (parts.length != 3 || (!parts[0].isEmpty() && !parts[0].equals(parts[1]))) {
      throw new No("[AUTHENTICATIONFAILED] PLAIN needs authzid NUL user NUL password, authzid empty or the user");
    }
    return loggedIn(parts[1], parts[2]);
  }

  /** A refusal answered {@code NO} with exactly this text (its response code included). */
  static final class No extends StoreException {
    private static final long serialVersionUID = 1L;

    No(String text) {
      super(MapiError.NO_ACCESS, text);
    }
  }

  // ---- authenticated

  private String enable(Parser p) {
    List<String> on = new ArrayList<>();
    while (p.skip(' ')) {
      String cap = p.atom().toUpperCase(Locale.ROOT);
      switch (cap) {
        case "CONDSTORE" -> {
          if (!condstore) {
            condstore = true;
            on.add(cap);
          }
        }
        case "QRESYNC" -> {
          if (!qresync) {
            qresync = true;
            condstore = true;
            on.add(cap);
          }
        }
        case "IMAP4REV2" -> {
          if (!rev2) {
            rev2 = true;
            on.add("IMAP4rev2");
          }
        }
        default -> {
          // RFC 5161 3.1: unknown ones are ignored
        }
      }
    }
    p.end();
    conn.send("* ENABLED" + (on.isEmpty() ? "" : " " + String.join(" ", on)));
    return "OK ENABLE completed";
  }

  private String list(Parser p, String name) {
    p.sp();
    if (p.peek('(')) {
      skipList(p); // LIST-EXTENDED selection options: every mailbox is subscribed and none is remote
      p.sp();
    }
    String reference = p.listMailbox();
    p.sp();
    List<String> patterns = new ArrayList<>();
    if (p.peek('(')) {
      p.open();
      while (!p.skip(')')) {
        p.skip(' ');
        patterns.add(p.listMailbox());
      }
    } else {
      patterns.add(p.listMailbox());
    }
    if (p.skip(' ')) {
      p.atom(); // RETURN (...): SPECIAL-USE and CHILDREN are always returned
      p.sp();
      skipList(p);
    }
    p.end();
    if (patterns.size() == 1 && patterns.get(0).isEmpty()) {
      conn.send("* " + name + " (\\Noselect) \"" + Mailboxes.DELIMITER + "\" \"\"");
      return "OK " + name + " completed";
    }
    List<Mailboxes.Entry> all = mailboxes.all();
    for (Mailboxes.Entry e : all) {
      boolean match = patterns.stream().anyMatch(pt -> Mailboxes.matches(reference + pt, e.name()));
      if (match) {
        Out o = new Out().raw("* " + name + " (" + e.attributes() + ") \"" + Mailboxes.DELIMITER + "\" ")
            .string(e.name()).crlf();
        conn.send(o);
      }
    }
    return "OK " + name + " completed";
  }

  private String status(Parser p) {
    p.sp();
    String mbox = p.listMailbox();
    p.sp();
    p.open();
    List<String> items = new ArrayList<>();
    while (!p.skip(')')) {
      p.skip(' ');
      items.add(p.atom().toUpperCase(Locale.ROOT));
    }
    p.end();
    Folder f = mailboxes.require(mbox);
    MailboxState s = f.mailboxState();
    List<String> out = new ArrayList<>();
    for (String i : items) {
      switch (i) {
        case "MESSAGES" -> out.add("MESSAGES " + s.messages());
        case "UIDNEXT" -> out.add("UIDNEXT " + s.uidNext());
        case "UIDVALIDITY" -> out.add("UIDVALIDITY " + s.uidValidity());
        case "UNSEEN" -> out.add("UNSEEN " + s.unseen());
        case "HIGHESTMODSEQ" -> out.add("HIGHESTMODSEQ " + s.highestModseq());
        case "RECENT" -> out.add("RECENT 0");
        case "DELETED" -> out.add("DELETED " + countDeleted(f));
        default -> throw new BadCommand("unknown STATUS item " + i);
      }
    }
    conn.send(new Out().raw("* STATUS ").string(mbox).raw(" (" + String.join(" ", out) + ")").crlf());
    return "OK STATUS completed";
  }

  private long countDeleted(Folder f) {
    return new Selected(f, true, keywordsTag).view().stream().filter(Selected.Msg::deleted).count();
  }

  private String select(String tag, Parser p, boolean readOnly) {
    p.sp();
    String mbox = p.listMailbox();
    long qUidValidity = -1;
    long qModseq = -1;
    SequenceSet qKnown = null;
    boolean condstoreParam = false;
    if (p.skip(' ')) {
      p.open();
      while (!p.skip(')')) {
        p.skip(' ');
        String param = p.atom().toUpperCase(Locale.ROOT);
        if (param.equals("CONDSTORE")) {
          condstoreParam = true;
        } else if (param.equals("QRESYNC")) {
          if (!qresync) {
            throw new BadCommand("QRESYNC must be enabled first (ENABLE QRESYNC)");
          }
          p.sp();
          p.open();
          qUidValidity = p.number();
          p.sp();
          qModseq = p.number();
          if (p.skip(' ')) {
            qKnown = p.sequenceSet();
            if (p.skip(' ')) {
              skipList(p); // seq-match-data: the known UIDs are enough here
            }
          }
          p.close();
        } else {
          throw new BadCommand("unknown SELECT parameter " + param);
        }
      }
    }
    p.end();
    unselect();
    Folder f = mailboxes.require(mbox);
    if (condstoreParam) {
      condstore = true;
    }
    Selected s = new Selected(f, readOnly, keywordsTag);
    selected = s;
    subscription = session.subscribe(EventScope.folder(f.id()), e -> conn.wake());
    String keywords = s.view().stream().flatMap(m -> m.keywords().stream()).distinct().sorted()
        .reduce("", (a, b) -> a + " " + b);
    conn.send("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft" + keywords + ")");
    conn.send("* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] flags saved");
    conn.send("* " + s.exists() + " EXISTS");
    if (!rev2) {
      conn.send("* 0 RECENT");
    }
    conn.send("* OK [UIDVALIDITY " + s.uidValidity + "] UIDs valid");
    conn.send("* OK [UIDNEXT " + s.uidNext() + "] next UID");
    conn.send("* OK [HIGHESTMODSEQ " + s.highestModseq() + "] highest MODSEQ");
    if (rev2) {
      conn.send(new Out().raw("* LIST () \"" + Mailboxes.DELIMITER + "\" ").string(mbox).crlf());
    }
    if (qUidValidity == s.uidValidity && qModseq >= 0) {
      List<Long> vanished = s.vanished(qKnown);
      if (!vanished.isEmpty()) {
        conn.send("* VANISHED (EARLIER) " + SequenceSet.format(vanished));
      }
      for (Selected.Msg m : s.view()) {
        if (m.modseq() > qModseq) {
          conn.send("* " + s.seqOf(m.uid()) + " FETCH (UID " + m.uid() + " FLAGS " + m.flags() + " MODSEQ ("
              + m.modseq() + "))");
        }
      }
    }
    return "OK [" + (readOnly ? "READ-ONLY" : "READ-WRITE") + "] " + (readOnly ? "EXAMINE" : "SELECT") + " completed";
  }

  void unselect() {
    if (subscription != null) {
      try {
        subscription.close();
      } catch (RuntimeException e) {
        LOG.debug("IMAP: closing a subscription: {}", e.toString());
      }
      subscription = null;
    }
    selected = null;
    cache.clear();
  }

  private String append(Parser p) throws IOException {
    p.sp();
    String mbox = p.listMailbox();
    p.sp();
    boolean seen = false;
    boolean draft = false;
    List<String> flags = new ArrayList<>();
    if (p.peek('(')) {
      p.open();
      while (!p.skip(')')) {
        p.skip(' ');
        String fl = flagAtom(p);
        switch (fl.toLowerCase(Locale.ROOT)) {
          case "\\seen" -> seen = true;
          case "\\draft" -> draft = true;
          default -> flags.add(fl);
        }
      }
      p.sp();
    }
    Optional<Instant> date = Optional.empty();
    if (p.peek('"')) {
      String d = p.quotedOnly();
      try {
        date = Optional.of(ZonedDateTime.parse(d.strip(), APPEND_DATE).toInstant());
      } catch (DateTimeParseException e) {
        throw new BadCommand("invalid date-time \"" + d + "\" (expected like \"17-Jul-1996 02:44:25 -0700\")");
      }
      p.sp();
    }
    byte[] message = p.literal();
    p.end();
    if (message.length == 0) {
      throw new BadCommand("the message is empty");
    }
    Folder f = mailboxes.find(mbox).orElseThrow(() -> new No("[TRYCREATE] no mailbox named " + mbox));
    MailImport.ImportOptions options = MailImport.ImportOptions.defaults().withSkipIfPresent(false).withRead(seen)
        .withDraft(draft).withMaxBytes(config.appendLimit());
    if (date.isPresent()) {
      options = options.withDeliveryTime(date.get());
    }
    MailImport.Imported imported = MailImport.importMessage(f, new ByteArrayInputStream(message), options);
    if (!flags.isEmpty()) {
      session.storeFlags(imported.id(), Store.change(flags, Store.Mode.ADD, null, keywordsTag), -1);
    }
    long uid;
    try (Message m = session.openMessage(imported.id())) {
      uid = Selected.uid(m);
    }
    long validity = f.mailboxState().uidValidity();
    return "OK [APPENDUID " + validity + " " + uid + "] APPEND completed";
  }

  /** A flag in a flag list: {@code \Seen}, a keyword atom. */
  static String flagAtom(Parser p) {
    if (p.skip('\\')) {
      return "\\" + p.atom();
    }
    return p.atom();
  }

  private String idle(String tag) throws InterruptedException {
    conn.send("+ idling");
    conn.flush();
    while (true) {
      updates(false);
      Object o = conn.next(-1);
      if (o == Connection.CLOSED) {
        loggedOut = true;
        return null;
      }
      if (o == Connection.WAKE) {
        continue;
      }
      if (o instanceof Frame.Command c && c.lines().size() == 1 && c.firstLine().strip().equalsIgnoreCase("DONE")) {
        return "OK IDLE terminated";
      }
      conn.send(tag + " BAD expected DONE to end IDLE");
      return null;
    }
  }

  // ---- selected

  private String copy(Parser p, boolean uid, boolean move) {
    p.sp();
    SequenceSet set = p.sequenceSet();
    p.sp();
    String mbox = p.listMailbox();
    p.end();
    if (move) {
      requireWritable();
    }
    Folder target = mailboxes.find(mbox).orElseThrow(() -> new No("[TRYCREATE] no mailbox named " + mbox));
    List<Selected.Msg> msgs = selected.resolve(set, uid);
    List<Long> from = new ArrayList<>();
    List<Long> to = new ArrayList<>();
    for (Selected.Msg m : msgs) {
      if (selected.isGone(m)) {
        continue;
      }
      MessageId n = move ? session.moveMessage(m.id(), target.id()) : session.copyMessage(m.id(), target.id());
      try (Message h = session.openMessage(n)) {
        from.add(m.uid());
        to.add(Selected.uid(h));
      }
    }
    String copyUid = from.isEmpty() ? "" : "[COPYUID " + target.mailboxState().uidValidity() + " "
        + SequenceSet.format(from.stream().sorted().toList()) + " " + join(to) + "] ";
    if (move) {
      if (!copyUid.isEmpty()) {
        conn.send("* OK " + copyUid + "moved");
      }
      return "OK MOVE completed";
    }
    return "OK " + copyUid + "COPY completed";
  }

  /** UIDs in the order given (COPYUID pairs them with the source UIDs in order, RFC 4315 3). */
  private static String join(List<Long> uids) {
    List<String> s = new ArrayList<>();
    uids.forEach(u -> s.add(Long.toString(u)));
    return String.join(",", s);
  }

  /** EXPUNGE (RFC 9051 6.4.3): soft-deletes the messages marked \Deleted (UID EXPUNGE: of those in {@code only}). */
  private void expungeDeleted(SequenceSet only, boolean report) {
    List<MessageId> ids = new ArrayList<>();
    long largest = selected.view().isEmpty() ? 0 : selected.view().get(selected.exists() - 1).uid();
    for (Selected.Msg m : selected.view()) {
      if (m.deleted() && !selected.isGone(m) && (only == null || only.contains(m.uid(), largest))) {
        ids.add(m.id());
      }
    }
    if (!ids.isEmpty()) {
      session.deleteMessages(ids, msgstore.api.DeleteMode.SOFT);
    }
    if (report) {
      updates(false);
    }
  }

  /** Sends the selected mailbox's changes (see {@link Selected#refresh}). */
  void updates(boolean noExpunge) {
    if (selected == null) {
      return;
    }
    Selected.Changes c = selected.refresh(!noExpunge);
    if (!c.expunged().isEmpty()) {
      if (qresync) {
        conn.send("* VANISHED " + SequenceSet.format(c.expunged()));
      } else {
        List<Long> desc = new ArrayList<>(c.expunged());
        desc.sort((a, b) -> Long.compare(b, a));
        // Each EXPUNGE renumbers the later messages: report from the highest number down. The
        // numbers are those before any of them was removed, so count the earlier removed ones.
        List<Long> sorted = new ArrayList<>(c.expunged());
        sorted.sort(Long::compare);
        for (Long u : desc) {
          conn.send("* " + (priorSeq(u, sorted)) + " EXPUNGE");
        }
      }
    }
    if (c.exists() >= 0) {
      conn.send("* " + c.exists() + " EXISTS");
    }
    for (Selected.Msg m : c.changed()) {
      int seq = selected.seqOf(m.uid());
      if (seq > 0) {
        conn.send("* " + seq + " FETCH (UID " + m.uid() + " FLAGS " + m.flags()
            + (condstore ? " MODSEQ (" + m.modseq() + ")" : "") + ")");
      }
    }
  }

  /** The sequence number {@code uid} had before the expunged ones were taken out of the view. */
  private int priorSeq(long uid, List<Long> expungedSorted) {
    int live = 0;
    for (Selected.Msg m : selected.view()) {
      if (m.uid() < uid) {
        live++;
      }
    }
    int removedBelow = 0;
    for (Long u : expungedSorted) {
      if (u < uid) {
        removedBelow++;
      }
    }
    return live + removedBelow + 1;
  }

  private void updatesQuietly() {
    try {
      updates(true);
    } catch (RuntimeException e) {
      LOG.debug("IMAP: updates after a failed command: {}", e.toString());
    }
  }

  PropTag keywordsTag() {
    return keywordsTag;
  }
}
