package msgstore.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import msgstore.api.MessageId;
import msgstore.api.MessageSnapshot;
import msgstore.api.PropTags;
import msgstore.api.StoreException;
import msgstore.api.VersionInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "history", description = "Every retained version of a message, newest first (* = current).")
final class HistoryCommand implements Callable<Integer> {
  private final Io io;

  @Mixin
  TargetOptions target;

  @Parameters(paramLabel = "MESSAGE", description = "A message id (m-5).")
  String message;

  HistoryCommand(Io io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    MessageId id = MessageId.parse(message);
    try (Target t = Target.open(target, io)) {
      List<VersionInfo> versions = t.session.versions(id);
      List<List<String>> rows = new ArrayList<>();
      boolean first = true;
      for (VersionInfo v : versions) {
        String subject;
        try {
          MessageSnapshot s = t.session.readVersion(id, v.changeNumber());
          subject = s.getString(PropTags.SUBJECT).orElse("");
        } catch (StoreException e) {
          subject = "(" + e.error().mapiName() + ")";
        }
        rows.add(List.of((first ? "*" : " ") + v.changeNumber().value(), v.kind().name(),
            v.committedAt().toString(), v.committedBy(),
            v.basedOn().map(b -> Long.toString(b.value())).orElse(""), Long.toString(v.size()),
            Text.oneLine(subject, 60)));
        first = false;
      }
      Text.table(io.out(), List.of(" VERSION", "KIND", "COMMITTED", "BY", "BASED ON", "SIZE", "SUBJECT"), rows);
      if (versions.size() > 1) {
        io.out().printf("restore an older one: msgstore restore %s %d%n", id,
            versions.get(1).changeNumber().value());
      }
    }
    return Main.EXIT_OK;
  }
}
