package msgstore.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import msgstore.testkit.MutableClock;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AccountsTest {
  private static final PasswordHasher CHEAP = PasswordHasher.of(1024, 1, 1);

  @TempDir Path dir;
  private Path file;
  private MutableClock clock;
  private Accounts accounts;
  private final List<Accounts> opened = new ArrayList<>();

  @BeforeEach
  void open() {
    file = dir.resolve("accounts.db");
    clock = new MutableClock(Instant.parse("2025-01-02T03:04:05.678Z"));
    accounts = open(CHEAP);
  }

  @AfterEach
  void close() {
    opened.forEach(Accounts::close);
  }

  private Accounts open(PasswordHasher hasher) {
    Accounts a = Accounts.open(file, hasher, clock);
    opened.add(a);
    return a;
  }

  // ---------------------------------------------------------------- users

  @Test
  void addUserShouldMakeTheUserListedAndAbleToLogIn() {
    accounts.addUser("bob", "pw-bob".toCharArray(), false);
    accounts.addUser("alice@example.com", "pw-alice".toCharArray(), true);

    assertThat(accounts.users()).containsExactly("alice@example.com", "bob");
    assertThat(accounts.exists("bob")).isTrue();
    assertThat(accounts.exists("Bob")).isFalse();
    assertThat(accounts.isAdmin("bob")).isFalse();
    assertThat(accounts.authenticate(basic("alice@example.com", "pw-alice"))).contains("alice@example.com");
    assertThat(accounts.authenticate(basic("bob", "pw-alice"))).isEmpty();
  }

  @Test
  void addUserShouldFailWithCollisionWhenTheUserExists() {
    accounts.addUser("bob", "pw".toCharArray(), false);

    assertError(() -> accounts.addUser("bob", "other".toCharArray(), true), MapiError.COLLISION, "user bob already exists");
    assertThat(accounts.authenticate(basic("bob", "pw"))).contains("bob");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a b", "tab\tname", "jörg", "a/b", "a:b", "a\"b",
      "12345678901234567890123456789012345678901234567890123456789012345"})
  void addUserShouldRejectInvalidNames(String name) {
    assertError(() -> accounts.addUser(name, "pw".toCharArray(), false), MapiError.INVALID_PARAMETER,
        "use 1 to 64 characters of A-Z a-z 0-9 . _ @ -");
    assertThat(accounts.users()).isEmpty();
  }

  @Test
  void addUserShouldAcceptNamesAtTheLimits() {
    String longest = "a".repeat(64);
    accounts.addUser(longest, "pw".toCharArray(), false);
    accounts.addUser("A.b_c@d-9", "pw".toCharArray(), false);
    accounts.addUser("x", "pw".toCharArray(), false);

    assertThat(accounts.users()).containsExactly("A.b_c@d-9", longest, "x");
  }

  @Test
  void addUserShouldRejectAnEmptyPassword() {
    assertError(() -> accounts.addUser("bob", new char[0], false), MapiError.INVALID_PARAMETER, "password for user bob");
  }

  @Test
  void removeUserShouldDeleteTheUserAndEndTheirLoginsAndTokens() {
    accounts.addUser("bob", "pw".toCharArray(), false);
    String token = accounts.createToken("bob", "cli").token().orElseThrow();
    assertThat(accounts.authenticate(basic("bob", "pw"))).contains("bob");

    assertThat(accounts.removeUser("bob")).isTrue();

    assertThat(accounts.removeUser("bob")).isFalse();
    assertThat(accounts.exists("bob")).isFalse();
    assertThat(accounts.authenticate(basic("bob", "pw"))).isEmpty();
    assertThat(accounts.authenticate("Bearer " + token)).isEmpty();
    assertThat(accounts.tokens("bob")).isEmpty();
    assertThat(accounts.cachedLogins()).isZero();
  }

  @Test
  void setAdminShouldChangeTheFlagAndFailForAnUnknownUser() {
    accounts.addUser("bob", "pw".toCharArray(), false);
    accounts.addUser("root", "pw".toCharArray(), false);
    accounts.setAdmin("root", true); // so that bob is not the last administrator when demoted

    accounts.setAdmin("bob", true);
    assertThat(accounts.isAdmin("bob")).isTrue();
    accounts.setAdmin("bob", false);
    assertThat(accounts.isAdmin("bob")).isFalse();
    assertThat(accounts.isAdmin("nobody")).isFalse();
    assertError(() -> accounts.setAdmin("nobody", true), MapiError.NOT_FOUND, "user nobody does not exist");
  }

  @Test
  void removeUserAndSetAdminShouldRefuseToLeaveTheServerWithoutAnAdministrator() {
    accounts.addUser("root", "pw".toCharArray(), false);
    accounts.setAdmin("root", true);
    accounts.addUser("bob", "pw".toCharArray(), false);

    assertError(() -> accounts.removeUser("root"), MapiError.NO_ACCESS, "root: they are the last administrator");
    assertError(() -> accounts.setAdmin("root", false), MapiError.NO_ACCESS, "cannot demote user root");
    assertThat(accounts.isAdmin("root")).as("nothing changed").isTrue();
    assertThat(accounts.authenticate(basic("root", "pw"))).contains("root");

    accounts.setAdmin("bob", true);
    accounts.setAdmin("root", false); // bob administers now
    assertThat(accounts.removeUser("root")).isTrue();
    assertError(() -> accounts.removeUser("bob"), MapiError.NO_ACCESS, "last administrator");
    assertThat(accounts.users()).containsExactly("bob");
  }

  @Test
  void twoConcurrentRemovalsOfTheOnlyTwoAdministratorsShouldLeaveExactlyOne() throws Exception {
    // Two Accounts on one file, as two `msgstore user rm` processes would be: the check and the
    // delete are one BEGIN IMMEDIATE transaction, so the second removal sees the first one.
    Accounts other = open(CHEAP);
    for (int round = 0; round < 20; round++) {
      String a = "a" + round;
      String b = "b" + round;
      for (String u : List.of(a, b)) {
        accounts.addUser(u, "pw".toCharArray(), false);
        accounts.setAdmin(u, true);
      }
      for (String u : accounts.users()) {
        if (!u.equals(a) && !u.equals(b) && accounts.isAdmin(u)) {
          accounts.setAdmin(u, false); // only a and b administer in this round
        }
      }
      java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
      java.util.concurrent.Callable<String> removeA = () -> {
        start.await();
        return remove(accounts, a);
      };
      java.util.concurrent.Callable<String> removeB = () -> {
        start.await();
        return remove(other, b);
      };
      try (var pool = java.util.concurrent.Executors.newFixedThreadPool(2)) {
        var fa = pool.submit(removeA);
        var fb = pool.submit(removeB);
        List<String> outcomes = List.of(fa.get(), fb.get());
        assertThat(outcomes).as("round %d", round).containsExactlyInAnyOrder("removed", "refused");
      }
      assertThat(accounts.users().stream().filter(accounts::isAdmin).toList()).as("round %d", round).hasSize(1);
    }
  }

  private static String remove(Accounts a, String user) {
    try {
      return a.removeUser(user) ? "removed" : "absent";
    } catch (StoreException e) {
      assertThat(e.error()).isEqualTo(MapiError.NO_ACCESS);
      return "refused";
    }
  }

  @Test
  void setPasswordShouldFailWithNotFoundForAnUnknownUser() {
    assertError(() -> accounts.setPassword("nobody", "pw".toCharArray()), MapiError.NOT_FOUND, "user nobody does not exist");
  }

  @Test
  void setPasswordShouldEndTheCachedLoginWithTheOldPassword() {
    accounts.addUser("bob", "old".toCharArray(), false);
    assertThat(accounts.authenticate(basic("bob", "old"))).contains("bob");
    assertThat(accounts.cachedLogins()).isEqualTo(1);

    accounts.setPassword("bob", "new".toCharArray());

    assertThat(accounts.cachedLogins()).isZero();
    assertThat(accounts.authenticate(basic("bob", "old"))).isEmpty();
    assertThat(accounts.authenticate(basic("bob", "new"))).contains("bob");
  }

  @Test
  void basicCacheShouldDropEntriesAfterTheirTimeToLive() {
    accounts.addUser("bob", "pw".toCharArray(), false);
    accounts.addUser("carol", "pw".toCharArray(), false);
    accounts.authenticate(basic("bob", "pw"));

    clock.advance(Accounts.BASIC_CACHE_TTL.plusSeconds(1));
    assertThat(accounts.authenticate(basic("carol", "pw"))).contains("carol");

    assertThat(accounts.cachedLogins()).isEqualTo(1); // bob's expired entry was evicted
    assertThat(accounts.authenticate(basic("bob", "pw"))).contains("bob"); // verified afresh
    assertThat(accounts.authenticate(basic("bob", "wrong"))).isEmpty();
  }

  // ---------------------------------------------------------------- authenticate

  @Test
  void authenticateShouldAcceptAnyCaseOfTheSchemeAndColonsAndUnicodeInThePassword() {
    accounts.addUser("bob", "a:b:ç🔑".toCharArray(), false);
    String credentials = Base64.getEncoder().encodeToString("bob:a:b:ç🔑".getBytes(StandardCharsets.UTF_8));

    assertThat(accounts.authenticate("Basic " + credentials)).contains("bob");
    assertThat(accounts.authenticate("basic " + credentials)).contains("bob");
    assertThat(accounts.authenticate("  BASIC   " + credentials + " ")).contains("bob");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "Basic", "Basic ", "Basic !!!!", "Basic Ym9i", "Basic Ym9iOg==",
      "Basic OnB3", "Digest Ym9iOnB3", "Bearer", "Bearer short", "Bearer !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
      "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "Ym9iOnB3"})
  void authenticateShouldReturnEmptyForMalformedOrUnknownCredentials(String header) {
    accounts.addUser("bob", "pw".toCharArray(), false);

    assertThat(accounts.authenticate(header)).isEmpty();
  }

  @Test
  void authenticateShouldReturnEmptyForNullInvalidUtf8UnknownUsersAndHugeHeaders() {
    accounts.addUser("bob", "pw".toCharArray(), false);

    assertThat(accounts.authenticate(null)).isEmpty();
    assertThat(accounts.authenticate("Basic " + Base64.getEncoder().encodeToString(
        new byte[] {'b', 'o', 'b', ':', (byte) 0xC3, (byte) 0x28}))).isEmpty();
    assertThat(accounts.authenticate(basic("nobody", "pw"))).isEmpty();
    assertThat(accounts.authenticate(basic("bad name", "pw"))).isEmpty();
    assertThat(accounts.authenticate("Basic " + "A".repeat(10_000))).isEmpty();
    assertThat(accounts.authenticate(basic("bob", "pw"))).contains("bob");
  }

  // ---------------------------------------------------------------- tokens

  @Test
  void createTokenShouldReturnASecretThatAuthenticatesAndIsNeverListed() {
    accounts.addUser("bob", "pw".toCharArray(), false);

    TokenInfo created = accounts.createToken("bob", "laptop");

    String token = created.token().orElseThrow();
    assertThat(token).matches("[A-Za-z0-9_-]{43}");
    assertThat(created.toString()).doesNotContain(token);
    assertThat(created.createdAt()).isEqualTo(clock.instant().truncatedTo(ChronoUnit.MILLIS));
    assertThat(created.active()).isTrue();
    assertThat(accounts.authenticate("Bearer " + token)).contains("bob");
    assertThat(accounts.authenticate("bearer " + token)).contains("bob");
    assertThat(accounts.tokens("bob")).singleElement().satisfies(t -> {
      assertThat(t.id()).isEqualTo(created.id());
      assertThat(t.label()).isEqualTo("laptop");
      assertThat(t.token()).isEmpty();
      assertThat(t.revokedAt()).isEmpty();
    });
  }

  @Test
  void revokeTokenShouldStopTheTokenAtOnce() {
    accounts.addUser("bob", "pw".toCharArray(), false);
    accounts.addUser("eve", "pw".toCharArray(), false);
    TokenInfo keep = accounts.createToken("bob", "keep");
    TokenInfo revoke = accounts.createToken("bob", "revoke");
    assertThat(accounts.authenticate("Bearer " + revoke.token().orElseThrow())).contains("bob");

    assertThat(accounts.revokeToken("eve", revoke.id())).isFalse();
    assertThat(accounts.revokeToken("bob", "no-such-id")).isFalse();
    assertThat(accounts.revokeToken("bob", revoke.id())).isTrue();

    assertThat(accounts.authenticate("Bearer " + revoke.token().orElseThrow())).isEmpty();
    assertThat(accounts.authenticate("Bearer " + keep.token().orElseThrow())).contains("bob");
    assertThat(accounts.tokens("bob")).extracting(TokenInfo::id, TokenInfo::revokedAt).containsExactlyInAnyOrder(
        tuple(keep.id(), Optional.empty()),
        tuple(revoke.id(), Optional.of(Instant.ofEpochMilli(clock.millis()))));
    clock.advance(Duration.ofHours(1));
    assertThat(accounts.revokeToken("bob", revoke.id())).isTrue(); // keeps the first revocation time
    assertThat(accounts.tokens("bob")).filteredOn(t -> t.id().equals(revoke.id()))
        .singleElement().extracting(t -> t.revokedAt().orElseThrow())
        .isEqualTo(Instant.ofEpochMilli(clock.millis() - 3_600_000));
  }

  @Test
  void createTokenShouldFailForAnUnknownUserOrABadLabel() {
    accounts.addUser("bob", "pw".toCharArray(), false);

    assertError(() -> accounts.createToken("nobody", "x"), MapiError.NOT_FOUND, "user nobody does not exist");
    assertError(() -> accounts.createToken("bob", "a\nb"), MapiError.INVALID_PARAMETER, "token label for user bob");
    assertError(() -> accounts.createToken("bob", "x".repeat(201)), MapiError.INVALID_PARAMETER, "at most 200");
    assertThat(accounts.createToken("bob", "").label()).isEmpty();
  }

  // ---------------------------------------------------------------- several processes

  @Test
  void aSecondInstanceShouldSeeUsersPasswordChangesAndRevocations() {
    Accounts other = open(CHEAP);
    accounts.addUser("bob", "pw".toCharArray(), false);
    TokenInfo token = accounts.createToken("bob", "t");

    assertThat(other.users()).containsExactly("bob");
    assertThat(other.authenticate(basic("bob", "pw"))).contains("bob");
    assertThat(other.authenticate("Bearer " + token.token().orElseThrow())).contains("bob");

    accounts.revokeToken("bob", token.id());
    accounts.setPassword("bob", "new".toCharArray());

    assertThat(other.authenticate("Bearer " + token.token().orElseThrow())).isEmpty();
    assertThat(other.authenticate(basic("bob", "pw"))).isEmpty(); // its cache entry no longer matches
    assertThat(other.authenticate(basic("bob", "new"))).contains("bob");
    accounts.removeUser("bob");
    assertThat(other.authenticate(basic("bob", "new"))).isEmpty();
  }

  @Test
  void aHashChangedBehindTheServersBackShouldEndItsCachedLoginAtOnceThroughCheckpoints() throws Exception {
    accounts.addUser("bob", "pw-0".toCharArray(), false);
    try (java.sql.Connection raw = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
        java.sql.PreparedStatement change = raw.prepareStatement("UPDATE users SET phc = ? WHERE name = 'bob'");
        java.sql.Statement st = raw.createStatement()) {
      for (int i = 1; i <= 12; i++) {
        String old = "pw-" + (i - 1);
        assertThat(accounts.authenticate(basic("bob", old))).contains("bob");
        assertThat(accounts.authenticate(basic("bob", old))).as("cached, round " + i).contains("bob");
        change.setString(1, CHEAP.hash(("pw-" + i).toCharArray())); // another writer: no cache of ours is told
        change.executeUpdate();
        assertThat(accounts.authenticate(basic("bob", old))).as("old password after change " + i).isEmpty();
        assertThat(accounts.authenticate(basic("bob", "pw-" + i))).contains("bob");
        if (i % 3 == 0) { // the WAL starts over: new salts, a frame count from zero
          try (java.sql.ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).as("the checkpoint was not blocked").isZero();
          }
        }
      }
    }
  }

  @Test
  void aTokenRevokedBehindTheServersBackShouldBeRefusedAtOnceThoughItWasJustUsed() throws Exception {
    accounts.addUser("bob", "pw".toCharArray(), false);
    TokenInfo keep = accounts.createToken("bob", "keep");
    String bearer = "Bearer " + accounts.createToken("bob", "revoked").token().orElseThrow();
    for (int i = 0; i < 3; i++) {
      assertThat(accounts.authenticate(bearer)).as("use " + i).contains("bob");
    }
    try (java.sql.Connection raw = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
        java.sql.Statement st = raw.createStatement()) {
      // another writer, not this Accounts: nothing tells its cache
      st.executeUpdate("UPDATE tokens SET revoked_at = 1 WHERE label = 'revoked'");
    }
    assertThat(accounts.authenticate(bearer)).isEmpty();
    assertThat(accounts.authenticate("Bearer " + keep.token().orElseThrow())).contains("bob");
    assertThat(accounts.authenticate(bearer)).isEmpty();
  }

  @Test
  void aTokenUsedAgainAndAgainShouldRecordItsUseOncePerMinute() {
    accounts.addUser("bob", "pw".toCharArray(), false);
    TokenInfo t = accounts.createToken("bob", "t");
    String bearer = "Bearer " + t.token().orElseThrow();
    assertThat(accounts.authenticate(bearer)).contains("bob");
    Instant first = Instant.ofEpochMilli(clock.millis());
    clock.advance(Duration.ofSeconds(30));
    assertThat(accounts.authenticate(bearer)).contains("bob"); // within the minute: nothing written
    assertThat(lastUsed("bob", t.id())).isEqualTo(first);
    clock.advance(Duration.ofSeconds(31));
    assertThat(accounts.authenticate(bearer)).contains("bob");
    assertThat(lastUsed("bob", t.id())).isEqualTo(Instant.ofEpochMilli(clock.millis()));
  }

  private Instant lastUsed(String user, String tokenId) {
    try (java.sql.Connection raw = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
        java.sql.PreparedStatement ps = raw.prepareStatement(
            "SELECT last_used_at FROM tokens WHERE \"user\" = ? AND id = ?")) {
      ps.setString(1, user);
      ps.setString(2, tokenId);
      try (java.sql.ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return Instant.ofEpochMilli(rs.getLong(1));
      }
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void addUserShouldLetExactlyOneOfTwoConcurrentCreatorsWin() throws Exception {
    Accounts other = open(CHEAP);
    CountDownLatch start = new CountDownLatch(1);
    AtomicReference<Throwable> first = new AtomicReference<>();
    AtomicReference<Throwable> second = new AtomicReference<>();
    Thread a = Thread.ofPlatform().start(() -> addAfter(start, accounts, "pw-a", first));
    Thread b = Thread.ofPlatform().start(() -> addAfter(start, other, "pw-b", second));

    start.countDown();
    a.join(30_000);
    b.join(30_000);

    List<Throwable> failures = new ArrayList<>();
    if (first.get() != null) {
      failures.add(first.get());
    }
    if (second.get() != null) {
      failures.add(second.get());
    }
    assertThat(failures).singleElement().isInstanceOfSatisfying(StoreException.class,
        e -> assertThat(e.error()).isEqualTo(MapiError.COLLISION));
    String winner = first.get() == null ? "pw-a" : "pw-b";
    assertThat(accounts.users()).containsExactly("shared");
    assertThat(other.authenticate(basic("shared", winner))).contains("shared");
  }

  private static void addAfter(CountDownLatch start, Accounts accounts, String password, AtomicReference<Throwable> failure) {
    try {
      start.await();
      accounts.addUser("shared", password.toCharArray(), true);
    } catch (Throwable t) {
      failure.set(t);
    }
  }

  // ---------------------------------------------------------------- admin and mailbox

  @Test
  void ensureAdminShouldCreateTheAdminOnlyWhenThereIsNoUser() {
    Optional<String> password = accounts.ensureAdmin();

    assertThat(password).hasValueSatisfying(p -> assertThat(p).hasSize(20).matches("[A-Za-z0-9]+"));
    assertThat(accounts.users()).containsExactly("admin");
    assertThat(accounts.isAdmin("admin")).isTrue();
    assertThat(accounts.authenticate(basic("admin", password.orElseThrow()))).contains("admin");
    assertThat(accounts.takeMailboxPending("admin")).isTrue();
    assertThat(accounts.ensureAdmin()).isEmpty();
    assertThat(open(CHEAP).ensureAdmin()).isEmpty();
  }

  @Test
  void ensureAdminShouldDoNothingWhenAnotherUserExists() {
    accounts.addUser("bob", "pw".toCharArray(), false);

    assertThat(accounts.ensureAdmin()).isEmpty();
    assertThat(accounts.users()).containsExactly("bob");
  }

  @Test
  void takeMailboxPendingShouldReturnTrueOnceForAUserAddedWithAMailbox() {
    accounts.addUser("with", "pw".toCharArray(), true);
    accounts.addUser("without", "pw".toCharArray(), false);
    Accounts other = open(CHEAP);

    assertThat(other.takeMailboxPending("with")).isTrue();
    assertThat(accounts.takeMailboxPending("with")).isFalse();
    assertThat(accounts.takeMailboxPending("without")).isFalse();
    assertThat(accounts.takeMailboxPending("nobody")).isFalse();

    accounts.setMailboxPending("with");
    assertThat(accounts.takeMailboxPending("with")).isTrue();
    assertError(() -> accounts.setMailboxPending("nobody"), MapiError.NOT_FOUND, "user nobody");
  }

  // ---------------------------------------------------------------- database

  @Test
  void authenticateShouldRehashAPasswordMadeWithOtherCosts() throws Exception {
    accounts.addUser("bob", "pw".toCharArray(), false);
    Accounts stronger = open(PasswordHasher.of(2048, 1, 1));

    assertThat(stronger.authenticate(basic("bob", "pw"))).contains("bob");

    assertThat(storedPhc("bob")).startsWith("$argon2id$v=19$m=2048,t=1,p=1$");
    assertThat(accounts.authenticate(basic("bob", "pw"))).contains("bob");
  }

  @Test
  void openShouldCreateAPrivateFileAndRejectForeignFiles() throws Exception {
    assertThat(Files.getPosixFilePermissions(file)).extracting(Object::toString)
        .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");

    Path garbage = dir.resolve("garbage.db");
    Files.writeString(garbage, "this is not a database at all, but it is long enough to look like one.".repeat(100));
    assertError(() -> Accounts.open(garbage, CHEAP).close(), MapiError.CORRUPT_DATA, "garbage.db");

    Path foreign = dir.resolve("foreign.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + foreign);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE t (x)");
    }
    assertError(() -> Accounts.open(foreign, CHEAP).close(), MapiError.CORRUPT_DATA, "not an msgstore accounts database");
  }

  @Test
  void methodsShouldFailWithInvalidObjectAfterClose() {
    accounts.close();
    accounts.close();

    assertError(accounts::users, MapiError.INVALID_OBJECT, "is closed");
    assertError(() -> accounts.authenticate("Bearer " + "A".repeat(43)), MapiError.INVALID_OBJECT, "is closed");
  }

  // ---------------------------------------------------------------- helpers

  private String storedPhc(String user) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT phc FROM users WHERE name = '" + user + "'")) {
      assertThat(rs.next()).isTrue();
      return rs.getString(1);
    }
  }

  static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private static void assertError(ThrowingCallable call, MapiError error, String messagePart) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(error))
        .hasMessageContaining(messagePart);
  }

}
