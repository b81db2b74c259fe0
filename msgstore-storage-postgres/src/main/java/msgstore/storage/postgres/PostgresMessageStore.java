package msgstore.storage.postgres;

import msgstore.engine.EmbeddedMessageStore;
import msgstore.engine.EngineOptions;

/** msgstore over a PostgreSQL database (ADR 0024): one node; several may open the same database. */
public final class PostgresMessageStore {
  private PostgresMessageStore() {}

  /** Opens the store in the database of {@code storage}, migrating its schema when needed. */
  public static EmbeddedMessageStore open(PostgresStorage.Options storage) {
    return open(storage, EngineOptions.defaults());
  }

  public static EmbeddedMessageStore open(PostgresStorage.Options storage, EngineOptions engine) {
    return EmbeddedMessageStore.open(PostgresStorage.open(storage), engine);
  }
}
