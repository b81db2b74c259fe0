package msgstore.imap;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import msgstore.api.DeleteMode;
import msgstore.api.Folder;
import msgstore.api.FolderId;
import msgstore.api.FolderInfo;
import msgstore.api.MapiError;
import msgstore.api.Session;
import msgstore.api.StoreException;
import msgstore.api.StoreInfo;

/**
 * Mailbox names of the user's mailbox store (ADR 0028: mailbox = folder): the folders under its
 * root, joined with {@code /}; the top-level {@code Inbox} is {@code INBOX} (RFC 9051 5.1); the
 * well-known top folders carry their SPECIAL-USE attribute (RFC 6154).
 */
final class Mailboxes {
  static final char DELIMITER = '/';
  private static final Map<String, String> SPECIAL_USE = Map.of(
      "drafts", "\\Drafts",
      "sent items", "\\Sent",
      "sent", "\\Sent",
      "deleted items", "\\Trash",
      "trash", "\\Trash",
      "junk email", "\\Junk",
      "junk", "\\Junk",
      "archive", "\\Archive");

  /** One mailbox: its name, folder and LIST attributes. */
  record Entry(String name, FolderId id, boolean hasChildren, Optional<String> specialUse) {
    String attributes() {
      StringBuilder b = new StringBuilder(hasChildren ? "\\HasChildren" : "\\HasNoChildren");
      specialUse.ifPresent(s -> b.append(' ').append(s));
      return b.toString();
    }
  }

  private final Session session;
  private final StoreInfo store;

  private Mailboxes(Session session, StoreInfo store) {
    this.session = session;
    this.store = store;
  }

  /** The mailboxes of {@code user}: the store they own, {@code "<user>'s mailbox"} first. */
  static Mailboxes of(Session session, String user) {
    StoreInfo store = session.stores().stream()
        .filter(s -> user.equals(s.owner()))
        .min((a, b) -> Boolean.compare(!a.displayName().equals(user + "'s mailbox"),
            !b.displayName().equals(user + "'s mailbox")))
        .orElseThrow(() -> new StoreException(MapiError.NOT_FOUND, "user " + user + " has no mailbox store"));
    return new Mailboxes(session, store);
  }

  StoreInfo store() {
    return store;
  }

  /** Every mailbox, parents before children. */
  List<Entry> all() {
    List<FolderInfo> rows = session.rootFolder(store.id()).hierarchy(true);
    Map<FolderId, String> names = new HashMap<>();
    Map<FolderId, FolderInfo> byId = new HashMap<>();
    rows.forEach(r -> byId.put(r.id(), r));
    List<Entry> out = new ArrayList<>();
    for (FolderInfo r : rows.stream().sorted((a, b) -> Integer.compare(a.depth(), b.depth())).toList()) {
      String parent = r.parentId().map(names::get).orElse(null);
      String name = parent == null ? topName(r.displayName()) : parent + DELIMITER + r.displayName();
      names.put(r.id(), name);
      Optional<String> special = parent == null
          ? Optional.ofNullable(SPECIAL_USE.get(r.displayName().toLowerCase(Locale.ROOT)))
          : Optional.empty();
      out.add(new Entry(name, r.id(), r.childCount() > 0, special));
    }
    out.sort((a, b) -> a.name().compareTo(b.name()));
    return out;
  }

  private static String topName(String displayName) {
    return displayName.equalsIgnoreCase("INBOX") ? "INBOX" : displayName;
  }

  /** The folder of a mailbox name ({@code INBOX} in any case). */
  Optional<Folder> find(String name) {
    Folder f = session.rootFolder(store.id());
    for (String part : split(name)) {
      Optional<Folder> next = f.subfolder(part);
      if (next.isEmpty() && f.id().equals(store.rootFolder()) && part.equalsIgnoreCase("INBOX")) {
        next = f.hierarchy(false).stream().filter(i -> i.displayName().equalsIgnoreCase("INBOX")).findFirst()
            .map(i -> session.openFolder(i.id()));
      }
      if (next.isEmpty()) {
        return Optional.empty();
      }
      f = next.get();
    }
    return Optional.of(f);
  }

  Folder require(String name) {
    return find(name).orElseThrow(() -> new StoreException(MapiError.NOT_FOUND, "no mailbox named " + name));
  }

  /** CREATE (RFC 9051 6.3.4): the missing levels of the hierarchy are created too. */
  void create(String name) {
    if (find(name).isPresent()) {
      throw new StoreException(MapiError.COLLISION, "mailbox " + name + " already exists");
    }
    Folder f = session.rootFolder(store.id());
    for (String part : split(name)) {
      Optional<Folder> next = f.subfolder(part);
      f = next.isPresent() ? next.get() : f.createFolder(part);
    }
  }

  void delete(String name) {
    if (name.equalsIgnoreCase("INBOX")) {
      throw new StoreException(MapiError.NO_ACCESS, "INBOX cannot be deleted");
    }
    require(name).delete(DeleteMode.SOFT);
  }

  /** RENAME (RFC 9051 6.3.6): within its parent or under another one. */
  void rename(String from, String to) {
    if (from.equalsIgnoreCase("INBOX")) {
      throw new StoreException(MapiError.NO_SUPPORT, "renaming INBOX is not supported");
    }
    Folder f = require(from);
    if (find(to).isPresent()) {
      throw new StoreException(MapiError.COLLISION, "mailbox " + to + " already exists");
    }
    List<String> parts = split(to);
    String parentName = String.join(String.valueOf(DELIMITER), parts.subList(0, parts.size() - 1));
    Folder parent = parentName.isEmpty() ? session.rootFolder(store.id()) : find(parentName).orElseGet(() -> {
      create(parentName);
      return require(parentName);
    });
    String current = f.info().displayName();
    String last = parts.get(parts.size() - 1);
    if (!f.info().parentId().orElseThrow().equals(parent.id())) {
      f.moveTo(parent.id());
    }
    if (!current.equals(last)) {
      f.rename(last);
    }
  }

  private static List<String> split(String name) {
    String n = name.endsWith(String.valueOf(DELIMITER)) ? name.substring(0, name.length() - 1) : name;
    if (n.isEmpty()) {
      throw new BadCommand("empty mailbox name");
    }
    List<String> parts = List.of(n.split(String.valueOf(DELIMITER), -1));
    if (parts.stream().anyMatch(String::isEmpty)) {
      throw new BadCommand("mailbox name " + name + " has an empty level");
    }
    return parts;
  }

  /** LIST pattern matching (RFC 9051 6.3.9): {@code *} matches anything, {@code %} anything but the delimiter. */
  static boolean matches(String pattern, String name) {
    return matches(pattern, 0, name, 0);
  }

  private static boolean matches(String p, int i, String n, int j) {
    while (i < p.length()) {
      char c = p.charAt(i);
      if (c == '*' || c == '%') {
        for (int k = j; k <= n.length(); k++) {
          if (matches(p, i + 1, n, k)) {
            return true;
          }
          if (k < n.length() && c == '%' && n.charAt(k) == DELIMITER) {
            return false;
          }
        }
        return false;
      }
      if (j >= n.length() || !sameChar(c, n.charAt(j), n, j)) {
        return false;
      }
      i++;
      j++;
    }
    return j == n.length();
  }

  /** INBOX (the first level) is matched case-insensitively, everything else exactly. */
  private static boolean sameChar(char p, char c, String name, int at) {
    boolean inInbox = at < 5 && name.regionMatches(true, 0, "INBOX", 0, 5)
        && (name.length() == 5 || name.charAt(5) == DELIMITER);
    return inInbox ? Character.toUpperCase(p) == Character.toUpperCase(c) : p == c;
  }
}
