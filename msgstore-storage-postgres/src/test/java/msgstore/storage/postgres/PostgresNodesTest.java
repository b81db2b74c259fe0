package msgstore.storage.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import msgstore.api.ContentRef;
import msgstore.api.EventScope;
import msgstore.api.EventType;
import msgstore.api.Folder;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.OpenFlag;
import msgstore.api.PropTags;
import msgstore.api.SaveFlag;
import msgstore.api.SaveResult;
import msgstore.api.Session;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.api.StoreInfo;
import msgstore.api.Subscription;
import msgstore.engine.EmbeddedMessageStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several nodes (engines, each with its own pool) on one PostgreSQL database: one winner per
 * version across nodes, events across nodes, Flyway run once, blobs streamed and collected safely.
 */
class PostgresNodesTest {
  private static final int CLIENTS = 16;

  @Test
  void schemaShouldBeMigratedOnceWhenTwoNodesOpenAnEmptyDatabaseAtTheSameMoment() throws Exception {
    String db = TestPostgres.emptyDatabase();
    CyclicBarrier together = new CyclicBarrier(2);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<PostgresStorage>> opened = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        opened.add(pool.submit(() -> {
          together.await();
          return PostgresStorage.open(TestPostgres.options(db));
        }));
      }
      for (Future<PostgresStorage> f : opened) {
        f.get(60, TimeUnit.SECONDS).close();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(queryLong(db, "SELECT count(*) FROM msgstore_schema_history WHERE success AND version IS NOT NULL"))
        .as("each migration applied exactly once").isEqualTo(PostgresStorage.LATEST_SCHEMA);
  }

  @Test
  void openShouldFailWithVersionWhenTheSchemaIsNewerThanTheCode() {
    String db = TestPostgres.emptyDatabase(); // not one the other tests share: its history is changed
    PostgresStorage.open(TestPostgres.options(db)).close();
    TestPostgres.execute(db, "INSERT INTO msgstore_schema_history (installed_rank, version, description, type, script,"
        + " installed_by, execution_time, success) VALUES (99, '99', 'from the future', 'SQL', 'V99__future.sql',"
        + " 'test', 0, true)");
    assertThatThrownBy(() -> PostgresStorage.open(TestPostgres.options(db)))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.VERSION))
        .hasMessageContaining("schema version 99");
  }

  @Test
  void savesFromSixteenClientsOnTwoNodesShouldLetExactlyOneWinWhenTheyRaceOneMessage(@TempDir Path dir)
      throws Exception {
    try (Nodes n = Nodes.open(dir)) {
      EmbeddedMessageStore a = n.a();
      EmbeddedMessageStore b = n.b();
      MessageId id = save(n.inbox().createMessage(), "base");
      for (int round = 0; round < 3; round++) {
        List<Message> handles = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
          Message h = (i % 2 == 0 ? a : b).openSession("alice").openMessage(id, OpenFlag.MODIFY);
          h.set(PropTags.SUBJECT, "round " + round + " client " + i);
          handles.add(h);
        }
        CyclicBarrier together = new CyclicBarrier(CLIENTS);
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        List<Future<MapiError>> outcomes = new ArrayList<>();
        try {
          for (Message h : handles) {
            outcomes.add(clients.submit(() -> {
              together.await();
              try {
                h.saveChanges(SaveFlag.KEEP_OPEN_READWRITE);
                return null;
              } catch (StoreException e) {
                return e.error();
              }
            }));
          }
          List<MapiError> errors = new ArrayList<>();
          for (Future<MapiError> f : outcomes) {
            errors.add(f.get(60, TimeUnit.SECONDS));
          }
          assertThat(errors).as("round %d: R33, one winner across both nodes", round).containsOnlyOnce((MapiError) null);
          assertThat(errors.stream().filter(e -> e != null).toList()).as("round %d: the losers", round)
              .hasSize(CLIENTS - 1).containsOnly(MapiError.OBJECT_CHANGED);
        } finally {
          clients.shutdownNow();
          handles.forEach(Message::close);
        }
      }
      assertThat(a.checkIntegrity()).isEmpty();
    }
  }

  @Test
  void subscriberOnNodeBShouldReceiveASaveMadeOnNodeA(@TempDir Path dir) throws Exception {
    try (Nodes n = Nodes.open(dir)) {
      Session onA = n.onA();
      Folder inbox = n.inbox();
      java.util.concurrent.BlockingQueue<StoreEvent> received = new java.util.concurrent.LinkedBlockingQueue<>();
      Subscription subscription = n.b().openSession("alice").subscribe(EventScope.store(n.store().id()), received::add);
      try {
        MessageId id = save(inbox.createMessage(), "made on A");
        StoreEvent e = awaitEvent(received, ev -> ev.type() == EventType.OBJECT_CREATED && ev.messageId().equals(java.util.Optional.of(id)));
        assertThat(e.changeNumber()).as("R79: the event carries the version's cn").isPresent();
        Message m = onA.openMessage(id, OpenFlag.MODIFY);
        m.set(PropTags.SUBJECT, "changed on A");
        SaveResult saved = m.saveChanges();
        StoreEvent modified = awaitEvent(received,
            ev -> ev.type() == EventType.OBJECT_MODIFIED && ev.messageId().equals(java.util.Optional.of(id)));
        assertThat(modified.changeNumber()).contains(saved.changeNumber());
        assertThat(modified.position()).as("journal positions only grow").isGreaterThan(e.position());
      } finally {
        subscription.close();
      }
    }
  }

  @Test
  void eventsShouldBeNeitherLostNorRepeatedWhenTheListeningConnectionOfANodeIsCut(@TempDir Path dir) throws Exception {
    try (Nodes n = Nodes.open(dir)) {
      String db = TestPostgres.databaseFor(dir);
      Folder inbox = n.inbox();
      java.util.concurrent.BlockingQueue<StoreEvent> received = new java.util.concurrent.LinkedBlockingQueue<>();
      Subscription subscription = n.b().openSession("alice").subscribe(EventScope.store(n.store().id()), received::add);
      try {
        List<MessageId> saved = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          if (i % 2 == 0) { // both nodes' LISTEN connections die; notifications sent meanwhile are lost
            TestPostgres.execute(db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                + " WHERE application_name = 'msgstore journal feed' AND datname = current_database()");
          }
          saved.add(save(inbox.createMessage(), "save " + i));
        }
        List<Long> created = new ArrayList<>();
        for (MessageId id : saved) {
          created.add(awaitEvent(received, e -> e.type() == EventType.OBJECT_CREATED
              && e.messageId().equals(java.util.Optional.of(id))).position());
        }
        assertThat(created).as("each save once, in journal order").isSorted().doesNotHaveDuplicates();
        assertThat(received).as("nothing repeated after").noneMatch(e -> e.position() <= created.getLast());
      } finally {
        subscription.close();
      }
    }
  }

  @Test
  void blobShouldStreamInChunksAndStayWholeWhenUploadsRaceCollections(@TempDir Path dir) throws Exception {
    String db = TestPostgres.databaseFor(dir);
    byte[] content = new byte[PostgresBlobs.CHUNK_BYTES * 2 + 12_345];
    new Random(7).nextBytes(content);
    try (PostgresStorage s = PostgresStorage.open(TestPostgres.options(db).withBlobGrace(java.time.Duration.ZERO))) {
      ContentRef ref = s.putBlob(new ByteArrayInputStream(content), content.length);
      try (InputStream in = s.openBlob(ref.sha256())) {
        assertThat(in.readAllBytes()).isEqualTo(content);
      }
      assertThatThrownBy(() -> s.putBlob(new ByteArrayInputStream(content), content.length - 1))
          .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.TOO_BIG));
      ExecutorService racers = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          boolean collector = i % 2 == 0;
          done.add(racers.submit(() -> {
            for (int n = 0; n < 10; n++) {
              if (collector) {
                s.collectGarbage(Instant.now().plusSeconds(60));
              } else {
                s.putBlob(new ByteArrayInputStream(content), content.length);
              }
            }
            return null;
          }));
        }
        for (Future<?> f : done) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        racers.shutdownNow();
      }
      assertThat(s.checkIntegrity()).as("no blob row without all of its chunks").isEmpty();
      s.putBlob(new ByteArrayInputStream(content), content.length);
      try (InputStream in = s.openBlob(ref.sha256())) {
        assertThat(in.readAllBytes()).isEqualTo(content);
      }
      assertThat(s.collectGarbage(Instant.now().plusSeconds(60))).as("unreferenced: collected").isEqualTo(1);
      assertThat(queryLong(db, "SELECT count(*) FROM blob_chunk")).as("its chunks too").isZero();
      assertThatThrownBy(() -> s.openBlob(ref.sha256()))
          .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.NOT_FOUND));
    }
  }

  /** Two nodes on one fresh database, alice's mailbox made on node A. */
  private record Nodes(EmbeddedMessageStore a, EmbeddedMessageStore b, Session onA, StoreInfo store, Folder inbox)
      implements AutoCloseable {
    static Nodes open(Path dir) {
      String db = TestPostgres.databaseFor(dir);
      EmbeddedMessageStore a = PostgresMessageStore.open(TestPostgres.options(db));
      EmbeddedMessageStore b = PostgresMessageStore.open(TestPostgres.options(db));
      Session onA = a.openSession("alice");
      StoreInfo store = onA.createStore("Mailbox - alice");
      return new Nodes(a, b, onA, store, onA.rootFolder(store.id()).subfolder("Inbox").orElseThrow());
    }

    @Override
    public void close() {
      try {
        b.close();
      } finally {
        a.close();
      }
    }
  }

  private static MessageId save(Message m, String subject) {
    try (m) {
      m.set(PropTags.SUBJECT, subject);
      return m.saveChanges().messageId();
    }
  }

  private static StoreEvent awaitEvent(java.util.concurrent.BlockingQueue<StoreEvent> q,
      java.util.function.Predicate<StoreEvent> p) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      StoreEvent e = q.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (e == null) {
        throw new AssertionError("no matching event within 10 s");
      }
      if (p.test(e)) {
        return e;
      }
    }
  }

  private static long queryLong(String db, String sql) throws Exception {
    try (Connection c = TestPostgres.server().getDatabase("postgres", db).getConnection();
        Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
