package msgstore.storage.sqlite;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import msgstore.api.EventType;
import msgstore.api.FolderId;
import msgstore.api.PropTags;
import msgstore.api.StoreEvent;
import msgstore.engine.spi.CommitResult;
import msgstore.engine.spi.StoredFolder;
import msgstore.engine.spi.WriteBatch;
import msgstore.engine.spi.WriteOp;
import msgstore.engine.spi.WriteOp.Expect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Storage.lastDeletionOrMove}: the journal entry that took a message away from its identity,
 * which lets a save of it answer OBJECT_DELETED (R27, R40, R42-R44) rather than NOT_FOUND, and the
 * V3 partial indexes that serve it.
 */
class SqliteLastDeletionOrMoveTest {
  @TempDir Path dir;
  SqliteStorage storage;
  final UUID store = UUID.randomUUID();
  long root;
  long inbox;
  long archive;

  @BeforeEach
  void open() {
    storage = SqliteStorage.open(SqliteStorage.Options.defaults(dir.resolve("store.db")));
    root = commit(new WriteOp.CreateStore(store, "Alice", "alice", List.of("Inbox", "Archive"))).get(0).id();
    List<StoredFolder> top = storage.childFolders(root);
    inbox = top.stream().filter(f -> f.displayName().equals("Inbox")).findFirst().orElseThrow().id();
    archive = top.stream().filter(f -> f.displayName().equals("Archive")).findFirst().orElseThrow().id();
  }

  @AfterEach
  void close() {
    assertThat(storage.checkIntegrity()).isEmpty();
    storage.close();
  }

  private List<CommitResult.OpResult> commit(WriteOp... ops) {
    return storage.commit(WriteBatch.of("alice", ops)).results();
  }

  private long create(long folder, String text) {
    return commit(new WriteOp.PutMessage(0, folder, new Expect.New(), SqliteStorageTest.text(text), "CREATED", 0,
        EventType.OBJECT_CREATED, List.of())).get(0).id();
  }

  private void save(long id, long folder, String text) {
    long cn = storage.findMessage(id).orElseThrow().cn();
    commit(new WriteOp.PutMessage(id, folder, new Expect.AtVersion(cn), SqliteStorageTest.text(text), "SAVED", cn,
        EventType.OBJECT_MODIFIED, List.of(PropTags.SUBJECT.value())));
  }

  private long move(long id, long target) {
    return commit(new WriteOp.MoveMessage(id, target, false, SqliteStorageTest.text("moved"))).get(0).id();
  }

  @Test
  void nothingIsFoundForAMessageThatNeverExistedOrIsLiveOrWasOnlySavedOrCopied() {
    long id = create(inbox, "v1");
    save(id, inbox, "v2");
    commit(new WriteOp.MoveMessage(id, archive, true, SqliteStorageTest.text("copy"))); // a copy keeps the source
    assertThat(storage.lastDeletionOrMove(id)).isEmpty();
    assertThat(storage.lastDeletionOrMove(id + 1000)).isEmpty();
    assertThat(storage.lastDeletionOrMove(0)).isEmpty();
  }

  @Test
  void aSoftDeleteIsFoundWithTheFolderItWasDeletedFrom_R27() {
    long id = create(inbox, "v1");
    long position = commit(new WriteOp.DeleteMessage(id, false, 0)).get(0).position();
    assertThat(storage.lastDeletionOrMove(id)).hasValueSatisfying(e -> {
      assertThat(e.position()).isEqualTo(position);
      assertThat(e.type()).isEqualTo(EventType.OBJECT_DELETED);
      assertThat(e.objectKind()).isEqualTo(StoreEvent.ObjectKind.MESSAGE);
      assertThat(e.id()).isEqualTo(id);
      assertThat(e.storeId().guid()).isEqualTo(store);
      assertThat(e.parentId()).contains(FolderId.of(inbox));
    });
  }

  @Test
  void aHardDeleteIsFoundAndASoftDeleteThenHardDeleteKeepsTheSoftDeletesEntry_R27() {
    long hard = create(inbox, "hard");
    long hardAt = commit(new WriteOp.DeleteMessage(hard, true, 0)).get(0).position();
    assertThat(storage.lastDeletionOrMove(hard)).map(StoreEvent::position).contains(hardAt);

    long twice = create(archive, "twice");
    long softAt = commit(new WriteOp.DeleteMessage(twice, false, 0)).get(0).position();
    commit(new WriteOp.DeleteMessage(twice, true, 0)); // journals nothing: it was deleted already
    assertThat(storage.findMessage(twice)).isEmpty();
    assertThat(storage.lastDeletionOrMove(twice)).hasValueSatisfying(e -> {
      assertThat(e.position()).isEqualTo(softAt);
      assertThat(e.parentId()).contains(FolderId.of(archive));
    });
  }

  @Test
  void theNewestEntryCountsWhenAMessageWasDeletedRestoredAndDeletedAgain() {
    long id = create(inbox, "v1");
    commit(new WriteOp.DeleteMessage(id, false, 0));
    commit(new WriteOp.UndeleteMessage(id));
    long again = commit(new WriteOp.DeleteMessage(id, true, 0)).get(0).position();
    assertThat(storage.lastDeletionOrMove(id)).map(StoreEvent::position).contains(again);
  }

  @Test
  void aMoveIsFoundByTheOldIdWithTheFolderItWasMovedFrom_R43() {
    long id = create(inbox, "v1");
    long moved = move(id, archive);
    assertThat(storage.lastDeletionOrMove(id)).hasValueSatisfying(e -> {
      assertThat(e.type()).isEqualTo(EventType.OBJECT_MOVED);
      assertThat(e.id()).isEqualTo(moved);
      assertThat(e.oldId()).contains(id);
      assertThat(e.oldParentId()).contains(FolderId.of(inbox));
    });
    assertThat(storage.lastDeletionOrMove(moved)).as("the new id is live").isEmpty();
    long again = move(moved, inbox);
    assertThat(storage.lastDeletionOrMove(moved)).hasValueSatisfying(e -> {
      assertThat(e.id()).isEqualTo(again);
      assertThat(e.oldParentId()).contains(FolderId.of(archive));
    });
  }

  @Test
  void deletingTheFolderIsFoundForEachMessageWithTheFolderItWasIn_R44() {
    long sub = commit(new WriteOp.CreateFolder(inbox, "Sub")).get(0).id();
    long inSub = create(sub, "deep");
    long inInbox = create(inbox, "shallow");
    commit(new WriteOp.DeleteFolder(inbox, true));
    assertThat(storage.lastDeletionOrMove(inSub)).hasValueSatisfying(e -> {
      assertThat(e.type()).isEqualTo(EventType.OBJECT_DELETED);
      assertThat(e.parentId()).contains(FolderId.of(sub));
    });
    assertThat(storage.lastDeletionOrMove(inInbox)).hasValueSatisfying(e ->
        assertThat(e.parentId()).contains(FolderId.of(inbox)));
  }

  @Test
  void folderEventsNeverCountForAMessageWithTheSameId() {
    // Folder and message ids are separate sequences: folder x's id may be some message's id.
    long x = commit(new WriteOp.CreateFolder(inbox, "X")).get(0).id();
    long y = commit(new WriteOp.CreateFolder(inbox, "Y")).get(0).id();
    commit(new WriteOp.UpdateFolder(x, null, archive)); // OBJECT_MOVED of a folder, old_id = x
    commit(new WriteOp.DeleteFolder(y, false)); // OBJECT_DELETED of a folder, object_id = y
    assertThat(storage.lastDeletionOrMove(x)).isEmpty();
    assertThat(storage.lastDeletionOrMove(y)).isEmpty();
  }

  @Test
  void theLookupUsesThePartialIndexesAndSavesDoNotWriteThem() throws Exception {
    long id = create(inbox, "v1");
    for (int i = 0; i < 5; i++) {
      save(id, inbox, "v" + (i + 2));
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("store.db"));
        Statement st = c.createStatement()) {
      List<String> plan = new ArrayList<>();
      String sql = SqliteReader.LAST_DELETION_OR_MOVE.replace("?", "1");
      try (ResultSet rs = st.executeQuery("EXPLAIN QUERY PLAN " + sql)) {
        while (rs.next()) {
          plan.add(rs.getString("detail"));
        }
      }
      assertThat(String.join("\n", plan)).contains("journal_message_deleted").contains("journal_by_old_id")
          .doesNotContain("SCAN journal");
      try (ResultSet rs = st.executeQuery("SELECT name, sql FROM sqlite_schema WHERE name IN"
          + " ('journal_message_deleted', 'journal_by_old_id') ORDER BY name")) {
        List<String> defs = new ArrayList<>();
        while (rs.next()) {
          defs.add(rs.getString(1) + ": " + rs.getString(2));
        }
        assertThat(defs).hasSize(2).allSatisfy(d -> assertThat(d).contains(" WHERE "));
      }
      // Partial: the creation and five saves are in the journal but in neither index.
      try (ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM journal),"
          + " (SELECT count(*) FROM journal INDEXED BY journal_message_deleted WHERE type = 8 AND kind = 0),"
          + " (SELECT count(*) FROM journal INDEXED BY journal_by_old_id WHERE old_id IS NOT NULL)")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isGreaterThanOrEqualTo(6);
        assertThat(rs.getLong(2)).isZero();
        assertThat(rs.getLong(3)).isZero();
      }
    }
  }

  @Test
  void aVersionTwoDatabaseMigratesAndFindsItsOlderEntries(@TempDir Path old) throws Exception {
    Path file = old.resolve("v2.db");
    String guid = "00000000-0000-0000-0000-000000000001";
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
      for (String name : List.of("V1__schema.sql", "V2__folder_counts_and_save_io.sql")) {
        try (InputStream in = SqliteSchema.class.getResourceAsStream("/msgstore/storage/sqlite/" + name)) {
          for (String sql : SqliteSchema.statements(new String(in.readAllBytes(), UTF_8))) {
            st.execute(sql);
          }
        }
      }
      st.execute("INSERT INTO store VALUES ('" + guid + "', 'S', 'alice', 1, 0, 2)");
      st.execute("INSERT INTO folder (id, store_guid, parent_id, display_name) VALUES"
          + " (1, '" + guid + "', 0, ''), (2, '" + guid + "', 1, 'Inbox'), (3, '" + guid + "', 1, 'Archive')");
      st.execute("INSERT INTO journal (position, store_guid, type, kind, object_id, parent_id, old_id, old_parent_id,"
          + " cn, at) VALUES (1, '" + guid + "', 8, 0, 7, 2, NULL, NULL, NULL, 0),"
          + " (2, '" + guid + "', 32, 0, 9, 3, 8, 2, 2, 0)");
      st.execute("PRAGMA application_id = " + SqlitePragmas.APPLICATION_ID);
      st.execute("PRAGMA user_version = 2");
    }
    try (SqliteStorage s = SqliteStorage.open(SqliteStorage.Options.defaults(file))) {
      assertThat(s.lastDeletionOrMove(7)).hasValueSatisfying(e -> assertThat(e.parentId()).contains(FolderId.of(2)));
      assertThat(s.lastDeletionOrMove(8)).hasValueSatisfying(e -> {
        assertThat(e.type()).isEqualTo(EventType.OBJECT_MOVED);
        assertThat(e.oldParentId()).contains(FolderId.of(2));
      });
      assertThat(s.lastDeletionOrMove(9)).isEmpty();
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("PRAGMA user_version")) {
      assertThat(rs.getInt(1)).isEqualTo(SqliteSchema.latestVersion());
    }
  }
}
