package msgstore.storage.sqlite;

import java.nio.file.Path;
import java.util.List;
import msgstore.api.MessageStore;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.testkit.ConcurrencyContract;

/** The embedded engine over SQLite passes the concurrency contract (R33, R45, R97) and the linearizability check. */
class EmbeddedSqliteConcurrencyContractTest extends ConcurrencyContract {
  @Override
  protected MessageStore openStore(Path dir) {
    return SqliteMessageStore.open(dir.resolve("store.db"));
  }

  @Override
  protected List<String> integrityProblems(MessageStore store) {
    return ((EmbeddedMessageStore) store).checkIntegrity();
  }
}
