package msgstore.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarEntry;
import org.eclipse.jetty.http.MimeTypes;

/**
 * Files from the classpath under URL prefixes (ADR 0021, ADR 0032): the web UI's own files at
 * {@code /ui/} and the WebJars' at {@code /webjars/<name>/<version>/}, each prefix with its own
 * response headers. A file is read once and kept in memory with its gzip form and a strong ETag
 * (its SHA-256); {@code If-None-Match} gets 304. Only regular files are served: a directory, a
 * path with a {@code ..} or {@code .} segment, or a missing file is not found.
 */
final class StaticFiles {
  /** One URL prefix served from one classpath folder, with the headers every file under it gets. */
  record Mount(String urlPrefix, String classpathFolder, Map<String, String> headers) {}

  private record File(byte[] body, byte[] gzipped, String etag, String type) {}

  private final List<Mount> mounts;
  private final Map<String, File> files = new ConcurrentHashMap<>();

  StaticFiles(List<Mount> mounts) {
    this.mounts = List.copyOf(mounts);
  }

  /**
   * Answers a GET or HEAD of a static file into {@code x}; false (nothing written) when no mount
   * has the path.
   */
  boolean serve(Exchange x, String decodedPath) {
    for (Mount m : mounts) {
      if (decodedPath.startsWith(m.urlPrefix()) && safe(decodedPath)) {
        String resource = m.classpathFolder() + decodedPath.substring(m.urlPrefix().length());
        Optional<File> f = file(resource);
        if (f.isPresent()) {
          answer(x, m, f.get());
          return true;
        }
      }
    }
    return false;
  }

  private static void answer(Exchange x, Mount m, File f) {
    m.headers().forEach(x::header);
    x.header("ETag", f.etag());
    String inm = x.header("If-None-Match");
    if (inm != null && (inm.strip().equals("*") || List.of(inm.split(",")).stream().map(String::strip)
        .anyMatch(t -> t.equals(f.etag()) || t.equals("W/" + f.etag())))) {
      x.status(304);
      return;
    }
    x.status(200).contentType(f.type());
    if (f.gzipped() != null && Exchange.acceptsGzip(x.header("Accept-Encoding"))) {
      x.header("Content-Encoding", "gzip").result(f.gzipped());
    } else {
      x.result(f.body());
    }
  }

  private static boolean safe(String path) {
    for (String seg : path.split("/")) {
      if (seg.equals("..") || seg.equals(".") || seg.indexOf('\\') >= 0) {
        return false;
      }
    }
    return !path.endsWith("/");
  }

  private Optional<File> file(String resource) {
    File f = files.get(resource);
    if (f != null) {
      return Optional.of(f);
    }
    byte[] body = read(resource);
    if (body == null) {
      return Optional.empty(); // not cached: a probe for missing paths must not grow the map
    }
    String name = resource.substring(resource.lastIndexOf('/') + 1);
    String type = Optional.ofNullable(MimeTypes.DEFAULTS.getMimeByExtension(name)).orElse("application/octet-stream");
    byte[] gz = body.length >= Exchange.MIN_COMPRESS_BYTES && Exchange.compressible(type) ? Exchange.gzip(body) : null;
    String etag = "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(body)) + "\"";
    f = new File(body, gz, etag, type);
    files.putIfAbsent(resource, f);
    return Optional.of(f);
  }

  /** The bytes of a regular file on the classpath, or null for a directory or a missing file. */
  private static byte[] read(String resource) {
    URL url = StaticFiles.class.getClassLoader().getResource(resource);
    if (url == null) {
      return null;
    }
    try {
      URLConnection c = url.openConnection();
      if (c instanceof JarURLConnection j) {
        JarEntry e = j.getJarEntry();
        if (e == null || e.isDirectory()) {
          return null;
        }
      } else if (url.getProtocol().equals("file")) {
        if (!Files.isRegularFile(Path.of(url.toURI()))) {
          return null;
        }
      } else {
        return null;
      }
      try (InputStream in = c.getInputStream()) {
        return in.readAllBytes();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource + " from the classpath", e);
    } catch (URISyntaxException e) {
      return null;
    }
  }

  static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The web UI's mounts: its own files (never cached without revalidation) and the WebJars (versioned, cached a year). */
  static StaticFiles webUi() {
    Map<String, String> ui = new HashMap<>();
    ui.put("X-Content-Type-Options", "nosniff");
    ui.put("Cache-Control", "no-cache");
    return new StaticFiles(List.of(new Mount("/ui/", "ui/", ui),
        new Mount("/webjars/", "META-INF/resources/webjars/", Map.of("Cache-Control", "max-age=31622400"))));
  }
}
