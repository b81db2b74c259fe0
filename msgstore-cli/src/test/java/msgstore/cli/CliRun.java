package msgstore.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Runs {@link Main} in-process with captured streams. */
record CliRun(int code, String out, String err) {
  static CliRun run(Map<String, String> env, String stdin, Editor editor, String... args) {
    return run(env, stdin, editor, null, args);
  }

  /** With {@code stores} non-null, embedded store files are opened through it. */
  static CliRun run(Map<String, String> env, String stdin, Editor editor,
      java.util.function.Function<java.nio.file.Path, msgstore.api.MessageStore> stores, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Io io = Io.of(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), env,
        editor);
    if (stores != null) {
      io = io.withStores(stores);
    }
    int code = Main.run(io, args);
    return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
  }
}
