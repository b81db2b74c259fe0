package msgstore.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import msgstore.api.DeleteMode;
import msgstore.api.MessageId;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "rm", description = {"Deletes messages. Soft by default: msgstore undelete brings them back with "
    + "their history; --hard removes them for good."})
final class RmCommand implements Callable<Integer> {
  private final Io io;

  @Mixin
  TargetOptions target;

  @Option(names = "--hard", description = "Delete for good (no undelete, no history).")
  boolean hard;

  @Parameters(arity = "1..*", paramLabel = "MESSAGE", description = "Message ids (m-5).")
  List<String> messages;

  RmCommand(Io io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    List<MessageId> ids = new ArrayList<>();
    for (String m : messages) {
      ids.add(MessageId.parse(m));
    }
    try (Target t = Target.open(target, io)) {
      t.session.deleteMessages(ids, hard ? DeleteMode.HARD : DeleteMode.SOFT);
    }
    for (MessageId id : ids) {
      io.out().println(hard ? "deleted " + id + " for good" : "deleted " + id + " (msgstore undelete " + id
          + " brings it back)");
    }
    return Main.EXIT_OK;
  }
}
