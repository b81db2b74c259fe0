package msgstore.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import msgstore.api.Attachment;
import msgstore.api.ChangeNumber;
import msgstore.api.DeleteMode;
import msgstore.api.Folder;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.OpenFlag;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.SaveFlag;
import msgstore.api.Session;
import msgstore.api.StoreException;
import msgstore.api.StoreLimits;
import msgstore.api.VersionInfo;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.engine.EngineOptions;
import msgstore.testkit.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Behaviour that needs the embedded store's configuration: history retention under a controlled
 * clock (X1, X3) and limits small enough to exceed in a test.
 */
class EmbeddedRetentionAndLimitsTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static EmbeddedMessageStore open(Path dir, MutableClock clock, EngineOptions engine) {
    return SqliteMessageStore.open(SqliteStorage.Options.defaults(dir.resolve("store.db")).withClock(clock)
        .withBlobGrace(Duration.ZERO), engine.withClock(clock).withMaintenanceInterval(Duration.ZERO));
  }

  private static Folder inbox(Session s) {
    return s.rootFolder(s.createStore("S").id()).subfolder("Inbox").orElseThrow();
  }

  @Test
  void maintenanceShouldPruneVersionsPastRetentionButKeepTheNewestOnes(@TempDir Path dir) { // X1
    MutableClock clock = new MutableClock(T0);
    try (EmbeddedMessageStore store = open(dir, clock, EngineOptions.defaults().withHistory(Duration.ofDays(30), 3));
        Session s = store.openSession("alice")) {
      Message m = inbox(s).createMessage();
      m.set(PropTags.SUBJECT, "v1");
      MessageId id = m.saveChanges(SaveFlag.KEEP_OPEN_READWRITE).messageId();
      for (int i = 2; i <= 6; i++) {
        clock.advance(Duration.ofDays(1));
        m.set(PropTags.SUBJECT, "v" + i);
        m.saveChanges(SaveFlag.KEEP_OPEN_READWRITE);
      }
      assertThat(store.runMaintenance().versionsPruned()).isZero(); // all younger than 30 days
      assertThat(s.versions(id)).hasSize(6);

      clock.advance(Duration.ofDays(60));
      assertThat(store.runMaintenance().versionsPruned()).isEqualTo(3);
      List<VersionInfo> left = s.versions(id);
      assertThat(left).extracting(v -> v.changeNumber().value()).hasSize(3);
      assertThat(s.readVersion(id, left.get(2).changeNumber()).get(PropTags.SUBJECT).orElseThrow().asString())
          .isEqualTo("v4");
      assertThat(store.checkIntegrity()).isEmpty();
    }
  }

  @Test
  void softDeletedMessagesShouldBeRecoverableWithinRetentionAndPurgedAfter(@TempDir Path dir) { // X3
    MutableClock clock = new MutableClock(T0);
    try (EmbeddedMessageStore store = open(dir, clock, EngineOptions.defaults());
        Session s = store.openSession("alice")) {
      Message m = inbox(s).createMessage();
      MessageId id = m.saveChanges().messageId();
      s.deleteMessages(List.of(id), DeleteMode.SOFT);
      clock.advance(Duration.ofDays(29));
      store.runMaintenance();
      s.undeleteMessage(id);
      s.openMessage(id).close();

      s.deleteMessages(List.of(id), DeleteMode.SOFT);
      clock.advance(Duration.ofDays(31));
      store.runMaintenance();
      assertThatThrownBy(() -> s.openMessage(id, OpenFlag.SHOW_SOFT_DELETES))
          .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.NOT_FOUND));
      assertThat(store.checkIntegrity()).isEmpty();
    }
  }

  @Test
  void attachmentOverTheLimitShouldFailWithTooBigAndLeaveNoBlob(@TempDir Path dir) throws Exception {
    MutableClock clock = new MutableClock(T0);
    StoreLimits small = new StoreLimits(4 << 20, 32 << 20, 5_000, 1_000, 1_000_000, 8, 256, 5_000);
    try (EmbeddedMessageStore store = open(dir, clock, EngineOptions.defaults().withLimits(small));
        Session s = store.openSession("alice")) {
      Message m = inbox(s).createMessage();
      Attachment a = m.createAttachment();
      InputStream big = new InputStream() {
        private long left = 5_000_000;

        @Override
        public int read() {
          return left-- > 0 ? 'x' : -1;
        }
      };
      assertThatThrownBy(() -> a.writeContent(big))
          .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.TOO_BIG))
          .hasMessageContaining("1000000");
      assertThat(a.content()).isEmpty();
      try (Stream<Path> files = Files.walk(dir.resolve("store.db.blobs"))) {
        assertThat(files.filter(Files::isRegularFile)).isEmpty();
      }
    }
  }

  @Test
  void messageOverTheEncodedSizeLimitShouldFailWithTooBigAndWriteNothing(@TempDir Path dir) {
    MutableClock clock = new MutableClock(T0);
    StoreLimits small = new StoreLimits(10_000, 20_000, 5_000, 1_000, 1_000_000, 8, 256, 5_000);
    try (EmbeddedMessageStore store = open(dir, clock, EngineOptions.defaults().withLimits(small));
        Session s = store.openSession("alice")) {
      Folder inbox = inbox(s);
      Message m = inbox.createMessage();
      assertThatThrownBy(() -> m.set(PropTags.BODY, "y".repeat(10_001)))
          .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.TOO_BIG))
          .hasMessageContaining("PidTagBody").hasMessageContaining("10000");
      m.set(PropTags.BODY, "y".repeat(9_000));
      m.set(PropTags.SUBJECT, "s".repeat(9_000));
      m.set(PropTags.COMMENT, "c".repeat(9_000));
      assertThatThrownBy(() -> m.saveChanges(SaveFlag.KEEP_OPEN_READWRITE))
          .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.TOO_BIG));
      assertThat(m.isOpen()).isTrue(); // R22: the handle keeps its edits
      assertThat(inbox.info().contentCount()).isZero();
      m.deleteProps(PropTags.COMMENT);
      assertThat(m.saveChanges(SaveFlag.KEEP_OPEN_READWRITE).changeNumber()).isEqualTo(ChangeNumber.of(1));
    }
  }

  @Test
  void messageWithMorePropertiesThanTheLimitShouldFailWithTooBigAndKeepTheHandleAsItWas(@TempDir Path dir) {
    StoreLimits small = new StoreLimits(4 << 20, 32 << 20, 5_000, 1_000, 1_000_000, 8, 256, 100);
    try (EmbeddedMessageStore store = open(dir, new MutableClock(T0), EngineOptions.defaults().withLimits(small));
        Session s = store.openSession("alice")) {
      Folder inbox = inbox(s);
      Message m = inbox.createMessage();
      List<PropValue> many = new java.util.ArrayList<>();
      for (int i = 0; i < 101; i++) {
        many.add(PropValue.of(PropTag.of(0x6000 + i, msgstore.api.PropType.LONG), i));
      }
      int before = m.getProps().size();
      assertThatThrownBy(() -> m.setProps(many))
          .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.TOO_BIG))
          .hasMessageContaining("over the limit of 100");
      assertThat(m.getProps()).hasSize(before); // validated first: nothing was set
      m.setProps(many.subList(0, 90 - before));
      // replacing a property by one of another type of the same id does not count twice
      m.set(PropTag.of(0x6000, msgstore.api.PropType.UNICODE), "now a string");
      assertThat(m.saveChanges().committed()).isTrue();
    }
  }

  @Test
  void replacingManyPropertiesStaysLinear(@TempDir Path dir) {
    try (EmbeddedMessageStore store = open(dir, new MutableClock(T0), EngineOptions.defaults());
        Session s = store.openSession("alice")) {
      Message m = inbox(s).createMessage();
      List<PropValue> many = new java.util.ArrayList<>();
      for (int i = 0; i < 4_000; i++) {
        many.add(PropValue.of(PropTag.of(0x6000 + i, msgstore.api.PropType.LONG), i));
      }
      m.setProps(many); // a few ids of the range are read-only: they come back as problems, not set
      long set = m.getProps().stream().filter(p -> p.tag().id() >= 0x6000 && p.tag().id() < 0x6000 + 4_000).count();
      assertThat(set).isGreaterThan(3_900);
      for (PropValue v : many) { // one call per property: each replaces by id
        m.setProps(List.of(PropValue.of(PropTag.of(v.tag().id(), msgstore.api.PropType.I8), 7L)));
      }
      assertThat(m.getProps().stream().filter(p -> p.tag().id() >= 0x6000 && p.tag().id() < 0x6000 + 4_000))
          .hasSize((int) set).allMatch(p -> p.tag().type() == msgstore.api.PropType.I8);
    }
  }
}
