package msgstore.imap;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * A strict reader of one command's arguments (RFC 9051 9, formal syntax) over the lines and
 * literals {@link CommandDecoder} framed. Every method throws {@link BadCommand} naming what was
 * expected where; nothing is guessed.
 */
final class Parser {
  /** Characters that end an atom (RFC 9051 9: atom-specials). */
  private static final String ATOM_SPECIALS = "(){ %*\"\\]";
  private final List<String> lines;
  private final List<byte[]> literals;
  private int line;
  private int pos;
  private int depth;
  private final int maxDepth;

  Parser(Frame.Command c, int maxDepth) {
    this.lines = c.lines();
    this.literals = c.literals();
    this.maxDepth = maxDepth;
  }

  static boolean isTag(String s) {
    if (s.isEmpty() || s.length() > 64) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= ' ' || c >= 0x7f || ATOM_SPECIALS.indexOf(c) >= 0 || c == '+') {
        return false;
      }
    }
    return true;
  }

  private String cur() {
    return lines.get(line);
  }

  /** True when the command has no more arguments. */
  boolean atEnd() {
    return line == lines.size() - 1 && pos >= cur().length();
  }

  /** True when the next character is {@code c} (false at a literal or the end). */
  boolean peek(char c) {
    return pos < cur().length() && cur().charAt(pos) == c;
  }

  /** True when a literal starts here. */
  private boolean atLiteral() {
    return pos >= cur().length() && line < literals.size();
  }

  void expect(char c) {
    if (!peek(c)) {
      throw new BadCommand("expected '" + c + "' at " + where());
    }
    pos++;
  }

  boolean skip(char c) {
    if (peek(c)) {
      pos++;
      return true;
    }
    return false;
  }

  void sp() {
    expect(' ');
  }

  void end() {
    if (!atEnd()) {
      throw new BadCommand("unexpected text at " + where());
    }
  }

  /** Opens a parenthesized list, refusing more than the nesting limit. */
  void open() {
    expect('(');
    if (++depth > maxDepth) {
      throw new BadCommand("lists nested deeper than " + maxDepth);
    }
  }

  void close() {
    expect(')');
    depth--;
  }

  String where() {
    if (atLiteral()) {
      return "a literal";
    }
    String rest = cur().substring(Math.min(pos, cur().length()));
    return pos >= cur().length() ? "the end of the command" : "'" + (rest.length() > 20 ? rest.substring(0, 20) + "..." : rest) + "'";
  }

  /** An atom: one or more ATOM-CHARs; with {@code bracket} also {@code ]} (RFC 9051 ASTRING-CHAR). */
  String atom(boolean bracket) {
    int start = pos;
    String s = cur();
    while (pos < s.length()) {
      char c = s.charAt(pos);
      if (c <= ' ' || c == 0x7f || (ATOM_SPECIALS.indexOf(c) >= 0 && !(bracket && c == ']'))) {
        break;
      }
      pos++;
    }
    if (pos == start) {
      throw new BadCommand("expected an atom at " + where());
    }
    return s.substring(start, pos);
  }

  String atom() {
    return atom(false);
  }

  /** An atom made of the characters a fetch or search item may have ({@code BODY.PEEK[...]} stops at {@code [}). */
  String keyword() {
    int start = pos;
    String s = cur();
    while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '.' || s.charAt(pos) == '-')) {
      pos++;
    }
    if (pos == start) {
      throw new BadCommand("expected a keyword at " + where());
    }
    return s.substring(start, pos).toUpperCase(Locale.ROOT);
  }

  /** The keyword that starts here, without reading it. */
  String peekKeyword() {
    int save = pos;
    try {
      return keyword();
    } catch (BadCommand e) {
      return "";
    } finally {
      pos = save;
    }
  }

  long number() {
    int start = pos;
    String s = cur();
    while (pos < s.length() && Character.isDigit(s.charAt(pos)) && s.charAt(pos) < 128) {
      pos++;
    }
    if (pos == start || pos - start > 19) {
      throw new BadCommand("expected a number at " + where());
    }
    return Long.parseLong(s.substring(start, pos));
  }

  SequenceSet sequenceSet() {
    int start = pos;
    String s = cur();
    while (pos < s.length() && "0123456789:,*".indexOf(s.charAt(pos)) >= 0) {
      pos++;
    }
    if (pos == start) {
      throw new BadCommand("expected a sequence set at " + where());
    }
    return SequenceSet.parse(s.substring(start, pos));
  }

  /** True when a sequence set starts here (a digit or {@code *}). */
  boolean atSequenceSet() {
    return pos < cur().length() && (Character.isDigit(cur().charAt(pos)) || cur().charAt(pos) == '*');
  }

  /** A quoted string or literal, as bytes. */
  byte[] stringBytes() {
    if (atLiteral()) {
      byte[] b = literals.get(line);
      line++;
      pos = 0;
      return b;
    }
    if (peek('"')) {
      return quoted().getBytes(StandardCharsets.UTF_8);
    }
    throw new BadCommand("expected a quoted string or a literal at " + where());
  }

  /** A literal (APPEND's message). */
  byte[] literal() {
    if (!atLiteral()) {
      throw new BadCommand("expected a literal at " + where());
    }
    return stringBytes();
  }

  String string() {
    return new String(stringBytes(), StandardCharsets.UTF_8);
  }

  /** astring: an atom (with {@code ]}), quoted string or literal. */
  String astring() {
    if (atLiteral() || peek('"')) {
      return string();
    }
    return atom(true);
  }

  /** A mailbox name or LIST pattern: astring, or list-mailbox chars ({@code %} and {@code *} too). */
  String listMailbox() {
    if (atLiteral() || peek('"')) {
      return string();
    }
    int start = pos;
    String s = cur();
    while (pos < s.length()) {
      char c = s.charAt(pos);
      if (c <= ' ' || c == 0x7f || "(){\"\\".indexOf(c) >= 0) {
        break;
      }
      pos++;
    }
    if (pos == start) {
      throw new BadCommand("expected a mailbox at " + where());
    }
    return s.substring(start, pos);
  }

  private String quoted() {
    expect('"');
    StringBuilder b = new StringBuilder();
    String s = cur();
    while (true) {
      if (pos >= s.length()) {
        throw new BadCommand("unterminated quoted string");
      }
      char c = s.charAt(pos++);
      if (c == '"') {
        return b.toString();
      }
      if (c == '\\') {
        if (pos >= s.length() || (s.charAt(pos) != '"' && s.charAt(pos) != '\\')) {
          throw new BadCommand("a quoted string may escape only '\"' and '\\'");
        }
        c = s.charAt(pos++);
      }
      b.append(c);
    }
  }

  /** A quoted string, and nothing else (APPEND's date-time, which a literal may not give). */
  String quotedOnly() {
    if (!peek('"')) {
      throw new BadCommand("expected a quoted string at " + where());
    }
    return quoted();
  }
}
