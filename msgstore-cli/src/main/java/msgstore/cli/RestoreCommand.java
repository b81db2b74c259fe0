package msgstore.cli;

import java.util.concurrent.Callable;
import msgstore.api.ChangeNumber;
import msgstore.api.MessageId;
import msgstore.api.SaveResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "restore", description = {"Makes an old version current again: a new version with its content "
    + "(msgstore history shows the version numbers). Open handles elsewhere become stale."})
final class RestoreCommand implements Callable<Integer> {
  private final Io io;

  @Mixin
  TargetOptions target;

  @Parameters(index = "0", paramLabel = "MESSAGE", description = "A message id (m-5).")
  String message;

  @Parameters(index = "1", paramLabel = "VERSION", description = "The version's change number, as in msgstore history.")
  long version;

  RestoreCommand(Io io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    MessageId id = MessageId.parse(message);
    try (Target t = Target.open(target, io)) {
      SaveResult r = t.session.restoreVersion(id, ChangeNumber.of(version));
      io.out().printf("restored %s version %d as the new version %d%n", id, version, r.changeNumber().value());
    }
    return Main.EXIT_OK;
  }
}
