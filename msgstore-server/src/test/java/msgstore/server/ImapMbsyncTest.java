package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mbsync (isync, Debian's package; {@code scripts/isync.sh} installs it, as {@code ./msgstore
 * test} does) syncing a Maildir with a server mailbox both ways: mail and flags changed on each
 * side reach the other.
 */
class ImapMbsyncTest {
  @TempDir
  static Path dir;
  static TestServer t;
  static int port;

  @BeforeAll
  static void start() {
    t = TestServer.startWithImap(dir.resolve("data"));
    port = t.imapPort();
  }

  @AfterAll
  static void stop() {
    t.close();
  }

  static boolean mbsyncInstalled() {
    return Stream.of("/usr/bin/mbsync", "/usr/local/bin/mbsync").anyMatch(p -> Files.isExecutable(Path.of(p)));
  }

  private static void sync(Path config) throws IOException, InterruptedException {
    ImapRealClientsTest.run(List.of("mbsync", "-c", config.toString(), "-a"));
  }

  /** Local message files of a Maildir folder (new and cur). */
  private static List<Path> files(Path folder) throws IOException {
    try (Stream<Path> n = Files.list(folder.resolve("new")); Stream<Path> c = Files.list(folder.resolve("cur"))) {
      return Stream.concat(n, c).sorted().toList();
    }
  }

  @Test
  void mbsyncShouldCarryMailAndFlagsBothWays() throws Exception {
    assumeTrue(mbsyncInstalled(), "mbsync is not installed: run scripts/isync.sh (./msgstore test does)");
    try (ImapClient c = ImapClient.login(port, "alice")) {
      assertThat(c.append("INBOX", "", ImapMessagesTest.mail("server one", "x")).ok()).isTrue();
      assertThat(c.append("INBOX", "\\Flagged", ImapMessagesTest.mail("server two", "y")).ok()).isTrue();
    }
    Path maildir = dir.resolve("mail");
    Files.createDirectories(maildir);
    Path config = dir.resolve("mbsyncrc");
    Files.writeString(config, """
        IMAPAccount msgstore
        Host 127.0.0.1
        Port %d
        User alice
        Pass secret-alice
        SSLType None
        AuthMechs LOGIN

        IMAPStore remote
        Account msgstore

        MaildirStore local
        Path %s/
        Inbox %s/INBOX

        Channel both
        Far :remote:
        Near :local:
        Patterns INBOX
        Create Both
        Expunge Both
        SyncState *
        """.formatted(port, maildir, maildir), StandardCharsets.UTF_8);
    sync(config);
    Path inbox = maildir.resolve("INBOX");
    List<Path> first = files(inbox);
    assertThat(first).hasSize(2);
    assertThat(first.stream().filter(p -> p.getFileName().toString().matches(".*:2,[A-Z]*F[A-Z]*"))).hasSize(1);

    // Local changes: a new message, and the unflagged one marked seen.
    Files.writeString(inbox.resolve("new").resolve("1700000000.local.host"),
        new String(ImapMessagesTest.mail("local three", "z"), StandardCharsets.UTF_8));
    Path unflagged = first.stream().filter(p -> !p.getFileName().toString().matches(".*:2,[A-Z]*F[A-Z]*"))
        .findFirst().orElseThrow();
    String base = unflagged.getFileName().toString().replaceAll(":2,.*$", "");
    Files.move(unflagged, inbox.resolve("cur").resolve(base + ":2,S"));
    // A server-side change: the flagged one is answered.
    try (ImapClient c = ImapClient.login(port, "alice")) {
      c.cmd("SELECT INBOX");
      assertThat(c.cmd("SEARCH FLAGGED").untagged()).containsExactly("* SEARCH 2");
      c.cmd("STORE 2 +FLAGS (\\Answered)");
    }
    sync(config);
    try (ImapClient c = ImapClient.login(port, "alice")) {
      c.cmd("SELECT INBOX");
      assertThat(c.cmd("SEARCH ALL").untagged()).containsExactly("* SEARCH 1 2 3");
      assertThat(c.cmd("SEARCH SEEN").untagged()).containsExactly("* SEARCH 1");
      assertThat(c.cmd("SEARCH SUBJECT \"local three\"").untagged()).containsExactly("* SEARCH 3");
    }
    assertThat(files(inbox).stream().filter(p -> p.getFileName().toString().matches(".*:2,[A-Z]*F[A-Z]*")))
        .singleElement().asString().matches(".*:2,[A-Z]*R[A-Z]*");
  }
}
