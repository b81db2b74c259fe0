package msgstore.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import msgstore.api.Folder;
import msgstore.api.MapiError;
import msgstore.api.MergeMode;
import msgstore.api.MergeReport;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.ObjectChangedException;
import msgstore.api.OpenFlag;
import msgstore.api.PropProblem;
import msgstore.api.PropValue;
import msgstore.api.SaveFlag;
import msgstore.api.SaveOptions;
import msgstore.api.SaveResult;
import msgstore.api.StoreException;
import msgstore.api.VersionInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Opens a message for writing, lets the user edit its text form in $EDITOR and saves the changed
 * properties. The open is a transaction (R9): when someone else saved the message in the
 * meantime the save fails with OBJECT_CHANGED (R28), and the user chooses what to do (spec 12/13):
 * keep the original (R82), overwrite (R83, as FORCE_SAVE), save a copy elsewhere (R84), or merge
 * property by property (X6, AUTO_RESOLVE). The answer is read from stdin.
 */
@Command(name = "edit", description = {"Edits a message's properties and body in $EDITOR (default vi).",
    "If someone else saved it meanwhile, shows what they changed and asks: [k]eep original, [o]verwrite, "
        + "[c]opy to folder, [m]erge."})
final class EditCommand implements Callable<Integer> {
  private final Io io;

  @Mixin
  TargetOptions target;

  @Option(names = {"-s", "--store-id"}, paramLabel = "STORE", description = "The store of a folder path typed at the [c]opy prompt.")
  String storeId;

  @Parameters(paramLabel = "MESSAGE", description = "A message id (m-5).")
  String message;

  EditCommand(Io io) {
    this.io = io;
  }

  @Override
  public Integer call() throws IOException {
    MessageId id = MessageId.parse(message);
    try (Target t = Target.open(target, io); Message m = t.session.openMessage(id, OpenFlag.MODIFY)) {
      List<PropValue> props = m.getProps();
      String version = m.baseChangeNumber().map(c -> Long.toString(c.value())).orElse("-");
      MessageForm.Form before = MessageForm.of(props);
      Path file = Files.createTempFile("msgstore-" + id + "-", ".txt");
      boolean keepFile = false;
      try {
        Files.writeString(file, MessageForm.render(id, version, props), StandardCharsets.UTF_8);
        io.editor().edit(file, io.interactive(), io.err());
        MessageForm.Form after;
        try {
          after = MessageForm.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (CliException e) {
          keepFile = true;
          throw new CliException(e.exitCode(), e.getMessage() + " (your edit is in " + file + ")");
        }
        MessageForm.Changes changes = MessageForm.diff(before, after);
        if (changes.isEmpty()) {
          io.out().println("no changes to " + id);
          return Main.EXIT_OK;
        }
        warn(m.setProps(changes.set()));
        warn(m.deleteProps(changes.delete()));
        try {
          SaveResult r = m.saveChanges();
          io.out().printf("saved %s as version %d%n", r.messageId(), r.changeNumber().value());
        } catch (ObjectChangedException conflict) {
          keepFile = true;
          resolve(t, m, id, conflict, file);
          keepFile = false;
        }
        return Main.EXIT_OK;
      } finally {
        if (!keepFile) {
          Files.deleteIfExists(file);
        }
      }
    }
  }

  private void warn(List<PropProblem> problems) {
    for (PropProblem p : problems) {
      io.err().println("msgstore: " + p.tag().displayName() + " not changed: " + p.error().mapiName());
    }
  }

  /** The conflict dialogue; returns after a successful save, throws USER_CANCEL for keep-original. */
  private void resolve(Target t, Message m, MessageId id, ObjectChangedException conflict, Path file) {
    while (true) {
      describe(t, m, id, conflict);
      String answer = askChoice(file);
      try {
        switch (answer) {
          case "o" -> {
            SaveResult r = m.saveChanges(SaveFlag.FORCE_SAVE);
            io.out().printf("overwrote: saved %s as version %d%s%n", r.messageId(), r.changeNumber().value(),
                r.replaced().map(v -> "; the replaced version " + v.value() + " stays in history (msgstore restore "
                    + id + " " + v.value() + ")").orElse(""));
          }
          case "c" -> {
            String where = io.ask("copy to which folder (path such as /Drafts, or f-ID)? ").orElse("");
            if (where.isEmpty()) {
              throw new StoreException(MapiError.USER_CANCEL, "no folder given; " + id + " is unchanged and your "
                  + "edits were not saved (they are in " + file + ")");
            }
            Folder f = t.folder(where, storeId);
            SaveResult r = m.saveAsCopy(f.id());
            io.out().printf("saved your version as %s in %s (%s); %s is unchanged%n", r.messageId(), t.path(f.id()),
                f.id(), id);
          }
          case "m" -> {
            SaveResult r = m.saveChanges(SaveOptions.merge(MergeMode.AUTO_RESOLVE));
            io.out().printf("merged: saved %s as version %d%n", r.messageId(), r.changeNumber().value());
            r.mergeReport().ifPresent(rep -> {
              for (MergeReport.UnitChange c : rep.conflicts()) {
                io.out().printf("  both changed %s: kept %s %s%n", unitName(c.unit()),
                    c.outcome() == MergeReport.Outcome.OURS ? "yours" : "theirs",
                    Text.quoted(c.outcome() == MergeReport.Outcome.OURS ? c.ours() : c.theirs()));
              }
            });
          }
          default -> throw new StoreException(MapiError.USER_CANCEL, "kept the original of " + id
              + "; your edits were not saved (they are in " + file + ")");
        }
        return;
      } catch (ObjectChangedException again) {
        io.err().println("msgstore: " + id + " changed again while saving");
        conflict = again;
      }
    }
  }

  private String askChoice(Path file) {
    while (true) {
      Optional<String> line = io.ask("[k]eep original, [o]verwrite, [c]opy to folder, [m]erge? ");
      if (line.isEmpty()) {
        io.err().println();
        return "k";
      }
      String a = line.get().toLowerCase(Locale.ROOT);
      if (!a.isEmpty() && "kocm".indexOf(a.charAt(0)) >= 0 && (a.length() == 1 || List.of("keep", "overwrite",
          "copy", "merge").contains(a))) {
        return a.substring(0, 1);
      }
      io.err().println("please answer k, o, c or m (your edit is kept in " + file + ")");
    }
  }

  /** Prints who changed the message and what, per property, from a three-way merge preview. */
  private void describe(Target t, Message m, MessageId id, ObjectChangedException conflict) {
    String base = m.baseChangeNumber().map(c -> "version " + c.value()).orElse("your version");
    String now = "a newer version";
    try {
      List<VersionInfo> versions = t.session.versions(id);
      if (!versions.isEmpty()) {
        VersionInfo v = versions.get(0);
        now = "version " + v.changeNumber().value() + " (" + v.kind() + " by " + v.committedBy() + " at "
            + v.committedAt() + ")";
      }
    } catch (StoreException e) {
      // the message may have been deleted; the save below will say so
    }
    io.err().printf("msgstore: %s: %s changed since you opened it: %s -> %s%n", MapiError.OBJECT_CHANGED.mapiName(),
        id, base, now);
    MergeReport report;
    try {
      report = conflict.mergeReport().orElseGet(() -> m.previewMerge(MergeMode.AUTO_RESOLVE));
    } catch (StoreException e) {
      io.err().println("  (cannot compare the versions: " + e.getMessage() + ")");
      return;
    }
    print("Their changes:", report, MergeReport.Side.THEIRS, false);
    print("Your changes:", report, MergeReport.Side.OURS, true);
    List<MergeReport.UnitChange> both = report.conflicts();
    if (!both.isEmpty()) {
      io.err().println("Both changed (merge keeps yours, except protected properties):");
      for (MergeReport.UnitChange c : both) {
        io.err().printf("  %s: %s -> theirs %s, yours %s; merge keeps %s%n", unitName(c.unit()), Text.quoted(c.base()),
            Text.quoted(c.theirs()), Text.quoted(c.ours()), c.outcome() == MergeReport.Outcome.OURS ? "yours" : "theirs");
      }
    }
  }

  private void print(String title, MergeReport report, MergeReport.Side side, boolean ours) {
    List<MergeReport.UnitChange> changes = report.changes().stream().filter(c -> c.side() == side).toList();
    if (changes.isEmpty()) {
      return;
    }
    io.err().println(title);
    for (MergeReport.UnitChange c : changes) {
      io.err().printf("  %s: %s -> %s%n", unitName(c.unit()), Text.quoted(c.base()),
          Text.quoted(ours ? c.ours() : c.theirs()));
    }
  }

  private static String unitName(MergeReport.Unit unit) {
    return switch (unit) {
      case MergeReport.PropertyUnit p -> p.tag().displayName();
      case MergeReport.RecipientUnit r -> "recipient " + r.rowId();
      case MergeReport.AttachmentUnit a -> "attachment " + a.attachNum();
    };
  }
}
