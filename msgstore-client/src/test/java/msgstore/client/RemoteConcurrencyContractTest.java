package msgstore.client;

import java.nio.file.Path;
import java.util.List;
import msgstore.api.MessageStore;
import msgstore.testkit.ConcurrencyContract;

/** The remote SDK passes the concurrency contract (R33, R45, R97) through the server. */
class RemoteConcurrencyContractTest extends ConcurrencyContract {
  @Override
  protected MessageStore openStore(Path dir) {
    return ServedStore.open(dir);
  }

  @Override
  protected List<String> integrityProblems(MessageStore store) {
    return ServedStore.integrityProblems(store);
  }
}
