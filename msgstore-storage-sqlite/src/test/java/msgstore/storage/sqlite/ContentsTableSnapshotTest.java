package msgstore.storage.sqlite;

import static msgstore.api.PropTags.BODY;
import static msgstore.api.PropTags.SUBJECT;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import msgstore.api.ContentsTable;
import msgstore.api.Folder;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.OpenFlag;
import msgstore.api.PropTags;
import msgstore.api.Restriction;
import msgstore.api.Session;
import msgstore.api.SortOrder;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.engine.EngineOptions;
import msgstore.engine.ServerSupport;
import msgstore.storage.sqlite.SqliteStorage.Durability;
import msgstore.testkit.Stress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Contents tables that the index cannot serve (a restriction, or several sort keys) scan the
 * folder; the scan reads one snapshot ({@code Storage.scanFolder}), so a query racing moves and
 * saves never sees a message twice, misses one, or counts rows that never existed together; a
 * page and its row count ({@link ServerSupport#queryTable}, what HTTP answers) come from one
 * snapshot too, from the index or from the scan.
 */
class ContentsTableSnapshotTest {
  private static final long TIMEOUT_SECONDS = 120;

  @Test
  void restrictedContentsTableShouldReadOneSnapshotWhenMovesAndSavesCommitDuringTheQuery(@TempDir Path dir)
      throws Exception {
    int n = Stress.scale(300, 2000);
    int queries = Stress.scale(5, 200);
    try (EmbeddedMessageStore store = SqliteMessageStore.open(SqliteStorage.Options.defaults(dir.resolve("store.db"))
            .withDurability(Durability.RELAXED_MAY_LOSE_RECENT_COMMITS_ON_POWER_LOSS),
            EngineOptions.defaults().withMaintenanceInterval(Duration.ZERO));
        Session owner = store.openSession("alice")) {
      Folder inbox = owner.rootFolder(owner.createStore("Alice").id()).subfolder("Inbox").orElseThrow();
      Folder a = inbox.createFolder("Snapshot A");
      Folder b = inbox.createFolder("Snapshot B");
      List<MessageId> ids = Collections.synchronizedList(new ArrayList<>(Collections.nCopies(n, (MessageId) null)));
      List<Callable<List<String>>> creators = new ArrayList<>();
      for (int c = 0; c < 4; c++) { // several committers share group commits
        int first = c;
        creators.add(() -> {
          for (int k = first; k < n; k += 4) {
            String token = String.format("token %05d", k);
            try (Message m = a.createMessage()) {
              m.set(SUBJECT, token);
              m.set(BODY, token);
              ids.set(k, m.saveChanges().messageId());
            }
          }
          return List.of();
        });
      }
      race(creators);
      AtomicBoolean reading = new AtomicBoolean(true);
      AtomicInteger readersLeft = new AtomicInteger(3);
      AtomicInteger moves = new AtomicInteger();
      AtomicInteger saves = new AtomicInteger();
      List<Callable<List<String>>> tasks = new ArrayList<>();
      tasks.add(() -> { // one message at a time leaves A and comes back under a new id (R43)
        try (Session mover = store.openSession("alice")) {
          for (int k = 0; reading.get(); k = (k + 2) % n) {
            MessageId out = mover.moveMessage(ids.get(k), b.id());
            ids.set(k, mover.moveMessage(out, a.id()));
            moves.addAndGet(2);
          }
        } finally {
          reading.set(false);
        }
        return List.of();
      });
      tasks.add(() -> { // other messages of A get new versions with the same subject
        try (Session saver = store.openSession("alice")) {
          for (int k = 1; reading.get(); k = (k + 2) % n) {
            try (Message m = saver.openMessage(ids.get(k), OpenFlag.MODIFY)) {
              m.set(BODY, "saved " + saves.incrementAndGet());
              m.saveChanges();
            }
          }
        }
        return List.of();
      });
      for (int r = 0; r < 3; r++) {
        int kind = r; // 0: restricted, 1: sorted in memory on two keys, 2: one indexed sort key
        tasks.add(() -> {
          List<String> problems = new ArrayList<>();
          try (Session reader = store.openSession("alice")) {
            ContentsTable t = reader.openFolder(a.id()).contentsTable().setColumns(List.of(SUBJECT, PropTags.MESSAGE_SIZE));
            switch (kind) {
              case 0 -> t.restrict(Restriction.contains(SUBJECT, "token")).sortBy(List.of(SortOrder.ascending(SUBJECT)));
              case 1 -> t.sortBy(List.of(SortOrder.ascending(SUBJECT), SortOrder.descending(PropTags.MESSAGE_SIZE)));
              default -> t.sortBy(List.of(SortOrder.ascending(SUBJECT)));
            }
            for (int q = 0; q < queries; q++) {
              // the HTTP answer's shape: the row count and the rows together (ServerSupport.queryTable)
              ServerSupport.TablePage page = kind == 1
                  ? new ServerSupport.TablePage(n, t.queryRows(0, n + 10))
                  : ServerSupport.queryTable(t, 0, n + 10);
              List<String> tokens = page.rows().stream()
                  .map(row -> (String) row.get(SUBJECT).orElseThrow().rawValue()).toList();
              if (tokens.size() != n && tokens.size() != n - 1) {
                problems.add("query " + q + " returned " + tokens.size() + " rows; only " + (n - 1) + " or " + n
                    + " ever existed");
              }
              if (kind != 1 && page.rowCount() != tokens.size()) {
                problems.add("query " + q + " counted " + page.rowCount() + " rows but returned " + tokens.size());
              }
              if (Set.copyOf(tokens).size() != tokens.size()) {
                problems.add("query " + q + " returned a message twice");
              }
              if (!tokens.equals(tokens.stream().sorted().toList())) {
                problems.add("query " + q + " is not sorted by subject");
              }
            }
          } finally {
            if (readersLeft.decrementAndGet() == 0) {
              reading.set(false);
            }
          }
          return problems;
        });
      }
      List<List<String>> results = race(tasks);
      assertThat(moves.get()).as("moves committed while the tables were read").isPositive();
      assertThat(saves.get()).as("saves committed while the tables were read").isPositive();
      assertThat(results.get(2)).as("restricted table").isEmpty();
      assertThat(results.get(3)).as("table sorted in memory on two keys").isEmpty();
      assertThat(results.get(4)).as("table paged from the index").isEmpty();
      assertThat(store.checkIntegrity()).isEmpty();
    }
  }

  /** Runs the tasks on their own threads, released together by a barrier; their results in order. */
  private static <T> List<T> race(List<Callable<T>> tasks) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
    try {
      CyclicBarrier start = new CyclicBarrier(tasks.size());
      List<Future<T>> futures = new ArrayList<>();
      for (Callable<T> t : tasks) {
        futures.add(pool.submit(() -> {
          start.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
          return t.call();
        }));
      }
      List<T> out = new ArrayList<>();
      for (Future<T> f : futures) {
        out.add(f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }
}
