package msgstore.cli;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import msgstore.api.EventScope;
import msgstore.api.EventType;
import msgstore.api.PropTag;
import msgstore.api.StoreEvent;
import msgstore.api.StoreInfo;
import msgstore.api.Subscription;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Prints a store's change journal, one event per line, oldest first; with {@code --follow}, then
 * the live events (a subscription resumed from the same position, so nothing is missed or
 * repeated, R79).
 */
@Command(name = "events", description = {"Prints a store's events (its change journal), one per line, oldest first.",
    "--follow keeps printing live events until Ctrl-C."})
final class EventsCommand implements java.util.concurrent.Callable<Integer> {
  private static final int PAGE = 500;
  private final Io io;

  @Mixin
  TargetOptions target;

  @Option(names = {"-s", "--store-id"}, paramLabel = "STORE", description = "A store by GUID or name (default: your own).")
  String storeId;

  @Option(names = "--after", paramLabel = "N", defaultValue = "0", description = "Only events after journal position N.")
  long after;

  @Option(names = {"-f", "--follow"}, description = "After the journal, wait for live events.")
  boolean follow;

  @Option(names = "--count", paramLabel = "N", defaultValue = "0", description = "Stop after N events (0: no limit).")
  long count;

  EventsCommand(Io io) {
    this.io = io;
  }

  @Override
  public Integer call() throws InterruptedException {
    if (!follow) {
      try (Target t = Target.open(target, io)) {
        printJournal(t, t.store(storeId));
      }
      return Main.EXIT_OK;
    }
    Thread hook = null;
    CountDownLatch done = new CountDownLatch(1);
    if (io.shutdownHooks()) {
      hook = new Thread(() -> {
        io.stop().complete(null);
        try {
          done.await(5, TimeUnit.SECONDS); // let the subscription and the store close
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "msgstore-events-stop");
      Runtime.getRuntime().addShutdownHook(hook);
    }
    try (Target t = Target.open(target, io)) {
      followEvents(t, t.store(storeId));
    } finally {
      done.countDown();
      if (hook != null && !io.stop().isDone()) {
        Runtime.getRuntime().removeShutdownHook(hook);
      }
    }
    return Main.EXIT_OK;
  }

  private void printJournal(Target t, StoreInfo store) {
    long printed = 0;
    long pos = after;
    long end = t.session.journalPosition(store.id());
    try (Progress p = Progress.start(io, "reading events", Math.max(0, end - after))) {
      while (count == 0 || printed < count) {
        List<StoreEvent> page = t.session.readJournal(store.id(), pos, PAGE);
        if (page.isEmpty()) {
          break;
        }
        for (StoreEvent e : page) {
          if (count != 0 && printed >= count) {
            break;
          }
          io.out().println(format(e));
          printed++;
          pos = e.position();
        }
        if (end - after > PAGE) {
          p.update(pos - after);
        }
      }
    }
  }

  @SuppressWarnings("try") // the subscription delivers into the queue while it is open
  private void followEvents(Target t, StoreInfo store) throws InterruptedException {
    long printed = 0;
    BlockingQueue<StoreEvent> queue = new LinkedBlockingQueue<>();
    long end = t.session.journalPosition(store.id());
    try (Subscription sub = t.session.subscribe(EventScope.store(store.id()), EventType.all(), after, queue::add);
        Progress p = Progress.start(io, "catching up", Math.max(0, end - after))) {
      boolean caughtUp = end <= after;
      while (!io.stop().isDone() && (count == 0 || printed < count)) {
        StoreEvent e = queue.poll(100, TimeUnit.MILLISECONDS);
        if (e == null) {
          continue;
        }
        if (!caughtUp) {
          if (end - after > PAGE) {
            p.update(e.position() - after);
          }
          if (e.position() >= end) {
            caughtUp = true;
            p.clear();
          }
        }
        io.out().println(format(e));
        io.out().flush();
        printed++;
      }
    }
  }

  /** {@code 42 2026-11-22T06:00:00Z OBJECT_MODIFIED m-5 in f-2 cn=17 changed=PidTagSubject}. */
  static String format(StoreEvent e) {
    StringBuilder b = new StringBuilder();
    b.append(e.position()).append(' ').append(e.at()).append(' ').append(e.type()).append(' ');
    boolean msg = e.objectKind() == StoreEvent.ObjectKind.MESSAGE;
    b.append(msg ? e.messageId().orElseThrow() : e.folderId().orElseThrow());
    e.parentId().ifPresent(p -> b.append(" in ").append(p));
    (msg ? e.oldMessageId().map(Object::toString) : e.oldFolderId().map(Object::toString))
        .ifPresent(o -> b.append(" from ").append(o));
    e.oldParentId().ifPresent(o -> b.append(" was in ").append(o));
    e.changeNumber().ifPresent(c -> b.append(" cn=").append(c.value()));
    if (!e.changedTags().isEmpty()) {
      b.append(" changed=").append(e.changedTags().stream().map(PropTag::displayName).collect(Collectors.joining(",")));
    }
    return b.toString();
  }
}
