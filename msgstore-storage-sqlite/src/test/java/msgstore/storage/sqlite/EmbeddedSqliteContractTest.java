package msgstore.storage.sqlite;

import java.nio.file.Path;
import java.util.List;
import msgstore.api.MessageStore;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.testkit.MessageStoreContract;

/** The embedded engine over SQLite passes the full behavioural contract (spec sections 2-14, X1-X6). */
class EmbeddedSqliteContractTest extends MessageStoreContract {
  @Override
  protected MessageStore openStore(Path dir) {
    return SqliteMessageStore.open(dir.resolve("store.db"));
  }

  @Override
  protected List<String> integrityProblems(MessageStore store) {
    return ((EmbeddedMessageStore) store).checkIntegrity();
  }
}
