package msgstore.storage.postgres;

import java.nio.file.Path;
import java.util.List;
import msgstore.api.MessageStore;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.testkit.MessageStoreContract;

/** The engine over PostgreSQL (a real server, a fresh database per test) passes the full behavioural contract (spec sections 2-14, X1-X6), exactly as over SQLite. */
class EmbeddedPostgresContractTest extends MessageStoreContract {
  @Override
  protected MessageStore openStore(Path dir) {
    return PostgresMessageStore.open(TestPostgres.options(TestPostgres.databaseFor(dir)));
  }

  @Override
  protected List<String> integrityProblems(MessageStore store) {
    return ((EmbeddedMessageStore) store).checkIntegrity();
  }
}
