package msgstore.cli.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import msgstore.server.ServerConfig;
import msgstore.server.auth.Accounts;
import msgstore.server.auth.PasswordHasher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's crash test: a real {@code msgstore serve --imap-port 0} process is killed with
 * SIGKILL while three IMAP connections APPEND and STORE as fast as they can; after a restart,
 * every APPEND answered {@code OK [APPENDUID ...]} is there under its UID with its subject, and
 * every STORE answered OK left its flag.
 */
class ImapCrashTest {
  private static final Pattern IMAP_LINE = Pattern.compile("IMAP on [^:]+:(\\d+)");
  private static final Pattern APPENDUID = Pattern.compile("OK \\[APPENDUID \\d+ (\\d+)\\]");
  private static final Pattern FETCH = Pattern.compile("^\\* \\d+ FETCH \\(UID (\\d+) FLAGS \\(([^)]*)\\)");
  private static final int ACKS_BEFORE_KILL = 60;

  @TempDir
  Path dir;

  /** A minimal IMAP client: one command at a time, the response lines up to the tagged one. */
  private static final class Client implements AutoCloseable {
    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;
    private int tag;

    Client(int port) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(60_000);
      in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
      out = socket.getOutputStream();
      in.readLine();
    }

    List<String> cmd(String command, byte[] literal) throws IOException {
      String t = "c" + (++tag);
      if (literal == null) {
        out.write((t + " " + command + "\r\n").getBytes(StandardCharsets.UTF_8));
      } else {
        out.write((t + " " + command + " {" + literal.length + "+}\r\n").getBytes(StandardCharsets.UTF_8));
        out.write(literal);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      out.flush();
      List<String> lines = new ArrayList<>();
      for (String line; (line = in.readLine()) != null; ) {
        lines.add(line);
        if (line.startsWith(t + " ")) {
          return lines;
        }
      }
      throw new IOException("connection closed");
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private static int imapPort(ServeProcess server) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      for (String line : server.stdout()) {
        Matcher m = IMAP_LINE.matcher(line);
        if (m.find()) {
          return Integer.parseInt(m.group(1));
        }
      }
      Thread.sleep(20); // stdout is read by the ServeProcess thread; the line follows the URL line at once
    }
    throw new AssertionError("no 'IMAP on' line in " + server.stdout() + server.stderrText());
  }

  @Test
  void sigkillDuringAnAppendAndStoreStormShouldLoseNothingAcknowledgedWithOk() throws Exception {
    Path data = dir.resolve("data");
    Files.createDirectories(data);
    try (Accounts a = Accounts.open(data.resolve(ServerConfig.ACCOUNTS_FILE), PasswordHasher.of(64, 1, 1))) {
      a.addUser("storm", "storm-pw".toCharArray(), true);
    }
    Map<Long, String> appended = new ConcurrentHashMap<>();
    Set<Long> flagged = ConcurrentHashMap.newKeySet();
    AtomicBoolean killed = new AtomicBoolean();
    List<Thread> storm = new ArrayList<>();
    try (ServeProcess server = ServeProcess.start(data, dir.resolve("serve.err"), Map.of(), "--imap-port", "0")) {
      server.awaitUrl(120_000);
      int port = imapPort(server);
      for (int w = 0; w < 3; w++) {
        int worker = w;
        Thread th = new Thread(() -> {
          try (Client c = new Client(port)) {
            c.cmd("LOGIN storm storm-pw", null);
            c.cmd("SELECT INBOX", null);
            for (int k = 0; !killed.get(); k++) {
              String subject = "storm " + worker + "-" + k;
              byte[] mail = ("From: s@example.org\r\nSubject: " + subject + "\r\n\r\nbody " + k + "\r\n")
                  .getBytes(StandardCharsets.US_ASCII);
              List<String> r = c.cmd("APPEND INBOX", mail);
              Matcher m = APPENDUID.matcher(r.get(r.size() - 1));
              if (!m.find()) {
                continue;
              }
              long uid = Long.parseLong(m.group(1));
              appended.put(uid, subject);
              if (k % 2 == 0) {
                List<String> s = c.cmd("UID STORE " + uid + " +FLAGS.SILENT (\\Flagged)", null);
                if (s.get(s.size() - 1).contains(" OK STORE completed")) {
                  flagged.add(uid);
                }
              }
            }
          } catch (IOException e) {
            // the server was killed
          }
        }, "imap-storm-" + w);
        th.start();
        storm.add(th);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (appended.size() < ACKS_BEFORE_KILL && System.nanoTime() < deadline) {
        Thread.sleep(5); // the kill moment is what matters; polling the count is fine
      }
      killed.set(true);
      assertThat(server.kill()).isEqualTo(ServeProcess.SIGKILL_STATUS);
    }
    for (Thread th : storm) {
      th.join(60_000);
    }
    assertThat(appended).hasSizeGreaterThanOrEqualTo(ACKS_BEFORE_KILL);
    Map<Long, String> subjects = new HashMap<>();
    Set<Long> withFlag = new HashSet<>();
    try (ServeProcess server = ServeProcess.start(data, dir.resolve("serve2.err"), Map.of(), "--imap-port", "0")) {
      server.awaitUrl(120_000);
      try (Client c = new Client(imapPort(server))) {
        c.cmd("LOGIN storm storm-pw", null);
        c.cmd("SELECT INBOX", null);
        long current = -1;
        for (String line : c.cmd("UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])", null)) {
          Matcher m = FETCH.matcher(line);
          if (m.find()) {
            current = Long.parseLong(m.group(1));
            if (m.group(2).contains("\\Flagged")) {
              withFlag.add(current);
            }
          } else if (line.startsWith("Subject: ") && current >= 0) {
            subjects.put(current, line.substring("Subject: ".length()));
          }
        }
      }
      server.stop();
    }
    for (Map.Entry<Long, String> a : appended.entrySet()) {
      assertThat(subjects.get(a.getKey())).as("UID %d acknowledged by APPEND", a.getKey()).isEqualTo(a.getValue());
    }
    assertThat(withFlag).as("UIDs whose STORE was acknowledged").containsAll(flagged);
  }
}
