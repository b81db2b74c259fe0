package msgstore.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import msgstore.api.Folder;
import msgstore.api.FolderId;
import msgstore.api.MessageStore;
import msgstore.api.Session;
import msgstore.api.StoreId;
import msgstore.api.StoreInfo;

/**
 * One store under test: the {@link MessageStore} opened on a fresh directory, the owner's session
 * ({@value #OWNER}), one mailbox store created by that session with its top folders, and every
 * session and subscription a test opened, closed again by {@link #closeAndCheck}.
 */
public final class StoreFixture {
  /** The user who owns the mailbox of every contract test. */
  public static final String OWNER = "alice";
  /** A second user; has no rights until a test grants them. */
  public static final String OTHER_USER = "bob";
  /** The top folders {@code Session.createStore} makes (fixed engine behaviour). */
  public static final List<String> TOP_FOLDERS = List.of("Inbox", "Drafts", "Sent Items", "Deleted Items");

  private final Path dir;
  private final Function<Path, MessageStore> opener;
  private final Set<Capability> capabilities;
  private final List<AutoCloseable> resources = new ArrayList<>();
  private MessageStore store;
  private Session owner;
  private StoreInfo storeInfo;

  private StoreFixture(Path dir, Function<Path, MessageStore> opener, Set<Capability> capabilities) {
    this.dir = dir;
    this.opener = opener;
    this.capabilities = capabilities.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(capabilities));
  }

  /** Opens a store in {@code dir} and creates the owner's mailbox in it. */
  public static StoreFixture create(Path dir, Function<Path, MessageStore> opener, Set<Capability> capabilities) {
    StoreFixture f = new StoreFixture(dir, opener, capabilities);
    f.store = opener.apply(dir);
    if (f.store == null) {
      throw new IllegalStateException("openStore(" + dir + ") returned null");
    }
    f.owner = f.openSession(OWNER);
    f.storeInfo = f.owner.createStore("Mailbox - " + OWNER);
    return f;
  }

  public MessageStore store() {
    return store;
  }

  public Path dir() {
    return dir;
  }

  /** The session of {@value #OWNER}, the mailbox owner. */
  public Session owner() {
    return owner;
  }

  public StoreInfo storeInfo() {
    return storeInfo;
  }

  public StoreId storeId() {
    return storeInfo.id();
  }

  public FolderId rootFolderId() {
    return storeInfo.rootFolder();
  }

  public boolean has(Capability c) {
    return capabilities.contains(c);
  }

  public Set<Capability> capabilities() {
    return capabilities;
  }

  /** A new session of {@code user}, closed after the test. */
  public Session openSession(String user) {
    return track(store.openSession(user));
  }

  /** The owner's handle on a top folder ({@link #TOP_FOLDERS}). */
  public Folder topFolder(String name) {
    return owner.rootFolder(storeId()).subfolder(name)
        .orElseThrow(() -> new AssertionError("createStore made no top folder '" + name + "'"));
  }

  /** Closes {@code resource} (a session, a subscription, a handle) after the test. */
  public <T extends AutoCloseable> T track(T resource) {
    synchronized (resources) {
      resources.add(resource);
    }
    return resource;
  }

  /**
   * Closes every session and subscription, then the store, and opens the store again on the same
   * directory with a new owner session ({@link Capability#REOPEN}).
   */
  public void reopen() {
    closeResources();
    store.close();
    store = opener.apply(dir);
    owner = openSession(OWNER);
  }

  /**
   * Closes sessions and subscriptions, asks {@code integrity} for problems of the store (habit 15),
   * then closes the store whatever happened. Returns the problems found.
   */
  public List<String> closeAndCheck(Function<MessageStore, List<String>> integrity) {
    try {
      closeResources();
      List<String> problems = integrity.apply(store);
      return problems == null ? List.of() : problems;
    } finally {
      store.close();
    }
  }

  private void closeResources() {
    List<AutoCloseable> toClose;
    synchronized (resources) {
      toClose = new ArrayList<>(resources);
      resources.clear();
    }
    RuntimeException failure = null;
    for (AutoCloseable r : toClose.reversed()) {
      try {
        r.close();
      } catch (Exception e) {
        if (failure == null) {
          failure = new IllegalStateException("closing " + r + " failed", e);
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
