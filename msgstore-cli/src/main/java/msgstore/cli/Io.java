package msgstore.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import msgstore.api.MessageStore;
import msgstore.storage.sqlite.SqliteMessageStore;

/**
 * Everything a command touches outside the store: standard streams, the environment, the
 * terminal, the editor and the stop signal of long-running commands. {@link Main#main} builds the
 * real one; tests build one over buffers and an environment map.
 *
 * @param console the interactive terminal, or null when stdin/stdout are not a terminal (then
 *     no prompts without echo and no progress lines)
 * @param stop completed to stop {@code serve} and {@code events --follow} (the shutdown hook
 *     completes it on SIGTERM or Ctrl-C)
 * @param shutdownHooks whether long-running commands install a JVM shutdown hook
 * @param stores opens an embedded store file ({@code SqliteMessageStore::open}; tests share one)
 */
record Io(
    BufferedReader in,
    PrintStream out,
    PrintStream err,
    Map<String, String> env,
    Console console,
    Editor editor,
    CompletableFuture<Void> stop,
    boolean shutdownHooks,
    Function<Path, MessageStore> stores) {

  static Io system() {
    Map<String, String> env = System.getenv();
    return new Io(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), System.out,
        System.err, env, System.console(), Editor.process(env), new CompletableFuture<>(), true, SqliteMessageStore::open);
  }

  /** An Io for tests and embedding: no console, no shutdown hook. */
  static Io of(InputStream in, PrintStream out, PrintStream err, Map<String, String> env, Editor editor) {
    return new Io(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)), out, err, Map.copyOf(env),
        null, editor, new CompletableFuture<>(), false, SqliteMessageStore::open);
  }

  Io withStores(Function<Path, MessageStore> opener) {
    return new Io(in, out, err, env, console, editor, stop, shutdownHooks, opener);
  }

  Optional<String> env(String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v);
  }

  boolean interactive() {
    return console != null;
  }

  /** One line of stdin, or empty at end of input. */
  Optional<String> readLine() {
    try {
      return Optional.ofNullable(in.readLine());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read stdin", e);
    }
  }

  /** Asks a question on stderr (so stdout stays clean) and reads the answer line from stdin. */
  Optional<String> ask(String prompt) {
    err.print(prompt);
    err.flush();
    return readLine().map(String::strip);
  }

  /** A secret: read without echo from the console, else one line of stdin. */
  Optional<char[]> readSecret(String prompt) {
    if (console != null) {
      return Optional.ofNullable(console.readPassword("%s", prompt));
    }
    return readLine().map(String::toCharArray);
  }
}
