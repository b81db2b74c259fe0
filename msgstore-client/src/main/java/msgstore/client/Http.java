package msgstore.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Supplier;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import msgstore.protocol.Problem;
import msgstore.protocol.Wire;

/**
 * The HTTP transport: one {@link HttpClient} per store, JSON through the shared {@link Wire}
 * mapper, and every non-2xx answer turned into the {@link StoreException} its Problem Details name
 * (docs/http-api.md, "Errors"). Thread-safe.
 */
final class Http {
  static final String JSON = "application/json";
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private final HttpClient client;
  private final String api;
  private final ClientOptions options;

  Http(URI baseUri, ClientOptions options) {
    this.options = options;
    String base = baseUri.toString();
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    this.api = base.endsWith("/api/v1") ? base : base + "/api/v1";
    HttpClient.Builder b = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(options.connectTimeout())
        .followRedirects(HttpClient.Redirect.NEVER);
    options.sslContext().ifPresent(b::sslContext);
    this.client = b.build();
  }

  HttpClient client() {
    return client;
  }

  ClientOptions options() {
    return options;
  }

  /** An answer: status, ETag, body (a JSON tree, or an empty object when there was none). */
  record Response(int status, Optional<String> etag, JsonNode body) {
    boolean ok() {
      return status / 100 == 2;
    }
  }

  URI uri(String path) {
    return URI.create(api + path);
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  HttpRequest.Builder request(String path, String auth) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(options.requestTimeout()).header("Accept", JSON);
    if (auth != null) {
      b.header("Authorization", auth);
    }
    return b;
  }

  static HttpRequest.BodyPublisher json(JsonNode body) {
    return HttpRequest.BodyPublishers.ofByteArray(Wire.bytes(body));
  }

  /** Sends and parses, without judging the status. */
  Response exchange(HttpRequest req) {
    HttpResponse<byte[]> r = send(req, HttpResponse.BodyHandlers.ofByteArray());
    byte[] bytes = r.body();
    JsonNode body = F.objectNode();
    if (bytes != null && bytes.length > 0) {
      try {
        body = Wire.mapper().readTree(bytes);
      } catch (IOException e) {
        if (r.statusCode() / 100 == 2) {
          throw new StoreException(MapiError.CORRUPT_DATA, req.method() + " " + req.uri().getPath()
              + " answered " + r.statusCode() + " with a body that is not JSON: " + e.getMessage(), e);
        }
        body = F.objectNode().put("detail", req.method() + " " + req.uri().getPath() + " answered HTTP "
            + r.statusCode() + ": " + new String(bytes, 0, Math.min(bytes.length, 500), StandardCharsets.UTF_8));
      }
    }
    return new Response(r.statusCode(), r.headers().firstValue("ETag"), body);
  }

  /** Sends, parses, and throws the problem of a non-2xx answer. */
  Response call(HttpRequest req) {
    Response r = exchange(req);
    if (!r.ok()) {
      throw problem(r).toException();
    }
    return r;
  }

  /** The Problem Details of a non-2xx answer (the server's detail without a repeated error prefix). */
  static Problem problem(Response r) {
    JsonNode b = r.body();
    ObjectNode o = b.isObject() ? ((ObjectNode) b).deepCopy() : F.objectNode();
    if (!o.has("mapiError")) {
      o.put("mapiError", fallback(r.status()).mapiName());
    }
    if (!o.hasNonNull("detail")) {
      o.put("detail", "HTTP " + r.status());
    }
    Problem p = Problem.fromJson(o, r.status());
    String detail = p.detail();
    String prefix = p.mapiError() + ": ";
    if (detail.startsWith(prefix)) {
      detail = detail.substring(prefix.length());
    }
    return new Problem(p.status(), p.mapiError(), p.title(), detail, p.instance(), p.field(), p.extras());
  }

  /** The error of an answer that carried no problem body (a proxy's page, say). */
  private static MapiError fallback(int status) {
    return switch (status) {
      case 401, 403 -> MapiError.NO_ACCESS;
      case 404 -> MapiError.NOT_FOUND;
      case 410 -> MapiError.OBJECT_DELETED;
      case 412 -> MapiError.OBJECT_CHANGED;
      case 409 -> MapiError.COLLISION;
      case 413 -> MapiError.TOO_BIG;
      case 400, 428 -> MapiError.INVALID_PARAMETER;
      case 501 -> MapiError.NO_SUPPORT;
      case 429, 503 -> MapiError.BUSY;
      case 507 -> MapiError.NOT_ENOUGH_DISK;
      default -> MapiError.CALL_FAILED;
    };
  }

  <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler) {
    try {
      return client.send(req, handler);
    } catch (HttpTimeoutException e) {
      throw new StoreException(MapiError.BUSY, req.method() + " " + req.uri() + " timed out: " + e.getMessage(), e);
    } catch (ConnectException e) {
      throw new StoreException(MapiError.CALL_FAILED, "cannot connect to " + req.uri() + ": " + e, e);
    } catch (IOException e) {
      throw new StoreException(MapiError.CALL_FAILED, req.method() + " " + req.uri() + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(MapiError.CALL_FAILED, req.method() + " " + req.uri() + " was interrupted", e);
    }
  }

  // ---- shorthands

  JsonNode get(String path, String auth) {
    return call(request(path, auth).GET().build()).body();
  }

  JsonNode post(String path, String auth, JsonNode body) {
    return call(request(path, auth).header("Content-Type", JSON).POST(json(body)).build()).body();
  }

  JsonNode put(String path, String auth, JsonNode body) {
    return call(request(path, auth).header("Content-Type", JSON).PUT(json(body)).build()).body();
  }

  JsonNode patch(String path, String auth, JsonNode body) {
    return call(request(path, auth).header("Content-Type", JSON).method("PATCH", json(body)).build()).body();
  }

  void delete(String path, String auth) {
    call(request(path, auth).DELETE().build());
  }

  /** A streamed download: the body stream of a 2xx answer, the problem otherwise. */
  InputStream download(String path, String auth) {
    HttpRequest req = HttpRequest.newBuilder(uri(path)).header("Authorization", auth).GET().build();
    HttpResponse<InputStream> r = send(req, HttpResponse.BodyHandlers.ofInputStream());
    if (r.statusCode() / 100 != 2) {
      byte[] b;
      try (InputStream in = r.body()) {
        b = in.readAllBytes();
      } catch (IOException e) {
        b = new byte[0];
      }
      JsonNode body = F.objectNode();
      try {
        if (b.length > 0) {
          body = Wire.mapper().readTree(b);
        }
      } catch (IOException e) {
        // not a problem body; the status decides
      }
      throw problem(new Response(r.statusCode(), Optional.empty(), body)).toException();
    }
    return r.body();
  }

  /** A streamed upload of {@code content}; never holds it whole in memory. */
  JsonNode upload(String path, String auth, Supplier<InputStream> content) {
    HttpRequest req = HttpRequest.newBuilder(uri(path)).header("Authorization", auth)
        .header("Content-Type", "application/octet-stream").header("Accept", JSON)
        .POST(HttpRequest.BodyPublishers.ofInputStream(content)).build();
    return call(req).body();
  }
}
