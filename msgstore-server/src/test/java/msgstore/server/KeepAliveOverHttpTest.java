package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kept-alive connection survives a request that is refused before its body is read, over a raw
 * socket: a client that writes its headers and its body apart (as the JDK's HttpClient does) may
 * already have sent its next request when the answer comes, and must get that one answered too.
 */
class KeepAliveOverHttpTest {
  @TempDir Path dir;
  TestServer t;

  @BeforeEach
  void start() {
    t = TestServer.start(dir);
  }

  @AfterEach
  void stop() {
    t.close();
  }

  /** Reads one answer with a Content-Length body; returns its status line and body, or null at end of stream. */
  static String readAnswer(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      head.write(b);
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String headers = head.toString(StandardCharsets.ISO_8859_1);
    int length = 0;
    for (String line : headers.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    byte[] body = in.readNBytes(length);
    return headers.substring(0, headers.indexOf("\r\n")) + "\n" + new String(body, StandardCharsets.UTF_8);
  }

  @Test
  void aRequestRefusedBeforeItsBodyArrivedShouldLeaveTheConnectionOpenForTheNext() throws Exception {
    try (Socket s = new Socket("127.0.0.1", t.server.port())) {
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      String body = "{\"displayName\":\"x\"}";
      for (int round = 0; round < 3; round++) {
        out.write(("POST /api/v1/stores HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            + "Content-Length: " + body.length() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        // The body comes apart from the headers, as from a client that writes them in two calls: the
        // server, which refuses the request (no credentials) without needing it, sees it late.
        Thread.sleep(50);
        out.write(body.getBytes(StandardCharsets.US_ASCII));
        out.write(("GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();

        String refused = readAnswer(in);
        assertThat(refused).as("round %d", round).startsWith("HTTP/1.1 401").contains("MAPI_E_NO_ACCESS");
        assertThat(readAnswer(in)).as("the next request on the same connection, round %d", round)
            .isEqualTo("HTTP/1.1 200 OK\nok");
      }
    }
  }
}
