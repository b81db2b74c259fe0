package msgstore.mime.box;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The walk behind {@link MailSource#open}: lists files (paths only, cheap) directory by directory
 * as it goes, and splits mbox files lazily.
 *
 * <p>Folders: a subdirectory is a folder named after it ({@code X.sbd}, Thunderbird's folder of
 * the subfolders of mbox {@code X}, is folder {@code X}); an mbox file inside a directory is a
 * folder named after the file without {@code .mbox}/{@code .mbx}; a Maildir's Maildir++
 * subfolders {@code .A.B} are {@code A/B} (names in modified UTF-7 decoded). The path given to
 * {@link #open} itself is the import's folder, whatever its kind.
 */
final class TreeSource implements MailSource {
  private final MailSource.Options options;
  /** Work still to do, in order: files and directories with their folder paths. */
  private final Deque<Item> todo = new ArrayDeque<>();
  private MboxReader mbox;
  private Path mboxPath;
  private List<String> mboxFolder;

  private record Item(Path path, List<String> folder, Kind kind, Set<Flag> flags) {}

  private enum Kind { DIRECTORY, MAILDIR, EML, MSG, MBOX, MAILDIR_FILE }

  private TreeSource(MailSource.Options options) {
    this.options = options;
  }

  static MailSource open(Path path, MailSource.Options options) throws IOException {
    if (!Files.exists(path)) {
      throw new NoSuchFileException(path.toString(), null, "no such file or directory");
    }
    TreeSource s = new TreeSource(options);
    if (Files.isDirectory(path)) {
      s.todo.add(new Item(path, List.of(), isMaildir(path) ? Kind.MAILDIR : Kind.DIRECTORY, Set.of()));
    } else {
      String name = lower(path);
      Kind k = name.endsWith(".msg") ? Kind.MSG
          : !name.endsWith(".eml") && MboxReader.looksLikeMbox(path) ? Kind.MBOX : Kind.EML;
      s.todo.add(new Item(path, List.of(), k, Set.of()));
      Path sbd = path.resolveSibling(path.getFileName() + ".sbd");
      if (k == Kind.MBOX && Files.isDirectory(sbd)) {
        s.todo.add(new Item(sbd, List.of(), Kind.DIRECTORY, Set.of()));
      }
    }
    return s;
  }

  @Override
  public Optional<SourceMessage> next() throws IOException {
    while (true) {
      if (mbox != null) {
        Optional<SourceMessage> m;
        try {
          m = mbox.next();
        } catch (IOException e) {
          closeMbox();
          return Optional.of(failed(mboxFolder, mboxPath.toString(), e));
        }
        if (m.isPresent()) {
          return m;
        }
        closeMbox();
      }
      Item it = todo.pollFirst();
      if (it == null) {
        return Optional.empty();
      }
      switch (it.kind) {
        case EML -> {
          return Optional.of(file(it, SourceMessage.Kind.RFC822));
        }
        case MAILDIR_FILE -> {
          return Optional.of(file(it, SourceMessage.Kind.RFC822));
        }
        case MSG -> {
          return Optional.of(file(it, SourceMessage.Kind.OUTLOOK_MSG));
        }
        case MBOX -> {
          try {
            mbox = new MboxReader(it.path, it.folder, options.mboxVariant());
            mboxPath = it.path;
            mboxFolder = it.folder;
          } catch (IOException e) {
            return Optional.of(failed(it.folder, it.path.toString(), e));
          }
        }
        case DIRECTORY, MAILDIR -> {
          try {
            if (it.kind == Kind.DIRECTORY) {
              expandDirectory(it);
            } else {
              expandMaildir(it);
            }
          } catch (IOException e) {
            return Optional.of(failed(it.folder, it.path.toString(), e));
          }
        }
      }
    }
  }

  private static SourceMessage file(Item it, SourceMessage.Kind kind) throws IOException {
    long size;
    try {
      size = Files.size(it.path);
    } catch (IOException e) {
      return failed(it.folder, it.path.toString(), e);
    }
    Path p = it.path;
    return new SourceMessage(it.folder, it.flags, size, () -> Files.newInputStream(p), p.toString(), kind);
  }

  private static SourceMessage failed(List<String> folder, String origin, IOException e) {
    return new SourceMessage(folder, Set.of(), 0, () -> {
      throw e;
    }, origin, SourceMessage.Kind.RFC822);
  }

  /** A directory that is not a Maildir: its mail files, then its subdirectories, by name. */
  private void expandDirectory(Item dir) throws IOException {
    List<Item> items = new ArrayList<>();
    for (Path p : list(dir.path)) {
      String name = p.getFileName().toString();
      String lower = name.toLowerCase(Locale.ROOT);
      if (Files.isDirectory(p)) {
        if (name.startsWith(".")) {
          continue;
        }
        String folder = lower.endsWith(".sbd") ? withoutMboxExtension(name.substring(0, name.length() - 4)) : name;
        items.add(new Item(p, append(dir.folder, folder), isMaildir(p) ? Kind.MAILDIR : Kind.DIRECTORY, Set.of()));
      } else if (lower.endsWith(".eml")) {
        items.add(new Item(p, dir.folder, Kind.EML, Set.of()));
      } else if (lower.endsWith(".msg")) {
        items.add(new Item(p, dir.folder, Kind.MSG, Set.of()));
      } else if (!name.startsWith(".") && Files.isRegularFile(p) && MboxReader.looksLikeMbox(p)) {
        String folder = withoutMboxExtension(name);
        items.add(new Item(p, append(dir.folder, folder), Kind.MBOX, Set.of()));
      } else {
        options.ignored().accept(p.toString());
      }
    }
    pushFront(items);
  }

  /**
   * A Maildir: the messages of cur/ and new/ (by file name, so in delivery order), then its
   * Maildir++ subfolders ({@code .A.B}), then other subdirectories that hold Maildirs.
   */
  private void expandMaildir(Item dir) throws IOException {
    List<Item> items = new ArrayList<>();
    addMaildirMessages(dir.path, dir.folder, items);
    for (Path p : list(dir.path)) {
      String name = p.getFileName().toString();
      if (!Files.isDirectory(p) || name.equals("cur") || name.equals("new") || name.equals("tmp")) {
        continue;
      }
      if (name.startsWith(".") && name.length() > 1 && !name.equals("..")) {
        if (isMaildir(p)) {
          List<String> folder = new ArrayList<>(dir.folder);
          for (String seg : name.substring(1).split("\\.")) {
            if (!seg.isEmpty()) {
              folder.add(MUtf7.decode(seg));
            }
          }
          addMaildirMessages(p, folder, items);
        }
      } else {
        items.add(new Item(p, append(dir.folder, name), isMaildir(p) ? Kind.MAILDIR : Kind.DIRECTORY, Set.of()));
      }
    }
    pushFront(items);
  }

  private static void addMaildirMessages(Path maildir, List<String> folder, List<Item> out) throws IOException {
    List<Path> files = new ArrayList<>();
    for (String sub : List.of("cur", "new")) {
      Path d = maildir.resolve(sub);
      if (Files.isDirectory(d)) {
        for (Path p : list(d)) {
          if (!p.getFileName().toString().startsWith(".") && Files.isRegularFile(p)) {
            files.add(p);
          }
        }
      }
    }
    files.sort(Comparator.comparing(p -> p.getFileName().toString()));
    for (Path p : files) {
      out.add(new Item(p, folder, Kind.MAILDIR_FILE, maildirFlags(p.getFileName().toString())));
    }
  }

  /** The flags of a Maildir file name {@code unique:2,FS}; none without an info part. */
  static Set<Flag> maildirFlags(String fileName) {
    int i = fileName.lastIndexOf(":2,");
    if (i < 0) {
      i = fileName.lastIndexOf("!2,"); // the separator some tools use where ':' is not allowed
    }
    return i < 0 ? Set.of() : Flag.fromMaildirInfo(fileName.substring(i + 3));
  }

  static boolean isMaildir(Path dir) {
    return Files.isDirectory(dir.resolve("cur")) || Files.isDirectory(dir.resolve("new"));
  }

  private void pushFront(List<Item> items) {
    for (int i = items.size() - 1; i >= 0; i--) {
      todo.addFirst(items.get(i));
    }
  }

  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
    }
  }

  private static List<String> append(List<String> path, String name) {
    List<String> out = new ArrayList<>(path);
    out.add(name);
    return out;
  }

  private static String withoutMboxExtension(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".mbox")) {
      return name.substring(0, name.length() - 5);
    }
    return lower.endsWith(".mbx") ? name.substring(0, name.length() - 4) : name;
  }

  private static String lower(Path p) {
    return p.getFileName().toString().toLowerCase(Locale.ROOT);
  }

  private void closeMbox() throws IOException {
    MboxReader m = mbox;
    mbox = null;
    m.close();
  }

  @Override
  public void close() throws IOException {
    todo.clear();
    if (mbox != null) {
      closeMbox();
    }
  }
}
