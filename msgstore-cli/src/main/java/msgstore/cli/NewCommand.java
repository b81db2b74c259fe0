package msgstore.cli;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import msgstore.api.Folder;
import msgstore.api.Message;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.RecipientOp;
import msgstore.api.SaveResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "new", description = "Creates a message in a folder; prints its id. The body is --body, or stdin with --body -.")
final class NewCommand implements Callable<Integer> {
  private final Io io;

  @Mixin
  TargetOptions target;

  @Option(names = {"-s", "--store-id"}, paramLabel = "STORE", description = "The store of FOLDER's path (default: your own).")
  String storeId;

  @Option(names = "--subject", paramLabel = "TEXT", defaultValue = "", description = "PidTagSubject.")
  String subject;

  @Option(names = "--from", paramLabel = "NAME", description = "PidTagSenderName.")
  String from;

  @Option(names = "--to", paramLabel = "ADDRESS", description = "A To recipient (repeatable).")
  List<String> to = new ArrayList<>();

  @Option(names = "--body", paramLabel = "TEXT", description = "PidTagBody; - reads it from stdin.")
  String body;

  @Option(names = "--set", paramLabel = "NAME=VALUE", description = "Any other string/int/bool/time property (repeatable).")
  List<String> sets = new ArrayList<>();

  @Parameters(paramLabel = "FOLDER", description = "A folder path (/Inbox) or id (f-3).")
  String folder;

  NewCommand(Io io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    List<PropValue> props = new ArrayList<>();
    props.add(PropValue.of(PropTags.SUBJECT, subject));
    props.add(PropValue.of(PropTags.MESSAGE_DELIVERY_TIME, Instant.now()));
    if (from != null) {
      props.add(PropValue.of(PropTags.SENDER_NAME, from));
    }
    if (body != null) {
      props.add(PropValue.of(PropTags.BODY, body.equals("-") ? readStdin() : body));
    }
    for (String s : sets) {
      int eq = s.indexOf('=');
      if (eq <= 0) {
        throw new CliException(Main.EXIT_USAGE, "--set " + s + ": expected NAME=VALUE");
      }
      props.add(MessageForm.parseValue(s.substring(0, eq).strip(), s.substring(eq + 1)));
    }
    try (Target t = Target.open(target, io)) {
      Folder f = t.folder(folder, storeId);
      Message m = f.createMessage();
      try (m) {
        m.setProps(props);
        if (!to.isEmpty()) {
          List<Recipient> rows = new ArrayList<>();
          for (String addr : to) {
            rows.add(Recipient.of(PropTags.MAPI_TO, addr, addr));
          }
          m.modifyRecipients(RecipientOp.ADD, rows);
        }
        SaveResult r = m.saveChanges();
        io.out().println(r.messageId());
      }
    }
    return Main.EXIT_OK;
  }

  private String readStdin() {
    StringBuilder b = new StringBuilder();
    for (String line = io.readLine().orElse(null); line != null; line = io.readLine().orElse(null)) {
      b.append(line).append('\n');
    }
    return b.toString();
  }
}
