package msgstore.server;

import java.util.Map;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import msgstore.protocol.Problem;

/**
 * An error answer prepared by a handler: a problem body and extra response headers (the 412 of a
 * stale save carries the current version and its {@code ETag}). The one exception handler writes it.
 */
final class ProblemException extends StoreException {
  private static final long serialVersionUID = 1L;
  private final transient Problem problem;
  private final transient Map<String, String> headers;

  ProblemException(Problem problem, Map<String, String> headers) {
    super(problem.mapiError(), problem.detail());
    this.problem = problem;
    this.headers = Map.copyOf(headers);
  }

  static ProblemException of(int status, MapiError error, String detail) {
    return new ProblemException(Problem.of(status, error, detail, ""), Map.of());
  }

  Problem problem() {
    return problem;
  }

  Map<String, String> headers() {
    return headers;
  }
}
