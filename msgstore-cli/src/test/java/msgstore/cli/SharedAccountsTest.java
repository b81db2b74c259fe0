package msgstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import msgstore.server.auth.Accounts;
import msgstore.server.auth.PasswordHasher;
import msgstore.server.auth.TokenInfo;
import msgstore.storage.postgres.PostgresStorage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Accounts in a PostgreSQL database shared by two nodes (ADR 0024): each node has its own pool and
 * its own Accounts, as two server processes would; a real PostgreSQL, one per test class. Here
 * rather than beside AccountsTest: starting PostgreSQL forks processes, which must not race the
 * server module's browser tests (a fork while Playwright writes its driver makes its exec fail
 * with ETXTBSY).
 */
class SharedAccountsTest {
  private static final PasswordHasher CHEAP = PasswordHasher.of(1024, 1, 1);
  private static EmbeddedPostgres server;
  private static int databases;

  private final List<AutoCloseable> opened = new ArrayList<>();
  private String url;

  @BeforeAll
  static void startPostgres() throws Exception {
    server = EmbeddedPostgres.builder().setServerConfig("fsync", "off").start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    server.close();
  }

  @BeforeEach
  void freshDatabase() throws Exception {
    String name = "accounts" + (++databases);
    try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    }
    url = server.getJdbcUrl("postgres", name);
  }

  @AfterEach
  void closeNodes() throws Exception {
    for (AutoCloseable c : opened.reversed()) {
      c.close();
    }
  }

  /** One node: the store's pool (which migrates the schema) and the accounts on it. */
  private Accounts node() {
    PostgresStorage storage = PostgresStorage.open(PostgresStorage.Options.defaults(url, "postgres", null).withPoolSize(4));
    opened.add(storage);
    Accounts a = Accounts.openShared(storage.dataSource(), storage.describe(), CHEAP, Clock.systemUTC(),
        Accounts.HashingLimit.UNBOUNDED_WAIT);
    opened.add(a);
    return a;
  }

  @Test
  void userAddedOnOneNodeShouldLogInOnAnotherAndAPasswordChangeShouldEndItsLoginEverywhere() {
    Accounts a = node();
    Accounts b = node();
    a.addUser("bob", "pw-1".toCharArray(), true);
    assertThat(b.authenticate(basic("bob", "pw-1"))).contains("bob");
    assertThat(b.takeMailboxPending("bob")).isTrue();
    assertThat(a.takeMailboxPending("bob")).as("taken once across nodes").isFalse();
    a.setPassword("bob", "pw-2".toCharArray());
    assertThat(b.authenticate(basic("bob", "pw-1"))).as("cached on b, ended by the change on a").isEmpty();
    assertThat(b.authenticate(basic("bob", "pw-2"))).contains("bob");
    assertThatThrownBy(() -> b.addUser("bob", "x".toCharArray(), false))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.COLLISION));
  }

  @Test
  void tokenRevokedOnOneNodeShouldBeRefusedByEveryNodeAtOnce() {
    Accounts a = node();
    Accounts b = node();
    a.addUser("bob", "pw".toCharArray(), false);
    TokenInfo token = a.createToken("bob", "laptop");
    String bearer = "Bearer " + token.token().orElseThrow();
    assertThat(a.authenticate(bearer)).contains("bob");
    assertThat(b.authenticate(bearer)).contains("bob");
    assertThat(b.revokeToken("bob", token.id())).isTrue();
    assertThat(a.authenticate(bearer)).as("the next request on the other node").isEmpty();
    assertThat(b.authenticate(bearer)).isEmpty();
  }

  @Test
  void firstStartOfTwoNodesOnAnEmptyDatabaseShouldCreateAdminExactlyOnce() throws Exception {
    Accounts a = node();
    Accounts b = node();
    CyclicBarrier together = new CyclicBarrier(2);
    ExecutorService starts = Executors.newFixedThreadPool(2);
    try {
      List<Future<Optional<String>>> passwords = new ArrayList<>();
      for (Accounts n : List.of(a, b)) {
        passwords.add(starts.submit(() -> {
          together.await();
          return n.ensureAdmin();
        }));
      }
      List<String> shown = new ArrayList<>();
      for (Future<Optional<String>> f : passwords) {
        f.get(30, TimeUnit.SECONDS).ifPresent(shown::add);
      }
      assertThat(shown).as("one node prints the admin password").hasSize(1);
      assertThat(b.authenticate(basic("admin", shown.getFirst()))).contains("admin");
      assertThat(a.isAdmin("admin")).isTrue();
    } finally {
      starts.shutdownNow();
    }
  }

  private static String basic(String user, String password) {
    return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password)
        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void lastAdminShouldNotBeRemovableFromAnyNode() {
    Accounts a = node();
    a.ensureAdmin();
    Accounts b = node();
    assertThatThrownBy(() -> b.setAdmin("admin", false)).isInstanceOf(StoreException.class);
    assertThat(a.isAdmin("admin")).isTrue();
    assertThatThrownBy(() -> b.backup(java.nio.file.Path.of("/tmp/never")))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.NO_SUPPORT));
  }
}
