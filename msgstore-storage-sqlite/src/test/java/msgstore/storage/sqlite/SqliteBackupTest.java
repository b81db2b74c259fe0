package msgstore.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import msgstore.api.Attachment;
import msgstore.api.Folder;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.PropTags;
import msgstore.api.Session;
import msgstore.api.StoreException;
import msgstore.api.StoreInfo;
import msgstore.engine.EmbeddedMessageStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SqliteBackup}: an online copy beside an open store, and its restore (issue 7). */
class SqliteBackupTest {
  @TempDir
  Path dir;

  /** Content over the staging limit: stored as a blob file, which a backup copies. */
  private static String asFile(String content) {
    return content + " ".repeat(SqliteStaging.MAX_BYTES);
  }

  private static MessageId saveWithAttachment(Folder f, String subject, String content) {
    Message m = f.createMessage();
    m.set(PropTags.SUBJECT, subject);
    Attachment a = m.createAttachment();
    a.writeContent(new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)));
    a.saveChanges();
    return m.saveChanges().messageId();
  }

  @Test
  void aBackupTakenWhileTheStoreCommitsShouldRestoreToASoundStoreWithItsBlobs() throws Exception {
    Path file = dir.resolve("live/msgstore.db");
    Map<MessageId, String> saved = new HashMap<>();
    try (EmbeddedMessageStore store = SqliteMessageStore.open(file); Session s = store.openSession("alice")) {
      StoreInfo info = s.createStore("Alice");
      Folder inbox = s.rootFolder(info.id()).subfolder("Inbox").orElseThrow();
      for (int i = 0; i < 20; i++) { // half as blob files, half inline in the database (ADR 0022)
        String content = "attachment " + i;
        saved.put(saveWithAttachment(inbox, "before " + i, i % 2 == 0 ? asFile(content) : content), "before " + i);
      }
      AtomicBoolean stop = new AtomicBoolean();
      List<Throwable> writerFailures = new ArrayList<>();
      Thread writer = Thread.ofPlatform().start(() -> {
        try (Session w = store.openSession("alice")) {
          Folder in = w.rootFolder(info.id()).subfolder("Inbox").orElseThrow();
          for (int i = 0; !stop.get(); i++) {
            saveWithAttachment(in, "during " + i, i % 2 == 0 ? asFile("during " + i) : "during " + i);
          }
        } catch (Throwable t) {
          writerFailures.add(t);
        }
      });
      SqliteBackup.Result result;
      try {
        result = SqliteBackup.backup(file, dir.resolve("backup/msgstore.db"));
      } finally {
        stop.set(true);
        writer.join();
      }
      assertThat(writerFailures).isEmpty();
      assertThat(result.blobs()).isGreaterThanOrEqualTo(10);
      assertThat(result.messages()).isGreaterThanOrEqualTo(20);

      long head = SqliteBackup.restore(dir.resolve("backup/msgstore.db"), dir.resolve("restored/msgstore.db"));

      assertThat(head).isEqualTo(result.journalHead());
      try (EmbeddedMessageStore restored = SqliteMessageStore.open(dir.resolve("restored/msgstore.db"));
          Session r = restored.openSession("alice")) {
        for (Map.Entry<MessageId, String> e : saved.entrySet()) {
          Message m = r.openMessage(e.getKey());
          assertThat(m.getProp(PropTags.SUBJECT).orElseThrow().value()).isEqualTo(e.getValue());
          try (var in = m.openAttachment(0).openContent().orElseThrow()) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).startsWith("attachment ");
          }
        }
        assertThat(r.journalPosition(info.id())).isEqualTo(head);
      }
    }
  }

  @Test
  void aBackupShouldRefuseAnExistingTargetAndARestoreAnExistingStore() throws IOException {
    Path file = dir.resolve("msgstore.db");
    try (EmbeddedMessageStore store = SqliteMessageStore.open(file)) {
      assertThat(store.toString()).isNotEmpty(); // open: the backup and restore below run beside it
      Files.writeString(dir.resolve("taken.db"), "x");
      assertThatThrownBy(() -> SqliteBackup.backup(file, dir.resolve("taken.db")))
          .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.COLLISION))
          .hasMessageContaining("taken.db");
      SqliteBackup.backup(file, dir.resolve("b.db"));
      assertThatThrownBy(() -> SqliteBackup.restore(dir.resolve("b.db"), dir.resolve("taken.db")))
          .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.COLLISION));
      assertThat(Files.readString(dir.resolve("taken.db"))).isEqualTo("x");
    }
  }

  @Test
  void aRestoreOfADamagedBlobShouldFailAndLeaveNothing() throws IOException {
    Path file = dir.resolve("msgstore.db");
    try (EmbeddedMessageStore store = SqliteMessageStore.open(file); Session s = store.openSession("alice")) {
      StoreInfo info = s.createStore("Alice");
      saveWithAttachment(s.rootFolder(info.id()).subfolder("Inbox").orElseThrow(), "one", asFile("the content"));
    }
    SqliteBackup.backup(file, dir.resolve("b/msgstore.db"));
    try (var blobs = Files.walk(SqliteBackup.blobDirectory(dir.resolve("b/msgstore.db")))) {
      Path blob = blobs.filter(Files::isRegularFile).findFirst().orElseThrow();
      Files.writeString(blob, "tampered");
    }

    assertThatThrownBy(() -> SqliteBackup.restore(dir.resolve("b/msgstore.db"), dir.resolve("r/msgstore.db")))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.CORRUPT_DATA))
        .hasMessageContaining("damaged");
    assertThat(dir.resolve("r/msgstore.db")).doesNotExist();
    assertThat(SqliteBackup.blobDirectory(dir.resolve("r/msgstore.db"))).doesNotExist();
  }

  @Test
  void aBackupOfAStoreMissingAReferencedBlobShouldFailNamingItAfterRetrying() throws IOException {
    Path file = dir.resolve("msgstore.db");
    try (EmbeddedMessageStore store = SqliteMessageStore.open(file); Session s = store.openSession("alice")) {
      StoreInfo info = s.createStore("Alice");
      saveWithAttachment(s.rootFolder(info.id()).subfolder("Inbox").orElseThrow(), "one", asFile("the content"));
    }
    String sha;
    try (var blobs = Files.walk(SqliteBackup.blobDirectory(file))) {
      Path blob = blobs.filter(Files::isRegularFile).findFirst().orElseThrow();
      sha = blob.getFileName().toString();
      Files.delete(blob);
    }

    assertThatThrownBy(() -> SqliteBackup.backup(file, dir.resolve("b/msgstore.db")))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.CORRUPT_DATA))
        .hasMessageContaining(sha).hasMessageContaining(SqliteBackup.MAX_ATTEMPTS + " snapshots");
    assertThat(dir.resolve("b/msgstore.db")).doesNotExist();
  }
}
