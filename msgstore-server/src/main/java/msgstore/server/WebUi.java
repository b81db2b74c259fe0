package msgstore.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.protocol.Problem;
import msgstore.protocol.Wire;
import org.owasp.html.HtmlPolicyBuilder;
import org.owasp.html.PolicyFactory;
import org.owasp.html.Sanitizers;

/**
 * The web UI's server side (ADR 0021, docs/ui.md): the page at {@code /} with its
 * Content-Security-Policy, browser sign-in and sign-out ({@link WebSessions}), the same-origin and
 * CSRF checks of cookie-authenticated writes, and HTML bodies sanitized for the sandboxed reading
 * frame. Everything else the page does goes through the JSON API, like any other client.
 */
final class WebUi {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  /** The preact WebJar the page's import map points at (pinned in the parent pom; ADR 0021). */
  static final String PREACT_PATH = "/webjars/preact/10.28.0/";
  private static final Pattern IMPORT_MAP = Pattern.compile("<script type=\"importmap\">(.*?)</script>", Pattern.DOTALL);
  /**
   * HTML bodies: formatting, blocks, tables, links (http, https, mailto only: no {@code
   * javascript:}) and images (no event handlers, no scripts, no forms, no frames). Remote images
   * stay in the markup; the frame's own CSP decides whether they load.
   */
  static final PolicyFactory HTML_POLICY = Sanitizers.FORMATTING.and(Sanitizers.BLOCKS).and(Sanitizers.LINKS)
      .and(Sanitizers.TABLES).and(Sanitizers.IMAGES).and(Sanitizers.STYLES)
      .and(new HtmlPolicyBuilder().allowElements("hr", "span", "div", "font").allowAttributes("color").onElements("font")
          .toFactory());

  private final byte[] indexHtml;
  private final String pageCsp;
  private final WebSessions sessions;
  private final boolean tls;

  WebUi(WebSessions sessions, boolean tls) {
    this.sessions = sessions;
    this.tls = tls;
    String html = resource("/ui/index.html");
    Matcher m = IMPORT_MAP.matcher(html);
    if (!m.find()) {
      throw new IllegalStateException("ui/index.html has no import map");
    }
    // The import map is the page's only inline script; it is allowed by its hash, nothing else inline is.
    String hash = Base64.getEncoder().encodeToString(StaticFiles.sha256(m.group(1).getBytes(StandardCharsets.UTF_8)));
    this.indexHtml = html.getBytes(StandardCharsets.UTF_8);
    this.pageCsp = "default-src 'self'; script-src 'self' 'sha256-" + hash + "'; style-src 'self'; img-src 'self' data:; "
        + "frame-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        + "frame-ancestors 'none'";
  }

  String pageCsp() {
    return pageCsp;
  }

  /** {@code GET /}: the single page. */
  void index(Exchange ctx) {
    ctx.header("Content-Security-Policy", pageCsp).header("X-Content-Type-Options", "nosniff")
        .header("Referrer-Policy", "same-origin").header("Cache-Control", "no-store")
        .contentType("text/html; charset=utf-8").result(indexHtml);
  }

  // ---- sessions

  /** The session a request's cookie names, if any. */
  Optional<WebSessions.WebSession> session(Exchange ctx) {
    return sessions.find(ctx.cookie(WebSessions.COOKIE));
  }

  /**
   * A write made with the session cookie must come from the UI's own origin (Origin, else
   * Referer, equal to this server's scheme, host and port: a page on another port is another
   * origin) and carry the session's CSRF token; otherwise 403 NO_ACCESS. SameSite=Strict alone does
   * not stop a page of the same site (another port) from posting.
   */
  static void requireSameOriginWrite(Exchange ctx, WebSessions.WebSession s) {
    if (!sameOrigin(ctx)) {
      throw forbidden("a request made with the browser session must come from the UI's own origin "
          + "(Origin or Referer " + ownOrigin(ctx) + ")");
    }
    if (!WebSessions.csrfMatches(s, ctx.header(WebSessions.CSRF_HEADER))) {
      throw forbidden("a request made with the browser session must carry its CSRF token in "
          + WebSessions.CSRF_HEADER);
    }
  }

  static boolean isWrite(Exchange ctx) {
    String m = ctx.method();
    return !(m.equals("GET") || m.equals("HEAD") || m.equals("OPTIONS"));
  }

  static String ownOrigin(Exchange ctx) {
    return ctx.scheme().toLowerCase(Locale.ROOT) + "://" + Optional.ofNullable(ctx.host()).orElse("").toLowerCase(Locale.ROOT);
  }

  static boolean sameOrigin(Exchange ctx) {
    String own = ownOrigin(ctx);
    String origin = ctx.header("Origin");
    if (origin != null) {
      return origin.strip().toLowerCase(Locale.ROOT).equals(own);
    }
    String referer = ctx.header("Referer");
    if (referer == null) {
      return false;
    }
    try {
      URI u = URI.create(referer.strip());
      return u.getScheme() != null && u.getRawAuthority() != null
          && (u.getScheme() + "://" + u.getRawAuthority()).toLowerCase(Locale.ROOT).equals(own);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static ProblemException forbidden(String detail) {
    return new ProblemException(new Problem(403, MapiError.NO_ACCESS, "Forbidden", detail, "", "", F.objectNode()),
        Map.of());
  }

  /**
   * {@code POST /session} {@code {"user","password"}}: signs in (credentials checked and throttled
   * as for the API by {@code check}), then, only from the UI's own origin, sets the session cookie
   * and answers {@code {"user","csrfToken"}}.
   */
  void signIn(Exchange ctx, byte[] body, CredentialCheck check) {
    Req.requireJsonContentType(ctx.header("Content-Type"));
    JsonNode j = Wire.parse(body);
    String user = j.path("user").asText("");
    String password = j.path("password").asText("");
    if (user.isEmpty() || user.contains(":")) {
      throw new ProblemException(new Problem(401, MapiError.NO_ACCESS, "Unauthorized", "the credentials were not accepted",
          "", "", F.objectNode()), Map.of());
    }
    String header = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    String who = check.authenticate(header, ctx);
    if (!sameOrigin(ctx)) {
      throw forbidden("sign-in is accepted only from the UI's own origin (" + ownOrigin(ctx) + ")");
    }
    String[] csrf = new String[1];
    String id = sessions.create(who, csrf);
    ctx.header("Set-Cookie", WebSessions.COOKIE + "=" + id + "; Path=/; HttpOnly; SameSite=Strict" + (tls ? "; Secure" : ""));
    ctx.header("Cache-Control", "no-store");
    ObjectNode out = F.objectNode().put("user", who).put("csrfToken", csrf[0]);
    ctx.status(200).contentType("application/json").result(Wire.bytes(out));
  }

  /** {@code GET /session}: who is signed in in this browser, and the session's CSRF token; 401 when nobody. */
  void current(Exchange ctx) {
    WebSessions.WebSession s = session(ctx).orElseThrow(WebUi::noSession);
    ctx.header("Cache-Control", "no-store");
    ctx.status(200).contentType("application/json")
        .result(Wire.bytes(F.objectNode().put("user", s.user()).put("csrfToken", s.csrfToken())));
  }

  /** {@code DELETE /session}: signs out (same-origin, with the CSRF token); the cookie is cleared. */
  void signOut(Exchange ctx) {
    WebSessions.WebSession s = session(ctx).orElseThrow(WebUi::noSession);
    requireSameOriginWrite(ctx, s);
    sessions.remove(ctx.cookie(WebSessions.COOKIE));
    ctx.header("Set-Cookie", WebSessions.COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (tls ? "; Secure" : ""));
    ctx.status(204);
  }

  static ProblemException noSession() {
    return new ProblemException(new Problem(401, MapiError.NO_ACCESS, "Unauthorized",
        "no browser session: sign in first", "", "", F.objectNode()), Map.of());
  }

  /** Checks credentials as the API does (throttle, hashing slots) and returns the user. */
  @FunctionalInterface
  interface CredentialCheck {
    String authenticate(String authorizationHeader, Exchange ctx);
  }

  // ---- HTML bodies

  /**
   * {@code GET /api/v1/stores/{s}/messages/{m}/html?remote=false}: the message's HTML body
   * sanitized ({@link #HTML_POLICY}), as a document for a sandboxed frame. Its own CSP forbids every
   * script and, unless {@code remote=true} (the person asked), every remote load; images inline as
   * {@code data:} still show. An empty document when the message has no HTML body.
   */
  static void html(Req r) {
    MessageId id = r.message();
    String html;
    try (Message h = r.session().openMessage(id)) {
      Api.requireStore(h.storeId(), r.store(), "message " + id);
      html = htmlBody(h);
    }
    boolean remote = r.query("remote").map(Boolean::parseBoolean).orElse(false);
    String clean = HTML_POLICY.sanitize(html);
    String doc = "<!doctype html><html><head><meta charset=\"utf-8\"><base target=\"_blank\"></head><body>" + clean
        + "</body></html>";
    r.ctx().header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
        + (remote ? " https: http:" : "") + "; frame-ancestors 'self'; sandbox")
        .header("X-Content-Type-Options", "nosniff").header("Cache-Control", "private, no-store")
        .contentType("text/html; charset=utf-8").result(doc.getBytes(StandardCharsets.UTF_8));
  }

  private static String htmlBody(Message h) {
    for (msgstore.api.PropTag tag : java.util.List.of(PropTags.BODY_HTML, PropTags.HTML)) {
      Optional<PropValue> v = h.getProp(tag);
      if (v.isPresent()) {
        Object o = v.get().value();
        if (o instanceof String s) {
          return s;
        }
        if (o instanceof byte[] b) {
          return new String(b, StandardCharsets.UTF_8);
        }
      }
    }
    return "";
  }

  // ---- helpers

  private static String resource(String path) {
    try (InputStream in = WebUi.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException(path + " is not packaged");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
