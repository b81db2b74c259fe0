package msgstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Base64;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Optional;
import msgstore.api.Session;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.server.MsgstoreServer;
import msgstore.server.ServerConfig;
import msgstore.server.auth.Accounts;
import msgstore.storage.sqlite.SqliteMessageStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserCommandTest {
  private static final Editor NO_EDITOR = (file, interactive, log) -> {
    throw new AssertionError("no editor expected");
  };

  @TempDir
  Path data;

  private CliRun user(String stdin, String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "user";
    all[1] = "--data";
    all[2] = data.toString();
    System.arraycopy(args, 0, all, 3, args.length);
    return CliRun.run(Map.of(), stdin, NO_EDITOR, all);
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void userAddShouldReadThePasswordFromStdinAndTokenShouldPrintAWorkingBearerToken() {
    CliRun add = user("s3cret-pass\n", "add", "bob");
    assertThat(add.code()).as(add.toString()).isZero();
    assertThat(add.out()).contains("added user bob");
    CliRun list = user("", "list");
    assertThat(list.out()).containsPattern("(?m)^bob");

    CliRun token = user("", "token", "bob", "--label", "laptop");
    assertThat(token.code()).as(token.toString()).isZero();
    String secret = token.out().strip();
    assertThat(secret).matches("[A-Za-z0-9_-]{43}");
    try (Accounts accounts = Accounts.open(data.resolve("accounts.db"))) {
      assertThat(accounts.authenticate("Bearer " + secret)).contains("bob");
      assertThat(accounts.authenticate(basic("bob", "s3cret-pass"))).contains("bob");
    }
    assertThat(user("", "tokens", "bob").out()).contains("laptop").contains("active");
    assertThat(user("", "list").out()).contains("1 token(s)");
  }

  @Test
  void userAddShouldCreateTheUsersStoreAtOnceWhenNoServerHoldsTheFile() {
    CliRun add = user("s3cret-pass\n", "add", "erin");
    assertThat(add.code()).as(add.toString()).isZero();
    assertThat(add.out()).contains("created their store");
    try (EmbeddedMessageStore store = SqliteMessageStore.open(data.resolve("msgstore.db"));
        Session s = store.openSession("erin")) {
      assertThat(s.stores()).singleElement().satisfies(i -> {
        assertThat(i.owner()).isEqualTo("erin");
        assertThat(i.displayName()).isEqualTo("erin's mailbox");
      });
    }
    try (Accounts accounts = Accounts.open(data.resolve("accounts.db"))) {
      assertThat(accounts.takeMailboxPending("erin")).as("nothing left for the server to create").isFalse();
    }
  }

  @Test
  void userAddWhileAServerHoldsTheStoreShouldLeaveTheStoreToTheServersFirstRequest() throws Exception {
    try (MsgstoreServer server = MsgstoreServer.start(ServerConfig.load(Optional.empty(), Map.of(),
        Map.of("data", data.toString(), "port", "0")))) {
      CliRun add = user("s3cret-pass\n", "add", "fay");
      assertThat(add.code()).as(add.toString()).isZero();
      assertThat(add.out()).contains("at their first login");
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create(server.baseUri() + "/api/v1/stores")).header("Authorization", basic("fay", "s3cret-pass")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("fay's mailbox");
    }
  }

  @Test
  void passwdRevokeAndRmShouldTakeEffectAtOnce() {
    assertThat(user("first-pass\n", "add", "carol", "--admin").code()).isZero();
    assertThat(user("", "list").out()).containsPattern("carol\\s+admin");
    String secret = user("", "token", "carol").out().strip();
    CliRun passwd = user("second-pass\n", "passwd", "carol");
    assertThat(passwd.code()).as(passwd.toString()).isZero();
    String id;
    try (Accounts accounts = Accounts.open(data.resolve("accounts.db"))) {
      assertThat(accounts.authenticate(basic("carol", "first-pass"))).isEmpty();
      assertThat(accounts.authenticate(basic("carol", "second-pass"))).contains("carol");
      id = accounts.tokens("carol").get(0).id();
    }
    assertThat(user("", "revoke", "carol", id).code()).isZero();
    try (Accounts accounts = Accounts.open(data.resolve("accounts.db"))) {
      assertThat(accounts.authenticate("Bearer " + secret)).isEmpty();
    }
    assertThat(user("pw-dave\n", "add", "dave", "--admin").code()).isZero(); // carol is not the last admin
    assertThat(user("", "rm", "carol").code()).isZero();
    assertThat(user("", "list").out()).doesNotContain("carol");
  }

  @Test
  void revokeShouldTakeEveryTokenIdAsAnArgumentNeverAsAnOption() throws Exception {
    assertThat(user("pw-gil\n", "add", "gil").code()).isZero();
    for (int i = 0; i < 32; i++) {
      assertThat(user("", "token", "gil").code()).isZero();
    }
    List<String> ids;
    try (Accounts accounts = Accounts.open(data.resolve("accounts.db"))) {
      ids = accounts.tokens("gil").stream().map(t -> t.id()).toList();
    }
    assertThat(ids).hasSize(32).allMatch(id -> id.matches("[0-9a-f]{18}"), "hex, never starting with '-'");
    for (String id : ids) {
      CliRun revoke = user("", "revoke", "gil", id);
      assertThat(revoke.code()).as(revoke.toString()).isZero();
    }
    // ids issued before they were hex could start with '-': "--" ends the options
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("accounts.db"));
        PreparedStatement s = c.prepareStatement("INSERT INTO tokens (id, \"user\", label, token_sha256, created_at)"
            + " VALUES ('-Old_id', 'gil', '', x'00', 0)")) {
      s.executeUpdate();
    }
    CliRun old = user("", "revoke", "gil", "--", "-Old_id");
    assertThat(old.code()).as(old.toString()).isZero();
    assertThat(old.out()).contains("revoked token -Old_id of gil");
  }

  @Test
  void rmShouldRefuseToRemoveTheLastAdministratorWithExitCode1() {
    assertThat(user("pw-root\n", "add", "root", "--admin").code()).isZero();
    assertThat(user("pw-bob\n", "add", "bob").code()).isZero();

    CliRun last = user("", "rm", "root");
    assertThat(last.code()).as(last.toString()).isEqualTo(1);
    assertThat(last.err()).startsWith("msgstore: MAPI_E_NO_ACCESS: cannot remove user root: they are the last "
        + "administrator").contains("msgstore user add NAME --admin");
    assertThat(last.out()).isEmpty();
    assertThat(user("", "list").out()).containsPattern("root\\s+admin");
    try (Accounts accounts = Accounts.open(data.resolve("accounts.db"))) {
      assertThat(accounts.authenticate(basic("root", "pw-root"))).as("root still logs in").contains("root");
    }

    assertThat(user("pw-eve\n", "add", "eve", "--admin").code()).isZero();
    CliRun notLast = user("", "rm", "root");
    assertThat(notLast.code()).as(notLast.toString()).isZero();
    assertThat(user("", "list").out()).doesNotContain("root").containsPattern("eve\\s+admin");
  }

  @Test
  void userErrorsShouldUseTheExitCodes() {
    assertThat(user("pw-one\n", "add", "dave").code()).isZero();
    CliRun again = user("pw-two\n", "add", "dave");
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err()).startsWith("msgstore: MAPI_E_COLLISION: user dave already exists");
    CliRun noPassword = user("", "add", "erin");
    assertThat(noPassword.code()).isEqualTo(2);
    assertThat(noPassword.err()).contains("no password given");
    CliRun missing = user("", "rm", "nobody");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).startsWith("msgstore: MAPI_E_NOT_FOUND: no user nobody");
    assertThat(user("", "frobnicate").code()).isEqualTo(2);
    CliRun dataAfterTheSubcommand = CliRun.run(Map.of(), "", NO_EDITOR, "user", "list", "--data", data.toString());
    assertThat(dataAfterTheSubcommand.code()).as(dataAfterTheSubcommand.toString()).isZero();
    assertThat(dataAfterTheSubcommand.out()).contains("dave");
  }
}
