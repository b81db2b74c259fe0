package msgstore.server.lmtp;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.io.SequenceInputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import msgstore.api.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One LMTP connection (RFC 2033 over RFC 5321): LHLO, MAIL, RCPT, DATA with one reply per accepted
 * recipient, RSET, NOOP, VRFY, QUIT. Replies are buffered and flushed whenever no further command
 * is already waiting in the input, which is all PIPELINING asks of a server.
 *
 * <p>The message is spooled once (in memory up to {@link #MEMORY_SPOOL}, then to a temporary
 * file) while its size is checked, then delivered to each recipient in turn; each recipient's
 * {@code 250} is written only after its delivery returned, that is, after its commit is durable.
 */
final class LmtpSession {
  private static final Logger LOG = LoggerFactory.getLogger(LmtpSession.class);
  /** RFC 5321 4.5.3.1.4 allows 512 octets; SIZE/BODY parameters and long addresses get some slack. */
  static final int MAX_COMMAND_LINE = 2048;
  static final int MEMORY_SPOOL = 256 * 1024;
  /** After this many refused commands in a row the connection is closed (a client that is not an MTA). */
  static final int MAX_ERRORS = 20;
  private static final DateTimeFormatter RFC5322 = DateTimeFormatter.RFC_1123_DATE_TIME;

  private final Socket socket;
  private final LmtpConfig config;
  private final Delivery delivery;
  private final String hostname;
  private final PushbackInputStream in;
  private final OutputStream out;
  private final LmtpServer.Counters counters;

  private String lhlo;
  private String from;
  /** Accepted recipients: address -> user, in RCPT order. */
  private final List<String[]> rcpts = new ArrayList<>();
  private int errors;
  private final java.util.function.BooleanSupplier closing;
  private volatile boolean inData;

  LmtpSession(Socket socket, LmtpConfig config, Delivery delivery, String hostname, LmtpServer.Counters counters,
      java.util.function.BooleanSupplier closing) throws IOException {
    this.closing = closing;
    this.socket = socket;
    this.config = config;
    this.delivery = delivery;
    this.hostname = hostname;
    this.counters = counters;
    this.in = new PushbackInputStream(new BufferedInputStream(socket.getInputStream(), 16 * 1024), 4);
    this.out = new BufferedOutputStream(socket.getOutputStream(), 8 * 1024);
  }

  void run() throws IOException {
    socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, config.idleTimeout().toMillis()));
    socket.setTcpNoDelay(true); // replies are flushed once per batch of pipelined commands
    reply("220 " + hostname + " msgstore LMTP ready");
    try {
      while (true) {
        String line = readLine();
        if (line == null) {
          return;
        }
        if (!command(line)) {
          return;
        }
        if (closing.getAsBoolean()) {
          reply("421 4.3.2 " + hostname + " shutting down; closing the connection");
          out.flush();
          return;
        }
        if (errors >= MAX_ERRORS) {
          reply("421 4.7.0 too many errors; closing the connection");
          out.flush();
          return;
        }
      }
    } catch (SocketTimeoutException e) {
      reply("421 4.4.2 " + hostname + " idle for " + config.idleTimeout().toSeconds() + " s; closing the connection");
      out.flush();
    }
  }

  /** Handles one command line; false after QUIT. */
  private boolean command(String line) throws IOException {
    int sp = line.indexOf(' ');
    String verb = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
    String arg = sp < 0 ? "" : line.substring(sp + 1).strip();
    switch (verb) {
      case "LHLO" -> lhlo(arg);
      case "MAIL" -> mail(arg);
      case "RCPT" -> rcpt(arg);
      case "DATA" -> data(arg);
      case "RSET" -> {
        reset();
        ok("250 2.0.0 OK");
      }
      case "NOOP" -> ok("250 2.0.0 OK");
      case "VRFY" -> ok("252 2.5.0 cannot VRFY the user, but will accept the message and attempt delivery");
      case "QUIT" -> {
        reply("221 2.0.0 " + hostname + " closing the connection");
        out.flush();
        return false;
      }
      case "HELO", "EHLO" -> error("500 5.5.1 this is LMTP (RFC 2033): say LHLO");
      case "EXPN", "HELP", "TURN", "ETRN", "BDAT", "STARTTLS", "AUTH", "SEND", "SOML", "SAML" ->
          error("502 5.5.1 " + verb + " is not implemented");
      default -> error("500 5.5.2 command not recognized: " + Replies.oneLine(verb.length() > 20
          ? verb.substring(0, 20) + "..." : verb));
    }
    return true;
  }

  private void lhlo(String arg) throws IOException {
    if (arg.isEmpty()) {
      error("501 5.5.4 LHLO needs the client's name");
      return;
    }
    reset();
    lhlo = arg;
    reply("250-" + hostname);
    reply("250-PIPELINING");
    reply("250-ENHANCEDSTATUSCODES");
    reply("250-8BITMIME");
    ok("250 SIZE " + config.maxMessageBytes());
  }

  private void mail(String arg) throws IOException {
    if (lhlo == null) {
      error("503 5.5.1 send LHLO first");
      return;
    }
    if (from != null) {
      error("503 5.5.1 nested MAIL command: a transaction is already open (RSET first)");
      return;
    }
    String[] p = path(arg, "FROM:");
    if (p == null) {
      error("501 5.5.4 syntax: MAIL FROM:<address> [SIZE=n] [BODY=7BIT|8BITMIME]");
      return;
    }
    for (String param : p[1].isBlank() ? new String[0] : p[1].strip().split("\\s+")) {
      int eq = param.indexOf('=');
      String key = (eq < 0 ? param : param.substring(0, eq)).toUpperCase(Locale.ROOT);
      String value = eq < 0 ? "" : param.substring(eq + 1);
      switch (key) {
        case "SIZE" -> {
          long size;
          try {
            size = Long.parseLong(value);
          } catch (NumberFormatException e) {
            error("501 5.5.4 SIZE must be a number of octets, got '" + Replies.oneLine(value) + "'");
            return;
          }
          if (size > config.maxMessageBytes()) {
            counters.countTooBig();
            error("552 5.3.4 message size " + size + " exceeds the limit of " + config.maxMessageBytes() + " octets");
            return;
          }
        }
        case "BODY" -> {
          String v = value.toUpperCase(Locale.ROOT);
          if (!v.equals("7BIT") && !v.equals("8BITMIME")) {
            error("501 5.5.4 BODY must be 7BIT or 8BITMIME, got '" + Replies.oneLine(value) + "'");
            return;
          }
        }
        default -> {
          error("555 5.5.4 MAIL parameter " + Replies.oneLine(key) + " is not supported");
          return;
        }
      }
    }
    from = p[0];
    ok("250 2.1.0 OK");
  }

  private void rcpt(String arg) throws IOException {
    if (from == null) {
      error("503 5.5.1 send MAIL first");
      return;
    }
    String[] p = path(arg, "TO:");
    if (p == null || p[0].isEmpty()) {
      error("501 5.5.4 syntax: RCPT TO:<user@domain>");
      return;
    }
    if (!p[1].isBlank()) {
      error("555 5.5.4 RCPT parameters are not supported");
      return;
    }
    if (rcpts.size() >= config.maxRecipients()) {
      reply("452 4.5.3 too many recipients (at most " + config.maxRecipients() + " per transaction)");
      return;
    }
    String address = p[0];
    int at = address.lastIndexOf('@');
    String local = at < 0 ? address : address.substring(0, at);
    String domain = at < 0 ? "" : address.substring(at + 1);
    if (local.length() >= 2 && local.startsWith("\"") && local.endsWith("\"")) {
      local = local.substring(1, local.length() - 1).replaceAll("\\\\(.)", "$1");
    }
    if (local.isEmpty()) {
      error("501 5.1.3 bad recipient address syntax: <" + Replies.oneLine(address) + ">");
      return;
    }
    if (at >= 0 && !config.isLocal(domain)) {
      error("550 5.1.2 " + Replies.oneLine(domain) + " is not a local domain of this server");
      return;
    }
    Delivery.Check c;
    try {
      c = delivery.check(local);
    } catch (StoreException e) {
      LOG.warn("LMTP: cannot look up recipient {}: {}", local, e.toString());
      reply("451 4.3.0 cannot look up the recipient now; try again later");
      return;
    }
    switch (c) {
      case OK -> {
        rcpts.add(new String[] {address, local});
        ok("250 2.1.5 OK");
      }
      case UNKNOWN_USER -> error("550 5.1.1 <" + Replies.oneLine(address) + ">: no such user here");
      case NO_MAILBOX -> error("550 5.1.1 <" + Replies.oneLine(address) + ">: the user has no mailbox");
    }
  }

  private void data(String arg) throws IOException {
    if (from == null) {
      error("503 5.5.1 send MAIL first");
      return;
    }
    if (rcpts.isEmpty()) {
      error("503 5.5.1 no valid recipients");
      return;
    }
    if (!arg.isEmpty()) {
      error("501 5.5.4 DATA takes no argument");
      return;
    }
    reply("354 2.0.0 send the message; end with <CRLF>.<CRLF>");
    out.flush();
    inData = true;
    DotReader body = new DotReader(in);
    Spool spool = new Spool(config.maxMessageBytes());
    try {
      boolean fits = spool.fill(body);
      if (spool.failure != null) {
        body.discard();
        LOG.error("LMTP: cannot spool a message: {}", spool.failure.toString());
        for (int i = 0; i < rcpts.size(); i++) {
          reply("451 4.3.0 cannot spool the message on the server; try again later");
        }
        return;
      }
      if (!fits) {
        long extra = body.discard();
        counters.countTooBig();
        String r = "552 5.3.4 message exceeds the limit of " + config.maxMessageBytes() + " octets (received at least "
            + (config.maxMessageBytes() + extra) + ")";
        for (int i = 0; i < rcpts.size(); i++) {
          reply(r);
        }
        return;
      }
      deliverAll(spool);
    } finally {
      spool.close();
      reset();
      out.flush();
      inData = false;
    }
  }

  /** Whether a message is being received or stored (shutdown lets it finish). */
  boolean inData() {
    return inData;
  }

  /** Delivers to each accepted recipient in RCPT order, one reply each; a user named twice gets one copy. */
  private void deliverAll(Spool spool) throws IOException {
    Map<String, String> done = new LinkedHashMap<>();
    String id = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    for (String[] r : rcpts) {
      String user = r[1];
      String reply = done.get(user);
      if (reply == null) {
        reply = deliverOne(spool, id, r[0], user);
        done.put(user, reply);
      }
      reply(reply);
    }
  }

  private String deliverOne(Spool spool, String id, String address, String user) {
    byte[] trace = trace(id, address);
    long t0 = System.nanoTime();
    try (InputStream msg = new SequenceInputStream(new ByteArrayInputStream(trace), spool.open())) {
      delivery.deliver(user, msg, trace.length + spool.size());
      counters.countDelivered(System.nanoTime() - t0);
      LOG.debug("LMTP: delivered {} octets for {} (id {})", spool.size(), user, id);
      return "250 2.0.0 <" + Replies.oneLine(address) + "> " + id + " delivered";
    } catch (StoreException e) {
      counters.countFailed();
      String r = Replies.of(e);
      if (r.startsWith("4")) {
        LOG.warn("LMTP: delivery to {} failed for now: {}", user, e.toString());
      } else {
        LOG.info("LMTP: delivery to {} refused: {}", user, e.toString());
      }
      return r;
    } catch (IOException | RuntimeException e) {
      counters.countFailed();
      LOG.error("LMTP: delivery to {} failed", user, e);
      return "451 4.3.0 temporary failure while storing the message; try again later";
    }
  }

  /** RFC 5321 4.4: the final delivery adds Return-Path and a Received line. */
  private byte[] trace(String id, String address) {
    String peer = socket.getInetAddress().getHostAddress();
    String s = "Return-Path: <" + from + ">\r\n"
        + "Received: from " + Replies.oneLine(lhlo) + " ([" + peer + "])\r\n"
        + "\tby " + hostname + " (msgstore) with LMTP id " + id + "\r\n"
        + "\tfor <" + Replies.oneLine(address) + ">; " + RFC5322.format(ZonedDateTime.now()) + "\r\n";
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private void reset() {
    from = null;
    rcpts.clear();
  }

  /**
   * {@code FROM:<a@b> PARAMS} as {address, params}; null when malformed. Spaces after the colon
   * are tolerated (many clients send them); the angle brackets are required.
   */
  static String[] path(String arg, String prefix) {
    if (arg.length() < prefix.length() || !arg.substring(0, prefix.length()).equalsIgnoreCase(prefix)) {
      return null;
    }
    String rest = arg.substring(prefix.length()).stripLeading();
    if (!rest.startsWith("<")) {
      return null;
    }
    int close = rest.indexOf('>');
    if (close < 0) {
      return null;
    }
    String addr = rest.substring(1, close);
    int colon = addr.indexOf(':'); // a source route <@a,@b:user@c> is ignored (RFC 5321 4.1.2)
    if (addr.startsWith("@") && colon > 0) {
      addr = addr.substring(colon + 1);
    }
    String params = rest.substring(close + 1);
    if (!params.isEmpty() && !params.startsWith(" ")) {
      return null;
    }
    return new String[] {addr, params};
  }

  /**
   * The next command line without its line end, or null at the end of the stream. A line over
   * {@link #MAX_COMMAND_LINE} is answered 500 and skipped.
   */
  private String readLine() throws IOException {
    if (in.available() == 0) {
      out.flush(); // nothing pipelined behind: the client waits for our replies
    }
    ByteArrayOutputStream b = new ByteArrayOutputStream(64);
    boolean tooLong = false;
    while (true) {
      int c = in.read();
      if (c < 0) {
        return null;
      }
      if (c == '\n') {
        break;
      }
      if (b.size() < MAX_COMMAND_LINE) {
        b.write(c);
      } else {
        tooLong = true;
      }
    }
    if (tooLong) {
      error("500 5.5.2 command line too long (at most " + MAX_COMMAND_LINE + " octets)");
      return readLine();
    }
    String s = b.toString(StandardCharsets.ISO_8859_1);
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }

  private void ok(String line) throws IOException {
    errors = 0;
    reply(line);
  }

  private void error(String line) throws IOException {
    errors++;
    reply(line);
  }

  private void reply(String line) throws IOException {
    out.write(line.getBytes(StandardCharsets.US_ASCII));
    out.write('\r');
    out.write('\n');
  }

  /** The message: in memory while small, else in a temporary file; bounded by the size limit. */
  static final class Spool implements AutoCloseable {
    private final long max;
    private final ByteArrayOutputStream memory = new ByteArrayOutputStream(8192);
    private Path file;
    private OutputStream fileOut;
    private long size;
    /** Set when writing the spool failed (disk full...): the rest of the data is read and dropped. */
    IOException failure;

    Spool(long max) {
      this.max = max;
    }

    /** Reads {@code in} to its end; false (and stops) as soon as it passes the limit. */
    boolean fill(InputStream in) throws IOException {
      byte[] buf = new byte[16 * 1024];
      int n;
      while ((n = in.read(buf)) >= 0) {
        if (size + n > max) {
          return false;
        }
        size += n;
        try {
          if (file == null && memory.size() + n > MEMORY_SPOOL) {
            file = Files.createTempFile("msgstore-lmtp-", ".eml");
            fileOut = new BufferedOutputStream(Files.newOutputStream(file), 64 * 1024);
            memory.writeTo(fileOut);
            memory.reset();
          }
          (file == null ? memory : fileOut).write(buf, 0, n);
        } catch (IOException e) {
          failure = e;
          return true;
        }
      }
      if (fileOut != null) {
        try {
          fileOut.close();
        } catch (IOException e) {
          failure = e;
        }
      }
      return true;
    }

    long size() {
      return size;
    }

    InputStream open() throws IOException {
      return file == null ? new ByteArrayInputStream(memory.toByteArray()) : Files.newInputStream(file);
    }

    @Override
    public void close() {
      try {
        if (fileOut != null) {
          fileOut.close();
        }
        if (file != null) {
          Files.deleteIfExists(file);
        }
      } catch (IOException e) {
        LOG.warn("LMTP: cannot delete the spool file {}: {}", file, e.toString());
      }
    }
  }
}
