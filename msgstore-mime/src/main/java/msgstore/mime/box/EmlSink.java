package msgstore.mime.box;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes {@code 000001.eml}, {@code 000002.eml}, ... per folder; folder {@code A/B} is the
 * directory {@code A/B} under the root. Each file is written under a temporary name and renamed,
 * and gets the delivery time as its modification time.
 */
final class EmlSink implements MailSink {
  private final Path root;
  private final Map<List<String>, Integer> counters = new HashMap<>();

  EmlSink(Path root) throws IOException {
    this.root = root;
    Files.createDirectories(root);
  }

  @Override
  public void add(List<String> folderPath, Set<Flag> flags, Instant received, String envelopeSender,
      IOConsumer<OutputStream> content) throws IOException {
    Path dir = root;
    for (String seg : folderPath) {
      dir = dir.resolve(fileName(seg));
    }
    Files.createDirectories(dir);
    int n = counters.merge(List.copyOf(folderPath), 1, Integer::sum);
    Path target = dir.resolve(String.format("%06d.eml", n));
    while (Files.exists(target)) {
      n = counters.merge(List.copyOf(folderPath), 1, Integer::sum);
      target = dir.resolve(String.format("%06d.eml", n));
    }
    writeAtomically(dir, target, received, content);
  }

  static void writeAtomically(Path dir, Path target, Instant received, IOConsumer<OutputStream> content)
      throws IOException {
    Path temp = Files.createTempFile(dir, ".msgstore-", ".tmp");
    boolean ok = false;
    try {
      try (OutputStream o = new java.io.BufferedOutputStream(Files.newOutputStream(temp), 1 << 16)) {
        content.accept(o);
      }
      if (received != null) {
        Files.setLastModifiedTime(temp, FileTime.from(received));
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      ok = true;
    } finally {
      if (!ok) {
        Files.deleteIfExists(temp);
      }
    }
  }

  /**
   * A folder name as one file name: {@code /}, NUL and a leading {@code .} (hidden files, {@code ..})
   * become {@code _}; the rest is kept.
   */
  static String fileName(String folder) {
    String s = folder.replace('/', '_').replace('\\', '_').replace('\0', '_');
    if (s.isEmpty() || s.startsWith(".")) {
      s = "_" + s.substring(s.isEmpty() ? 0 : 1);
    }
    return s;
  }

  @Override
  public void close() {}
}
