package msgstore.cli;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/** Lets the user edit a file in place; {@code edit} writes the file, calls this, reads it back. */
@FunctionalInterface
interface Editor {
  /**
   * Edits {@code file}; returns when the user is done.
   *
   * @param interactive whether a terminal is attached (the editor then gets it)
   * @param log where the editor's output goes when no terminal is attached
   */
  void edit(Path file, boolean interactive, OutputStream log);

  /**
   * Runs {@code $EDITOR} (default {@code vi}) through {@code sh -c}, so an EDITOR with arguments
   * ({@code "code --wait"}) works. Without a terminal its stdin is empty and its output is copied
   * to {@code log}.
   */
  static Editor process(Map<String, String> env) {
    return (file, interactive, log) -> {
      String editor = env.getOrDefault("VISUAL", env.getOrDefault("EDITOR", "vi"));
      if (editor.isBlank()) {
        editor = "vi";
      }
      ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", editor + " \"$1\"", "sh", file.toString());
      pb.environment().putAll(env);
      if (interactive) {
        pb.inheritIO();
      } else {
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(true);
      }
      try {
        Process p = pb.start();
        if (!interactive) {
          try (InputStream output = p.getInputStream()) {
            output.transferTo(log);
          }
        }
        int rc = p.waitFor();
        if (rc != 0) {
          throw new CliException(Main.EXIT_IO, "the editor (" + editor + ") exited with status " + rc
              + "; nothing was saved");
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot run the editor '" + editor + "'", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliException(Main.EXIT_IO, "interrupted while waiting for the editor");
      }
    };
  }
}
