package msgstore.server;

import java.nio.ByteBuffer;
import msgstore.protocol.InputLimits;
import msgstore.protocol.Problem;
import msgstore.protocol.Wire;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own refusals (a request whose headers are over {@code http.max.header.bytes}: 431, a
 * URI too long: 414, a malformed request: 400) as Problem Details JSON like every other error,
 * never Jetty's HTML page and never a stack trace.
 */
final class ProblemErrorHandler extends ErrorHandler {
  private final InputLimits limits;

  ProblemErrorHandler(InputLimits limits) {
    this.limits = limits;
    setShowStacks(false);
    setShowCauses(false);
  }

  @Override
  protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
      Callback callback) {
    String path = request.getHttpURI() == null || request.getHttpURI().getPath() == null ? ""
        : request.getHttpURI().getPath();
    if (path.length() > 200) {
      path = path.substring(0, 200) + "...";
    }
    Problem p = MsgstoreServer.statusProblem(code, detail(code, message), path);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.write(true, ByteBuffer.wrap(Wire.bytes(p.toJson())), callback);
  }

  private String detail(int code, String message) {
    return switch (code) {
      case 431 -> "the request's headers are over the limit of " + limits.maxHeaderBytes()
          + " bytes (http.max.header.bytes)";
      case 414 -> "the request URI is over the limit of " + limits.maxHeaderBytes() + " bytes (http.max.header.bytes)";
      default -> "the request was refused before it reached msgstore: "
          + (message == null || message.isBlank() ? "malformed HTTP request" : message);
    };
  }
}
