package msgstore.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Sections, BODYSTRUCTURE and ENVELOPE (RFC 9051 6.4.5, 7.5.2) of messages given as wire bytes. */
class ImapBodyStructureTest {
  static final String MULTIPART = """
      From: =?UTF-8?Q?J=C3=B6rg?= <jorg@example.org>
      To: alice@example.com, "Bob B" <bob@example.com>
      Subject: Report
      Date: Sat, 05 Dec 2026 10:00:00 +0000
      Message-ID: <r1@example.org>
      MIME-Version: 1.0
      Content-Type: multipart/mixed; boundary="b1"

      preamble
      --b1
      Content-Type: text/plain; charset=utf-8

      Hello
      there
      --b1
      Content-Type: application/pdf; name="r.pdf"
      Content-Disposition: attachment; filename="r.pdf"
      Content-Transfer-Encoding: base64

      JVBERi0=
      --b1--
      """.replace("\n", "\r\n");

  private static MimePart parse(String s) {
    return MimePart.parse(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void partsShouldBeTheOctetsBetweenTheBoundaryLines() {
    MimePart m = parse(MULTIPART);
    assertThat(text(m.part(List.of(1)).text())).isEqualTo("Hello\r\nthere");
    assertThat(text(m.part(List.of(2)).header())).isEqualTo(
        "Content-Type: application/pdf; name=\"r.pdf\"\r\nContent-Disposition: attachment; filename=\"r.pdf\"\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n");
    assertThat(text(m.part(List.of(2)).text())).isEqualTo("JVBERi0=");
    assertThat(m.part(List.of(3))).isNull();
    assertThat(text(m.whole())).isEqualTo(MULTIPART);
  }

  @Test
  void headerFieldsShouldKeepTheNamedLinesAndEndWithABlankLine() {
    MimePart m = parse(MULTIPART);
    assertThat(text(m.headerFields(Set.of("SUBJECT", "TO"), false)))
        .isEqualTo("To: alice@example.com, \"Bob B\" <bob@example.com>\r\nSubject: Report\r\n\r\n");
    assertThat(text(m.headerFields(Set.of("FROM", "TO", "DATE", "MESSAGE-ID", "MIME-VERSION", "CONTENT-TYPE"), true)))
        .isEqualTo("Subject: Report\r\n\r\n");
  }

  @Test
  void bodyStructureShouldDescribeEveryPartWithSizesAndLines() {
    Out o = new Out();
    parse(MULTIPART).bodyStructure(o, true);
    assertThat(text(o.bytes())).isEqualTo(
        "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 12 2 NIL NIL NIL NIL)"
            + "(\"APPLICATION\" \"PDF\" (\"NAME\" \"r.pdf\") NIL NIL \"BASE64\" 8 NIL (\"ATTACHMENT\" (\"FILENAME\" \"r.pdf\")) NIL NIL)"
            + " \"MIXED\" (\"BOUNDARY\" \"b1\") NIL NIL NIL)");
  }

  @Test
  void envelopeShouldHoldTheRawHeaderValuesAndParsedAddresses() {
    Out o = new Out();
    parse(MULTIPART).envelope(o);
    assertThat(text(o.bytes())).isEqualTo(
        "(\"Sat, 05 Dec 2026 10:00:00 +0000\" \"Report\" "
            + "((\"=?UTF-8?Q?J=C3=B6rg?=\" NIL \"jorg\" \"example.org\")) "
            + "((\"=?UTF-8?Q?J=C3=B6rg?=\" NIL \"jorg\" \"example.org\")) "
            + "((\"=?UTF-8?Q?J=C3=B6rg?=\" NIL \"jorg\" \"example.org\")) "
            + "((NIL NIL \"alice\" \"example.com\")(\"Bob B\" NIL \"bob\" \"example.com\")) NIL NIL NIL \"<r1@example.org>\")");
  }

  @Test
  void aMessageWithoutContentTypeShouldBeTextPlainUsAscii() {
    Out o = new Out();
    MimePart m = parse("Subject: x\r\n\r\nbody\r\n");
    m.bodyStructure(o, false);
    assertThat(text(o.bytes())).isEqualTo("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 6 1)");
    assertThat(text(m.part(List.of(1)).text())).isEqualTo("body\r\n");
  }
}
