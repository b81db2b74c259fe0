package msgstore.storage.postgres;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import msgstore.api.EventType;
import msgstore.engine.spi.NewVersion;
import msgstore.engine.spi.WriteBatch;
import msgstore.engine.spi.WriteOp.Expect;
import msgstore.engine.spi.WriteOp;
import msgstore.testkit.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blob references per message on PostgreSQL (ADR 0036): a save that keeps its base's blobs writes
 * no reference row; pruning hands a row to the oldest remaining version that lists the blob, and
 * drops it when none does, so the collector frees what no version refers to.
 */
class PostgresBlobReferenceTest {
  private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(T0);
  private String db;
  private PostgresStorage storage;
  private long inbox;

  @BeforeEach
  void open() {
    db = TestPostgres.databaseFor(dir);
    storage = PostgresStorage.open(TestPostgres.options(db).withClock(clock).withBlobGrace(Duration.ZERO));
    long root = storage.commit(WriteBatch.of("a", new WriteOp.CreateStore(UUID.randomUUID(), "A", "a",
        List.of("Inbox")))).get(0).id();
    inbox = storage.childFolders(root).get(0).id();
  }

  @AfterEach
  void close() {
    assertThat(storage.checkIntegrity()).isEmpty();
    storage.close();
  }

  private String put(String text) {
    return storage.putBlob(new ByteArrayInputStream(text.getBytes(UTF_8)), 1 << 20).sha256();
  }

  private long create(String... shas) {
    return storage.commit(WriteBatch.of("a", new WriteOp.PutMessage(0, inbox, new Expect.New(), ctx -> new NewVersion(
        "v1".getBytes(UTF_8), new NewVersion.Columns("v1", null, null, null, 1, null, null, shas.length > 0),
        List.of(shas), 0), "CREATED", 0, EventType.OBJECT_CREATED, List.of()))).get(0).id();
  }

  /** Saves {@code id} from its current version; returns the new change number. */
  private long save(long id, String text, String... shas) {
    long cn = storage.findMessageRow(id).orElseThrow().cn();
    storage.commit(WriteBatch.of("a", new WriteOp.PutMessage(id, inbox, new Expect.AtVersion(cn), ctx -> new NewVersion(
        text.getBytes(UTF_8), new NewVersion.Columns(text, null, null, null, 2, null, null, shas.length > 0),
        List.of(shas), 0), "SAVED", cn, EventType.OBJECT_MODIFIED, List.of())));
    return storage.findMessageRow(id).orElseThrow().cn();
  }

  private List<String> rows(long id) throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = TestPostgres.server().getDatabase("postgres", db).getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT cn, sha FROM version_blob WHERE message_id = " + id
            + " ORDER BY cn, sha")) {
      while (rs.next()) {
        out.add(rs.getLong(1) + " " + rs.getString(2));
      }
    }
    return out;
  }

  private void sql(String statement) throws Exception {
    try (Connection c = TestPostgres.server().getDatabase("postgres", db).getConnection();
        Statement st = c.createStatement()) {
      st.execute(statement);
    }
  }

  @Test
  void saveThatKeepsTheBlobsOfItsBaseShouldWriteNoReferenceRowAndPruneShouldHandTheRowOn() throws Exception {
    String a = put("an attachment that comes and goes");
    String b = put("a second attachment");
    long id = create(a);
    long v1 = storage.findMessageRow(id).orElseThrow().cn();
    save(id, "v2 without it");
    long v3 = save(id, "v3 with it again", a);
    long v4 = save(id, "v4 with both", a, b);
    assertThat(rows(id)).as("one row per message and blob").containsExactly(v1 + " " + a, v4 + " " + b);
    clock.advance(Duration.ofDays(2));

    assertThat(storage.pruneHistory(clock.instant(), 2)).as("v1 and v2 pruned").isEqualTo(2);
    assertThat(rows(id)).as("v1's row passed to v3").containsExactly(v3 + " " + a, v4 + " " + b);
    assertThat(storage.collectGarbage(clock.instant())).isZero();
    assertThat(storage.checkIntegrity()).isEmpty();

    save(id, "v5 without either");
    clock.advance(Duration.ofDays(2));
    assertThat(storage.pruneHistory(clock.instant(), 1)).as("v3 and v4 pruned").isEqualTo(2);
    assertThat(rows(id)).as("no remaining version refers to either").isEmpty();
    assertThat(storage.collectGarbage(clock.instant())).isEqualTo(2);
  }

  @Test
  void versionsFromBeforeSchemaFiveShouldKeepTheirOwnRowsAndHandTheOldestOn() throws Exception {
    String a = put("an attachment of the old days");
    long id = create(a);
    long v1 = storage.findMessageRow(id).orElseThrow().cn();
    long v2 = save(id, "v2", a);
    // As written before schema version 5: no list, a row for every version.
    sql("UPDATE message_version SET blobs = NULL WHERE message_id = " + id);
    sql("INSERT INTO version_blob (message_id, cn, sha) VALUES (" + id + ", " + v2 + ", '" + a + "')");
    assertThat(storage.checkIntegrity()).isEmpty();
    long v3 = save(id, "v3, the first with a list", a);
    assertThat(rows(id)).as("the message refers to it already").containsExactly(v1 + " " + a, v2 + " " + a);
    clock.advance(Duration.ofDays(2));

    assertThat(storage.pruneHistory(clock.instant(), 1)).isEqualTo(2);
    assertThat(rows(id)).containsExactly(v3 + " " + a);
    assertThat(storage.collectGarbage(clock.instant())).isZero();
  }

  @Test
  void integrityCheckShouldReportAVersionWhoseBlobHasNoReferenceRow() throws Exception {
    String a = put("referred to");
    long id = create(a);
    long cn = storage.findMessageRow(id).orElseThrow().cn();
    sql("DELETE FROM version_blob");
    assertThat(storage.checkIntegrity()).containsExactly("message " + id + " cn " + cn + ": refers to blob " + a
        + " but the message holds no reference to it (the blob could be collected)");
    sql("INSERT INTO version_blob (message_id, cn, sha) VALUES (" + id + ", " + cn + ", '" + a + "')");
  }
}
