package msgstore.cli.campaign;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import msgstore.api.MessageStore;
import msgstore.api.Session;
import msgstore.api.StoreLimits;
import msgstore.client.Credentials;
import msgstore.client.RemoteMessageStore;
import msgstore.server.auth.Accounts;
import msgstore.server.auth.PasswordHasher;
import msgstore.storage.postgres.PostgresStorage;
import msgstore.storage.postgres.PostgresUrl;
import msgstore.testkit.ModelBasedContract;
import msgstore.testkit.StoreFixture;
import msgstore.testkit.Stress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model-based contract with its clients spread over nodes (issue 12): real {@code msgstore
 * serve --db} processes on one real PostgreSQL, each of the contract's sessions opened through
 * the SDK on the next node in turn (the owner's on the first, the three clients' on the others),
 * so that every save, conflict, delete and move races a base read on another node. Each try gets
 * a store of its own in the one database, and the integrity check of the whole database after it.
 *
 * <p>Size: 2 nodes and {@link ModelBasedContract#tries()} scripts (25) by default; 3 nodes and
 * 500 scripts of up to 120 steps with {@code -Dmsgstore.stress=full}.
 */
class MultiNodeModelBasedContractTest extends ModelBasedContract {
  private static final String PASSWORD = "model-password";
  private static final int NODES = Stress.scale(2, 3);
  private static EmbeddedPostgres postgres;
  @TempDir static Path nodeDirs;
  private static final List<ServeProcess> nodes = new ArrayList<>();
  private static final List<URI> bases = new ArrayList<>();
  private static PostgresStorage check;

  @BeforeAll
  static void startNodes() throws Exception {
    postgres = EmbeddedPostgres.builder().setServerConfig("fsync", "off").start();
    try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE model");
    }
    String url = "postgresql://postgres@localhost:" + postgres.getPort() + "/model";
    check = PostgresStorage.open(PostgresUrl.options(url, n -> null).withPoolSize(2));
    try (Accounts a = Accounts.openShared(check.dataSource(), check.describe(), PasswordHasher.of(64, 1, 1),
        Clock.systemUTC(), Accounts.HashingLimit.UNBOUNDED_WAIT)) {
      a.addUser(StoreFixture.OWNER, PASSWORD.toCharArray(), false);
    }
    for (int i = 0; i < NODES; i++) {
      nodes.add(ServeProcess.start(nodeDirs.resolve("data" + i), nodeDirs.resolve("node" + i + ".err"), Map.of(),
          "--db", url));
    }
    for (ServeProcess n : nodes) {
      bases.add(URI.create(n.awaitUrl(60_000)));
    }
  }

  @AfterAll
  static void stopNodes() throws Exception {
    try {
      nodes.forEach(ServeProcess::close);
      if (check != null) {
        check.close();
      }
    } finally {
      if (postgres != null) {
        postgres.close();
      }
    }
  }

  @Override
  protected MessageStore openStore(Path dir) {
    return new SpreadStore();
  }

  @Override
  protected List<String> integrityProblems(MessageStore store) {
    return check.checkIntegrity();
  }

  /** Sessions opened on the nodes in turn, each through an SDK client of its own. */
  private static final class SpreadStore implements MessageStore {
    private final List<RemoteMessageStore> clients = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();

    SpreadStore() {
      Credentials owner = Credentials.basic(u -> u.equals(StoreFixture.OWNER) ? PASSWORD.toCharArray() : null);
      for (URI base : bases) {
        clients.add(RemoteMessageStore.connect(base, owner));
      }
    }

    @Override
    public Session openSession(String user) {
      return clients.get(next.getAndIncrement() % clients.size()).openSession(user);
    }

    @Override
    public StoreLimits limits() {
      return clients.getFirst().limits();
    }

    @Override
    public void close() {
      clients.forEach(RemoteMessageStore::close);
    }

    @Override
    public String toString() {
      return "sessions spread over " + bases;
    }
  }
}
