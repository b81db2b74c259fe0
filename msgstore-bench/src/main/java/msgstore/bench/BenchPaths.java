package msgstore.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Where the benchmarks keep their files. Both directories must be on the disk whose durability is
 * being measured (never a tmpfs: an fsync there costs nothing and every rate would be a lie).
 *
 * <ul>
 *   <li>{@code msgstore.bench.tmp} (default {@code msgstore-bench/target/bench-tmp}): one fresh
 *       directory per benchmark trial, deleted at its end.
 *   <li>{@code msgstore.bench.cache} (default {@code msgstore-bench/target/bench-cache}): prepared
 *       stores, built once through the API and copied into each trial's fresh directory.
 * </ul>
 *
 * The defaults are found from where this class was loaded ({@code target/benchmarks.jar} or
 * {@code target/classes}), so they do not depend on the working directory of a JMH fork.
 */
public final class BenchPaths {
  private BenchPaths() {}

  /** {@code msgstore-bench/target}, or the working directory when it cannot be found. */
  static Path targetDir() {
    String override = System.getProperty("msgstore.bench.target");
    if (override != null) {
      return Path.of(override).toAbsolutePath();
    }
    try {
      Path p = Path.of(BenchPaths.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path parent = p.getParent();
      if (parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("target")) {
        return parent;
      }
    } catch (URISyntaxException | RuntimeException e) {
      // fall through to the working directory
    }
    return Path.of("target").toAbsolutePath();
  }

  public static Path tmpRoot() {
    String p = System.getProperty("msgstore.bench.tmp");
    return p != null ? Path.of(p).toAbsolutePath() : targetDir().resolve("bench-tmp");
  }

  public static Path cacheRoot() {
    String p = System.getProperty("msgstore.bench.cache");
    return p != null ? Path.of(p).toAbsolutePath() : targetDir().resolve("bench-cache");
  }

  /** A new empty directory under {@link #tmpRoot()}. */
  public static Path freshDir(String label) {
    try {
      Path root = tmpRoot();
      Files.createDirectories(root);
      return Files.createTempDirectory(root, label + "-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temp dir under " + tmpRoot(), e);
    }
  }

  /** Deletes a directory tree; missing files are fine. */
  public static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
          Files.deleteIfExists(d);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
          if (e instanceof NoSuchFileException) {
            return FileVisitResult.CONTINUE;
          }
          throw e;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }

  /** Copies a directory tree (files only; the target must not exist). */
  public static void copyTree(Path from, Path to) {
    try (var walk = Files.walk(from)) {
      for (Path src : (Iterable<Path>) walk::iterator) {
        Path dst = to.resolve(from.relativize(src).toString());
        if (Files.isDirectory(src)) {
          Files.createDirectories(dst);
        } else {
          Files.copy(src, dst);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
    }
  }
}
