package msgstore.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * How the HTTP load reaches the server. Each worker opens its own {@link Connection} and uses it
 * from its own (virtual) thread only.
 *
 * <ul>
 *   <li>{@link #jdk}: one shared {@link HttpClient} (HTTP/1.1) with a virtual-thread executor; the
 *       client a Java SDK user gets. It costs the benchmark process a lot of CPU per request
 *       (about half of the sampled CPU of a 16-client smoke run), which the server then lacks.
 *   <li>{@link #raw}: one blocking keep-alive socket per worker, writing the request and parsing the
 *       answer (Content-Length or chunked) by hand; a small fraction of the JDK client's CPU, so
 *       the figures are closer to the server's own limit.
 * </ul>
 */
abstract sealed class LoadClient implements AutoCloseable permits LoadClient.Jdk, LoadClient.Raw {
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** An answer: status, the ETag header (or null) and the body. */
  record Response(int status, String etag, byte[] body) {
    String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** One worker's way to the server. */
  interface Connection extends AutoCloseable {
    /**
     * Sends one request and reads the whole answer.
     *
     * @param headers name, value, name, value ... (no Host, Content-Length)
     * @param body null for none
     */
    Response exchange(String method, String path, byte[] body, String... headers) throws IOException, InterruptedException;

    @Override
    void close();
  }

  abstract String name();

  abstract Connection connect();

  @Override
  public abstract void close();

  static LoadClient jdk(URI base) {
    return new Jdk(base);
  }

  static LoadClient raw(InetSocketAddress server) {
    return new Raw(server);
  }

  /** The JDK's HttpClient, shared by all workers. */
  static final class Jdk extends LoadClient {
    private final URI base;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient http;

    Jdk(URI base) {
      this.base = base;
      this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(executor)
          .connectTimeout(Duration.ofSeconds(10)).build();
    }

    @Override
    String name() {
      return "java.net.http.HttpClient (HTTP/1.1), one shared by all clients";
    }

    @Override
    Connection connect() {
      return new Connection() {
        @Override
        public Response exchange(String method, String path, byte[] body, String... headers)
            throws IOException, InterruptedException {
          HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT)
              .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
          for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
          }
          HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
          return new Response(r.statusCode(), r.headers().firstValue("ETag").orElse(null), r.body());
        }

        @Override
        public void close() {}
      };
    }

    @Override
    public void close() {
      http.close();
      executor.shutdownNow();
    }
  }

  /** Hand-written HTTP/1.1 over one blocking socket per worker, reconnecting after a failure or a close. */
  static final class Raw extends LoadClient {
    private final InetSocketAddress server;
    private final String host;

    Raw(InetSocketAddress server) {
      this.server = server;
      this.host = server.getHostString() + ":" + server.getPort();
    }

    @Override
    String name() {
      return "raw HTTP/1.1, one keep-alive socket per client";
    }

    @Override
    Connection connect() {
      return new RawConnection();
    }

    @Override
    public void close() {}

    private final class RawConnection implements Connection {
      private Socket socket;
      private InputStream in;
      private OutputStream out;

      @Override
      public Response exchange(String method, String path, byte[] body, String... headers) throws IOException {
        if (socket == null) {
          socket = new Socket();
          socket.setTcpNoDelay(true);
          socket.setSoTimeout((int) TIMEOUT.toMillis());
          socket.connect(server, 10_000);
          in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
          out = new BufferedOutputStream(socket.getOutputStream(), 8 * 1024);
        }
        try {
          StringBuilder h = new StringBuilder(256).append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ")
              .append(host).append("\r\n");
          for (int i = 0; i < headers.length; i += 2) {
            h.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
          }
          if (body != null) {
            h.append("Content-Length: ").append(body.length).append("\r\n");
          }
          out.write(h.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
          if (body != null) {
            out.write(body);
          }
          out.flush();
          return read();
        } catch (IOException | RuntimeException e) {
          close();
          throw e;
        }
      }

      private Response read() throws IOException {
        String status = line();
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
          throw new IOException("not an HTTP/1.x status line: '" + status + "'");
        }
        int code = Integer.parseInt(parts[1]);
        long length = -1;
        boolean chunked = false;
        boolean closeAfter = parts[0].equals("HTTP/1.0");
        String etag = null;
        for (String l = line(); !l.isEmpty(); l = line()) {
          int colon = l.indexOf(':');
          if (colon < 0) {
            continue;
          }
          String name = l.substring(0, colon).trim().toLowerCase(Locale.ROOT);
          String value = l.substring(colon + 1).trim();
          switch (name) {
            case "content-length" -> length = Long.parseLong(value);
            case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
            case "connection" -> closeAfter = value.equalsIgnoreCase("close");
            case "etag" -> etag = value;
            default -> { }
          }
        }
        byte[] body;
        if (chunked) {
          ByteArrayOutputStream b = new ByteArrayOutputStream();
          for (long n = chunkSize(); n > 0; n = chunkSize()) {
            byte[] chunk = in.readNBytes((int) n);
            if (chunk.length != n) {
              throw new EOFException("the server closed the connection in a chunk of " + n + " bytes");
            }
            b.write(chunk);
            line(); // CRLF after the data
          }
          for (String l = line(); !l.isEmpty(); l = line()) {
            // trailers: none expected
          }
          body = b.toByteArray();
        } else if (length >= 0) {
          body = in.readNBytes((int) length);
          if (body.length != length) {
            throw new EOFException("the server closed the connection in a body of " + length + " bytes");
          }
        } else if (code == 204 || code == 304) {
          body = new byte[0];
        } else {
          body = in.readAllBytes(); // delimited by the end of the connection
          closeAfter = true;
        }
        if (closeAfter) {
          close();
        }
        return new Response(code, etag, body);
      }

      private long chunkSize() throws IOException {
        String l = line();
        int semi = l.indexOf(';');
        return Long.parseLong((semi < 0 ? l : l.substring(0, semi)).trim(), 16);
      }

      private String line() throws IOException {
        StringBuilder b = new StringBuilder(64);
        while (true) {
          int c = in.read();
          if (c < 0) {
            throw new EOFException("the server closed the connection");
          }
          if (c == '\n') {
            int n = b.length();
            return n > 0 && b.charAt(n - 1) == '\r' ? b.substring(0, n - 1) : b.toString();
          }
          b.append((char) c);
        }
      }

      @Override
      public void close() {
        if (socket != null) {
          try {
            socket.close();
          } catch (IOException e) {
            // closing anyway
          }
          socket = null;
        }
      }
    }
  }
}
