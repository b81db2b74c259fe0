package msgstore.imap;

import java.util.List;

/**
 * What {@link CommandDecoder} hands the connection: a whole command (its lines, each followed by
 * the literal it announced, so {@code literals.size()} is {@code lines.size() - 1}), or a command
 * refused while it was being read (a limit), with the response that says why.
 */
sealed interface Frame {
  record Command(List<String> lines, List<byte[]> literals) implements Frame {
    public Command {
      lines = List.copyOf(lines);
      literals = List.copyOf(literals);
    }

    /** The first line, for a continuation answer (AUTHENTICATE, IDLE's DONE). */
    String firstLine() {
      return lines.get(0);
    }
  }

  /** A command that was not read whole: {@code response} is the tagged (or untagged) answer. */
  record Refused(String response) implements Frame {}
}
