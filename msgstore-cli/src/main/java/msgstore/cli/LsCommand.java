package msgstore.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import msgstore.api.ContentsTable;
import msgstore.api.Folder;
import msgstore.api.FolderInfo;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.SortOrder;
import msgstore.api.StoreInfo;
import msgstore.api.TableRow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "ls", description = {"Without FOLDER: your stores and their folder trees with counts.",
    "With FOLDER (/Inbox/Work or f-3): its messages as a table (id, received, from, subject)."})
final class LsCommand implements Callable<Integer> {
  private static final int PAGE = 200;
  private final Io io;

  @Mixin
  TargetOptions target;

  @Option(names = {"-s", "--store-id"}, paramLabel = "STORE", description = "A store by GUID or name (default: your own).")
  String storeId;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "At most N messages (default 50; 0: all).")
  int limit;

  @Option(names = "--sort", paramLabel = "KEY[:asc|:desc]", defaultValue = "received",
      description = "received (newest first by default), from, subject, size, or a property name (PidTag.../PR_...).")
  String sort;

  @Parameters(arity = "0..1", paramLabel = "FOLDER", description = "A folder path (/Inbox/Work) or id (f-3).")
  String folder;

  LsCommand(Io io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    if (limit < 0) {
      throw new CliException(Main.EXIT_USAGE, "--limit must be 0 or more, got " + limit);
    }
    List<SortOrder> order = sortOrder(sort);
    try (Target t = Target.open(target, io)) {
      if (folder == null) {
        listStores(t);
      } else {
        listMessages(t, t.folder(folder, storeId), order);
      }
    }
    return Main.EXIT_OK;
  }

  private void listStores(Target t) {
    List<StoreInfo> stores = storeId == null ? t.session.stores() : List.of(t.store(storeId));
    if (stores.isEmpty()) {
      io.err().println("no stores for user " + t.session.user() + " in " + t.where
          + " (msgstore mkstore NAME creates one; --user NAME acts as someone else)");
      return;
    }
    for (StoreInfo s : stores) {
      io.out().printf("%s  %s  (owner %s)%n", s.displayName(), s.id(), s.owner());
      List<List<String>> rows = new ArrayList<>();
      for (Map.Entry<FolderInfo, String> e : t.tree(s).entrySet()) {
        FolderInfo f = e.getKey();
        rows.add(List.of("  " + f.id(), e.getValue(), Long.toString(f.contentCount()),
            f.unreadCount() == 0 ? "" : f.unreadCount() + " unread"));
      }
      Text.table(io.out(), List.of("  FOLDER", "PATH", "MESSAGES", "UNREAD"), rows);
    }
  }

  private void listMessages(Target t, Folder f, List<SortOrder> order) {
    FolderInfo info = f.info();
    ContentsTable table = f.contentsTable()
        .setColumns(List.of(PropTags.MID, PropTags.MESSAGE_DELIVERY_TIME, PropTags.SENDER_NAME,
            PropTags.SENDER_EMAIL_ADDRESS, PropTags.SUBJECT, PropTags.MESSAGE_FLAGS))
        .sortBy(order);
    int total = table.rowCount();
    int want = limit == 0 ? total : Math.min(limit, total);
    List<TableRow> rows = new ArrayList<>(want);
    try (Progress p = Progress.start(io, "reading " + info.displayName(), want)) {
      while (rows.size() < want) {
        List<TableRow> page = table.queryRows(rows.size(), Math.min(PAGE, want - rows.size()));
        if (page.isEmpty()) {
          break;
        }
        rows.addAll(page);
        if (want > PAGE) {
          p.update(rows.size());
        }
      }
    }
    io.out().printf("%s %s: %d messages, %d unread%s%n", info.id(), t.path(info.id()), info.contentCount(), info.unreadCount(),
        rows.size() < total ? " (showing " + rows.size() + "; --limit 0 shows all)" : "");
    List<List<String>> out = new ArrayList<>();
    for (TableRow r : rows) {
      boolean read = r.get(PropTags.MESSAGE_FLAGS).map(v -> (v.asInt() & PropTags.MSGFLAG_READ) != 0).orElse(true);
      String from = r.getString(PropTags.SENDER_NAME).or(() -> r.getString(PropTags.SENDER_EMAIL_ADDRESS)).orElse("");
      out.add(List.of((read ? " " : "*") + r.messageId(),
          r.get(PropTags.MESSAGE_DELIVERY_TIME).map(v -> Text.shortTime(v.asInstant())).orElse(""),
          Text.oneLine(from, 24), Text.oneLine(r.getString(PropTags.SUBJECT).orElse(""), 70)));
    }
    if (!out.isEmpty()) {
      Text.table(io.out(), List.of(" ID", "RECEIVED", "FROM", "SUBJECT"), out);
    }
  }

  static List<SortOrder> sortOrder(String spec) {
    String key = spec;
    Boolean desc = null;
    int colon = spec.lastIndexOf(':');
    if (colon > 0) {
      key = spec.substring(0, colon);
      String dir = spec.substring(colon + 1).toLowerCase(Locale.ROOT);
      if (!dir.equals("asc") && !dir.equals("desc")) {
        throw new CliException(Main.EXIT_USAGE, "--sort " + spec + ": the direction is asc or desc");
      }
      desc = dir.equals("desc");
    }
    PropTag tag = switch (key.toLowerCase(Locale.ROOT)) {
      case "received", "date", "time" -> PropTags.MESSAGE_DELIVERY_TIME;
      case "from", "sender" -> PropTags.SENDER_NAME;
      case "subject" -> PropTags.SUBJECT;
      case "size" -> PropTags.MESSAGE_SIZE;
      default -> PropTags.byName(key).orElseThrow(() -> new CliException(Main.EXIT_USAGE,
          "--sort " + spec + ": not a sort key (received, from, subject, size, or a property name)"));
    };
    boolean descending = desc != null ? desc : tag.equals(PropTags.MESSAGE_DELIVERY_TIME);
    List<SortOrder> order = new ArrayList<>();
    order.add(new SortOrder(tag, descending));
    if (!tag.equals(PropTags.MESSAGE_DELIVERY_TIME)) {
      order.add(SortOrder.descending(PropTags.MESSAGE_DELIVERY_TIME));
    }
    return order;
  }
}
