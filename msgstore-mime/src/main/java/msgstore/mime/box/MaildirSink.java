package msgstore.mime.box;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes a Maildir: each message into {@code tmp/}, then renamed into {@code cur/} as {@code
 * TIME.MmicrosPpidQn.msgstore:2,FLAGS}. Subfolders are Maildir++ ({@code .A.B} under the root,
 * each with a {@code maildirfolder} file), names in modified UTF-7 with {@code .} and {@code /}
 * encoded too.
 */
final class MaildirSink implements MailSink {
  private static final AtomicLong SEQ = new AtomicLong();
  private final Path root;
  private final Set<Path> made = new HashSet<>();

  MaildirSink(Path root) throws IOException {
    this.root = root;
    make(root, false);
  }

  @Override
  public void add(List<String> folderPath, Set<Flag> flags, Instant received, String envelopeSender,
      IOConsumer<OutputStream> content) throws IOException {
    Path dir = root;
    if (!folderPath.isEmpty()) {
      StringBuilder name = new StringBuilder();
      for (String seg : folderPath) {
        name.append('.').append(MUtf7.encode(seg, "./"));
      }
      dir = root.resolve(name.toString());
    }
    make(dir, !folderPath.isEmpty());
    Instant t = received == null ? Instant.now() : received;
    String unique = t.getEpochSecond() + ".M" + (t.getNano() / 1000) + "P" + ProcessHandle.current().pid() + "Q"
        + SEQ.incrementAndGet() + ".msgstore";
    Path target = dir.resolve("cur").resolve(unique + ":2," + Flag.toMaildirInfo(flags));
    EmlSink.writeAtomically(dir.resolve("tmp"), target, t, content);
  }

  private void make(Path dir, boolean subfolder) throws IOException {
    if (made.add(dir)) {
      for (String sub : List.of("cur", "new", "tmp")) {
        Files.createDirectories(dir.resolve(sub));
      }
      if (subfolder && !Files.exists(dir.resolve("maildirfolder"))) {
        Files.createFile(dir.resolve("maildirfolder"));
      }
    }
  }

  @Override
  public void close() {}
}
