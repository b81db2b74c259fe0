package msgstore.server;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A raw IMAP client for the conformance tests: sends command lines as given and reads responses
 * as lines, with literals read by their announced size and kept inline (as ISO-8859-1 text, so
 * bytes round-trip) in the line that announced them.
 */
final class ImapClient implements AutoCloseable {
  private static final Pattern LITERAL = Pattern.compile("\\{(\\d+)\\}$");
  final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private int tags;
  final String greeting;

  /** What a command got: the untagged and continuation lines, then the tagged one. */
  record Reply(List<String> untagged, String tagged) {
    boolean ok() {
      return tagged.split(" ", 3)[1].equals("OK");
    }

    String status() {
      return tagged.split(" ", 3)[1];
    }

    /** The untagged lines starting with {@code * prefix}. */
    List<String> lines(String prefix) {
      return untagged.stream().filter(l -> l.startsWith("* " + prefix)).toList();
    }

    @Override
    public String toString() {
      return String.join("\n", untagged) + "\n" + tagged;
    }
  }

  ImapClient(int port) {
    this(connect(port));
  }

  ImapClient(Socket s) {
    this(s, true);
  }

  /** Over {@code s}; without {@code greeting} when the session is already going (after STARTTLS). */
  ImapClient(Socket s, boolean greeting) {
    try {
      this.socket = s;
      s.setSoTimeout(30_000);
      this.in = new BufferedInputStream(s.getInputStream());
      this.out = s.getOutputStream();
      this.greeting = greeting ? readLine() : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Socket connect(int port) {
    try {
      return new Socket("127.0.0.1", port);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A client logged in as {@code user} (password {@code secret-<user>}, as {@link TestServer} makes them). */
  static ImapClient login(int port, String user) {
    ImapClient c = new ImapClient(port);
    Reply r = c.cmd("LOGIN " + user + " secret-" + user);
    if (!r.ok()) {
      throw new AssertionError("LOGIN failed: " + r);
    }
    return c;
  }

  String nextTag() {
    return "a" + (++tags);
  }

  /** Sends {@code TAG command} and reads up to the tagged response. */
  Reply cmd(String command) {
    String tag = nextTag();
    send(tag + " " + command + "\r\n");
    return readUntil(tag);
  }

  /** Sends raw bytes (a command in pieces, literals). */
  void send(String text) {
    send(text.getBytes(StandardCharsets.UTF_8));
  }

  void send(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads responses until the one tagged {@code tag}. */
  Reply readUntil(String tag) {
    List<String> untagged = new ArrayList<>();
    while (true) {
      String line = readLine();
      if (line == null) {
        throw new AssertionError("connection closed before the response to " + tag + "; got " + untagged);
      }
      if (line.startsWith(tag + " ")) {
        return new Reply(untagged, line);
      }
      untagged.add(line);
    }
  }

  /** One response line, literals included; null at the end of the stream. */
  String readLine() {
    try {
      StringBuilder b = new StringBuilder();
      while (true) {
        String part = rawLine();
        if (part == null) {
          return b.length() == 0 ? null : b.toString();
        }
        b.append(part);
        Matcher m = LITERAL.matcher(part);
        if (!m.find()) {
          return b.toString();
        }
        byte[] lit = in.readNBytes(Integer.parseInt(m.group(1)));
        b.append("\r\n").append(new String(lit, StandardCharsets.ISO_8859_1));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String rawLine() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        byte[] a = b.toByteArray();
        int n = a.length > 0 && a[a.length - 1] == '\r' ? a.length - 1 : a.length;
        return new String(a, 0, n, StandardCharsets.ISO_8859_1);
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
  }

  /** APPENDs {@code message} to {@code mailbox} with a synchronizing literal. */
  Reply append(String mailbox, String flags, byte[] message) {
    String tag = nextTag();
    send(tag + " APPEND " + mailbox + (flags.isEmpty() ? "" : " (" + flags + ")") + " {" + message.length + "}\r\n");
    String cont = readLine();
    if (!cont.startsWith("+")) {
      return new Reply(List.of(), cont);
    }
    send(message);
    send("\r\n");
    return readUntil(tag);
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
