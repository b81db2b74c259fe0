package msgstore.cli;

import java.util.concurrent.Callable;
import msgstore.api.Folder;
import msgstore.api.MessageId;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "mv", description = "Moves a message to another folder; it gets a new id and keeps its history.")
final class MvCommand implements Callable<Integer> {
  private final Io io;

  @Mixin
  TargetOptions target;

  @Option(names = {"-s", "--store-id"}, paramLabel = "STORE", description = "The store of FOLDER's path (default: your own).")
  String storeId;

  @Parameters(index = "0", paramLabel = "MESSAGE", description = "A message id (m-5).")
  String message;

  @Parameters(index = "1", paramLabel = "FOLDER", description = "A folder path (/Archive) or id (f-3).")
  String folder;

  MvCommand(Io io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    MessageId id = MessageId.parse(message);
    try (Target t = Target.open(target, io)) {
      Folder f = t.folder(folder, storeId);
      MessageId moved = t.session.moveMessage(id, f.id());
      io.out().printf("moved %s to %s (%s); it is now %s%n", id, t.path(f.id()), f.id(), moved);
    }
    return Main.EXIT_OK;
  }
}
