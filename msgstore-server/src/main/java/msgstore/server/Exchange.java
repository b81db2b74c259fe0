package msgstore.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * One HTTP exchange on Jetty's core API (ADR 0032): what a handler reads of the request (headers,
 * path and query parameters, cookies, the body as a stream) and the answer it builds (status,
 * headers, and either a whole body or a stream). {@link #finish} sends a whole body in one
 * non-blocking write, gzip-compressed when the client accepts it and it is worth it ({@link
 * #compressible}); a streamed body is written as it is produced, uncompressed.
 *
 * <p>Not thread-safe: one thread handles an exchange at a time.
 */
final class Exchange {
  /** Bodies shorter than this are sent as they are: compressing under one packet gains nothing. */
  static final int MIN_COMPRESS_BYTES = 1500;
  private static final List<String> NOT_COMPRESSED = List.of("image/", "audio/", "video/", "application/compress",
      "application/zip", "application/gzip", "application/bzip2", "application/brotli", "application/x-xz",
      "application/x-rar-compressed", "text/event-stream");

  private final Request request;
  private final Response response;
  private final MinDataRate minDataRate;
  private Map<String, String> pathParams = Map.of();
  private Fields query;
  private int status = 200;
  private byte[] result;
  private OutputStream out;
  private String user;
  private Throwable failure;
  /** Whether the route opened the request body ({@link #inputStream}). */
  private boolean bodyRead;

  Exchange(Request request, Response response, MinDataRate minDataRate) {
    this.request = request;
    this.response = response;
    this.minDataRate = minDataRate;
  }

  // ---- the request

  String method() {
    return request.getMethod();
  }

  /** The request's path as sent, still percent-encoded. */
  String path() {
    return request.getHttpURI().getPath();
  }

  /** The request's path, percent-decoded. */
  String decodedPath() {
    return request.getHttpURI().getDecodedPath();
  }

  /** A request header, or null. */
  String header(String name) {
    return request.getHeaders().get(name);
  }

  /** The request's Content-Type, or null. */
  String contentType() {
    return request.getHeaders().get(HttpHeader.CONTENT_TYPE);
  }

  /** The request body's declared length, or -1. */
  long contentLength() {
    return request.getLength();
  }

  void pathParams(Map<String, String> params) {
    this.pathParams = params;
  }

  Map<String, String> pathParamMap() {
    return pathParams;
  }

  /** A parameter of the matched route's template; asking for one it does not have is a bug. */
  String pathParam(String name) {
    String v = pathParams.get(name);
    if (v == null) {
      throw new IllegalArgumentException("the route has no path parameter " + name);
    }
    return v;
  }

  /** The first value of a query parameter (decoded as UTF-8), or null. */
  String queryParam(String name) {
    if (query == null) {
      query = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
    }
    return query.getValue(name);
  }

  /** The value of a request cookie, or null. */
  String cookie(String name) {
    for (HttpCookie c : Request.getCookies(request)) {
      if (c.getName().equals(name)) {
        return c.getValue();
      }
    }
    return null;
  }

  /** The client's address. */
  String ip() {
    return Request.getRemoteAddr(request);
  }

  /** {@code http} or {@code https}. */
  String scheme() {
    return request.getHttpURI().getScheme();
  }

  /** The Host header as sent (host and port), or null. */
  String host() {
    return request.getHeaders().get(HttpHeader.HOST);
  }

  /** The request body as a stream, cut with 408 when it arrives slower than {@code request.min.data.rate}. */
  InputStream inputStream() {
    OnSelector.mayBlock();
    bodyRead = true;
    return minDataRate.meter(Content.Source.asInputStream(request), request.getBeginNanoTime());
  }

  /** The authenticated user, for the request log; null before authentication. */
  String user() {
    return user;
  }

  void user(String name) {
    this.user = name;
  }

  // ---- the answer

  Exchange status(int code) {
    this.status = code;
    return this;
  }

  int status() {
    return status;
  }

  /** Sets (replaces) a response header. */
  Exchange header(String name, String value) {
    response.getHeaders().put(name, value);
    return this;
  }

  Exchange contentType(String type) {
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    return this;
  }

  Exchange contentLength(long bytes) {
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes);
    return this;
  }

  /** The whole body, sent by {@link #finish}. */
  Exchange result(byte[] body) {
    this.result = body;
    return this;
  }

  Exchange result(String body) {
    return result(body.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The body as a stream written while the handler runs (blocking, buffered), for content too big
   * to hold; the status and headers set so far go out with its first bytes.
   */
  OutputStream outputStream() {
    OnSelector.mayBlock();
    if (out == null) {
      response.setStatus(status);
      out = new BodyStream(response, 32 * 1024);
    }
    return out;
  }

  /**
   * The core response with the status and headers set so far, for a handler that writes it
   * without blocking (event streams); it must have no write pending when the exchange finishes.
   */
  Response response() {
    response.setStatus(status);
    return response;
  }

  /**
   * A buffered body over the core response: a full buffer and each {@link #flush} are one blocking
   * {@code Response.write}, {@link #close} the last one. (Jetty's {@code Content.Sink.asOutputStream}
   * under a {@code BufferedOutputStream} writes twice per flush: the bytes, then an empty flush.)
   */
  private static final class BodyStream extends OutputStream {
    private final Response response;
    private final byte[] buf;
    private final Blocker.Shared blocker = new Blocker.Shared();
    private int n;
    private boolean closed;

    BodyStream(Response response, int bufferBytes) {
      this.response = response;
      this.buf = new byte[bufferBytes];
    }

    @Override
    public void write(int b) throws IOException {
      if (n == buf.length) {
        send(false, ByteBuffer.wrap(buf, 0, n));
      }
      buf[n++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (n + len <= buf.length) {
        System.arraycopy(b, off, buf, n, len);
        n += len;
        return;
      }
      if (n > 0) {
        send(false, ByteBuffer.wrap(buf, 0, n));
      }
      if (len >= buf.length) {
        send(false, ByteBuffer.wrap(b, off, len));
      } else {
        System.arraycopy(b, off, buf, 0, len);
        n = len;
      }
    }

    @Override
    public void flush() throws IOException {
      if (n > 0) {
        send(false, ByteBuffer.wrap(buf, 0, n));
      }
    }

    @Override
    public void close() throws IOException {
      if (!closed) {
        closed = true;
        send(true, ByteBuffer.wrap(buf, 0, n));
      }
    }

    private void send(boolean last, ByteBuffer bytes) throws IOException {
      n = 0;
      try (Blocker.Callback cb = blocker.callback()) {
        response.write(last, bytes, cb);
        cb.block();
      }
    }
  }

  /** Whether the status line has gone out already (then an error can only cut the connection). */
  boolean committed() {
    return response.isCommitted();
  }

  /** The answer cannot be completed (it began and then failed): {@link #finish} cuts the connection. */
  void abort(Throwable cause) {
    failure = cause;
  }

  /**
   * Forgets what an attempt on the selector had begun to answer (status, headers, body; nothing was
   * sent), keeping the request, its route's parameters and the authenticated user (ADR 0037).
   */
  void forgetAnswer() {
    status = 200;
    result = null;
    failure = null;
    response.reset();
  }

  /** Forgets a body and a stream not yet sent, so that an error answer can replace them. */
  void discard() {
    result = null;
    out = null;
  }

  /**
   * Ends the exchange: a streamed body is flushed and closed (blocking), a whole body is written
   * in one write completing {@code done}; without a body, the answer is the status and headers.
   * A small request body the route never read is read first ({@link #MAX_UNREAD_BODY}).
   */
  void finish(Callback done) {
    if (failure != null) {
      done.failed(failure);
      return;
    }
    if (out != null) {
      try {
        out.close();
      } catch (IOException e) {
        done.failed(e);
        return;
      }
      done.succeeded();
      return;
    }
    long declared = request.getLength();
    if (!bodyRead && declared > 0 && declared <= MAX_UNREAD_BODY && !request.getHeaders().contains(HttpHeader.EXPECT)) {
      // A small body the route never read (it refused the request first): read and drop it before
      // answering, without blocking, so that Jetty keeps the connection for the client's next
      // request instead of closing it after the answer (the client may have sent that request
      // already). A body the route began to read and gave up on (too big, too slow) is left, and
      // so is one the client holds back until told to send it (Expect: 100-continue).
      Content.Source.consumeAll(request, Callback.from(() -> writeAnswer(done), e -> writeAnswer(done)));
      return;
    }
    writeAnswer(done);
  }

  /** The largest declared request body {@link #finish} reads when the route did not. */
  static final long MAX_UNREAD_BODY = 64 * 1024;

  private void writeAnswer(Callback done) {
    response.setStatus(status);
    byte[] body = result;
    if (body == null) {
      response.write(true, null, done);
      return;
    }
    String type = response.getHeaders().get(HttpHeader.CONTENT_TYPE);
    if (type == null) {
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
    }
    if (body.length >= MIN_COMPRESS_BYTES && compressible(type) && acceptsGzip(header("Accept-Encoding"))
        && !response.getHeaders().contains(HttpHeader.CONTENT_ENCODING)) {
      body = gzip(body);
      response.getHeaders().put(HttpHeader.CONTENT_ENCODING, "gzip");
    }
    response.write(true, ByteBuffer.wrap(body), done);
  }

  // ---- compression

  /** Whether a body of this type is worth compressing (not already compressed media, not an event stream). */
  static boolean compressible(String contentType) {
    if (contentType == null || contentType.regionMatches(true, 0, "image/svg+xml", 0, 13)) {
      return true;
    }
    String t = contentType.toLowerCase(Locale.ROOT);
    for (String no : NOT_COMPRESSED) {
      if (t.contains(no)) {
        return false;
      }
    }
    return true;
  }

  /** Whether an Accept-Encoding header accepts gzip (listed, and not with {@code q=0}). */
  static boolean acceptsGzip(String acceptEncoding) {
    if (acceptEncoding == null) {
      return false;
    }
    for (String part : acceptEncoding.split(",")) {
      String[] p = part.split(";");
      if (p[0].strip().equalsIgnoreCase("gzip")) {
        for (int i = 1; i < p.length; i++) {
          String q = p[i].strip();
          if (q.startsWith("q=") && q.substring(2).strip().matches("0(\\.0*)?")) {
            return false;
          }
        }
        return true;
      }
    }
    return false;
  }

  static byte[] gzip(byte[] body) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(body.length / 3 + 64);
    try (GZIPOutputStream z = new GZIPOutputStream(buf, 8192)) {
      z.write(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in memory: cannot happen
    }
    return buf.toByteArray();
  }
}
