package msgstore.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import msgstore.api.EventScope;
import msgstore.api.EventType;
import msgstore.api.Folder;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.MessageSnapshot;
import msgstore.api.OpenFlag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.SaveFlag;
import msgstore.api.SaveResult;
import msgstore.api.Session;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.api.StoreInfo;
import msgstore.api.Subscription;
import msgstore.api.VersionInfo;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.storage.sqlite.SqliteMessageStore;

/**
 * {@code ./msgstore demo}: two clients race on one message of a store file and every step is
 * printed: the first save wins, the second gets MAPI_E_OBJECT_CHANGED, forces its save, and the
 * overwritten version is still there in history and can be restored.
 */
public final class Demo {
  private final PrintStream out;

  Demo(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args.length > 0 ? args[0] : "data/demo.db");
    new Demo(System.out).run(file);
  }

  @SuppressWarnings("try") // the subscription lives for the whole demo
  void run(Path file) throws Exception {
    if (file.toAbsolutePath().getParent() != null) {
      Files.createDirectories(file.toAbsolutePath().getParent());
    }
    step("Opening the store file " + file.toAbsolutePath() + " (SQLite, WAL, durable saves)");
    try (EmbeddedMessageStore store = SqliteMessageStore.open(file);
        Session alice = store.openSession("alice");
        Session laptop = store.openSession("alice");
        Session phone = store.openSession("alice")) {
      StoreInfo info = alice.stores().stream().filter(s -> s.displayName().equals("Demo")).findFirst()
          .orElseGet(() -> alice.createStore("Demo"));
      Folder inbox = alice.rootFolder(info.id()).subfolder("Inbox").orElseThrow();
      say("store %s, Inbox is %s", info.id(), inbox.id());

      BlockingQueue<StoreEvent> events = new LinkedBlockingQueue<>();
      try (Subscription sub = alice.subscribe(EventScope.store(info.id()), EnumSet.allOf(EventType.class), events::add)) {

        step("alice creates a message and saves it");
        Message draft = inbox.createMessage();
        draft.setProps(PropValue.of(PropTags.SUBJECT, "Quarterly report"),
            PropValue.of(PropTags.BODY, "Numbers go here."));
        draft.modifyRecipients(msgstore.api.RecipientOp.ADD,
            List.of(Recipient.of(PropTags.MAPI_TO, "Bob", "bob@example.org")));
        SaveResult created = draft.saveChanges();
        MessageId id = created.messageId();
        say("saved %s as version %d, change key %s", id, created.changeNumber().value(), created.changeKey());

        step("two clients open the same message; each open is its own transaction");
        Message onLaptop = laptop.openMessage(id, OpenFlag.MODIFY);
        Message onPhone = phone.openMessage(id, OpenFlag.MODIFY);
        say("laptop's base: version %d", onLaptop.baseChangeNumber().orElseThrow().value());
        say("phone's base:  version %d", onPhone.baseChangeNumber().orElseThrow().value());
        onLaptop.set(PropTags.SUBJECT, "Quarterly report (final figures)");
        onPhone.set(PropTags.BODY, "Numbers go here. Call me about Q3.");
        say("laptop changes the subject, phone changes the body (pending, invisible to each other)");

        step("both save at the same moment");
        CyclicBarrier start = new CyclicBarrier(2);
        List<String> outcome = new ArrayList<>();
        Message[] winner = new Message[1];
        Message[] loser = new Message[1];
        Thread a = race("laptop", onLaptop, start, outcome, winner, loser);
        Thread b = race("phone", onPhone, start, outcome, winner, loser);
        a.join();
        b.join();
        outcome.forEach(this::say);

        step("the loser forces its save (FORCE_SAVE): its whole view replaces the message");
        SaveResult forced = loser[0].saveChanges(SaveFlag.FORCE_SAVE, SaveFlag.KEEP_OPEN_READWRITE);
        say("forced save wrote version %d and replaced version %d, which stays in history",
            forced.changeNumber().value(), forced.replaced().orElseThrow().value());
        say("the first winner's handle is now stale too:");
        try {
          winner[0].set(PropTags.IMPORTANCE, 2);
          winner[0].saveChanges(SaveFlag.KEEP_OPEN_READWRITE);
        } catch (StoreException e) {
          say("  %s", e.getMessage());
        }

        step("nothing is lost: the history of " + id);
        for (VersionInfo v : alice.versions(id)) {
          MessageSnapshot s = alice.readVersion(id, v.changeNumber());
          say("  version %-3d %-9s by %-6s subject=\"%s\" body=\"%s\"", v.changeNumber().value(), v.kind(),
              v.committedBy(), s.getString(PropTags.SUBJECT).orElse(""), s.getString(PropTags.BODY).orElse(""));
        }
        SaveResult restored = alice.restoreVersion(id, forced.replaced().orElseThrow());
        say("restored version %d as the new version %d", forced.replaced().orElseThrow().value(),
            restored.changeNumber().value());
        try (Message now = alice.openMessage(id)) {
          say("current subject: \"%s\"", now.getString(PropTags.SUBJECT).orElseThrow());
        }
        onLaptop.close();
        onPhone.close();

        step("every commit was published to subscribers, after it was durable");
        StoreEvent e;
        while ((e = events.poll(2, TimeUnit.SECONDS)) != null) {
          say("  event %d: %s %s%s", e.position(), e.type(), e.messageId().map(Object::toString).orElse("folder"),
              e.changeNumber().map(c -> " version " + c.value()).orElse(""));
          if (e.changeNumber().equals(java.util.Optional.of(restored.changeNumber()))) {
            break;
          }
        }
      }
      step("done; the store file keeps everything: run the demo again to add to it");
    }
  }

  private Thread race(String name, Message m, CyclicBarrier start, List<String> outcome, Message[] winner,
      Message[] loser) {
    return Thread.ofPlatform().name(name).start(() -> {
      try {
        start.await();
        SaveResult r = m.saveChanges(SaveFlag.KEEP_OPEN_READWRITE);
        synchronized (outcome) {
          outcome.add(name + " saved first: version " + r.changeNumber().value());
          winner[0] = m;
        }
      } catch (StoreException e) {
        synchronized (outcome) {
          outcome.add(name + " lost: " + e.getMessage());
          loser[0] = m;
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private void step(String text) {
    out.println();
    out.println("== " + text);
  }

  private void say(String format, Object... args) {
    out.println(args.length == 0 ? format : String.format(format, args));
  }
}
