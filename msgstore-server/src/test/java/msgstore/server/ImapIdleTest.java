package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * IDLE (RFC 9051 6.3.13) and unsolicited responses driven by the store's events: a client idling
 * on a mailbox hears at once of mail added, flags changed and messages expunged by another IMAP
 * session or over HTTP, and a change of content over HTTP as the old UID expunged and a new one
 * arriving (ADR 0028); with QRESYNC expunges are VANISHED (RFC 7162 3.2.10).
 */
class ImapIdleTest {
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
  void anIdlingClientShouldHearOfAppendsFlagChangesAndExpungesFromAnotherSession() {
    String box = ImapMessagesTest.newBox();
    try (ImapClient other = ImapClient.login(port, "alice"); ImapClient idler = ImapClient.login(port, "alice")) {
      long[] uids = ImapMessagesTest.fill(other, box, ImapMessagesTest.mail("i1", "x"));
      assertThat(idler.cmd("SELECT " + box).ok()).isTrue();
      idler.send("i1 IDLE\r\n");
      assertThat(idler.readLine()).startsWith("+ ");
      ImapClient.Reply appended = other.append(box, "", ImapMessagesTest.mail("i2", "x"));
      assertThat(appended.ok()).as("%s", appended).isTrue();
      assertThat(idler.readLine()).isEqualTo("* 2 EXISTS");
      assertThat(other.cmd("UID STORE " + uids[0] + " +FLAGS (\\Flagged)").ok()).isTrue();
      assertThat(idler.readLine()).isEqualTo("* 1 FETCH (UID " + uids[0] + " FLAGS (\\Flagged))");
      other.cmd("UID STORE " + uids[0] + " +FLAGS.SILENT (\\Deleted)");
      assertThat(idler.readLine()).startsWith("* 1 FETCH (UID " + uids[0] + " FLAGS (\\Flagged \\Deleted))");
      other.cmd("EXPUNGE");
      assertThat(idler.readLine()).isEqualTo("* 1 EXPUNGE");
      idler.send("DONE\r\n");
      assertThat(idler.readUntil("i1").ok()).isTrue();
    }
  }

  @Test
  void aContentChangeOverHttpShouldLookLikeTheOldUidVanishingAndANewOneArriving() {
    String box = ImapMessagesTest.newBox();
    try (ImapClient c = ImapClient.login(port, "bob")) {
      long[] uids = ImapMessagesTest.fill(c, box, ImapMessagesTest.mail("before", "x"));
      assertThat(c.cmd("ENABLE QRESYNC").ok()).isTrue();
      String store = t.mailbox("bob");
      String folder = t.folder("bob", store, box);
      String id = t.get("bob", "/stores/" + store + "/folders/" + folder + "/messages?columns=PidTagSubject")
          .json().get("rows").get(0).get("id").asText();
      String path = "/stores/" + store + "/messages/" + id;
      c.send("i1 IDLE\r\n");
      assertThat(c.readLine()).startsWith("+ ");
      TestServer.Resp r = t.patch("bob", path, TestServer.props("PidTagSubject", "after"), t.get("bob", path).etag());
      assertThat(r.status()).as("%s", r).isEqualTo(200);
      assertThat(c.readLine()).isEqualTo("* VANISHED " + uids[0]);
      assertThat(c.readLine()).isEqualTo("* 1 EXISTS");
      c.send("DONE\r\n");
      assertThat(c.readUntil("i1").ok()).isTrue();
      assertThat(c.cmd("FETCH 1 (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])").lines("1 FETCH").get(0))
          .contains("UID " + (uids[0] + 1)).contains("Subject: after");
    }
  }
}
