package msgstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import msgstore.api.Folder;
import msgstore.api.Message;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Session;
import msgstore.api.TableRow;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.storage.sqlite.SqliteMessageStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code msgstore import} of real Outlook .msg files (Apache Tika's test documents) and of broken ones. */
class MsgImportCommandTest {
  private static final Editor NO_EDITOR = (file, interactive, log) -> {
    throw new AssertionError("no editor expected");
  };
  private static final String[] MSGS = {"testMSG.msg", "test-outlook2003.msg", "testMSG_att_msg.msg",
      "testMSG_chinese.msg", "testMSG_Appointment.msg"};

  @TempDir
  Path dir;

  @Test
  void importShouldTakeOutlookMsgFilesReportABrokenOneByNameAndSkipThemTheSecondTime() throws IOException {
    Path db = dir.resolve("a.db");
    try (EmbeddedMessageStore store = SqliteMessageStore.open(db); Session s = store.openSession("alice")) {
      s.createStore("Alice");
    }
    Path mail = Files.createDirectories(dir.resolve("mail"));
    byte[] outlook2003 = null;
    for (String name : MSGS) {
      try (InputStream in = getClass().getResourceAsStream("/test-documents/" + name)) {
        byte[] b = in.readAllBytes();
        Files.write(mail.resolve(name), b);
        if (name.equals("test-outlook2003.msg")) {
          outlook2003 = b;
        }
      }
    }
    Path truncated = mail.resolve("truncated.msg");
    Files.write(truncated, Arrays.copyOf(outlook2003, outlook2003.length / 2));
    Path notOle2 = mail.resolve("not-ole2.msg");
    Files.writeString(notOle2, "Subject: I am not a .msg\r\n\r\nbody\r\n");

    CliRun first = CliRun.run(Map.of("USER", "alice"), "", NO_EDITOR,
        "import", "--store", db.toString(), "--folder", "/Outlook", mail.toString());
    assertThat(first.code()).as(first.toString()).isEqualTo(MailTransfer.EXIT_SOME_FAILED);
    assertThat(first.out()).as(first.toString()).contains("imported " + MSGS.length + " messages", "2 failed",
        "failed: " + truncated + ": MAPI_E_INVALID_PARAMETER: not ",
        "failed: " + notOle2 + ": MAPI_E_INVALID_PARAMETER: not an Outlook .msg file");
    List<String> subjects = subjects(db);
    assertThat(subjects).hasSize(MSGS.length).contains("Alfresco MSG format testing ( MSG 格式測試 )");

    CliRun again = CliRun.run(Map.of("USER", "alice"), "", NO_EDITOR,
        "import", "--store", db.toString(), "--folder", "/Outlook", mail.toString());
    assertThat(again.out()).as(again.toString()).contains("imported 0 messages",
        MSGS.length + " skipped as already present");
    assertThat(subjects(db)).isEqualTo(subjects);
  }

  private static List<String> subjects(Path db) {
    List<String> out = new ArrayList<>();
    try (EmbeddedMessageStore store = SqliteMessageStore.open(db); Session s = store.openSession("alice")) {
      Folder f = s.rootFolder(s.stores().get(0).id()).subfolder("Outlook").orElseThrow();
      for (TableRow r : f.contentsTable().queryRows(0, 100)) {
        try (Message m = s.openMessage(r.messageId())) {
          out.add(m.getProp(PropTags.SUBJECT).map(PropValue::asString).orElse(""));
        }
      }
    }
    out.sort(null);
    return out;
  }
}
