package msgstore.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The argument reader and sequence sets (RFC 9051 9), as tables of wire text. */
class ImapParserTest {
  private static Parser parser(String line) {
    return new Parser(new Frame.Command(List.of(line), List.of()), 3);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "INBOX|INBOX",
      "\"Sent Items\"|Sent Items",
      "\"a \\\"q\\\" b\"|a \"q\" b",
      "\"back\\\\slash\"|back\\slash",
      "abc]def|abc]def"})
  void astringShouldReadAtomsAndQuotedStrings(String wire, String expected) {
    Parser p = parser(wire);
    assertThat(p.astring()).isEqualTo(expected);
    p.end();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "\"unterminated|unterminated quoted string",
      "\"bad \\x escape\"|may escape only",
      "(|expected an atom"})
  void badStringsShouldBeBadCommandsNamingTheProblem(String wire, String message) {
    assertThatThrownBy(() -> parser(wire).astring()).isInstanceOf(BadCommand.class).hasMessageContaining(message);
  }

  @Test
  void aLiteralShouldBeReadWhereTheLineEnds() {
    Parser p = new Parser(new Frame.Command(List.of("a LOGIN ", " pw"), List.of("us\"er".getBytes(StandardCharsets.UTF_8))), 3);
    p.atom();
    p.sp();
    p.atom();
    p.sp();
    assertThat(p.astring()).isEqualTo("us\"er");
    p.sp();
    assertThat(p.astring()).isEqualTo("pw");
    assertThat(p.atEnd()).isTrue();
  }

  @Test
  void listsNestedDeeperThanTheLimitShouldBeBad() {
    Parser p = parser("((((x))))");
    p.open();
    p.open();
    p.open();
    assertThatThrownBy(p::open).isInstanceOf(BadCommand.class).hasMessageContaining("nested deeper than 3");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "1:3,5|1,2,3,5|4",
      "3:1|1,2,3|4",
      "7:*|7,8,9|6",
      "*|9|8"})
  void sequenceSetsShouldContainTheirNumbersWithStarAsTheLargest(String set, String in, String out) {
    SequenceSet s = SequenceSet.parse(set);
    for (String n : in.split(",")) {
      assertThat(s.contains(Long.parseLong(n), 9)).as("%s in %s", n, set).isTrue();
    }
    assertThat(s.contains(Long.parseLong(out), 9)).isFalse();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"0", "1:0", "a", "1,,2", "4294967296", "01"})
  void invalidSequenceSetsShouldBeBad(String set) {
    assertThatThrownBy(() -> SequenceSet.parse(set)).isInstanceOf(BadCommand.class);
  }

  @Test
  void sequenceSetsShouldBeWrittenAsRanges() {
    assertThat(SequenceSet.format(List.of(1L, 2L, 3L, 5L, 7L, 8L))).isEqualTo("1:3,5,7:8");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "*|INBOX|true",
      "*|Projects/2026|true",
      "%|Projects/2026|false",
      "Projects/%|Projects/2026|true",
      "inbox|INBOX|true",
      "INBOX/%|inbox/x|true",
      "drafts|Drafts|false"})
  void listPatternsShouldMatchAsRfc9051Section639Says(String pattern, String name, boolean match) {
    assertThat(Mailboxes.matches(pattern, name)).isEqualTo(match);
  }
}
