package msgstore.storage.sqlite;

import java.nio.file.Path;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.engine.EngineOptions;

/** The embedded msgstore over one SQLite file: the default way to open a store. */
public final class SqliteMessageStore {
  private SqliteMessageStore() {}

  /** Opens (creating if needed) the store in {@code file}, durable by default. */
  public static EmbeddedMessageStore open(Path file) {
    return open(SqliteStorage.Options.defaults(file), EngineOptions.defaults());
  }

  /** Opens the store with explicit storage and engine options. */
  public static EmbeddedMessageStore open(SqliteStorage.Options storage, EngineOptions engine) {
    return EmbeddedMessageStore.open(SqliteStorage.open(storage), engine);
  }
}
