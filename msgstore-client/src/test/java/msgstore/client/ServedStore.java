package msgstore.client;

import java.nio.file.Path;
import java.util.List;
import msgstore.api.MessageStore;
import msgstore.api.Session;
import msgstore.api.StoreLimits;
import msgstore.server.MsgstoreServer;
import msgstore.server.ServerConfig;
import msgstore.server.auth.PasswordHasher;

/**
 * A {@link RemoteMessageStore} connected to an in-process {@link MsgstoreServer} on port 0 whose
 * data directory is the test's: what the contract suites open. Users are created in the server's
 * accounts on first use, all with {@link #PASSWORD}. Closing closes the client, then the server.
 */
final class ServedStore implements MessageStore {
  static final String PASSWORD = "contract-test-password";
  private final MsgstoreServer server;
  private final RemoteMessageStore client;

  private ServedStore(MsgstoreServer server, RemoteMessageStore client) {
    this.server = server;
    this.client = client;
  }

  static ServedStore open(Path dir) {
    MsgstoreServer server = MsgstoreServer.start(ServerConfig.defaults(dir, 0), PasswordHasher.of(64, 1, 1));
    Credentials creds = Credentials.basic(user -> {
      synchronized (server) {
        if (!server.accounts().exists(user)) {
          server.accounts().addUser(user, PASSWORD.toCharArray(), false);
        }
      }
      return PASSWORD.toCharArray();
    });
    return new ServedStore(server, RemoteMessageStore.connect(server.baseUri(), creds));
  }

  MsgstoreServer server() {
    return server;
  }

  RemoteMessageStore client() {
    return client;
  }

  static List<String> integrityProblems(MessageStore s) {
    return ((ServedStore) s).server.store().checkIntegrity();
  }

  @Override
  public Session openSession(String user) {
    return client.openSession(user);
  }

  @Override
  public StoreLimits limits() {
    return client.limits();
  }

  @Override
  public void close() {
    try {
      client.close();
    } finally {
      server.close();
    }
  }

  @Override
  public String toString() {
    return client + " served by " + server.baseUri();
  }
}
