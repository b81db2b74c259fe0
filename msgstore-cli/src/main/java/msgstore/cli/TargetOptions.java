package msgstore.cli;

import java.net.URI;
import java.nio.file.Path;
import msgstore.server.ServerConfig;
import picocli.CommandLine.Option;

/** Where a command finds the store: an embedded file or a server, and as which user. */
final class TargetOptions {
  static final Path DEFAULT_STORE = ServerConfig.DEFAULT_DATA.resolve(ServerConfig.STORE_FILE);
  static final String DEFAULT_SERVER = "http://127.0.0.1:8080";

  @Option(names = "--store", paramLabel = "FILE",
      description = "An embedded store file (SQLite). Default: data/msgstore.db, unless MSGSTORE_SERVER is set.")
  Path storeFile;

  @Option(names = "--db", paramLabel = "postgresql://USER@HOST:PORT/DB",
      description = "A store in PostgreSQL, as msgstore serve --db (env MSGSTORE_DB). Password from "
          + "MSGSTORE_DB_PASSWORD_FILE, PGPASSWORD or .pgpass.")
  String db;

  @Option(names = "--server", paramLabel = "URL",
      description = "A msgstore server, e.g. http://127.0.0.1:8080 (env MSGSTORE_SERVER). Password from "
          + "MSGSTORE_PASSWORD or a bearer token from MSGSTORE_TOKEN; with a terminal, asks.")
  URI server;

  @Option(names = {"-u", "--user"}, paramLabel = "NAME",
      description = "Act as this user (env MSGSTORE_USER, else USER).")
  String user;
}
