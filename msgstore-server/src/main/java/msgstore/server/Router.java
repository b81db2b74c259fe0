package msgstore.server;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The server's routes: an HTTP method and a path template ({@code /stores/{s}/messages/{m}}) to a
 * handler, matched segment by segment in a tree of literal segments and parameters, with no
 * regular expression per request (ADR 0032).
 *
 * <p>The rules, kept from the framework the server used before: a literal segment wins over a
 * parameter at the same place, but a request falls back to the parameter when the literal leads
 * to no route of its method; a parameter is one non-empty segment, percent-decoded as UTF-8 with
 * {@code +} kept as it is; one trailing slash is ignored ({@code /stores/} is {@code /stores});
 * an empty segment elsewhere matches nothing. {@code HEAD} is answered by the {@code GET} route
 * when there is no {@code HEAD} route of its own (RFC 9110 section 9.3.2). A path that some other
 * method matches gives {@link Match#allowed()} for a 405 with {@code Allow} (RFC 9110 section
 * 15.5.6); otherwise there is no match and the answer is 404.
 *
 * <p>Routes are added before the server starts; matching is then read-only and thread-safe.
 *
 * @param <H> the handler type
 */
final class Router<H> {
  private final Node<H> root = new Node<>();
  private final List<String> routes = new ArrayList<>();

  /** One place in the tree: literal children, at most one parameter child, and the routes ending here. */
  private static final class Node<H> {
    final Map<String, Node<H>> literals = new HashMap<>();
    Node<H> param;
    String paramName;
    final Map<String, Route<H>> byMethod = new LinkedHashMap<>();
  }

  /** A route: its template as registered and its handler. */
  record Route<H>(String method, String template, H handler) {}

  /**
   * The outcome of {@link #match}: the route with its path parameters (decoded), or, when none
   * matched, the methods that the path has routes for (empty: no route at all, a 404).
   */
  record Match<H>(Route<H> route, Map<String, String> params, Set<String> allowed) {
    boolean found() {
      return route != null;
    }
  }

  /** Adds a route; a second route with the same method and template, or a parameter named twice in one place, is a bug. */
  Router<H> add(String method, String template, H handler) {
    Node<H> n = root;
    for (String seg : segments(template)) {
      if (seg.startsWith("{") && seg.endsWith("}")) {
        String name = seg.substring(1, seg.length() - 1);
        if (n.param == null) {
          n.param = new Node<>();
          n.param.paramName = name;
        } else if (!n.param.paramName.equals(name)) {
          throw new IllegalArgumentException("route " + template + " names parameter {" + name + "} where another "
              + "route has {" + n.param.paramName + "}");
        }
        n = n.param;
      } else {
        n = n.literals.computeIfAbsent(seg, k -> new Node<>());
      }
    }
    if (n.byMethod.putIfAbsent(method, new Route<>(method, template, handler)) != null) {
      throw new IllegalArgumentException("route " + method + " " + template + " is added twice");
    }
    routes.add(method + " " + template);
    return this;
  }

  /** Every route as {@code "METHOD /path/{param}"}, in the order added. */
  List<String> routes() {
    return Collections.unmodifiableList(routes);
  }

  /**
   * Matches a request's raw (still percent-encoded) path; see the class comment for the rules.
   *
   * @throws IllegalArgumentException for a parameter whose percent-encoding is malformed
   */
  Match<H> match(String method, String rawPath) {
    List<String> segs = requestSegments(rawPath);
    if (segs == null) {
      return new Match<>(null, Map.of(), Set.of());
    }
    String[] values = new String[segs.size()];
    Node<H>[] params = newNodes(segs.size());
    Route<H> r = find(root, segs, 0, method, values, params);
    if (r == null && method.equals("HEAD")) {
      r = find(root, segs, 0, "GET", values, params);
    }
    if (r != null) {
      Map<String, String> p = new HashMap<>(4);
      for (int i = 0; i < values.length; i++) {
        if (params[i] != null) {
          p.put(params[i].paramName, decode(values[i]));
        }
      }
      return new Match<>(r, p, Set.of());
    }
    Set<String> allowed = new TreeSet<>();
    collectMethods(root, segs, 0, allowed);
    if (allowed.contains("GET")) {
      allowed.add("HEAD");
    }
    return new Match<>(null, Map.of(), allowed);
  }

  @SuppressWarnings("unchecked")
  private static <H> Node<H>[] newNodes(int n) {
    return (Node<H>[]) new Node<?>[n];
  }

  /** Depth-first: the literal child first, then the parameter child. */
  private static <H> Route<H> find(Node<H> n, List<String> segs, int i, String method, String[] values,
      Node<H>[] params) {
    if (i == segs.size()) {
      return n.byMethod.get(method);
    }
    String seg = segs.get(i);
    Node<H> lit = n.literals.get(seg);
    if (lit != null) {
      params[i] = null;
      Route<H> r = find(lit, segs, i + 1, method, values, params);
      if (r != null) {
        return r;
      }
    }
    if (n.param != null) {
      params[i] = n.param;
      values[i] = seg;
      Route<H> r = find(n.param, segs, i + 1, method, values, params);
      if (r != null) {
        return r;
      }
      params[i] = null;
    }
    return null;
  }

  private static <H> void collectMethods(Node<H> n, List<String> segs, int i, Set<String> out) {
    if (i == segs.size()) {
      out.addAll(n.byMethod.keySet());
      return;
    }
    Node<H> lit = n.literals.get(segs.get(i));
    if (lit != null) {
      collectMethods(lit, segs, i + 1, out);
    }
    if (n.param != null) {
      collectMethods(n.param, segs, i + 1, out);
    }
  }

  private static List<String> segments(String template) {
    if (!template.startsWith("/")) {
      throw new IllegalArgumentException("route " + template + " does not start with /");
    }
    List<String> out = new ArrayList<>();
    for (String s : template.substring(1).split("/", -1)) {
      if (s.isEmpty() && !template.equals("/")) {
        throw new IllegalArgumentException("route " + template + " has an empty segment");
      }
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return out;
  }

  /** The segments of a request path, one trailing slash ignored; null when it cannot match (no leading slash, an empty segment). */
  private static List<String> requestSegments(String path) {
    if (path == null || !path.startsWith("/")) {
      return null;
    }
    if (path.length() == 1) {
      return List.of();
    }
    String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    List<String> out = new ArrayList<>(8);
    int start = 1;
    while (true) {
      int slash = p.indexOf('/', start);
      int stop = slash < 0 ? p.length() : slash;
      if (stop == start) {
        return null;
      }
      out.add(p.substring(start, stop));
      if (slash < 0) {
        return out;
      }
      start = slash + 1;
    }
  }

  /** Percent-decodes one path parameter as UTF-8; a {@code +} stays a plus (it means a space only in a query). */
  static String decode(String segment) {
    if (segment.indexOf('%') < 0) {
      return segment;
    }
    return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}
