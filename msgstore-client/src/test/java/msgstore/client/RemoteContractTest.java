package msgstore.client;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import msgstore.api.MessageStore;
import msgstore.testkit.Capability;
import msgstore.testkit.MessageStoreContract;

/** The remote SDK against an in-process server passes the full behavioural contract, as embedded (X5). */
class RemoteContractTest extends MessageStoreContract {
  @Override
  protected MessageStore openStore(Path dir) {
    return ServedStore.open(dir);
  }

  /** Everything, except that an object the caller may not read is hidden (NOT_FOUND), ADR 0009. */
  @Override
  protected Set<Capability> capabilities() {
    return EnumSet.complementOf(EnumSet.of(Capability.NO_ACCESS_REVEALS_EXISTENCE));
  }

  @Override
  protected List<String> integrityProblems(MessageStore store) {
    return ServedStore.integrityProblems(store);
  }
}
