package msgstore.cli;

import java.net.URI;
import java.util.Optional;
import msgstore.api.MessageStore;
import msgstore.client.Credentials;
import msgstore.client.RemoteMessageStore;

/**
 * Connects to a msgstore server through the Java SDK: a bearer token from MSGSTORE_TOKEN, else a
 * password from MSGSTORE_PASSWORD, else (with a terminal) one asked without echo.
 */
final class RemoteTarget {
  private RemoteTarget() {}

  static MessageStore connect(URI server, String user, Io io) {
    if (server.getScheme() == null || !(server.getScheme().equals("http") || server.getScheme().equals("https"))
        || server.getHost() == null) {
      throw new CliException(Main.EXIT_USAGE, "--server " + server + ": expected http://HOST:PORT or https://HOST:PORT");
    }
    Credentials credentials;
    Optional<String> token = io.env("MSGSTORE_TOKEN");
    if (token.isPresent()) {
      credentials = Credentials.token(user, token.get());
    } else {
      char[] password = io.env("MSGSTORE_PASSWORD").map(String::toCharArray)
          .or(() -> io.interactive() ? io.readSecret("Password for " + user + " at " + server + ": ") : Optional.empty())
          .orElseThrow(() -> new CliException(Main.EXIT_USAGE, "no credentials for " + user + " at " + server
              + ": set MSGSTORE_PASSWORD, or MSGSTORE_TOKEN (msgstore user token " + user + ")"));
      credentials = Credentials.basic(u -> u.equals(user) ? password.clone() : null);
    }
    return RemoteMessageStore.connect(server, credentials);
  }
}
