package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import msgstore.imap.ImapConfig;
import msgstore.server.ImapClient.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFC 9051 6.1-6.3 over real sockets against a real server: the any-state commands, login with
 * the server's accounts (LOGIN and AUTHENTICATE PLAIN, RFC 4616), and the mailbox commands of the
 * authenticated state. A syntax error is BAD and the session goes on in the same state.
 */
class ImapSessionStateTest {
  @TempDir
  static Path dir;
  static TestServer t;
  static int port;

  @BeforeAll
  static void start() {
    t = TestServer.startWithImap(dir);
    port = t.imapPort();
  }

  @AfterAll
  static void stop() {
    t.close();
  }

  @Test
  void greetingAndCapabilityShouldAdvertiseTheExtensionsAndAppendLimitOfRfc7889() {
    try (ImapClient c = new ImapClient(port)) {
      assertThat(c.greeting).startsWith("* OK [CAPABILITY ").contains("IMAP4rev2");
      Reply r = c.cmd("CAPABILITY");
      assertThat(r.ok()).isTrue();
      assertThat(r.lines("CAPABILITY").get(0)).contains("IMAP4rev1", "IMAP4rev2", "CONDSTORE", "QRESYNC", "IDLE",
          "UIDPLUS", "MOVE", "LITERAL+", "SPECIAL-USE", "NAMESPACE", "ID", "ENABLE", "ESEARCH", "AUTH=PLAIN",
          "APPENDLIMIT=" + ImapConfig.DEFAULT_APPEND_LIMIT);
    }
  }

  @Test
  void loginWithTheAccountsPasswordShouldSucceedAndAWrongOneFailWithAuthenticationFailed() {
    try (ImapClient c = new ImapClient(port)) {
      Reply bad = c.cmd("LOGIN alice wrong");
      assertThat(bad.tagged()).contains("NO [AUTHENTICATIONFAILED]");
      Reply ok = c.cmd("LOGIN alice secret-alice");
      assertThat(ok.tagged()).contains("OK [CAPABILITY");
      assertThat(ok.tagged()).doesNotContain("AUTH=PLAIN");
      assertThat(c.cmd("LOGIN alice secret-alice").status()).isEqualTo("BAD");
    }
  }

  @Test
  void authenticatePlainShouldWorkWithAnInitialResponseAndAfterAContinuation() {
    String creds = Base64.getEncoder().encodeToString("\0bob\0secret-bob".getBytes(StandardCharsets.UTF_8));
    try (ImapClient c = new ImapClient(port)) {
      assertThat(c.cmd("AUTHENTICATE PLAIN " + creds).ok()).isTrue();
    }
    try (ImapClient c = new ImapClient(port)) {
      c.send("x1 AUTHENTICATE PLAIN\r\n");
      assertThat(c.readLine()).startsWith("+");
      c.send(creds + "\r\n");
      assertThat(c.readUntil("x1").ok()).isTrue();
      assertThat(c.cmd("LIST \"\" INBOX").lines("LIST")).hasSize(1);
    }
  }

  @Test
  void aSyntaxErrorShouldBeBadAndKeepTheSessionState() {
    try (ImapClient c = ImapClient.login(port, "alice")) {
      assertThat(c.cmd("LIST \"\" \"unterminated").status()).isEqualTo("BAD");
      assertThat(c.cmd("FROBNICATE").status()).isEqualTo("BAD");
      assertThat(c.cmd("FETCH 1 FLAGS").tagged()).contains("BAD").contains("selected");
      c.send("\r\n");
      assertThat(c.readLine()).startsWith("* BAD");
      assertThat(c.cmd("NOOP").ok()).isTrue();
      assertThat(c.cmd("LIST \"\" \"*\"").ok()).isTrue();
    }
  }

  @Test
  void listShouldShowTheMailboxFoldersWithInboxAndSpecialUseAttributes() {
    try (ImapClient c = ImapClient.login(port, "alice")) {
      Reply r = c.cmd("LIST \"\" \"*\"");
      assertThat(r.ok()).isTrue();
      assertThat(r.untagged()).contains("* LIST (\\HasNoChildren) \"/\" \"INBOX\"",
          "* LIST (\\HasNoChildren \\Drafts) \"/\" \"Drafts\"",
          "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent Items\"",
          "* LIST (\\HasNoChildren \\Trash) \"/\" \"Deleted Items\"");
      assertThat(c.cmd("LIST \"\" \"\"").untagged()).containsExactly("* LIST (\\Noselect) \"/\" \"\"");
      assertThat(c.cmd("LSUB \"\" \"inbox\"").untagged()).containsExactly("* LSUB (\\HasNoChildren) \"/\" \"INBOX\"");
    }
  }

  @Test
  void createRenameAndDeleteShouldChangeTheFolderHierarchy() {
    try (ImapClient c = ImapClient.login(port, "bob")) {
      assertThat(c.cmd("CREATE Projects/2026/Q4").ok()).isTrue();
      assertThat(c.cmd("CREATE Projects").tagged()).contains("NO [ALREADYEXISTS]");
      Reply pct = c.cmd("LIST \"\" \"Projects/%\"");
      assertThat(pct.untagged()).containsExactly("* LIST (\\HasChildren) \"/\" \"Projects/2026\"");
      assertThat(c.cmd("RENAME Projects/2026 Archive-2026").ok()).isTrue();
      assertThat(c.cmd("LIST \"\" \"Archive-2026*\"").untagged()).containsExactly(
          "* LIST (\\HasChildren) \"/\" \"Archive-2026\"", "* LIST (\\HasNoChildren) \"/\" \"Archive-2026/Q4\"");
      assertThat(c.cmd("DELETE Archive-2026/Q4").ok()).isTrue();
      assertThat(c.cmd("LIST \"\" \"Archive-2026/*\"").untagged()).isEmpty();
      assertThat(c.cmd("DELETE INBOX").status()).isEqualTo("NO");
      assertThat(c.cmd("DELETE Nowhere").tagged()).contains("NO [NONEXISTENT]");
    }
  }

  @Test
  void namespaceIdEnableAndLogoutShouldAnswerAsTheirRfcsSay() {
    try (ImapClient c = ImapClient.login(port, "carol")) {
      assertThat(c.cmd("NAMESPACE").untagged()).containsExactly("* NAMESPACE ((\"\" \"/\")) NIL NIL");
      assertThat(c.cmd("ID (\"name\" \"test\")").lines("ID")).hasSize(1);
      assertThat(c.cmd("ENABLE CONDSTORE QRESYNC X-UNKNOWN").untagged()).containsExactly("* ENABLED CONDSTORE QRESYNC");
      Reply bye = c.cmd("LOGOUT");
      assertThat(bye.untagged()).containsExactly("* BYE logging out");
      assertThat(bye.ok()).isTrue();
      assertThat(c.readLine()).isNull();
    }
  }
}
