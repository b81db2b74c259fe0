package msgstore.storage.postgres;

import java.nio.file.Path;
import java.util.List;
import msgstore.api.MessageStore;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.testkit.ConcurrencyContract;

/** The engine over PostgreSQL (a real server, a fresh database per test) passes the concurrency contract (R33, R45, R97) and the linearizability check. */
class EmbeddedPostgresConcurrencyContractTest extends ConcurrencyContract {
  @Override
  protected MessageStore openStore(Path dir) {
    return PostgresMessageStore.open(TestPostgres.options(TestPostgres.databaseFor(dir)));
  }

  @Override
  protected List<String> integrityProblems(MessageStore store) {
    return ((EmbeddedMessageStore) store).checkIntegrity();
  }
}
