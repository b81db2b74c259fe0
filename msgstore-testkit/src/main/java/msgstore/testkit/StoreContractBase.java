package msgstore.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import msgstore.api.MessageStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * How an implementation plugs into the JUnit contract suites ({@link MessageStoreContract},
 * {@link ConcurrencyContract}): a subclass supplies {@link #openStore}, and may override {@link
 * #integrityProblems} and {@link #capabilities}. Before each test a store is opened on a fresh
 * {@link TempDir} and the owner's mailbox is created; after each test, whatever its outcome, the
 * store's integrity is checked (STYLE habit 15) and the store is closed.
 */
public abstract class StoreContractBase extends ContractSupport {
  private StoreFixture fixture;

  /** Opens the implementation on an empty directory, called once per test. */
  protected abstract MessageStore openStore(Path dir);

  /** The implementation's invariant check, run after every test; empty when sound. */
  protected List<String> integrityProblems(MessageStore store) {
    return List.of();
  }

  /** The optional features the implementation offers; all by default. */
  protected Set<Capability> capabilities() {
    return EnumSet.allOf(Capability.class);
  }

  @Override
  protected final StoreFixture fx() {
    if (fixture == null) {
      throw new IllegalStateException("no store: the fixture is created in @BeforeEach");
    }
    return fixture;
  }

  @BeforeEach
  protected final void openStoreUnderTest(@TempDir Path dir) {
    fixture = StoreFixture.create(dir, this::openStore, capabilities());
  }

  @AfterEach
  protected final void checkIntegrityAndCloseStore() {
    StoreFixture f = fixture;
    fixture = null;
    if (f != null) {
      List<String> problems = f.closeAndCheck(this::integrityProblems);
      assertThat(problems).as("store integrity after the test (habit 15)").isEmpty();
    }
  }
}
