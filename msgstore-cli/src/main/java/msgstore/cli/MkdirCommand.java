package msgstore.cli;

import java.util.concurrent.Callable;
import msgstore.api.Folder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "mkdir", description = "Creates a folder, and its missing parents (/Inbox/Work/2026).")
final class MkdirCommand implements Callable<Integer> {
  private final Io io;

  @Mixin
  TargetOptions target;

  @Option(names = {"-s", "--store-id"}, paramLabel = "STORE", description = "A store by GUID or name (default: your own).")
  String storeId;

  @Parameters(paramLabel = "PATH", description = "The folder's path.")
  String path;

  MkdirCommand(Io io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    try (Target t = Target.open(target, io)) {
      Folder f = t.session.openFolder(t.store(storeId).rootFolder());
      StringBuilder walked = new StringBuilder();
      for (String segment : path.split("/")) {
        if (segment.isEmpty()) {
          continue;
        }
        walked.append('/').append(segment);
        Folder parent = f;
        f = parent.subfolder(segment).orElseGet(() -> parent.createFolder(segment));
      }
      io.out().printf("%s %s%n", f.id(), walked.length() == 0 ? "/" : walked);
    }
    return Main.EXIT_OK;
  }
}
