package msgstore.cli;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import msgstore.api.Folder;
import msgstore.api.FolderId;
import msgstore.api.FolderInfo;
import msgstore.api.MapiError;
import msgstore.api.MessageStore;
import msgstore.api.Session;
import msgstore.api.StoreException;
import msgstore.storage.postgres.PostgresMessageStore;
import msgstore.storage.postgres.PostgresUrl;
import msgstore.api.StoreId;
import msgstore.api.StoreInfo;

/**
 * An open store and a session on it, from {@link TargetOptions}: an embedded SQLite file ({@code
 * --store}) or a server ({@code --server}, {@link RemoteTarget}). Commands use only {@code
 * msgstore.api} through it, so each is written once for both. Also resolves the names people type:
 * stores by GUID or display name, folders by {@code /Inbox/Work} or {@code f-3}.
 */
final class Target implements AutoCloseable {
  private static final Pattern FOLDER_ID = Pattern.compile("f-\\d+");

  final MessageStore store;
  final Session session;
  /** What this target is, for messages: the file or the URL. */
  final String where;

  private Target(MessageStore store, Session session, String where) {
    this.store = store;
    this.session = session;
    this.where = where;
  }

  static Target open(TargetOptions o, Io io) {
    return open(o, io, false);
  }

  /** Opens the target; with {@code create}, a missing store file is created. */
  static Target open(TargetOptions o, Io io, boolean create) {
    if ((o.storeFile != null ? 1 : 0) + (o.server != null ? 1 : 0) + (o.db != null ? 1 : 0) > 1) {
      throw new CliException(Main.EXIT_USAGE, "give one of --store, --server and --db");
    }
    URI server = o.server;
    if (server == null && o.storeFile == null && o.db == null && io.env("MSGSTORE_SERVER").isPresent()) {
      server = URI.create(io.env("MSGSTORE_SERVER").orElseThrow());
    }
    String db = o.db;
    if (db == null && server == null && o.storeFile == null) {
      db = io.env("MSGSTORE_DB").orElse(null);
    }
    String user = o.user != null ? o.user : io.env("MSGSTORE_USER").or(() -> io.env("USER")).orElse(null);
    if (user == null) {
      throw new CliException(Main.EXIT_USAGE, "who are you? pass --user NAME (or set MSGSTORE_USER)");
    }
    if (server != null) {
      MessageStore store = RemoteTarget.connect(server, user, io);
      return withSession(store, user, server.toString());
    }
    if (db != null) {
      MessageStore store = PostgresMessageStore.open(PostgresUrl.options(db, name -> io.env(name).orElse(null)));
      return withSession(store, user, db);
    }
    Path file = o.storeFile != null ? o.storeFile : TargetOptions.DEFAULT_STORE;
    if (!create && !Files.exists(file)) {
      throw new CliException(Main.EXIT_IO, "no store file at " + file + ": start the server once (msgstore serve), "
          + "create one (msgstore mkstore --store " + file + " NAME), or pass --store FILE / --server URL");
    }
    try {
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot create the folder of " + file, e);
    }
    MessageStore store;
    try {
      store = io.stores().apply(file);
    } catch (StoreException e) {
      if (e.error() == MapiError.BUSY) {
        throw new StoreException(MapiError.BUSY, e.detail() + " (is the server running on it? then use --server "
            + io.env("MSGSTORE_SERVER").orElse(TargetOptions.DEFAULT_SERVER) + ", or set MSGSTORE_SERVER)", e);
      }
      throw e;
    }
    return withSession(store, user, file.toString());
  }

  private static Target withSession(MessageStore store, String user, String where) {
    try {
      return new Target(store, store.openSession(user), where);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /**
   * A store by GUID or display name; with null, the user's own store (the first one it owns,
   * else the first it can see).
   */
  StoreInfo store(String selector) {
    List<StoreInfo> stores = session.stores();
    if (selector == null) {
      return stores.stream().filter(s -> s.owner().equals(session.user())).findFirst()
          .or(() -> stores.stream().findFirst())
          .orElseThrow(() -> new StoreException(MapiError.NOT_FOUND, "user " + session.user() + " has no store in "
              + where + " (create one: msgstore mkstore NAME, or pass --user NAME)"));
    }
    for (StoreInfo s : stores) {
      if (s.id().toString().equalsIgnoreCase(selector) || s.displayName().equals(selector)) {
        return s;
      }
    }
    Optional<StoreInfo> ci = stores.stream().filter(s -> s.displayName().equalsIgnoreCase(selector)).findFirst();
    if (ci.isPresent()) {
      return ci.get();
    }
    try {
      return session.store(StoreId.parse(selector));
    } catch (StoreException e) {
      throw new StoreException(MapiError.NOT_FOUND, "no store '" + selector + "' for user " + session.user()
          + "; stores: " + stores.stream().map(s -> s.displayName() + " (" + s.id() + ")").toList());
    }
  }

  /** {@code f-3}, or a path such as {@code /Inbox/Work} in {@code storeSelector}'s store. */
  Folder folder(String pathOrId, String storeSelector) {
    String s = pathOrId.strip();
    if (FOLDER_ID.matcher(s).matches()) {
      return session.openFolder(FolderId.parse(s));
    }
    StoreInfo info = store(storeSelector);
    Folder f = session.openFolder(info.rootFolder());
    StringBuilder walked = new StringBuilder();
    for (String segment : s.split("/")) {
      if (segment.isEmpty()) {
        continue;
      }
      walked.append('/').append(segment);
      Optional<Folder> next = f.subfolder(segment);
      if (next.isEmpty()) {
        Folder parent = f;
        next = f.hierarchy(false).stream()
            .filter(c -> c.displayName().toLowerCase(Locale.ROOT).equals(segment.toLowerCase(Locale.ROOT)))
            .findFirst().map(c -> session.openFolder(c.id()));
        if (next.isEmpty()) {
          throw new StoreException(MapiError.NOT_FOUND, "no folder " + walked + " in store " + info.displayName()
              + " (" + parent.info().displayName() + " has: "
              + parent.hierarchy(false).stream().map(FolderInfo::displayName).toList() + ")");
        }
      }
      f = next.get();
    }
    return f;
  }

  /** Every folder of a store, root first, in tree order, with its path. */
  Map<FolderInfo, String> tree(StoreInfo info) {
    Folder root = session.openFolder(info.rootFolder());
    Map<FolderInfo, String> out = new LinkedHashMap<>();
    out.put(root.info(), "/");
    Map<FolderId, String> paths = new HashMap<>();
    paths.put(info.rootFolder(), "");
    List<FolderInfo> rows = new ArrayList<>(root.hierarchy(true));
    // Parents come before children in a hierarchy table; resolve in passes to be safe.
    for (int pass = 0; pass < 64 && !rows.isEmpty(); pass++) {
      List<FolderInfo> left = new ArrayList<>();
      for (FolderInfo r : rows) {
        String parent = r.parentId().map(paths::get).orElse(null);
        if (parent == null) {
          left.add(r);
        } else {
          String p = parent + "/" + r.displayName();
          paths.put(r.id(), p);
          out.put(r, p);
        }
      }
      rows = left;
    }
    return out;
  }

  /** The path of a folder in its store, or its id when it cannot be resolved. */
  String path(FolderId id) {
    try {
      Folder f = session.openFolder(id);
      for (Map.Entry<FolderInfo, String> e : tree(session.store(f.storeId())).entrySet()) {
        if (e.getKey().id().equals(id)) {
          return e.getValue();
        }
      }
    } catch (StoreException e) {
      // fall through
    }
    return id.toString();
  }

  @Override
  public void close() {
    try {
      session.close();
    } finally {
      store.close();
    }
  }
}
