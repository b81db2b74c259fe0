package msgstore.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import msgstore.api.EventType;
import msgstore.api.Folder;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.PropTags;
import msgstore.api.Session;
import msgstore.api.StoreEvent;
import msgstore.api.StoreId;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.engine.EngineOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A delivery session (ADR 0019) journals fnevNewMail for the messages it creates (R77), nothing else changes. */
class DeliverySessionTest {

  @Test
  void deliverySessionShouldJournalNewMailForACreatedMessageAndOrdinaryEventsAfterwards(@TempDir Path dir) {
    try (EmbeddedMessageStore store = SqliteMessageStore.open(SqliteStorage.Options.defaults(dir.resolve("s.db")),
        EngineOptions.defaults().withMaintenanceInterval(Duration.ZERO));
        Session owner = store.openSession("alice")) {
      StoreId sid = owner.createStore("alice's mailbox").id();
      long before = owner.journalPosition(sid);
      MessageId delivered;
      try (Session d = store.openDeliverySession("alice")) {
        Folder inbox = d.rootFolder(sid).subfolder("Inbox").orElseThrow();
        Message m = inbox.createMessage();
        m.set(PropTags.SUBJECT, "delivered");
        m.saveChanges(msgstore.api.SaveFlag.KEEP_OPEN_READWRITE);
        delivered = m.id().orElseThrow();
        m.set(PropTags.SUBJECT, "edited by the delivery session");
        m.saveChanges();
      }
      Message plain = owner.rootFolder(sid).subfolder("Inbox").orElseThrow().createMessage();
      plain.set(PropTags.SUBJECT, "created by the user");
      plain.saveChanges();

      List<StoreEvent> journal = owner.readJournal(sid, before, 100);
      // R77: creation raises fnevObjectCreated, and a delivery fnevNewMail too, in the same commit
      assertThat(journal).extracting(StoreEvent::type).containsExactly(
          EventType.OBJECT_CREATED, EventType.NEW_MAIL, EventType.OBJECT_MODIFIED, EventType.OBJECT_CREATED);
      assertThat(journal.get(0).messageId()).contains(delivered);
      assertThat(journal.get(1).messageId()).contains(delivered);
      assertThat(journal.get(0).changeNumber()).isPresent();
      assertThat(journal.get(1).parentId()).isEqualTo(journal.get(0).parentId());
      assertThat(store.checkIntegrity()).isEmpty();
    }
  }
}
