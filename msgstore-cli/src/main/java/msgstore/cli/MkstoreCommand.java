package msgstore.cli;

import java.util.concurrent.Callable;
import msgstore.api.StoreInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "mkstore", description = {"Creates a store (a mailbox with a root folder and an Inbox) owned by you.",
    "On an embedded store file, creates the file too."})
final class MkstoreCommand implements Callable<Integer> {
  private final Io io;

  @Mixin
  TargetOptions target;

  @Parameters(paramLabel = "NAME", description = "The store's display name.")
  String name;

  MkstoreCommand(Io io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    try (Target t = Target.open(target, io, true)) {
      StoreInfo s = t.session.createStore(name);
      io.out().printf("created store %s (%s) for %s, root folder %s%n", s.displayName(), s.id(), s.owner(),
          s.rootFolder());
    }
    return Main.EXIT_OK;
  }
}
