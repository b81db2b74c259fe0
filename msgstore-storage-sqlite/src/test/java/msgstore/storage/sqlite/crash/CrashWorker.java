package msgstore.storage.sqlite.crash;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayInputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import msgstore.api.Attachment;
import msgstore.api.AttachmentRow;
import msgstore.api.Folder;
import msgstore.api.FolderId;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.ObjectChangedException;
import msgstore.api.OpenFlag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.SaveFlag;
import msgstore.api.SaveResult;
import msgstore.api.Session;
import msgstore.api.StoreException;
import msgstore.api.StoreInfo;
import msgstore.api.TableRow;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.storage.sqlite.SqliteMessageStore;

/**
 * The process {@link CrashSafetyTest} kills: saves in a loop, forever, and reports on stdout every
 * operation after its call has returned. Arguments: {@code <store file> <round> <seed> <threads>}.
 *
 * <p>It creates (first run) or finds again (later runs) a store named {@value #STORE_NAME} with the
 * folders Inbox and {@value #ARCHIVE}, one message per thread ({@code PR_CONVERSATION_TOPIC}
 * {@code own-<n>}), one message all threads save ({@value #HOT}) and a pool of {@value #MISC}
 * messages that get created, saved with attachments, moved between the two folders and deleted.
 * Every save writes one fresh token into PR_SUBJECT and into PR_BODY (see {@link #body}), so a
 * torn version shows as a subject that does not match its body.
 *
 * <p>Protocol, one line per completed operation, each written whole by one {@code write(2)}:
 *
 * <pre>
 * READY &lt;store guid&gt; &lt;hot id&gt; &lt;own id,own id,...&gt; &lt;misc count&gt;
 * CREATED &lt;id&gt; &lt;cn&gt; &lt;token&gt; &lt;1 if an attachment named a-&lt;token&gt; was written, else -&gt;
 * SAVED &lt;id&gt; &lt;cn&gt; &lt;token&gt; &lt;1|-&gt;
 * MOVED &lt;old id&gt; &lt;new id&gt;
 * DELETED &lt;id&gt;
 * ERROR &lt;description&gt;     (then the process halts with status 3)
 * </pre>
 */
public final class CrashWorker {
  static final String STORE_NAME = "Crash";
  static final String USER = "crash";
  static final String ARCHIVE = "Archive";
  static final String HOT = "hot";
  static final String MISC = "misc";
  static final String OWN_PREFIX = "own-";
  /** Filler characters of a body: two SQLite pages and more, so a torn write would show. */
  static final int BODY_FILLER = 8192;
  static final int MAX_ATTACHMENTS = 3;
  static final int MAX_MISC = 40;

  private static final FileOutputStream OUT = new FileOutputStream(FileDescriptor.out);

  private final Session session;
  private final String storeGuid;
  private final int round;
  private final FolderId inbox;
  private final FolderId archive;
  private final long hot;
  private final List<Long> own;
  private final ConcurrentLinkedDeque<Long> misc = new ConcurrentLinkedDeque<>();

  private CrashWorker(Session session, String storeGuid, int round, FolderId inbox, FolderId archive, long hot,
      List<Long> own, List<Long> misc) {
    this.session = session;
    this.storeGuid = storeGuid;
    this.round = round;
    this.inbox = inbox;
    this.archive = archive;
    this.hot = hot;
    this.own = own;
    this.misc.addAll(misc);
  }

  public static void main(String[] args) {
    Thread.setDefaultUncaughtExceptionHandler((t, e) -> fatal("thread " + t.getName(), e));
    try {
      Path file = Path.of(args[0]);
      int round = Integer.parseInt(args[1]);
      long seed = Long.parseLong(args[2]);
      int threads = Integer.parseInt(args[3]);
      // Never closed: the process ends by SIGKILL.
      EmbeddedMessageStore store = SqliteMessageStore.open(file);
      Session session = store.openSession(USER);
      CrashWorker w = start(session, round, seed, threads);
      emit("READY " + w.storeGuid + " " + w.hot + " " + joinIds(w.own) + " " + w.misc.size());
      for (int t = 0; t < threads; t++) {
        int n = t;
        SplittableRandom rnd = new SplittableRandom(seed * 31 + n);
        Thread th = new Thread(() -> w.loop(n, rnd), "crash-worker-" + n);
        th.start();
      }
    } catch (Throwable e) {
      fatal("start-up", e);
    }
  }

  /** Finds or creates everything the loop needs; every step is idempotent, so a kill anywhere is fine. */
  private static CrashWorker start(Session s, int round, long seed, int threads) {
    StoreInfo info = s.stores().stream().filter(x -> x.displayName().equals(STORE_NAME)).findFirst()
        .orElseGet(() -> s.createStore(STORE_NAME));
    Folder root = s.openFolder(info.rootFolder());
    Folder inbox = root.subfolder("Inbox").orElseGet(() -> root.createFolder("Inbox"));
    Folder archive = root.subfolder(ARCHIVE).orElseGet(() -> root.createFolder(ARCHIVE));
    Map<String, List<Long>> roles = roles(inbox, archive);
    SplittableRandom rnd = new SplittableRandom(seed);
    long hot = findOrCreate(s, inbox, roles, HOT, round, rnd);
    List<Long> own = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      own.add(findOrCreate(s, inbox, roles, OWN_PREFIX + t, round, rnd));
    }
    return new CrashWorker(s, info.id().toString(), round, inbox.id(), archive.id(), hot, own,
        roles.getOrDefault(MISC, List.of()));
  }

  /** Message ids by PR_CONVERSATION_TOPIC in both folders (soft-deleted messages are not listed). */
  static Map<String, List<Long>> roles(Folder... folders) {
    Map<String, List<Long>> roles = new TreeMap<>();
    for (Folder f : folders) {
      List<TableRow> rows = f.contentsTable().setColumns(List.of(PropTags.MID, PropTags.CONVERSATION_TOPIC))
          .queryRows(0, 10_000);
      for (TableRow r : rows) {
        String topic = r.get(PropTags.CONVERSATION_TOPIC).map(PropValue::asString).orElse("?");
        roles.computeIfAbsent(topic, k -> new ArrayList<>()).add(r.messageId().value());
      }
    }
    return roles;
  }

  private static long findOrCreate(Session s, Folder inbox, Map<String, List<Long>> roles, String topic, int round,
      SplittableRandom rnd) {
    List<Long> found = roles.getOrDefault(topic, List.of());
    if (found.size() > 1) {
      throw new IllegalStateException("more than one message has topic " + topic + ": " + found);
    }
    if (found.size() == 1) {
      return found.get(0);
    }
    String token = token(round, "init", rnd);
    Message m = inbox.createMessage();
    m.set(PropTags.CONVERSATION_TOPIC, topic);
    setToken(m, token);
    SaveResult r = m.saveChanges();
    emit("CREATED " + r.messageId().value() + " " + r.changeNumber().value() + " " + token + " -");
    return r.messageId().value();
  }

  // ---- the loop

  private void loop(int n, SplittableRandom rnd) {
    Message ownHandle = null;
    while (true) {
      int p = rnd.nextInt(100);
      if (p < 38) {
        if (ownHandle == null || rnd.nextInt(10) == 0) {
          if (ownHandle != null) {
            ownHandle.close();
          }
          ownHandle = session.openMessage(MessageId.of(own.get(n)), OpenFlag.MODIFY);
        }
        saveOwn(ownHandle, n, rnd);
      } else if (p < 72) {
        saveHot(n, rnd);
      } else if (p < 82) {
        createMisc(n, rnd);
      } else if (p < 91) {
        saveMisc(n, rnd);
      } else if (p < 96) {
        moveMisc();
      } else {
        deleteMisc(n, rnd);
      }
    }
  }

  private void saveOwn(Message m, int n, SplittableRandom rnd) {
    String token = token(round, "own" + n, rnd);
    setToken(m, token);
    boolean att = rnd.nextInt(5) == 0;
    if (att) {
      writeAttachment(m, token);
    }
    SaveResult r = m.saveChanges(SaveFlag.KEEP_OPEN_READWRITE);
    reportSave("SAVED", r, token, att);
  }

  private void saveHot(int n, SplittableRandom rnd) {
    String token = token(round, "hot" + n, rnd);
    boolean att = rnd.nextInt(8) == 0;
    for (int attempt = 0; ; attempt++) {
      Message m = session.openMessage(MessageId.of(hot), OpenFlag.MODIFY);
      try {
        setToken(m, token);
        if (att) {
          writeAttachment(m, token);
        }
        SaveResult r = m.saveChanges();
        reportSave("SAVED", r, token, att);
        return;
      } catch (ObjectChangedException e) {
        if (attempt > 1000) {
          throw new IllegalStateException("hot message " + hot + " still changed after 1000 retries", e);
        }
      } finally {
        m.close();
      }
    }
  }

  private void createMisc(int n, SplittableRandom rnd) {
    if (misc.size() >= MAX_MISC) {
      deleteMisc(n, rnd);
      return;
    }
    String token = token(round, "misc" + n, rnd);
    Message m = session.openFolder(rnd.nextBoolean() ? inbox : archive).createMessage();
    m.set(PropTags.CONVERSATION_TOPIC, MISC);
    setToken(m, token);
    boolean att = rnd.nextBoolean();
    if (att) {
      writeAttachment(m, token);
    }
    SaveResult r = m.saveChanges();
    reportSave("CREATED", r, token, att);
    misc.add(r.messageId().value());
  }

  private void saveMisc(int n, SplittableRandom rnd) {
    Long id = misc.pollFirst();
    if (id == null) {
      createMisc(n, rnd);
      return;
    }
    String token = token(round, "misc" + n, rnd);
    try (Message m = session.openMessage(MessageId.of(id), OpenFlag.MODIFY)) {
      setToken(m, token);
      boolean att = rnd.nextInt(3) > 0;
      if (att) {
        writeAttachment(m, token);
      }
      SaveResult r = m.saveChanges();
      reportSave("SAVED", r, token, att);
    }
    misc.addLast(id);
  }

  private void moveMisc() {
    Long id = misc.pollFirst();
    if (id == null) {
      return;
    }
    FolderId from;
    try (Message m = session.openMessage(MessageId.of(id))) {
      from = m.folderId();
    }
    MessageId moved = session.moveMessage(MessageId.of(id), from.equals(inbox) ? archive : inbox);
    emit("MOVED " + id + " " + moved.value());
    misc.addLast(moved.value());
  }

  private void deleteMisc(int n, SplittableRandom rnd) {
    if (misc.size() < 5) {
      createMisc(n, rnd);
      return;
    }
    Long id = misc.pollFirst();
    if (id == null) {
      return;
    }
    session.deleteMessage(MessageId.of(id));
    emit("DELETED " + id);
  }

  private static void reportSave(String what, SaveResult r, String token, boolean att) {
    if (!r.committed()) {
      throw new IllegalStateException("a save of " + r.messageId() + " with the new token " + token
          + " committed nothing: " + r);
    }
    emit(what + " " + r.messageId().value() + " " + r.changeNumber().value() + " " + token + " " + (att ? "1" : "-"));
  }

  // ---- content shared with the test

  static String token(int round, String who, SplittableRandom rnd) {
    return "r" + round + "-" + who + "-" + Long.toHexString(rnd.nextLong() & Long.MAX_VALUE);
  }

  private static void setToken(Message m, String token) {
    m.setProps(PropValue.of(PropTags.SUBJECT, token), PropValue.of(PropTags.BODY, body(token)));
  }

  /** The body written with {@code token}: the token, 8 KB of filler derived from it, the token again. */
  static String body(String token) {
    SplittableRandom r = new SplittableRandom(token.hashCode() * 0x9E3779B97F4A7C15L + token.length());
    StringBuilder b = new StringBuilder(BODY_FILLER + 2 * token.length() + 2);
    b.append(token).append('|');
    for (int i = 0; i < BODY_FILLER; i++) {
      b.append((char) ('a' + r.nextInt(26)));
    }
    return b.append('|').append(token).toString();
  }

  /** The name of the attachment a save with {@code token} wrote. */
  static String attachmentName(String token) {
    return "a-" + token;
  }

  /** The content of the attachment a save with {@code token} wrote: 200 to 3199 bytes derived from it. */
  static byte[] attachmentContent(String token) {
    SplittableRandom r = new SplittableRandom(token.hashCode() * 0xC2B2AE3D27D4EB4FL - token.length());
    byte[] b = new byte[200 + r.nextInt(3000)];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    return b;
  }

  /** Adds an attachment named after {@code token}, dropping the oldest beyond {@value #MAX_ATTACHMENTS}. */
  private static void writeAttachment(Message m, String token) {
    List<AttachmentRow> rows = m.attachments();
    for (int i = 0; i + MAX_ATTACHMENTS <= rows.size(); i++) {
      m.deleteAttachment(rows.get(i).attachNum());
    }
    try (Attachment a = m.createAttachment()) {
      a.set(PropTags.ATTACH_FILENAME, attachmentName(token));
      a.writeContent(new ByteArrayInputStream(attachmentContent(token)));
      a.saveChanges();
    }
  }

  // ---- output

  private static String joinIds(List<Long> ids) {
    StringBuilder b = new StringBuilder();
    for (long id : ids) {
      b.append(b.isEmpty() ? "" : ",").append(id);
    }
    return b.toString();
  }

  /** One whole line in one write, so a kill never leaves half a line that looks complete. */
  static void emit(String line) {
    byte[] b = (line + "\n").getBytes(UTF_8);
    synchronized (OUT) {
      try {
        OUT.write(b);
      } catch (IOException e) {
        Runtime.getRuntime().halt(4); // the test went away
      }
    }
  }

  private static void fatal(String where, Throwable e) {
    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    System.err.println("crash worker failed in " + where + ":\n" + trace);
    System.err.flush();
    String kind = e instanceof StoreException se && se.error() == MapiError.BUSY ? "BUSY " : "";
    emit("ERROR " + kind + where + ": " + String.valueOf(e).replace('\n', ' '));
    Runtime.getRuntime().halt(3);
  }
}
