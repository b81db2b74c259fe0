package msgstore.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import msgstore.api.Folder;
import msgstore.api.MessageId;
import msgstore.api.Session;
import msgstore.api.StoreInfo;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.engine.EngineOptions;
import msgstore.storage.sqlite.SqliteMessageStore;
import msgstore.storage.sqlite.SqliteStorage;

/**
 * One benchmark trial's store: in a fresh directory under {@link BenchPaths#tmpRoot()}, opened
 * with the default (FULL: WAL + synchronous=FULL) durability, deleted on {@link #close}.
 */
public final class StoreFixture implements AutoCloseable {
  public final Path dir;
  public final EmbeddedMessageStore store;
  public final Session session;
  public final StoreInfo storeInfo;
  /** The benchmark folders, in order; message {@code i} is in folder {@code i / folderMessages}. */
  public final List<Folder> folders;
  /** The prepared messages' ids, in build order (empty for an empty store). */
  public final long[] ids;

  private StoreFixture(Path dir, EmbeddedMessageStore store, Session session, StoreInfo storeInfo,
      List<Folder> folders, long[] ids) {
    this.dir = dir;
    this.store = store;
    this.session = session;
    this.storeInfo = storeInfo;
    this.folders = folders;
    this.ids = ids;
  }

  /**
   * Opens a store file as every benchmark does: {@link SqliteStorage.Options#defaults} (FULL
   * durability), with {@code msgstore.bench.readers} reader connections when that is set, and the
   * engine defaults.
   */
  static EmbeddedMessageStore openStore(Path file) {
    SqliteStorage.Options o = SqliteStorage.Options.defaults(file);
    Integer readers = Integer.getInteger("msgstore.bench.readers");
    if (readers != null) {
      o = o.withReaderConnections(readers);
    }
    return SqliteMessageStore.open(o, EngineOptions.defaults());
  }

  /** A new empty store with one folder. */
  public static StoreFixture empty(String label) {
    Path dir = BenchPaths.freshDir(label);
    EmbeddedMessageStore store = null;
    try {
      store = openStore(dir.resolve(PreparedStore.DB_FILE));
      Session s = store.openSession(PreparedStore.USER);
      StoreInfo info = s.createStore(PreparedStore.STORE_NAME);
      Folder f = s.openFolder(info.rootFolder()).createFolder(PreparedStore.folderName(0));
      return new StoreFixture(dir, store, s, info, List.of(f), new long[0]);
    } catch (RuntimeException | Error e) {
      if (store != null) {
        store.close();
      }
      BenchPaths.deleteTree(dir);
      throw e;
    }
  }

  /** A copy of the prepared store of that size (built first if not cached), in a fresh directory. */
  public static StoreFixture prepared(String label, int messages, int folderMessages) {
    PreparedStore.Info info = PreparedStore.ensure(messages, folderMessages);
    Path dir = BenchPaths.freshDir(label);
    EmbeddedMessageStore store = null;
    try {
      long t0 = System.nanoTime();
      Path copy = dir.resolve("store");
      BenchPaths.copyTree(info.dir(), copy);
      try {
        Files.deleteIfExists(copy.resolve(PreparedStore.DB_FILE + ".lock"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      System.out.printf("# msgstore-bench: copied the prepared store of %,d messages in %.1f s%n", messages,
          (System.nanoTime() - t0) / 1e9);
      long[] ids = PreparedStore.readIds(copy);
      store = openStore(copy.resolve(PreparedStore.DB_FILE));
      Session s = store.openSession(PreparedStore.USER);
      StoreInfo si = s.stores().stream().filter(x -> x.displayName().equals(PreparedStore.STORE_NAME)).findFirst()
          .orElseThrow(() -> new IllegalStateException("the prepared store has no store named " + PreparedStore.STORE_NAME));
      Folder root = s.openFolder(si.rootFolder());
      List<Folder> folders = new ArrayList<>();
      for (int i = 0; i < PreparedStore.folderCount(messages, folderMessages); i++) {
        String name = PreparedStore.folderName(i);
        folders.add(root.subfolder(name).orElseThrow(() -> new IllegalStateException("prepared store lacks " + name)));
      }
      return new StoreFixture(dir, store, s, si, folders, ids);
    } catch (RuntimeException | Error e) {
      if (store != null) {
        store.close();
      }
      BenchPaths.deleteTree(dir);
      throw e;
    }
  }

  public MessageId id(int index) {
    return MessageId.of(ids[index]);
  }

  @Override
  public void close() {
    try {
      session.close();
    } finally {
      try {
        store.close();
      } finally {
        BenchPaths.deleteTree(dir);
      }
    }
  }
}
