package msgstore.storage.sqlite;

import java.nio.file.Path;
import java.util.List;
import msgstore.api.MessageStore;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.testkit.ModelBasedContract;

/** The embedded engine over SQLite passes the model-based contract. */
class EmbeddedSqliteModelBasedContractTest extends ModelBasedContract {
  @Override
  protected MessageStore openStore(Path dir) {
    return SqliteMessageStore.open(dir.resolve("store.db"));
  }

  @Override
  protected List<String> integrityProblems(MessageStore store) {
    return ((EmbeddedMessageStore) store).checkIntegrity();
  }
}
