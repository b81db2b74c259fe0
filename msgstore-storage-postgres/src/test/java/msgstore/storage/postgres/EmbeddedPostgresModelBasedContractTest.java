package msgstore.storage.postgres;

import java.nio.file.Path;
import java.util.List;
import msgstore.api.MessageStore;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.testkit.ModelBasedContract;

/** The engine over PostgreSQL (a real server, a fresh database per test) passes the model-based contract. */
class EmbeddedPostgresModelBasedContractTest extends ModelBasedContract {
  @Override
  protected MessageStore openStore(Path dir) {
    return PostgresMessageStore.open(TestPostgres.options(TestPostgres.databaseFor(dir)));
  }

  @Override
  protected List<String> integrityProblems(MessageStore store) {
    return ((EmbeddedMessageStore) store).checkIntegrity();
  }
}
