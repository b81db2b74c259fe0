package msgstore.storage.postgres;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.engine.spi.StorageDeadline;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Feeds the {@code onCommitted} listener of one node from the journal, in position order, each
 * entry once: it remembers the last position delivered and reads on from there. A commit of this
 * node catches it up to its own entries before returning (delivering them as committed when
 * nothing comes before them); commits of other nodes wake it through {@code LISTEN/NOTIFY} (a
 * notification only says "read on" and which node committed: its own node's are skipped, its
 * writer delivers them), and it also reads on every {@value #POLL_MILLIS} ms and after every
 * reconnect, so a lost notification or connection delays an event but never loses or repeats
 * one. A commit's catch-up is only a shortcut: when the database fails after the COMMIT, or the
 * feed's own thread holds the feed past the committing thread's {@link StorageDeadline}, the
 * commit returns as committed and that thread delivers its entries at its next poll.
 */
final class PostgresJournalFeed implements AutoCloseable {
  static final String CHANNEL = "msgstore_journal";
  static final int PAGE = 512;
  static final int POLL_MILLIS = 1_000;

  private static final System.Logger LOG = System.getLogger(PostgresJournalFeed.class.getName());

  private final PostgresStorage.Options options;
  private final PostgresReader reader;
  private final String node = UUID.randomUUID().toString();
  private final ReentrantLock lock = new ReentrantLock();
  private long delivered;
  private volatile Consumer<List<StoreEvent>> listener = events -> {};
  private volatile boolean closed;
  private volatile Connection listening;
  private final AtomicLong foreignCommits = new AtomicLong();
  /** {@link System#nanoTime} when {@link #foreignCommits} last moved. */
  private volatile long lastForeignNanos = System.nanoTime();
  private Thread thread;

  PostgresJournalFeed(PostgresStorage.Options options, PostgresReader reader) {
    this.options = options;
    this.reader = reader;
  }

  /** Starts listening; events after {@code head} are delivered. */
  void start(long head) {
    lock.lock();
    try {
      delivered = head;
    } finally {
      lock.unlock();
    }
    thread = Thread.ofPlatform().daemon().name("msgstore-pg-journal-feed").start(this::run);
  }

  /**
   * This node, as the payload of the notifications of its writer's commits: the feed's thread is
   * not woken by those (the writer delivers their entries through {@link #delivered}), only by
   * other nodes' commits, or by its poll.
   */
  String node() {
    return node;
  }

  /**
   * How many times this node heard that another writer committed (a notification not its own) or
   * may have missed it (a reconnect): a change tells the writer that the numbers of its last
   * commit are stale (PostgresTx.Known). -1 while the feed is not listening (it would hear nothing).
   */
  long foreignCommits() {
    return listening == null ? -1 : foreignCommits.get();
  }

  /** Nanoseconds since {@link #foreignCommits} last moved: how long the other writers have been quiet. */
  long othersQuietNanos() {
    return System.nanoTime() - lastForeignNanos;
  }

  private void heardOthers() {
    foreignCommits.incrementAndGet();
    lastForeignNanos = System.nanoTime();
  }

  void listener(Consumer<List<StoreEvent>> l) {
    this.listener = l == null ? events -> {} : l;
  }

  /**
   * A commit of this node is durable with these entries (gapless, in order): delivers them, and
   * first whatever the journal holds before them that was not delivered yet. When nothing is
   * missing, they are delivered as they are, without reading them back.
   */
  void delivered(List<StoreEvent> committed) {
    long last = committed.getLast().position();
    if (!lockWithinDeadline()) {
      return;
    }
    try {
      while (delivered < committed.getFirst().position() - 1 && deliverPage()) {
        // entries of other nodes (or of commits of this one that have not caught up yet) come first
      }
      if (delivered == committed.getFirst().position() - 1) {
        delivered = last;
        notifyListener(committed);
      }
      while (delivered < last && deliverPage()) {
        // next page
      }
    } catch (StoreException e) {
      LOG.log(Level.DEBUG, "catching up after a commit failed; the journal feed delivers the entries", e);
    } finally {
      lock.unlock();
    }
  }

  private boolean lockWithinDeadline() {
    long remaining = StorageDeadline.remainingNanos();
    if (remaining == Long.MAX_VALUE) {
      lock.lock();
      return true;
    }
    try {
      return lock.tryLock(Math.max(0, remaining), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Delivers every committed entry not delivered yet. */
  void deliverAll() {
    lock.lock();
    try {
      while (deliverPage()) {
        // next page
      }
    } finally {
      lock.unlock();
    }
  }

  private boolean deliverPage() {
    List<StoreEvent> page = reader.readJournal(delivered, PAGE);
    if (page.isEmpty()) {
      return false;
    }
    delivered = page.getLast().position();
    notifyListener(page);
    return true;
  }

  private void notifyListener(List<StoreEvent> events) {
    try {
      listener.accept(events);
    } catch (VirtualMachineError e) {
      throw e;
    } catch (RuntimeException | Error e) {
      LOG.log(Level.WARNING, "the onCommitted listener threw; the commit stands", e);
    }
  }

  private void run() {
    long backoff = 50;
    while (!closed) {
      try (Connection c = connect()) {
        try (Statement s = c.createStatement()) {
          s.execute("LISTEN " + CHANNEL);
        }
        listening = c;
        PGConnection pg = c.unwrap(PGConnection.class);
        backoff = 50;
        heardOthers(); // notifications may have been missed while not listening
        deliverAll();
        while (!closed) {
          PGNotification[] woken = pg.getNotifications(POLL_MILLIS); // early by a commit of another node
          if (!ownOnly(woken)) {
            if (woken != null && woken.length > 0) {
              heardOthers();
            }
            deliverAll();
          }
        }
      } catch (SQLException | StoreException e) {
        if (closed) {
          return;
        }
        LOG.log(Level.DEBUG, "journal feed of " + options.redactedUrl() + " lost its connection; reconnecting", e);
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException interrupted) {
          return;
        }
        backoff = Math.min(1_000, backoff * 2);
      } finally {
        listening = null;
      }
    }
  }

  /** Whether {@code woken} holds notifications and all are this node's own commits. */
  private boolean ownOnly(PGNotification[] woken) {
    if (woken == null || woken.length == 0) {
      return false; // the poll's timeout
    }
    for (PGNotification n : woken) {
      if (!node.equals(n.getParameter())) {
        return false;
      }
    }
    return true;
  }

  private Connection connect() throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", options.user());
    if (options.password() != null) {
      p.setProperty("password", options.password());
    }
    p.setProperty("connectTimeout", Long.toString(Math.max(1, options.connectTimeout().toSeconds())));
    p.setProperty("tcpKeepAlive", "true");
    p.setProperty("ApplicationName", "msgstore journal feed");
    return DriverManager.getConnection(options.jdbcUrl(), p);
  }

  @Override
  public void close() {
    closed = true;
    Connection c = listening;
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // the thread ends either way
      }
    }
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
