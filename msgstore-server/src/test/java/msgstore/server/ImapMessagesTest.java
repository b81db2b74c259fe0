package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import msgstore.server.ImapClient.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFC 9051 6.3.12 and 6.4 over real sockets against a real server: APPEND (with UIDPLUS, RFC
 * 4315), FETCH of flags, sizes and sections, STORE, EXPUNGE, COPY and MOVE (RFC 6851), SEARCH and
 * ESEARCH (RFC 4731). Each test works in a mailbox of its own.
 */
class ImapMessagesTest {
  @TempDir
  static Path dir;
  static TestServer t;
  static int port;
  static final AtomicInteger BOXES = new AtomicInteger();
  static final Pattern APPENDUID = Pattern.compile("\\[APPENDUID (\\d+) (\\d+)\\]");

  @BeforeAll
  static void start() {
    t = TestServer.startWithImap(dir);
    port = t.imapPort();
  }

  @AfterAll
  static void stop() {
    t.close();
  }

  static byte[] mail(String subject, String body) {
    return ("From: Ann <ann@example.org>\r\nTo: alice@example.com\r\nSubject: " + subject
        + "\r\nDate: Sat, 05 Dec 2026 10:00:00 +0000\r\nMessage-ID: <" + subject.replace(' ', '.') + "@example.org>\r\n"
        + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** A mailbox name no test used yet. */
  static String newBox() {
    return "Box" + BOXES.incrementAndGet();
  }

  /** A new mailbox {@code box} of the client's user, selected, with the given messages appended; returns their UIDs. */
  static long[] fill(ImapClient c, String box, byte[]... messages) {
    assertThat(c.cmd("CREATE " + box).ok()).isTrue();
    long[] uids = new long[messages.length];
    for (int i = 0; i < messages.length; i++) {
      Reply r = c.append(box, "", messages[i]);
      assertThat(r.ok()).as("%s", r).isTrue();
      Matcher m = APPENDUID.matcher(r.tagged());
      assertThat(m.find()).as(r.tagged()).isTrue();
      uids[i] = Long.parseLong(m.group(2));
    }
    assertThat(c.cmd("SELECT " + box).ok()).isTrue();
    return uids;
  }

  @Test
  void appendShouldAnswerAppendUidAndFetchBodyShouldReturnExactlyTheAppendedBytes() {
    byte[] raw = ("X-Odd-Header:   kept   as is\r\n" + new String(mail("exact bytes", "line 1\r\n\r\nline 3"),
        StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
    String box = newBox();
    try (ImapClient c = ImapClient.login(port, "alice")) {
      long[] uids = fill(c, box, raw);
      Reply r = c.cmd("UID FETCH " + uids[0] + " (BODY.PEEK[] RFC822.SIZE FLAGS)");
      String line = r.lines("1 FETCH").get(0);
      assertThat(line).contains("RFC822.SIZE " + raw.length).contains("FLAGS ()");
      assertThat(line).contains("BODY[] {" + raw.length + "}\r\n" + new String(raw, StandardCharsets.ISO_8859_1));
    }
  }

  @Test
  void fetchOfSectionsShouldReturnTheirOctetsAndBodyWithoutPeekShouldSetSeen() {
    String box = newBox();
    try (ImapClient c = ImapClient.login(port, "alice")) {
      fill(c, box, mail("sections", "Hello world"));
      Reply r = c.cmd("FETCH 1 (BODY.PEEK[HEADER.FIELDS (Subject)] BODY.PEEK[1]<0.5> ENVELOPE BODYSTRUCTURE)");
      String line = r.lines("1 FETCH").get(0);
      assertThat(line).contains("BODY[HEADER.FIELDS (SUBJECT)] {21}\r\nSubject: sections\r\n\r\n");
      assertThat(line).contains("BODY[1]<0> {5}\r\nHello");
      assertThat(line).contains("ENVELOPE (\"Sat, 05 Dec 2026 10:00:00 +0000\" \"sections\" ((\"Ann\" NIL \"ann\" \"example.org\"))");
      assertThat(line).contains("BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 13 1");
      assertThat(line).doesNotContain("\\Seen");
      Reply seen = c.cmd("FETCH 1 BODY[TEXT]");
      assertThat(seen.lines("1 FETCH").get(0)).contains("FLAGS (\\Seen)").contains("BODY[TEXT] {13}\r\nHello world\r\n");
      assertThat(c.cmd("FETCH 1 FLAGS").lines("1 FETCH").get(0)).contains("FLAGS (\\Seen)");
    }
  }

  @Test
  void storeShouldSetAndClearSystemFlagsAndKeywords() {
    String box = newBox();
    try (ImapClient c = ImapClient.login(port, "alice")) {
      fill(c, box, mail("flags", "x"));
      assertThat(c.cmd("STORE 1 +FLAGS (\\Flagged \\Answered work)").lines("1 FETCH").get(0))
          .contains("FLAGS (\\Answered \\Flagged work)");
      assertThat(c.cmd("STORE 1 -FLAGS (\\Answered)").lines("1 FETCH").get(0)).contains("FLAGS (\\Flagged work)");
      assertThat(c.cmd("STORE 1 FLAGS (\\Seen \\Draft later)").lines("1 FETCH").get(0))
          .contains("FLAGS (\\Seen \\Draft later)");
      assertThat(c.cmd("STORE 1 +FLAGS.SILENT (\\Deleted)").lines("1 FETCH")).isEmpty();
      assertThat(c.cmd("FETCH 1 FLAGS").lines("1 FETCH").get(0)).contains("\\Deleted");
      assertThat(c.cmd("STORE 1 +FLAGS (\\Recent)").status()).isEqualTo("BAD");
    }
  }

  @Test
  void expungeShouldRemoveTheDeletedMessagesAndRenumberTheRest() {
    String box = newBox();
    try (ImapClient c = ImapClient.login(port, "alice")) {
      long[] uids = fill(c, box, mail("e1", "x"), mail("e2", "x"), mail("e3", "x"), mail("e4", "x"));
      assertThat(c.cmd("STORE 2,3 +FLAGS.SILENT (\\Deleted)").ok()).isTrue();
      Reply r = c.cmd("EXPUNGE");
      assertThat(r.untagged()).containsExactly("* 3 EXPUNGE", "* 2 EXPUNGE");
      Reply f = c.cmd("FETCH 1:* UID");
      assertThat(f.untagged()).containsExactly("* 1 FETCH (UID " + uids[0] + ")", "* 2 FETCH (UID " + uids[3] + ")");
      assertThat(c.cmd("STORE 2 +FLAGS.SILENT (\\Deleted)").ok()).isTrue();
      assertThat(c.cmd("UID EXPUNGE " + uids[0]).untagged()).isEmpty();
      assertThat(c.cmd("UID EXPUNGE " + uids[3]).untagged()).containsExactly("* 2 EXPUNGE");
    }
  }

  @Test
  void copyAndMoveShouldAnswerCopyUidAndMoveShouldExpungeTheSource() {
    String box = newBox();
    try (ImapClient c = ImapClient.login(port, "alice")) {
      long[] uids = fill(c, box, mail("c1", "x"), mail("c2", "x"));
      String target = "Target-" + box;
      assertThat(c.cmd("CREATE " + target).ok()).isTrue();
      Reply copy = c.cmd("UID COPY " + uids[0] + ":" + uids[1] + " " + target);
      assertThat(copy.tagged()).matches("a\\d+ OK \\[COPYUID \\d+ " + uids[0] + ":" + uids[1] + " 1,2\\] COPY completed");
      Reply move = c.cmd("MOVE 1 " + target);
      assertThat(move.untagged()).contains("* 1 EXPUNGE");
      assertThat(move.untagged().get(0)).matches("\\* OK \\[COPYUID \\d+ " + uids[0] + " 3\\] moved");
      assertThat(c.cmd("STATUS " + target + " (MESSAGES UIDNEXT)").untagged())
          .containsExactly("* STATUS \"" + target + "\" (MESSAGES 3 UIDNEXT 4)");
      assertThat(c.cmd("COPY 1 Nowhere").tagged()).contains("NO [TRYCREATE]");
    }
  }

  @Test
  void searchShouldFindByFlagsHeadersAndTextAndEsearchShouldSummarize() {
    String box = newBox();
    try (ImapClient c = ImapClient.login(port, "alice")) {
      long[] uids = fill(c, box, mail("apple pie", "recipe"), mail("banana", "bread with apple"), mail("cherry", "tart"));
      c.cmd("STORE 2 +FLAGS (\\Flagged)");
      assertThat(c.cmd("SEARCH FLAGGED").untagged()).containsExactly("* SEARCH 2");
      assertThat(c.cmd("SEARCH SUBJECT apple").untagged()).containsExactly("* SEARCH 1");
      assertThat(c.cmd("SEARCH TEXT apple").untagged()).containsExactly("* SEARCH 1 2");
      assertThat(c.cmd("SEARCH OR FLAGGED SUBJECT cherry").untagged()).containsExactly("* SEARCH 2 3");
      assertThat(c.cmd("UID SEARCH NOT FLAGGED").untagged()).containsExactly("* SEARCH " + uids[0] + " " + uids[2]);
      assertThat(c.cmd("SEARCH HEADER Message-ID banana").untagged()).containsExactly("* SEARCH 2");
      assertThat(c.cmd("SEARCH SENTON 5-Dec-2026 FROM ann").untagged()).containsExactly("* SEARCH 1 2 3");
      Reply es = c.cmd("UID SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN");
      assertThat(es.untagged().get(0)).endsWith("UID MIN " + uids[0] + " MAX " + uids[2] + " COUNT 3 ALL "
          + uids[0] + ":" + uids[2]);
      assertThat(c.cmd("SEARCH CHARSET KOI8-R ALL").tagged()).contains("NO [BADCHARSET");
    }
  }

  @Test
  void examineShouldBeReadOnlyAndRefuseStore() {
    String box = newBox();
    try (ImapClient c = ImapClient.login(port, "alice")) {
      fill(c, box, mail("ro", "x"));
      c.cmd("UNSELECT");
      Reply ex = c.cmd("EXAMINE " + box);
      assertThat(ex.tagged()).contains("[READ-ONLY]");
      assertThat(ex.untagged()).contains("* 1 EXISTS");
      assertThat(c.cmd("STORE 1 +FLAGS (\\Seen)").tagged()).contains("NO");
      assertThat(c.cmd("FETCH 1 BODY[]").lines("1 FETCH").get(0)).doesNotContain("\\Seen");
      List<String> again = c.cmd("FETCH 1 FLAGS").lines("1 FETCH");
      assertThat(again.get(0)).contains("FLAGS ()");
    }
  }
}
