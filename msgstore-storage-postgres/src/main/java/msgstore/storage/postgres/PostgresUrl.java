package msgstore.storage.postgres;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import msgstore.api.MapiError;
import msgstore.api.StoreException;

/**
 * The {@code --db postgresql://USER@HOST[:PORT]/DB} of the command line, {@code MSGSTORE_DB} and
 * the config file's {@code db}. The password never appears in it: it comes from the file named by
 * {@code MSGSTORE_DB_PASSWORD_FILE}, else {@code PGPASSWORD}, else the matching line of the
 * {@code .pgpass} file ({@code PGPASSFILE}, default {@code ~/.pgpass}), else none (trust, peer or
 * certificate authentication).
 */
public final class PostgresUrl {
  public static final int DEFAULT_PORT = 5432;

  private PostgresUrl() {}

  /** Whether {@code db} names a PostgreSQL database (rather than nothing). */
  public static boolean isPostgres(String db) {
    return db != null && (db.startsWith("postgresql://") || db.startsWith("postgres://"));
  }

  /**
   * Storage options for {@code db}, the password looked up in {@code env} (a variable's value or null).
   *
   * @throws StoreException INVALID_PARAMETER naming the problem (not a postgresql:// URL, a password
   *     in it, no user or database, an unreadable password file)
   */
  public static PostgresStorage.Options options(String db, Function<String, String> env) {
    if (!isPostgres(db)) {
      throw invalid("--db must be postgresql://USER@HOST:PORT/DATABASE, got '" + db + "'");
    }
    URI uri;
    try {
      uri = new URI(db);
    } catch (URISyntaxException e) {
      throw invalid("--db " + e.getMessage());
    }
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null && userInfo.contains(":")) {
      throw invalid("--db must not carry a password (it would show in the process list): give it in"
          + " MSGSTORE_DB_PASSWORD_FILE, PGPASSWORD or a .pgpass file (PGPASSFILE)");
    }
    String user = userInfo != null && !userInfo.isEmpty() ? uri.getUserInfo() : env.apply("PGUSER");
    String host = uri.getHost();
    int port = uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort();
    String path = uri.getPath() == null ? "" : uri.getPath();
    String database = path.startsWith("/") ? path.substring(1) : path;
    if (host == null || host.isEmpty() || database.isEmpty() || database.contains("/")) {
      throw invalid("--db must name a host and a database: postgresql://USER@HOST:PORT/DATABASE, got '" + db + "'");
    }
    if (user == null || user.isEmpty()) {
      throw invalid("--db names no user: postgresql://USER@HOST:PORT/DATABASE (or set PGUSER)");
    }
    String jdbc = "jdbc:postgresql://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/" + database
        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    return PostgresStorage.Options.defaults(jdbc, user, password(host, port, database, user, env));
  }

  static String password(String host, int port, String database, String user, Function<String, String> env) {
    String file = env.apply("MSGSTORE_DB_PASSWORD_FILE");
    if (file != null && !file.isBlank()) {
      try {
        return Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw invalid("MSGSTORE_DB_PASSWORD_FILE " + file + " cannot be read: " + e.getMessage());
      }
    }
    String direct = env.apply("PGPASSWORD");
    if (direct != null) {
      return direct;
    }
    String pgpass = env.apply("PGPASSFILE");
    Path passFile = pgpass != null && !pgpass.isBlank() ? Path.of(pgpass)
        : env.apply("HOME") == null ? null : Path.of(env.apply("HOME"), ".pgpass");
    if (passFile == null || !Files.isReadable(passFile)) {
      return null;
    }
    try {
      for (String line : Files.readAllLines(passFile, StandardCharsets.UTF_8)) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        List<String> f = pgpassFields(line);
        if (f.size() == 5 && matches(f.get(0), host) && matches(f.get(1), Integer.toString(port))
            && matches(f.get(2), database) && matches(f.get(3), user)) {
          return f.get(4);
        }
      }
    } catch (IOException e) {
      throw invalid("the .pgpass file " + passFile + " cannot be read: " + e.getMessage());
    }
    return null;
  }

  private static boolean matches(String pattern, String value) {
    return pattern.equals("*") || pattern.equals(value)
        || (pattern.equals("localhost") && (value.equals("127.0.0.1") || value.equals("::1")));
  }

  /** {@code host:port:database:user:password}, with {@code \:} and {@code \\} escapes. */
  private static List<String> pgpassFields(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    for (int i = 0; i < line.length(); i++) {
      char ch = line.charAt(i);
      if (ch == '\\' && i + 1 < line.length()) {
        field.append(line.charAt(++i));
      } else if (ch == ':' && out.size() < 4) {
        out.add(field.toString());
        field.setLength(0);
      } else {
        field.append(ch);
      }
    }
    out.add(field.toString());
    return out;
  }

  private static StoreException invalid(String message) {
    return new StoreException(MapiError.INVALID_PARAMETER, message);
  }
}
