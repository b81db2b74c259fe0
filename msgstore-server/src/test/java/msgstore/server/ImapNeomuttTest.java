package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * neomutt (Debian's package; {@code scripts/neomutt.sh} installs it, as {@code ./msgstore test} does)
 * with {@code imap_condstore} and {@code imap_qresync} and a header cache, driven by {@code push}
 * macros under a pseudo-terminal through a proxy that records both directions, so the test sees
 * what neomutt sent (ENABLE QRESYNC, SELECT ... (QRESYNC ...), RFC 7162 3.2.5) and what it was
 * told (VANISHED (EARLIER), RFC 7162 3.2.10).
 */
class ImapNeomuttTest {
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

  static boolean neomuttInstalled() {
    return Stream.of("/usr/bin/neomutt", "/usr/local/bin/neomutt").anyMatch(p -> Files.isExecutable(Path.of(p)));
  }

  /**
   * A loopback TCP proxy to the server's IMAP port that keeps a transcript of each connection:
   * lines neomutt sent start with {@code C: }, lines the server sent with {@code S: }.
   */
  static final class RecordingProxy implements AutoCloseable {
    final ServerSocket listener;
    private final StringBuffer transcript = new StringBuffer();

    RecordingProxy(int target) throws IOException {
      listener = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
      Thread.ofVirtual().start(() -> {
        while (!listener.isClosed()) {
          try {
            Socket client = listener.accept();
            Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
            Thread.ofVirtual().start(() -> pipe(client, server, "C: "));
            Thread.ofVirtual().start(() -> pipe(server, client, "S: "));
          } catch (IOException e) {
            return; // closed
          }
        }
      });
    }

    private void pipe(Socket from, Socket to, String side) {
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        byte[] buf = new byte[8192];
        StringBuilder pending = new StringBuilder(); // a line split across reads is kept whole
        for (int n; (n = in.read(buf)) > 0;) {
          pending.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
          synchronized (transcript) { // recorded before it is passed on, so a finished run's transcript is whole
            for (int end; (end = pending.indexOf("\r\n")) >= 0; pending.delete(0, end + 2)) {
              transcript.append(side).append(pending, 0, end).append('\n');
            }
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // the other side closed
      } finally {
        close(from);
        close(to);
      }
    }

    private static void close(Socket s) {
      try {
        s.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    int port() {
      return listener.getLocalPort();
    }

    /** The transcript so far, and a fresh one from here on. */
    String take() {
      synchronized (transcript) {
        String s = transcript.toString();
        transcript.setLength(0);
        return s;
      }
    }

    @Override
    public void close() throws IOException {
      listener.close();
    }
  }

  /**
   * Runs neomutt on INBOX under a pseudo-terminal ({@code script}) with {@code keys} pushed, until
   * it quits.
   */
  private static void neomutt(Path rc, String keys, Path log) throws IOException, InterruptedException {
    String cmd = "neomutt -n -d 2 -l " + log + " -F " + rc + " -e 'push \"" + keys + "\"'";
    ProcessBuilder b = new ProcessBuilder(List.of("script", "-qec", cmd, "/dev/null"))
        .redirectErrorStream(true).redirectOutput(dir.resolve("neomutt.screen").toFile())
        .redirectInput(ProcessBuilder.Redirect.PIPE);
    Map<String, String> env = b.environment();
    env.put("TERM", "xterm");
    env.put("HOME", dir.toString());
    env.put("COLUMNS", "120");
    env.put("LINES", "40");
    Process p = b.start();
    try {
      boolean done = p.waitFor(60, TimeUnit.SECONDS);
      assertThat(done).as("neomutt did not quit; its log:\n%s", tail(log)).isTrue();
      assertThat(p.exitValue()).as("neomutt failed; its log:\n%s", tail(log)).isZero();
    } finally {
      p.destroyForcibly();
      p.getOutputStream().close();
    }
  }

  /** The end of neomutt's debug log ({@code -l FILE} writes FILE0, keeping older runs as FILE1...). */
  private static String tail(Path log) throws IOException {
    log = log.resolveSibling(log.getFileName() + "0");
    if (!Files.exists(log)) {
      return "(no log)";
    }
    List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
  }

  /** INBOX subjects over HTTP, each with its flag status (2 flagged, 0 or absent not). */
  private static List<String> inbox(String store, String folder) {
    List<String> out = new ArrayList<>();
    for (JsonNode row : t.get("alice", "/stores/" + store + "/folders/" + folder
        + "/messages?columns=PidTagSubject,PidTagFlagStatus&sort=PidTagSubject").json().get("rows")) {
      int flag = row.path("properties").path("PidTagFlagStatus").path("value").asInt(0);
      out.add(TestServer.subject(row) + (flag == 2 ? " flagged" : ""));
    }
    return out;
  }

  private static String id(String store, String folder, String subject) {
    for (JsonNode row : t.get("alice", "/stores/" + store + "/folders/" + folder
        + "/messages?columns=PidTagSubject").json().get("rows")) {
      if (subject.equals(TestServer.subject(row))) {
        return row.get("id").asText();
      }
    }
    throw new AssertionError("no message " + subject);
  }

  /** The UIDs of an IMAP sequence set such as {@code 2,4:6}. */
  private static List<Long> uidSet(String set) {
    List<Long> out = new ArrayList<>();
    for (String part : set.split(",")) {
      String[] range = part.split(":");
      long from = Long.parseLong(range[0]);
      long to = Long.parseLong(range[range.length - 1]);
      LongStream.rangeClosed(Math.min(from, to), Math.max(from, to)).forEach(out::add);
    }
    return out;
  }

  @Test
  void neomuttWithQresyncShouldFlagAndExpungeThenResyncAnHttpChangeFromItsHeaderCache() throws Exception {
    assumeTrue(neomuttInstalled(), "neomutt is not installed: run scripts/neomutt.sh (./msgstore test does)");
    List<Long> uids = new ArrayList<>();
    try (ImapClient c = ImapClient.login(port, "alice")) {
      for (String s : List.of("nm one", "nm two", "nm three", "nm four", "nm five")) {
        ImapClient.Reply r = c.append("INBOX", "", ImapMessagesTest.mail(s, "x"));
        Matcher m = ImapMessagesTest.APPENDUID.matcher(r.tagged());
        assertThat(m.find()).as("%s", r).isTrue();
        uids.add(Long.parseLong(m.group(2)));
      }
    }
    String store = t.mailbox("alice");
    String folder = t.folder("alice", store, "Inbox");
    try (RecordingProxy proxy = new RecordingProxy(port)) {
      Path cache = Files.createDirectories(dir.resolve("hcache"));
      Path rc = dir.resolve("neomuttrc");
      Files.writeString(rc, """
          set imap_user=alice
          set imap_pass=secret-alice
          set folder=imap://127.0.0.1:%d/
          set spoolfile=+INBOX
          set header_cache=%s/
          set imap_condstore=yes
          set imap_qresync=yes
          set ssl_starttls=no
          set ssl_force_tls=no
          set mail_check=0
          set imap_keepalive=900
          set timeout=0
          set delete=yes
          set quit=yes
          set move=no
          set confirmappend=no
          set confirmcreate=no
          set wait_key=no
          set beep=no
          set record=""
          set sort=subject
          """.formatted(proxy.port(), cache), StandardCharsets.UTF_8);

      // Run 1: flag "nm one", delete "nm two", sync, quit.
      neomutt(rc, "<search>~s one<enter><flag-message><search>~s two<enter><delete-message><sync-mailbox><quit>",
          dir.resolve("neomutt1.log"));
      String first = proxy.take();
      assertThat(inbox(store, folder)).as(first)
          .containsExactly("nm five", "nm four", "nm one flagged", "nm three");
      assertThat(first).containsPattern("(?m)^C: \\S+ ENABLE QRESYNC");

      // Between the runs, over HTTP: "nm three" flagged, "nm four" deleted.
      String three = "/stores/" + store + "/messages/" + id(store, folder, "nm three");
      TestServer.Resp r = t.patch("alice", three, TestServer.props("PidTagFlagStatus", 2),
          t.get("alice", three).etag());
      assertThat(r.status()).as("%s", r).isEqualTo(200);
      r = t.delete("alice", "/stores/" + store + "/messages/" + id(store, folder, "nm four"));
      assertThat(r.status()).as("%s", r).isBetween(200, 204);

      // Run 2 resyncs from its header cache, then deletes whatever it believes flagged: only
      // right if it learnt "nm three"'s flag from the resync.
      neomutt(rc, "<tag-pattern>~F<enter><tag-prefix><delete-message><sync-mailbox><quit>",
          dir.resolve("neomutt2.log"));
      String second = proxy.take();
      assertThat(inbox(store, folder)).as(second).containsExactly("nm five");
      // neomutt 20220429 resyncs with SELECT (CONDSTORE) and a UID FETCH with CHANGEDSINCE and
      // VANISHED (RFC 7162 3.2.6) rather than SELECT (QRESYNC ...); the server answers the
      // expunges since then as VANISHED (EARLIER), the one over HTTP ("nm four") among them.
      assertThat(second).containsPattern("(?m)^C: \\S+ ENABLE QRESYNC")
          .containsPattern("(?m)^C: \\S+ UID FETCH \\S+ \\(FLAGS\\) \\(CHANGEDSINCE \\d+ VANISHED\\)");
      Matcher vanished = Pattern.compile("(?m)^S: \\* VANISHED \\(EARLIER\\) (\\S+)$").matcher(second);
      assertThat(vanished.find()).as(second).isTrue();
      assertThat(uidSet(vanished.group(1))).contains(uids.get(3));
    }
  }
}
