package msgstore.mime.box;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import msgstore.mime.box.BoxTesting.Read;
import msgstore.testkit.property.Gen;
import msgstore.testkit.property.Gens;
import msgstore.testkit.property.PropertyCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mbox reading (mboxrd and mboxo) and mboxrd writing (docs/cli.md "import, export", ADR 0018). */
class MboxTest {
  @TempDir
  Path dir;

  private static final String ONE = "Subject: one\n\nFrom the start\n>From quoted once\n>>From twice\nFrom\nend\n";
  private static final String TWO = "Subject: two\r\n\r\nFrom crlf\r\n\r\nlast line without newline";

  @Test
  void mboxrdWrittenThenReadShouldGiveBackEveryMessageByteForByte() throws IOException {
    Path mbox = dir.resolve("out.mbox");
    try (MailSink sink = MailSink.open(MailSink.Format.MBOX, mbox)) {
      BoxTesting.write(sink, List.of(), Set.of(), ONE.getBytes(ISO_8859_1));
      BoxTesting.write(sink, List.of(), Set.of(), TWO.getBytes(ISO_8859_1));
    }
    String file = Files.readString(mbox, ISO_8859_1);
    assertThat(file).startsWith("From alice@example.com Sun Nov 22 10:00:00 2026\nSubject: one\n\n>From the start\n>>From quoted"
        + " once\n>>>From twice\nFrom\nend\n\nFrom alice@example.com");
    List<Read> read = BoxTesting.readAll(mbox);
    assertThat(read).hasSize(2);
    assertThat(read.get(0).text()).isEqualTo(ONE);
    // A message without a final line feed gets one: the only change mboxrd makes.
    assertThat(read.get(1).text()).isEqualTo(TWO + "\n");
    for (Read r : read) {
      assertThat(r.message().size()).isEqualTo(r.bytes().length);
      assertThat(r.message().origin()).contains("out.mbox", "line ");
    }
  }

  @Test
  void mboxoShouldUnquoteOnlyLinesWithOneGreaterThanSign() throws IOException {
    Path mbox = dir.resolve("o.mbox");
    Files.writeString(mbox, "From MAILER-DAEMON Fri Jul  8 12:08:34 2011\nSubject: o\n\n>From a\n>>From b\n\n", ISO_8859_1);
    Read o = BoxTesting.readAll(mbox, MailSource.Options.defaults().withMboxVariant(MboxVariant.MBOXO)).get(0);
    assertThat(o.text()).isEqualTo("Subject: o\n\nFrom a\n>>From b\n");
    assertThat(o.message().size()).isEqualTo(o.bytes().length);
    Read rd = BoxTesting.readAll(mbox).get(0);
    assertThat(rd.text()).isEqualTo("Subject: o\n\nFrom a\n>From b\n");
  }

  @Test
  void aFromLineShouldSplitOnlyAfterAnEmptyLineAndContentLengthShouldNotBeTrusted() throws IOException {
    Path mbox = dir.resolve("m.mbox");
    Files.writeString(mbox, "From MAILER-DAEMON Fri Jul  8 12:08:34 2011\nContent-Length: 3\nSubject: a\n\nbody\n"
        + "From inside the body, not after an empty line\n\n"
        + "From \"quoted sender\"@example.com Mon Jun 01 10:00:00 2009\nSubject: b\n\nb\n", ISO_8859_1);
    List<Read> read = BoxTesting.readAll(mbox);
    assertThat(read).extracting(Read::text).containsExactly(
        "Content-Length: 3\nSubject: a\n\nbody\nFrom inside the body, not after an empty line\n", "Subject: b\n\nb\n");
  }

  @Test
  void aFileThatIsNotAnMboxShouldComeOutAsOneFailureNamingTheFile() throws IOException {
    Path notMbox = dir.resolve("x.mbox");
    Files.writeString(notMbox, "Subject: not an mbox\n\nhello\n");
    Files.createDirectories(dir.resolve("tree"));
    Files.move(notMbox, dir.resolve("tree/x.mbox"));
    // In a tree, only files beginning "From " are taken as mbox; this one is ignored, and said so.
    List<String> ignored = new ArrayList<>();
    assertThat(BoxTesting.readAll(dir.resolve("tree"), MailSource.Options.defaults().withIgnored(ignored::add))).isEmpty();
    assertThat(ignored).containsExactly(dir.resolve("tree/x.mbox").toString());
    // Opened as an mbox directly: a failure naming it, not an exception that ends the walk.
    assertThatThrownBy(() -> new MboxReader(dir.resolve("tree/x.mbox"), List.of(), MboxVariant.MBOXRD))
        .hasMessageContaining("x.mbox is not an mbox file");
  }

  @Test
  void everyMboxOfTheTikaTestJarShouldSplitIntoMessagesWithHeaders() throws IOException {
    String[][] expected = {{"complex.mbox", "3"}, {"headers.mbox", "1"}, {"multiline.mbox", "1"},
        {"multiline2.mbox", "1"}, {"quoted.mbox", "1"}, {"simple.mbox", "2"}, {"single_mail.mbox", "1"},
        {"testMBOX_complex.mbox", "1"}, {"testMBOX_lengthy_x-headers.mbox", "1"}};
    for (String[] e : expected) {
      Path copy = dir.resolve(e[0]);
      try (InputStream in = MboxTest.class.getResourceAsStream("/test-documents/" + e[0])) {
        assertThat(in).as(e[0]).isNotNull();
        Files.copy(in, copy);
      }
      List<Read> read = BoxTesting.readAll(copy);
      assertThat(read).as(e[0]).hasSize(Integer.parseInt(e[1]));
      long total = 0;
      for (Read r : read) {
        assertThat(r.bytes()).as(r.message().origin()).isNotNull();
        assertThat(r.message().size()).isEqualTo(r.bytes().length);
        assertThat(r.text()).doesNotStartWith("From ");
        total += r.bytes().length;
      }
      assertThat(total).as(e[0]).isLessThan(Files.size(copy));
    }
  }

  @Test
  void anyMessageShouldSurviveAnMboxrdRoundTripUpToAFinalLineFeed() {
    Gen<String> line = Gens.oneOf(List.of(Gens.constant("From x"), Gens.constant(">From y"), Gens.constant(">>>From z"),
        Gens.constant(""), Gens.constant("From"), Gens.constant(">"), Gens.asciiStrings(12),
        Gens.asciiStrings(3).map(s -> ">" + s + "From ")));
    Gen<List<String>> lines = line.list(0, 12);
    Gen<List<List<String>>> mailbox = lines.list(1, 4);
    PropertyCheck.forAll(mailbox).named("mboxrd round trip").tries(300).check(messages -> {
      try {
        Path mbox = Files.createTempFile(dir, "p", ".mbox");
        Files.delete(mbox);
        List<String> expected = new ArrayList<>();
        try (MailSink sink = MailSink.open(MailSink.Format.MBOX, mbox)) {
          for (List<String> m : messages) {
            String text = "Subject: s\n\n" + String.join("\n", m);
            BoxTesting.write(sink, List.of(), Set.of(), text.getBytes(ISO_8859_1));
            expected.add(text.endsWith("\n") ? text : text + "\n");
          }
        }
        assertThat(BoxTesting.readAll(mbox)).extracting(Read::text).containsExactlyElementsOf(expected);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }
}
