package msgstore.mime.box;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import msgstore.mime.box.BoxTesting.Read;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Directory trees mixing .eml, mbox and Maildir; .eml directories written and read back. */
class MailTreeTest {
  @TempDir
  Path dir;

  private static void file(Path p, String text) throws IOException {
    Files.createDirectories(p.getParent());
    Files.writeString(p, text, UTF_8);
  }

  @Test
  void aTreeShouldYieldEveryMessageWithSubdirectoriesAsFoldersAndReportFilesThatAreNotMail() throws IOException {
    Path root = dir.resolve("mail");
    file(root.resolve("a.eml"), "Subject: a\n\na\n");
    file(root.resolve("notes.txt"), "not mail\n");
    file(root.resolve("Projects/b.EML"), "Subject: b\n\nb\n");
    file(root.resolve("Lists.mbox"), "From x Mon Jun 01 10:00:00 2009\nSubject: c\n\nc\n\nFrom y Mon Jun 01 10:00:00 2009\n"
        + "Subject: d\n\nd\n");
    file(root.resolve("Lists.mbox.sbd/Java"), "From x Mon Jun 01 10:00:00 2009\nSubject: e\n\ne\n");
    file(root.resolve("Lists.msf"), "// Thunderbird index\n");
    file(root.resolve("Old/cur/1.M1P1.h:2,S"), "Subject: f\n\nf\n");

    List<String> ignored = new ArrayList<>();
    List<Read> read = BoxTesting.readAll(root, MailSource.Options.defaults().withIgnored(ignored::add));
    assertThat(read).extracting(r -> r.message().folderPath() + " " + r.text().lines().findFirst().orElseThrow())
        .containsExactly("[Lists] Subject: c", "[Lists] Subject: d", "[Lists, Java] Subject: e", "[Old] Subject: f",
            "[Projects] Subject: b", "[] Subject: a"); // by file name, in code point order
    assertThat(ignored).containsExactly(root.resolve("Lists.msf").toString(), root.resolve("notes.txt").toString());
    assertThat(read).allSatisfy(r -> assertThat(r.message().kind()).isEqualTo(SourceMessage.Kind.RFC822));
  }

  @Test
  void aSingleFileShouldBeOneMessageInTheTargetFolderAndAMsgFileShouldBeMarkedAsOutlook() throws IOException {
    file(dir.resolve("one"), "Subject: one\n\nbody\n");
    file(dir.resolve("x.msg"), "not really a compound file");
    assertThat(BoxTesting.readAll(dir.resolve("one"))).singleElement()
        .satisfies(r -> assertThat(r.message().folderPath()).isEmpty());
    assertThat(BoxTesting.readAll(dir.resolve("x.msg"))).singleElement()
        .satisfies(r -> assertThat(r.message().kind()).isEqualTo(SourceMessage.Kind.OUTLOOK_MSG));
  }

  @Test
  void anEmlDirectoryWrittenThenReadShouldGiveBackTheSameMessagesAndFolders() throws IOException {
    Path out = dir.resolve("eml");
    try (MailSink sink = MailSink.open(MailSink.Format.EML, out)) {
      BoxTesting.write(sink, List.of(), Set.of(), "Subject: a\n\na\n".getBytes(UTF_8));
      BoxTesting.write(sink, List.of("Sub", "Deeper"), Set.of(), "Subject: b\n\nb\n".getBytes(UTF_8));
      BoxTesting.write(sink, List.of(), Set.of(), "Subject: c\n\nc\n".getBytes(UTF_8));
    }
    assertThat(out.resolve("000001.eml")).hasContent("Subject: a\n\na\n");
    assertThat(Files.getLastModifiedTime(out.resolve("000001.eml")).toInstant())
        .isEqualTo(java.time.Instant.parse("2026-11-22T10:00:00Z"));
    assertThat(BoxTesting.readAll(out)).extracting(r -> r.message().folderPath() + " " + r.text().strip())
        .containsExactly("[] Subject: a\n\na", "[] Subject: c\n\nc", "[Sub, Deeper] Subject: b\n\nb");
  }

  @Test
  void aMessageWhoseWriterFailsShouldLeaveNothingBehindInAnyFormat() throws IOException {
    for (MailSink.Format f : MailSink.Format.values()) {
      Path out = dir.resolve("fail-" + f);
      try (MailSink sink = MailSink.open(f, out)) {
        BoxTesting.write(sink, List.of(), Set.of(), "Subject: kept\n\nk\n".getBytes(UTF_8));
        try {
          sink.add(List.of(), Set.of(), java.time.Instant.now(), "", o -> {
            o.write("Subject: half\n\nhalf of it".getBytes(UTF_8));
            throw new IOException("the store went away");
          });
        } catch (IOException expected) {
          assertThat(expected).hasMessage("the store went away");
        }
      }
      assertThat(BoxTesting.readAll(out)).as(f.toString()).extracting(Read::text).containsExactly("Subject: kept\n\nk\n");
    }
  }
}
