package msgstore.mime.box;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import msgstore.mime.box.BoxTesting.Read;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Maildir reading (cur/new, info flags, Maildir++ and nested folders) and writing. */
class MaildirTest {
  @TempDir
  Path dir;

  private static void file(Path p, String text) throws IOException {
    Files.createDirectories(p.getParent());
    Files.writeString(p, text, UTF_8);
  }

  @Test
  void flagsShouldComeFromTheInfoPartAndFoldersFromMaildirPlusPlusAndNesting() throws IOException {
    Path md = dir.resolve("Maildir");
    Files.createDirectories(md.resolve("tmp"));
    file(md.resolve("new/1700000002.M1P1.host"), "Subject: new\n\nn\n");
    file(md.resolve("cur/1700000001.M1P1.host:2,FRS"), "Subject: seen flagged replied\n\nc\n");
    file(md.resolve("cur/1700000003.M1P1.host:2,DPT"), "Subject: draft passed trashed\n\nd\n");
    file(md.resolve("tmp/1700000004.M1P1.host"), "Subject: still being delivered\n\nt\n");
    file(md.resolve(".Work.2026/cur/1700000005.M1P1.host:2,S"), "Subject: in Work/2026\n\nw\n");
    file(md.resolve(".Caf&AOk-/new/1700000006.M1P1.host"), "Subject: in Cafe\n\nx\n");
    file(md.resolve("Archive/cur/1700000007.M1P1.host:2,"), "Subject: nested Maildir\n\na\n");

    List<Read> read = BoxTesting.readAll(md);
    assertThat(read).extracting(r -> r.text().lines().findFirst().orElseThrow()).containsExactly(
        "Subject: seen flagged replied", "Subject: new", "Subject: draft passed trashed", "Subject: in Cafe",
        "Subject: in Work/2026", "Subject: nested Maildir");
    assertThat(read).extracting(r -> r.message().flags()).containsExactly(
        Set.of(Flag.READ, Flag.FLAGGED, Flag.ANSWERED), Set.of(), Set.of(Flag.DRAFT, Flag.TRASHED), Set.of(),
        Set.of(Flag.READ), Set.of());
    assertThat(read).extracting(r -> r.message().folderPath()).containsExactly(
        List.of(), List.of(), List.of(), List.of("Café"), List.of("Work", "2026"), List.of("Archive"));
    for (Read r : read) {
      assertThat(r.message().size()).isEqualTo(r.bytes().length);
    }
  }

  @Test
  void aMaildirWrittenThenReadShouldGiveBackTheSameMessagesFlagsAndFolders() throws IOException {
    Path md = dir.resolve("out");
    try (MailSink sink = MailSink.open(MailSink.Format.MAILDIR, md)) {
      BoxTesting.write(sink, List.of(), Set.of(Flag.READ, Flag.ANSWERED), "Subject: a\n\na\n".getBytes(UTF_8));
      BoxTesting.write(sink, List.of("Lists", "dev.java"), Set.of(), "Subject: b\n\nb\n".getBytes(UTF_8));
      BoxTesting.write(sink, List.of("Émigrés & co"), Set.of(Flag.FLAGGED), "Subject: c\n\nc\n".getBytes(UTF_8));
    }
    assertThat(md.resolve("tmp")).isEmptyDirectory();
    assertThat(md.resolve(".Lists.dev&AC4-java/maildirfolder")).exists();
    assertThat(Files.list(md.resolve("cur")).toList()).singleElement()
        .satisfies(p -> assertThat(p.getFileName().toString()).endsWith(":2,RS"));
    List<Read> read = BoxTesting.readAll(md);
    // Subfolders come in the order of their encoded names: ".&AMk-migr..." before ".Lists...".
    assertThat(read).extracting(Read::text).containsExactly("Subject: a\n\na\n", "Subject: c\n\nc\n", "Subject: b\n\nb\n");
    assertThat(read).extracting(r -> r.message().folderPath()).containsExactly(
        List.of(), List.of("Émigrés & co"), List.of("Lists", "dev.java"));
    assertThat(read).extracting(r -> r.message().flags()).containsExactly(
        Set.of(Flag.READ, Flag.ANSWERED), Set.of(Flag.FLAGGED), Set.of());
  }

  @Test
  void modifiedUtf7ShouldRoundTripAnyNameAndKeepMalformedInputAsItIs() {
    for (String name : List.of("Inbox", "a&b", "Café", "日本語", "dots.and/slashes", "emoji 😀", "")) {
      assertThat(MUtf7.decode(MUtf7.encode(name, "./"))).isEqualTo(name);
    }
    assertThat(MUtf7.encode("Café", "")).isEqualTo("Caf&AOk-");
    assertThat(MUtf7.decode("broken&***-x")).isEqualTo("broken&***-x");
  }
}
