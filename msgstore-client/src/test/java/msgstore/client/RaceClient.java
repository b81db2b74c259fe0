package msgstore.client;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.MessageStore;
import msgstore.api.OpenFlag;
import msgstore.api.PropTags;
import msgstore.api.SaveResult;
import msgstore.api.Session;
import msgstore.api.StoreException;

/**
 * The other process of {@link TwoProcessRaceTest}: reads commands from stdin, one per line, and
 * answers each on stdout. {@code open <round>} opens the message read/write and sets its subject
 * (answers {@code ready}); {@code save} saves (answers {@code won <cn>} or {@code lost <MAPI error>});
 * {@code quit} ends.
 *
 * <p>Arguments: base URI, user, password, message id, a name for subjects.
 */
public final class RaceClient {
  private RaceClient() {}

  public static void main(String[] args) throws Exception {
    URI base = URI.create(args[0]);
    String user = args[1];
    MessageId id = MessageId.parse(args[3]);
    String name = args[4];
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try (MessageStore store = RemoteMessageStore.connect(base, Credentials.of(Map.of(user, args[2])));
        Session s = store.openSession(user)) {
      Message handle = null;
      for (String line; (line = in.readLine()) != null; ) {
        String[] cmd = line.strip().split(" ");
        switch (cmd[0]) {
          case "open" -> {
            if (handle != null) {
              handle.close();
            }
            handle = s.openMessage(id, OpenFlag.MODIFY);
            handle.set(PropTags.SUBJECT, name + " round " + cmd[1]);
            out.println("ready " + handle.baseChangeNumber().orElseThrow().value());
          }
          case "save" -> {
            try {
              SaveResult r = handle.saveChanges();
              out.println("won " + r.changeNumber().value());
            } catch (StoreException e) {
              out.println("lost " + e.error().mapiName());
            }
          }
          case "quit" -> {
            return;
          }
          default -> out.println("error unknown command '" + line + "'");
        }
      }
    }
  }
}
