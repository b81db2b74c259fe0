package msgstore.engine;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import msgstore.api.MapiError;
import msgstore.api.MessageStore;
import msgstore.api.Session;
import msgstore.api.StoreException;
import msgstore.api.StoreLimits;
import msgstore.engine.spi.Storage;
import msgstore.engine.spi.StoredStore;

/**
 * The embedded message store: the engine over a {@link Storage} backend, in this process.
 * Thread-safe. Closing it closes the storage.
 */
public final class EmbeddedMessageStore implements MessageStore {
  private static final System.Logger LOG = System.getLogger(EmbeddedMessageStore.class.getName());
  final Storage storage;
  final EngineOptions options;
  final EventHub events;
  final LatestVersions latest = new LatestVersions();
  final DecodedVersions decoded = new DecodedVersions(DecodedVersions.DEFAULT_BUDGET_BYTES);
  private final ConcurrentHashMap<UUID, StoredStore> stores = new ConcurrentHashMap<>();
  private final ScheduledExecutorService maintenance;
  private volatile boolean closed;

  private EmbeddedMessageStore(Storage storage, EngineOptions options) {
    this.storage = storage;
    this.options = options;
    this.events = new EventHub(storage);
    storage.onCommitted(entries -> {
      latest.observe(entries);
      events.publish(entries);
    });
    if (options.maintenanceInterval().isZero()) {
      maintenance = null;
    } else {
      maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "msgstore-maintenance");
        t.setDaemon(true);
        return t;
      });
      long every = options.maintenanceInterval().toMillis();
      maintenance.scheduleWithFixedDelay(this::maintenanceQuietly, every, every, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Drops what is kept for speed only and was not used for {@code unusedFor} or longer: decoded
   * versions kept for the next open ({@code DecodedVersions}) and the storage's page caches of
   * idle connections ({@link Storage#releaseUnusedMemory}). A server calls it now and then, so that
   * memory a burst filled goes back when it is quiet; what was dropped is read or decoded again
   * when needed.
   */
  public void expireUnusedCaches(Duration unusedFor) {
    decoded.expireUnusedFor(unusedFor.toNanos());
    if (!closed) {
      storage.releaseUnusedMemory(unusedFor.toNanos());
    }
  }

  /** Opens the engine over a storage backend; the store takes ownership of it. */
  public static EmbeddedMessageStore open(Storage storage, EngineOptions options) {
    return new EmbeddedMessageStore(storage, options);
  }

  @Override
  public Session openSession(String user) {
    return open(user, false);
  }

  /**
   * A session of {@code user} for mail delivery (LMTP, ADR 0019): the same rights and rules as
   * {@link #openSession}, except that the first save of each new top-level message journals a
   * {@link msgstore.api.EventType#NEW_MAIL} entry (fnevNewMail, R77) after its OBJECT_CREATED, in
   * the same transaction as the message. Every other commit is journaled as usual.
   */
  public Session openDeliverySession(String user) {
    return open(user, true);
  }

  private Session open(String user, boolean delivery) {
    checkOpen();
    if (user == null || user.isBlank() || user.length() > options.limits().maxNameLength()) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "user name must be 1 to "
          + options.limits().maxNameLength() + " characters, got '" + user + "'");
    }
    return new EmbeddedSession(this, user, delivery);
  }

  @Override
  public StoreLimits limits() {
    return options.limits();
  }

  /** The storage's integrity check plus its invariants; empty when sound. */
  public List<String> checkIntegrity() {
    return storage.checkIntegrity();
  }

  /** Result of one maintenance pass. */
  public record MaintenanceReport(int versionsPruned, int blobsCollected) {}

  /** Prunes history past retention (X1) and collects unreferenced blobs, now. */
  public MaintenanceReport runMaintenance() {
    Instant now = options.clock().instant();
    int pruned = storage.pruneHistory(now.minus(options.historyMaxAge()), options.historyKeepLast());
    int blobs = storage.collectGarbage(now.minus(options.blobGrace()));
    return new MaintenanceReport(pruned, blobs);
  }

  private void maintenanceQuietly() {
    try {
      runMaintenance();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "maintenance pass failed", e);
    }
  }

  /** The number of live event subscriptions. */
  public int subscriberCount() {
    return events.subscriberCount();
  }

  Optional<StoredStore> store(UUID guid) {
    StoredStore s = stores.get(guid);
    if (s == null) {
      Optional<StoredStore> found = storage.findStore(guid);
      found.ifPresent(f -> stores.put(guid, f));
      return found;
    }
    return Optional.of(s);
  }

  void checkOpen() {
    if (closed) {
      throw new StoreException(MapiError.INVALID_OBJECT, "the message store is closed");
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (maintenance != null) {
      maintenance.shutdownNow();
    }
    events.close();
    storage.close();
  }
}
