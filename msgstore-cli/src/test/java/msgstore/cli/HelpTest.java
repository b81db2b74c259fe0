package msgstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PrintStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code -h} and {@code --help} work on every command and subcommand (issue 7). */
class HelpTest {
  private static final Editor NO_EDITOR = (file, interactive, log) -> {
    throw new AssertionError("no editor expected");
  };

  private static Io quietIo() {
    PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
    return Io.of(new ByteArrayInputStream(new byte[0]), nowhere, nowhere, Map.of(), NO_EDITOR);
  }

  /** Every command path below the root, found by walking picocli's tree: [serve], [user, add], ... */
  private static List<List<String>> everyCommand() {
    List<List<String>> paths = new ArrayList<>();
    walk(Main.commandLine(quietIo()), List.of(), paths);
    return paths;
  }

  private static void walk(CommandLine cl, List<String> path, List<List<String>> into) {
    for (var e : cl.getSubcommands().entrySet()) {
      if (!e.getKey().equals(e.getValue().getCommandName())) {
        continue; // an alias
      }
      List<String> sub = new ArrayList<>(path);
      sub.add(e.getKey());
      into.add(sub);
      walk(e.getValue(), sub, into);
    }
  }

  @Test
  void treeShouldHoldTheCommandsAndSubcommands() {
    assertThat(everyCommand()).contains(List.of("serve"), List.of("user"), List.of("user", "add"),
        List.of("backup"), List.of("restore-backup"), List.of("help"));
  }

  @Test
  void serveShouldAnswerHelpWithExitZeroAndItsUsage() {
    CliRun r = CliRun.run(Map.of(), "", NO_EDITOR, "serve", "--help"); // was: Unknown option: '--help', exit 2
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("Usage: msgstore serve", "--port", "-h, --help");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void everyCommandShouldAnswerHelpWithExitZeroAndItsUsage() {
    CommandLine cl = Main.commandLine(quietIo()); // one tree for all: building it is the slow part
    for (List<String> path : everyCommand()) {
      List<String> args = new ArrayList<>(path);
      args.add("--help");
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      cl.setOut(new PrintWriter(out, true));
      cl.setErr(new PrintWriter(err, true));
      int code = cl.execute(args.toArray(String[]::new));
      String line = "msgstore " + String.join(" ", args);
      assertThat(code).as("%s: %s %s", line, out, err).isZero();
      assertThat(out.toString()).as(line).contains("Usage: msgstore " + String.join(" ", path)).doesNotContain("\u001b[");
      assertThat(err.toString()).as(line).isEmpty();
    }
  }

  @Test
  void everyCommandShouldTakeTheShortFormAsAHelpRequest() {
    CommandLine cl = Main.commandLine(quietIo());
    for (List<String> path : everyCommand()) {
      List<String> args = new ArrayList<>(path);
      args.add("-h");
      CommandLine.ParseResult parsed = cl.parseArgs(args.toArray(String[]::new));
      while (parsed.hasSubcommand()) {
        parsed = parsed.subcommand();
      }
      assertThat(parsed.commandSpec().qualifiedName(" ")).isEqualTo("msgstore " + String.join(" ", path));
      assertThat(parsed.isUsageHelpRequested()).as("msgstore %s", String.join(" ", args)).isTrue();
    }
  }

  @Test
  void anUnknownOptionShouldStillBeAUsageError() {
    CliRun r = CliRun.run(Map.of(), "", NO_EDITOR, "serve", "--no-such-option");
    assertThat(r.code()).as(r.toString()).isEqualTo(Main.EXIT_USAGE);
    assertThat(r.err()).contains("Unknown option: '--no-such-option'");
  }
}
