package msgstore.cli;

import java.util.List;
import java.util.concurrent.Callable;
import msgstore.api.MessageId;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "undelete", description = "Restores soft-deleted messages; they keep their id and history.")
final class UndeleteCommand implements Callable<Integer> {
  private final Io io;

  @Mixin
  TargetOptions target;

  @Parameters(arity = "1..*", paramLabel = "MESSAGE", description = "Message ids (m-5).")
  List<String> messages;

  UndeleteCommand(Io io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    try (Target t = Target.open(target, io)) {
      for (String m : messages) {
        MessageId id = MessageId.parse(m);
        t.session.undeleteMessage(id);
        io.out().println("undeleted " + id);
      }
    }
    return Main.EXIT_OK;
  }
}
