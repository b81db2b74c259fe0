package msgstore.client;

import java.nio.file.Path;
import java.util.List;
import msgstore.api.MessageStore;
import msgstore.testkit.ModelBasedContract;

/** The remote SDK passes the model-based contract through the server. */
class RemoteModelBasedContractTest extends ModelBasedContract {
  @Override
  protected MessageStore openStore(Path dir) {
    return ServedStore.open(dir);
  }

  @Override
  protected List<String> integrityProblems(MessageStore store) {
    return ServedStore.integrityProblems(store);
  }
}
