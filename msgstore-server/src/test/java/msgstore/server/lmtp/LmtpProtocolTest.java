package msgstore.server.lmtp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The LMTP protocol (RFC 2033, RFC 1870, RFC 5321) against a recording {@link Delivery}: real
 * clients (Python's smtplib.LMTP) for transactions, a raw socket for what a client library would
 * never send (bad commands, pipelining in one write, overlong lines, idleness).
 */
class LmtpProtocolTest {
  @TempDir
  Path dir;
  LmtpServer server;
  /** user -> messages delivered (whole, trace headers included). */
  final Map<String, List<byte[]>> inbox = new ConcurrentHashMap<>();
  /** A user whose deliveries fail with this error. */
  final Map<String, MapiError> failing = new ConcurrentHashMap<>();

  final Delivery recording = new Delivery() {
    @Override
    public Check check(String user) {
      return switch (user) {
        case "alice", "bob", "carol" -> Check.OK;
        case "nomailbox" -> Check.NO_MAILBOX;
        default -> Check.UNKNOWN_USER;
      };
    }

    @Override
    public void deliver(String user, InputStream message, long size) throws IOException {
      byte[] b = message.readAllBytes();
      assertThat((long) b.length).isEqualTo(size);
      MapiError e = failing.get(user);
      if (e != null) {
        throw new StoreException(e, "planted failure for " + user);
      }
      inbox.computeIfAbsent(user, u -> new CopyOnWriteArrayList<>()).add(b);
    }
  };

  LmtpServer start(LmtpConfig c) {
    server = LmtpServer.start(c, recording);
    return server;
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  Path message(String text) throws IOException {
    Path p = Files.createTempFile(dir, "m", ".eml");
    Files.write(p, text.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8));
    return p;
  }

  /** The message as stored, without the Return-Path and Received lines the delivery prepended. */
  static String body(byte[] stored) {
    String s = new String(stored, StandardCharsets.UTF_8);
    assertThat(s).startsWith("Return-Path: <");
    int i = s.indexOf("\r\nSubject:");
    return s.substring(i + 2);
  }

  @Test
  void eachAcceptedRecipientShouldGetItsOwnReplyAfterDataAndRefusedOnesTheirPermanentCodes() throws Exception {
    start(LmtpConfig.on(0).withDomains(Set.of("example.com")));
    JsonNode r = LmtpClients.python(server.port(), List.of("alice@example.com", "nobody@example.com",
        "bob@EXAMPLE.com", "alice@elsewhere.example", "nomailbox@example.com"), message("Subject: hi\n\nhello\n"));
    assertThat(r.get("features").toString()).contains("pipelining", "enhancedstatuscodes", "8bitmime", "size");
    assertThat(r.get("size").asLong()).isEqualTo(LmtpConfig.DEFAULT_MAX_MESSAGE_BYTES);
    assertThat(LmtpClients.codes(r.get("rcpt"))).containsExactly(250, 550, 250, 550, 550);
    assertThat(r.get("rcpt").get(1).get(1).asText()).startsWith("5.1.1");
    assertThat(r.get("rcpt").get(3).get(1).asText()).startsWith("5.1.2");
    assertThat(r.get("rcpt").get(4).get(1).asText()).startsWith("5.1.1").contains("no mailbox");
    assertThat(LmtpClients.codes(r.get("data"))).containsExactly(250, 250);
    assertThat(r.get("data").get(0).get(1).asText()).startsWith("2.0.0 <alice@example.com>");
    assertThat(r.get("data").get(1).get(1).asText()).startsWith("2.0.0 <bob@EXAMPLE.com>");
    assertThat(inbox.get("alice")).hasSize(1);
    assertThat(inbox.get("bob")).hasSize(1);
    assertThat(body(inbox.get("alice").get(0))).isEqualTo("Subject: hi\r\n\r\nhello\r\n");
    assertThat(new String(inbox.get("bob").get(0), StandardCharsets.UTF_8))
        .contains("Return-Path: <sender@example.org>", "with LMTP id", "for <bob@EXAMPLE.com>;");
  }

  @Test
  void dotStuffedLinesAndEightBitBytesShouldArriveExactlyAsSent() throws Exception {
    start(LmtpConfig.on(0));
    String text = "Subject: dots\n\n.\n..\n.leading dot\n...three\nGr\u00fc\u00dfe, \u00e9t\u00e9 \u65e5\u672c\n"
        + ". \n.\r\rx\nlast line without dot\n";
    Path m = message(text);
    JsonNode r = LmtpClients.python(server.port(), "s@example.org", List.of("BODY=8BITMIME"), List.of("carol@x.example"),
        m, 1);
    assertThat(LmtpClients.codes(r.get("data"))).containsExactly(250);
    assertThat(body(inbox.get("carol").get(0)).getBytes(StandardCharsets.UTF_8)).isEqualTo(Files.readAllBytes(m));
  }

  @Test
  void aSizeDeclaredOverTheLimitShouldBeRefusedAtMailAndAnUndeclaredOneAfterDataForEachRecipient() throws Exception {
    start(LmtpConfig.on(0).withMaxMessageBytes(10_000));
    Path big = message("Subject: big\n\n" + "0123456789abcdef\n".repeat(1_000));
    JsonNode declared = LmtpClients.python(server.port(), "s@example.org", List.of("SIZE=20000"),
        List.of("alice@x.example"), big, 1);
    assertThat(declared.get("mail").get(0).asInt()).isEqualTo(552);
    assertThat(declared.get("mail").get(1).asText()).startsWith("5.3.4");

    JsonNode undeclared = LmtpClients.python(server.port(), List.of("alice@x.example", "bob@x.example"), big);
    assertThat(LmtpClients.codes(undeclared.get("data"))).containsExactly(552, 552);
    assertThat(undeclared.get("data").get(0).get(1).asText()).startsWith("5.3.4");
    assertThat(undeclared.get("noop").get(0).asInt()).as("the connection stays usable").isEqualTo(250);
    assertThat(inbox).isEmpty();
    assertThat(server.counters().tooBig()).isEqualTo(2);
  }

  @Test
  void storageTroubleShouldBeATemporaryFailureForThatRecipientOnly() throws Exception {
    start(LmtpConfig.on(0));
    failing.put("alice", MapiError.BUSY);
    failing.put("bob", MapiError.NOT_ENOUGH_DISK);
    JsonNode r = LmtpClients.python(server.port(), List.of("alice@x.example", "bob@x.example", "carol@x.example"),
        message("Subject: s\n\nx\n"));
    assertThat(LmtpClients.codes(r.get("data"))).containsExactly(451, 452, 250);
    assertThat(r.get("data").get(0).get(1).asText()).startsWith("4.3.0");
    assertThat(r.get("data").get(1).get(1).asText()).startsWith("4.3.1");
    failing.put("carol", MapiError.DISK_ERROR);
    failing.put("alice", MapiError.TOO_BIG);
    r = LmtpClients.python(server.port(), List.of("carol@x.example", "alice@x.example"), message("Subject: s\n\nx\n"));
    assertThat(LmtpClients.codes(r.get("data"))).containsExactly(451, 552);
  }

  // ---- raw socket

  /** A raw connection: writes text, reads reply lines. */
  static final class Raw implements AutoCloseable {
    final Socket s;
    final BufferedReader in;
    final OutputStream out;

    Raw(int port) throws IOException {
      s = new Socket("127.0.0.1", port);
      s.setSoTimeout(10_000);
      in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
      out = s.getOutputStream();
    }

    void send(String text) throws IOException {
      out.write(text.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    }

    /** One whole reply (continuation lines joined by newlines). */
    String reply() throws IOException {
      StringBuilder b = new StringBuilder();
      String line;
      do {
        line = in.readLine();
        if (line == null) {
          return b.isEmpty() ? null : b.toString();
        }
        b.append(b.isEmpty() ? "" : "\n").append(line);
      } while (line.length() > 3 && line.charAt(3) == '-');
      return b.toString();
    }

    @Override
    public void close() throws IOException {
      s.close();
    }
  }

  @Test
  void pipelinedCommandsInOneWriteShouldEachGetTheirReplyInOrder() throws Exception {
    start(LmtpConfig.on(0));
    try (Raw c = new Raw(server.port())) {
      assertThat(c.reply()).startsWith("220 ");
      c.send("LHLO raw.example\r\nMAIL FROM:<a@b.example> BODY=8BITMIME\r\nRCPT TO:<alice@x.example>\r\n"
          + "RCPT TO:<zed@x.example>\r\nRCPT TO:<bob@x.example>\r\nDATA\r\n");
      assertThat(c.reply()).startsWith("250-").contains("250-PIPELINING", "250 SIZE ");
      assertThat(c.reply()).startsWith("250 2.1.0");
      assertThat(c.reply()).startsWith("250 2.1.5");
      assertThat(c.reply()).startsWith("550 5.1.1");
      assertThat(c.reply()).startsWith("250 2.1.5");
      assertThat(c.reply()).startsWith("354 ");
      c.send("Subject: p\r\n\r\n..x\r\n.\r\nRSET\r\nNOOP\r\nVRFY alice\r\nQUIT\r\n");
      assertThat(c.reply()).startsWith("250 2.0.0 <alice@x.example>");
      assertThat(c.reply()).startsWith("250 2.0.0 <bob@x.example>");
      assertThat(c.reply()).startsWith("250 2.0.0");
      assertThat(c.reply()).startsWith("250 2.0.0");
      assertThat(c.reply()).startsWith("252 2.5.0");
      assertThat(c.reply()).startsWith("221 2.0.0");
      assertThat(c.reply()).isNull();
    }
    assertThat(body(inbox.get("alice").get(0))).isEqualTo("Subject: p\r\n\r\n.x\r\n");
  }

  @Test
  void badCommandsShouldGetTheirCodesAndTheSessionShouldGoOn() throws Exception {
    start(LmtpConfig.on(0));
    try (Raw c = new Raw(server.port())) {
      c.reply();
      c.send("MAIL FROM:<a@b>\r\n");
      assertThat(c.reply()).startsWith("503 5.5.1");
      c.send("EHLO smtp.example\r\n");
      assertThat(c.reply()).startsWith("500 5.5.1").contains("LHLO");
      c.send("LHLO x\r\nRCPT TO:<alice@x>\r\nDATA\r\nFROB\r\nEXPN list\r\n");
      assertThat(c.reply()).startsWith("250-");
      assertThat(c.reply()).startsWith("503 5.5.1");
      assertThat(c.reply()).startsWith("503 5.5.1");
      assertThat(c.reply()).startsWith("500 5.5.2");
      assertThat(c.reply()).startsWith("502 5.5.1");
      c.send("MAIL FROM:<a@b> SIZE=x\r\nMAIL FROM:<a@b> FOO=1\r\nMAIL FROM:a@b\r\nMAIL FROM:<a@b>\r\nMAIL FROM:<a@b>\r\n");
      assertThat(c.reply()).startsWith("501 5.5.4");
      assertThat(c.reply()).startsWith("555 5.5.4");
      assertThat(c.reply()).startsWith("501 5.5.4");
      assertThat(c.reply()).startsWith("250 2.1.0");
      assertThat(c.reply()).startsWith("503 5.5.1").contains("nested");
      c.send("DATA\r\nRCPT TO:<alice@x>\r\n" + "X".repeat(5_000) + "\r\nNOOP\r\n");
      assertThat(c.reply()).startsWith("503 5.5.1").contains("no valid recipients");
      assertThat(c.reply()).startsWith("250 2.1.5");
      assertThat(c.reply()).startsWith("500 5.5.2").contains("too long");
      assertThat(c.reply()).startsWith("250 2.0.0");
    }
  }

  @Test
  void aConnectionIdleLongerThanTheTimeoutShouldBeToldAndClosed() throws Exception {
    start(LmtpConfig.on(0).withConnections(Duration.ofMillis(300), 10));
    try (Raw c = new Raw(server.port())) {
      c.reply();
      assertThat(c.reply()).startsWith("421 4.4.2");
      assertThat(c.reply()).isNull();
    }
  }

  @Test
  void aConnectionOverTheLimitShouldBeToldToComeBackLater() throws Exception {
    start(LmtpConfig.on(0).withConnections(Duration.ofSeconds(30), 2));
    try (Raw a = new Raw(server.port()); Raw b = new Raw(server.port())) {
      assertThat(a.reply()).startsWith("220 ");
      assertThat(b.reply()).startsWith("220 ");
      try (Raw c = new Raw(server.port())) {
        assertThat(c.reply()).startsWith("421 4.3.2");
        assertThat(c.reply()).isNull();
      }
      a.send("QUIT\r\n");
      assertThat(a.reply()).startsWith("221");
      assertThat(a.reply()).isNull();
    }
    // a slot is free again once a connection is gone (its thread releases it after closing)
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (server.connections() > 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    try (Raw d = new Raw(server.port())) {
      assertThat(d.reply()).startsWith("220 ");
    }
  }

  @Test
  void dotReaderShouldUnstuffAndStopAtTheDotLine() throws IOException {
    byte[] wire = "a\r\n..b\r\n.\r\nafter".getBytes(StandardCharsets.US_ASCII);
    java.io.PushbackInputStream in = new java.io.PushbackInputStream(new java.io.ByteArrayInputStream(wire), 4);
    DotReader r = new DotReader(in);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    r.transferTo(b);
    assertThat(b.toString(StandardCharsets.US_ASCII)).isEqualTo("a\r\n.b\r\n");
    assertThat(r.finished()).isTrue();
    assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("after");
  }
}
