package msgstore.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Optional;
import msgstore.api.FolderId;
import msgstore.api.MapiError;
import msgstore.api.MessageId;
import msgstore.api.Session;
import msgstore.api.StoreException;
import msgstore.api.StoreId;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import msgstore.protocol.InputLimits;
import msgstore.protocol.Json;
import msgstore.protocol.Problem;
import msgstore.protocol.Wire;
import msgstore.protocol.WireException;

/** One authenticated API request: the HTTP exchange, the user and the engine session it runs as. */
record Req(Exchange ctx, Session session, String user, long maxJsonBytes, InputLimits limits) {

  static final String JSON = "application/json";

  StoreId store() {
    return Json.storeId(ctx.pathParam("s"), "path.s");
  }

  FolderId folder() {
    return Json.folderId(ctx.pathParam("f"), "path.f");
  }

  MessageId message() {
    return Json.messageId(ctx.pathParam("m"), "path.m");
  }

  Optional<String> query(String name) {
    return Optional.ofNullable(ctx.queryParam(name)).filter(s -> !s.isBlank());
  }

  int intQuery(String name, int dflt, int min, int max) {
    Optional<String> v = query(name);
    if (v.isEmpty()) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v.get().strip());
      if (n < min || n > max) {
        throw new WireException(MapiError.INVALID_PARAMETER, name, n + " is not between " + min + " and " + max);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new WireException(MapiError.INVALID_PARAMETER, name, "'" + v.get() + "' is not an integer");
    }
  }

  long longQuery(String name, long dflt) {
    Optional<String> v = query(name);
    if (v.isEmpty()) {
      return dflt;
    }
    try {
      return Long.parseLong(v.get().strip());
    } catch (NumberFormatException e) {
      throw new WireException(MapiError.INVALID_PARAMETER, name, "'" + v.get() + "' is not an integer");
    }
  }

  /**
   * The request body as JSON, at most {@code maxJsonBytes} (413 TOO_BIG over it), read under the
   * input limits. The body must be declared JSON (415 otherwise): {@code application/json} or any
   * {@code application/*+json} type, in UTF-8; a request without a Content-Type is read as JSON.
   * The body is read (within the limit) before a 415, so that the connection stays usable: a
   * refusal with the body unread makes Jetty close it under the client's next request.
   */
  JsonNode json() {
    byte[] body = body(maxJsonBytes);
    requireJsonContentType(ctx.header("Content-Type"));
    return Wire.parse(body, limits);
  }

  static void requireJsonContentType(String header) {
    if (header == null || header.isBlank()) {
      return;
    }
    String[] parts = header.split(";");
    String type = parts[0].strip().toLowerCase(Locale.ROOT);
    boolean json = type.equals(JSON) || (type.startsWith("application/") && type.endsWith("+json"));
    if (!json) {
      throw unsupported("the request body is declared '" + parts[0].strip() + "'; this route takes JSON "
          + "(Content-Type: application/json)");
    }
    for (int i = 1; i < parts.length; i++) {
      String[] kv = parts[i].split("=", 2);
      if (kv[0].strip().equalsIgnoreCase("charset") && kv.length == 2) {
        String cs = kv[1].strip().replace("\"", "");
        if (!cs.equalsIgnoreCase("utf-8") && !cs.equalsIgnoreCase("utf8")) {
          throw unsupported("the request body is declared in charset '" + cs + "'; JSON bodies are UTF-8");
        }
      }
    }
  }

  private static ProblemException unsupported(String detail) {
    return new ProblemException(new Problem(415, MapiError.NO_SUPPORT, "Unsupported media type", detail, "", "",
        JsonNodeFactory.instance.objectNode()), java.util.Map.of());
  }

  /** The request body, refusing more than {@code limit} bytes without reading them all. */
  byte[] body(long limit) {
    return body(ctx, limit);
  }

  /** The body of any exchange, refusing more than {@code limit} bytes without reading them all. */
  static byte[] body(Exchange ctx, long limit) {
    long declared = ctx.contentLength();
    if (declared > limit) {
      throw new StoreException(MapiError.TOO_BIG, "the request body has " + declared + " bytes, over the limit of "
          + limit);
    }
    try (InputStream in = ctx.inputStream()) {
      byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
      if (b.length > limit) {
        throw new StoreException(MapiError.TOO_BIG, "the request body is over the limit of " + limit + " bytes");
      }
      return b;
    } catch (IOException e) {
      if (isTimeout(e)) { // the idle timeout struck while the body trickled in: a timeout, not bad input
        throw MinDataRate.requestTimeout("no byte of the request body arrived within the idle timeout ("
            + e.getMessage() + "); a body slower than request.min.data.rate or idle that long is cut and the"
            + " connection closed");
      }
      throw new StoreException(MapiError.INVALID_PARAMETER, "cannot read the request body: " + e.getMessage());
    }
  }

  private static boolean isTimeout(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.util.concurrent.TimeoutException) {
        return true;
      }
    }
    return e.getMessage() != null && e.getMessage().contains("Idle timeout");
  }

  /** Answers JSON. */
  void json(int status, JsonNode body) {
    ctx.status(status).contentType(JSON).result(Wire.bytes(body));
  }

  void noContent() {
    ctx.status(204);
  }

  /** The base path of a store's resources. */
  String storePath(StoreId s) {
    return MsgstoreServer.API + "/stores/" + s;
  }
}
