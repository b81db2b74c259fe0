package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import msgstore.server.ImapClient.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CONDSTORE and QRESYNC (RFC 7162) over real sockets against a real server: MODSEQ in FETCH and
 * SELECT, CHANGEDSINCE, UNCHANGEDSINCE answered with {@code [MODIFIED ...]} (3.1.3), VANISHED
 * (3.2.5.1, 3.2.6), and the race of issue 13: clients storing on one message from the same MODSEQ
 * at once, over IMAP only and mixed with HTTP PATCHes: exactly one wins each round (ADR 0028).
 */
class ImapCondstoreTest {
  @TempDir
  static Path dir;
  static TestServer t;
  static int port;
  static final Pattern MODSEQ = Pattern.compile("MODSEQ \\((\\d+)\\)");

  @BeforeAll
  static void start() {
    t = TestServer.startWithImap(dir);
    port = t.imapPort();
  }

  @AfterAll
  static void stop() {
    t.close();
  }

  /** The number of a response code ({@code * OK [UIDVALIDITY 5]}) in a reply. */
  static long code(Reply r, String name) {
    String line = r.untagged().stream().filter(l -> l.contains("[" + name + " ")).findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " in " + r));
    return Long.parseLong(line.replaceAll(".*\\[" + name + " (\\d+)\\].*", "$1"));
  }

  static long modseq(String fetchLine) {
    Matcher m = MODSEQ.matcher(fetchLine);
    assertThat(m.find()).as(fetchLine).isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  void storeWithAStaleUnchangedSinceShouldWriteNothingAndReportModified() {
    String box = ImapMessagesTest.newBox();
    try (ImapClient c = ImapClient.login(port, "alice")) {
      long[] uids = ImapMessagesTest.fill(c, box, ImapMessagesTest.mail("cas", "x"), ImapMessagesTest.mail("cas2", "x"));
      Reply both = c.cmd("UID FETCH 1:* (MODSEQ)");
      long m = Math.max(modseq(both.untagged().get(0)), modseq(both.untagged().get(1)));
      Reply first = c.cmd("UID STORE " + uids[0] + " (UNCHANGEDSINCE " + m + ") +FLAGS (\\Flagged)");
      assertThat(first.tagged()).endsWith("OK STORE completed");
      long after = modseq(first.lines("1 FETCH").get(0));
      assertThat(after).isGreaterThan(m);
      Reply stale = c.cmd("UID STORE " + uids[0] + ":" + uids[1] + " (UNCHANGEDSINCE " + m + ") +FLAGS (\\Seen)");
      assertThat(stale.tagged()).contains("OK [MODIFIED " + uids[0] + "]");
      assertThat(stale.lines("1 FETCH")).isEmpty();
      assertThat(stale.lines("2 FETCH")).hasSize(1);
      assertThat(c.cmd("FETCH 1 (FLAGS MODSEQ)").lines("1 FETCH").get(0)).contains("FLAGS (\\Flagged)")
          .contains("MODSEQ (" + after + ")");
      Reply seqForm = c.cmd("STORE 1 (UNCHANGEDSINCE " + m + ") -FLAGS (\\Flagged)");
      assertThat(seqForm.tagged()).contains("OK [MODIFIED 1]");
    }
  }

  @Test
  void seenShouldRaiseModseqAndFetchChangedSinceShouldReturnOnlyWhatChanged() {
    try (ImapClient c = ImapClient.login(port, "alice")) {
      assertThat(c.cmd("ENABLE CONDSTORE").ok()).isTrue();
      String box = ImapMessagesTest.newBox();
      long[] uids = ImapMessagesTest.fill(c, box, ImapMessagesTest.mail("cs1", "x"), ImapMessagesTest.mail("cs2", "x"));
      Reply all = c.cmd("UID FETCH 1:* (MODSEQ)");
      long m = Math.max(modseq(all.untagged().get(0)), modseq(all.untagged().get(1)));
      Reply seen = c.cmd("UID STORE " + uids[1] + " +FLAGS (\\Seen)");
      assertThat(modseq(seen.lines("2 FETCH").get(0))).isGreaterThan(m);
      Reply changed = c.cmd("UID FETCH 1:* (FLAGS) (CHANGEDSINCE " + m + ")");
      assertThat(changed.untagged()).hasSize(1);
      assertThat(changed.untagged().get(0)).startsWith("* 2 FETCH (UID " + uids[1] + " FLAGS (\\Seen) MODSEQ (");
      Reply status = c.cmd("STATUS INBOX (HIGHESTMODSEQ)");
      assertThat(status.untagged().get(0)).matches("\\* STATUS \"INBOX\" \\(HIGHESTMODSEQ \\d+\\)");
    }
  }

  @Test
  void qresyncSelectShouldReportVanishedUidsAndChangedFlags() {
    String box = ImapMessagesTest.newBox();
    long[] uids;
    long validity;
    long highest;
    try (ImapClient c = ImapClient.login(port, "alice")) {
      uids = ImapMessagesTest.fill(c, box, ImapMessagesTest.mail("q1", "x"), ImapMessagesTest.mail("q2", "x"),
          ImapMessagesTest.mail("q3", "x"));
      Reply sel = c.cmd("SELECT " + box);
      validity = code(sel, "UIDVALIDITY");
      highest = code(sel, "HIGHESTMODSEQ");
      c.cmd("STORE 1 +FLAGS.SILENT (\\Deleted)");
      c.cmd("EXPUNGE");
      c.cmd("STORE 2 +FLAGS (\\Flagged)");
    }
    try (ImapClient c = ImapClient.login(port, "alice")) {
      assertThat(c.cmd("ENABLE QRESYNC").ok()).isTrue();
      Reply r = c.cmd("SELECT " + box + " (QRESYNC (" + validity + " " + highest + " 1:" + uids[2] + "))");
      assertThat(r.untagged()).contains("* VANISHED (EARLIER) " + uids[0]);
      assertThat(r.untagged().stream().filter(l -> l.contains("FETCH")).toList()).singleElement()
          .asString().startsWith("* 2 FETCH (UID " + uids[2] + " FLAGS (\\Flagged) MODSEQ (");
      Reply v = c.cmd("UID FETCH 1:* (FLAGS) (CHANGEDSINCE " + highest + " VANISHED)");
      assertThat(v.untagged().get(0)).isEqualTo("* VANISHED (EARLIER) " + uids[0]);
    }
  }

  @Test
  void fourImapClientsStoringFromTheSameModseqShouldHaveExactlyOneWinnerEachRound() throws Exception {
    race(4, 0, 12);
  }

  @Test
  void imapClientsAndAnHttpPatchFromTheSameBaseShouldHaveExactlyOneWinnerEachRound() throws Exception {
    race(3, 1, 12);
  }

  /**
   * {@code imap} connections and {@code http} HTTP clients, each on its own thread, change the
   * \Flagged state of one message from the same base (MODSEQ for IMAP, ETag for HTTP) at once,
   * {@code rounds} times; exactly one may succeed each round.
   */
  private void race(int imap, int http, int rounds) throws Exception {
    String store = t.mailbox("bob");
    List<ImapClient> clients = new ArrayList<>();
    long uid;
    String box = ImapMessagesTest.newBox();
    try (ImapClient setup = ImapClient.login(port, "bob")) {
      uid = ImapMessagesTest.fill(setup, box, ImapMessagesTest.mail("hot message", "x"))[0];
    }
    String folder = t.folder("bob", store, box);
    String msgId = t.get("bob", "/stores/" + store + "/folders/" + folder + "/messages?columns=PidTagSubject")
        .json().get("rows").get(0).get("id").asText();
    String path = "/stores/" + store + "/messages/" + msgId;
    for (int i = 0; i < imap; i++) {
      ImapClient c = ImapClient.login(port, "bob");
      assertThat(c.cmd("SELECT " + box).ok()).isTrue();
      clients.add(c);
    }
    ExecutorService pool = Executors.newFixedThreadPool(imap + http);
    try {
      for (int round = 0; round < rounds; round++) {
        boolean flag = round % 2 == 0;
        long base = modseq(clients.get(0).cmd("UID FETCH " + uid + " (MODSEQ)").lines("1 FETCH").get(0));
        String etag = t.get("bob", path).etag();
        CyclicBarrier start = new CyclicBarrier(imap + http);
        List<Future<Boolean>> wins = new ArrayList<>();
        for (ImapClient c : clients) {
          wins.add(pool.submit(() -> {
            start.await();
            Reply r = c.cmd("UID STORE " + uid + " (UNCHANGEDSINCE " + base + ") " + (flag ? "+" : "-") + "FLAGS (\\Flagged)");
            assertThat(r.ok()).as("%s", r).isTrue();
            if (r.tagged().contains("[MODIFIED " + uid + "]")) {
              return false;
            }
            assertThat(r.tagged()).contains("OK STORE completed");
            return true;
          }));
        }
        for (int h = 0; h < http; h++) {
          wins.add(pool.submit(() -> {
            start.await();
            TestServer.Resp r = t.patch("bob", path, TestServer.props("PidTagFlagStatus", flag ? 2 : null), etag);
            assertThat(r.status()).as("%s", r).isIn(200, 412);
            return r.status() == 200;
          }));
        }
        int won = 0;
        for (Future<Boolean> w : wins) {
          won += w.get() ? 1 : 0;
        }
        assertThat(won).as("winners in round %d", round).isEqualTo(1);
        JsonNode now = t.get("bob", path).json();
        boolean flagged = now.path("properties").path("PidTagFlagStatus").path("value").asInt(0) == 2;
        assertThat(flagged).as("flag after round %d", round).isEqualTo(flag);
      }
    } finally {
      pool.shutdownNow();
      clients.forEach(ImapClient::close);
    }
  }
}
