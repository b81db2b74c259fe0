package msgstore.engine;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import msgstore.api.AccessLevel;
import msgstore.api.Attachment;
import msgstore.api.ChangeKey;
import msgstore.api.ChangeNumber;
import msgstore.api.ContentRef;
import msgstore.api.ContentsTable;
import msgstore.api.EventScope;
import msgstore.api.EventType;
import msgstore.api.FolderId;
import msgstore.api.FolderRights;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.ObjectChangedException;
import msgstore.api.OpenFlag;
import msgstore.api.Session;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.api.StoreId;
import msgstore.api.StoreInfo;
import msgstore.api.Subscription;
import msgstore.api.TableRow;
import msgstore.engine.spi.BlobReference;
import msgstore.engine.spi.StoredFolder;
import msgstore.engine.spi.StoredMessage;
import msgstore.engine.spi.VersionRecord;

/**
 * The few engine entry points a server needs beyond {@link Session}: opening a handle bound to an
 * older base version (an HTTP {@code If-Match}), and uploading attachment content before the save
 * that uses it. Every rule stays in the engine: a handle opened here is an ordinary handle, and
 * its saves follow spec sections 4-13 exactly as an embedded one opened on that base would.
 *
 * <p>Works only on sessions of an {@link EmbeddedMessageStore}; other sessions fail with
 * NO_SUPPORT.
 */
public final class ServerSupport {
  private static final int MAX_FOLDERS_SCANNED = 100_000;

  private ServerSupport() {}

  /** A contents-table page and the table's row count, from one snapshot. */
  public record TablePage(int rowCount, List<TableRow> rows) {
    public TablePage {
      rows = List.copyOf(rows);
    }
  }

  /**
   * {@link ContentsTable#rowCount} and {@link ContentsTable#queryRows} at once, read from one
   * snapshot of the folder so that the count and the rows agree even while saves and moves
   * commit (an HTTP answer carries both). A table of another implementation is asked twice.
   */
  public static TablePage queryTable(ContentsTable table, int offset, int count) {
    if (table instanceof FolderContentsTable t) {
      return t.page(offset, count);
    }
    return new TablePage(table.rowCount(), table.queryRows(offset, count));
  }

  /**
   * Opens the current version of a message for a save, like {@link Session#openMessage} (the same
   * checks in the same order: R2, R4, R5), except that a message deleted (soft or hard, itself or
   * with a folder above it) or moved to a new id since the caller could read it fails with
   * OBJECT_DELETED, not NOT_FOUND: a save through a handle opened before would fail so (R27, R40,
   * R42-R44), and a save that names the message without a handle (an HTTP {@code If-Match: *},
   * FORCE_SAVE) must answer the same. OBJECT_DELETED only when the caller may read the folder it
   * was deleted or moved from; otherwise, and for an id that never existed, NOT_FOUND as before,
   * so that nobody learns that a message they could not read existed (ADR 0009).
   *
   * <p>{@link Session#openMessage} itself keeps NOT_FOUND for such messages (R4): an open is not a
   * save. With {@link OpenFlag#SHOW_SOFT_DELETES} a soft-deleted message opens as {@code
   * openMessage} opens it (read-only; NO_ACCESS with MODIFY).
   *
   * @throws StoreException OBJECT_DELETED, NOT_FOUND, NO_ACCESS as described
   */
  public static Message openCurrent(Session s, MessageId id, OpenFlag... flags) {
    EmbeddedSession es = embedded(s);
    try {
      return es.openMessage(id, flags);
    } catch (StoreException e) {
      if (e.error() != MapiError.NOT_FOUND) {
        throw e;
      }
      throw es.deletedOrNotFound(id, e);
    }
  }

  /**
   * Opens a message like {@link #openCurrent} (the open checks of {@link Session#openMessage}, and
   * OBJECT_DELETED for a message deleted or moved since the caller could read it) with its base at
   * the version whose change number is {@code base.counter()}.
   *
   * <ul>
   *   <li>the current version: exactly {@code openCurrent};
   *   <li>an older retained version: the handle's base is that version (R6, R29), so a save is
   *       stale (R28: OBJECT_CHANGED or the conflict choices of section 12) and a merge save uses
   *       it as the merge base (R87);
   *   <li>an older version no longer retained (pruned, or a change number that never was this
   *       message's): the handle shows the current content but its base change number is the
   *       requested one, so a normal save fails with OBJECT_CHANGED, a merge has the current
   *       version as its base, and FORCE_SAVE works and reports the version it replaced (X2).
   *       Change numbers never repeat (R61), so such a base can never become current again;
   *   <li>a key of another store, or a change number newer than the current one: fails at once
   *       with {@link ObjectChangedException} (it cannot name a version this message had).
   * </ul>
   */
  public static Message openAtBase(Session s, MessageId id, ChangeKey base, OpenFlag... flags) {
    EmbeddedSession es = embedded(s);
    Message current = openCurrent(es, id, flags); // every open check, in the engine's order
    ChangeKey currentKey = current.baseChangeKey().orElseThrow();
    long currentCn = currentKey.counter();
    if (base.namespace().equals(currentKey.namespace()) && base.counter() == currentCn) {
      return current;
    }
    AccessLevel level = current.accessLevel();
    current.close();
    if (!base.namespace().equals(currentKey.namespace()) || base.counter() > currentCn || base.counter() < 1) {
      throw new ObjectChangedException("message " + id + " has no version with change key " + base
          + "; its current change key is " + currentKey, base, currentKey, null);
    }
    // Deleted or moved since the open above: the caller could read it a moment ago (R27, R45).
    StoredMessage m = es.storage.findMessage(id.value()).orElseThrow(() -> es.deletedOrNotFound(id,
        new StoreException(MapiError.NOT_FOUND, "message " + id + " not found")));
    if (m.softDeleted() && !java.util.Set.of(flags).contains(OpenFlag.SHOW_SOFT_DELETES)) {
      throw es.deletedOrNotFound(id, new StoreException(MapiError.NOT_FOUND, "message " + id + " is deleted"));
    }
    FolderRights rights = es.rightsOnMessage(m);
    Optional<VersionRecord> v = es.storage.version(id.value(), base.counter());
    // A version no longer retained shows the current content (kept under the current change number).
    Content content = v.isPresent() ? es.store.decoded.get(m.id(), base.counter(), v.get().content())
        : es.store.decoded.get(m.id(), m.cn(), m.content());
    StoredMessage atBase = new StoredMessage(m.id(), m.storeGuid(), m.folderId(), base.counter(), m.softDeleted(),
        m.readFlags(), m.status(), m.localCommitTime(), new byte[0]);
    return MessageHandle.open(es, atBase, content, level, rights);
  }

  /**
   * Streams content into the blob store for a later save ({@link #useContent}), with the store's
   * attachment size limit. The caller must be able to write somewhere in {@code store}: its owner,
   * or an editor of at least one folder.
   *
   * @throws StoreException NOT_FOUND for a store the caller cannot see, NO_ACCESS without write
   *     rights anywhere in it, TOO_BIG over the attachment limit (nothing kept)
   */
  public static ContentRef putContent(Session s, StoreId store, InputStream in) {
    EmbeddedSession es = embedded(s);
    es.checkOpen();
    StoreInfo info = es.store(store); // NOT_FOUND when not visible
    if (!info.owner().equals(es.user()) && !writesSomewhere(es, info)) {
      throw new StoreException(MapiError.NO_ACCESS, es.user() + " may not write to any folder of store " + store);
    }
    return es.storage.putBlob(in, es.options().limits().maxAttachmentBytes());
  }

  /**
   * Opens a blob of {@code store} by its digest for a caller who may read it (ADR 0009: anyone
   * else gets NOT_FOUND, as if it did not exist). The caller may read a blob when
   *
   * <ul>
   *   <li>a message of {@code store} that they may read refers to it from its current version or a
   *       retained history version (whoever may read a message may read all its retained versions,
   *       {@link Session#versions}; soft-deleted messages count, as they do there); or
   *   <li>no message of any store refers to it (uploaded for a save that has not happened yet, or
   *       no longer referenced and not yet collected) and the caller could have uploaded it: the
   *       owner of {@code store} or an editor of one of its folders ({@link #putContent}'s rule;
   *       who uploaded a blob is not recorded).
   * </ul>
   *
   * A blob referred to only by messages of other stores, or only by messages the caller may not
   * read, is NOT_FOUND. The references come from one indexed lookup by digest; the rights check
   * costs one folder read per distinct folder and stops at the first readable message.
   *
   * @throws StoreException NOT_FOUND for a store the caller cannot see, a blob they may not read,
   *     or a missing blob; INVALID_PARAMETER when {@code sha256} is not a lower-case hex digest
   */
  public static InputStream openReadableContent(Session s, StoreId store, String sha256) {
    EmbeddedSession es = embedded(s);
    es.checkOpen();
    StoreInfo info = es.store(store); // NOT_FOUND when not visible
    if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "not a lower-case SHA-256 content hash: '" + sha256 + "'");
    }
    List<BlobReference> refs = es.storage.blobReferences(sha256);
    if (!mayReadBlob(es, info, refs)) {
      throw new StoreException(MapiError.NOT_FOUND, "no content " + sha256 + " in store " + store);
    }
    return es.storage.openBlob(sha256);
  }

  private static boolean mayReadBlob(EmbeddedSession es, StoreInfo info, List<BlobReference> refs) {
    boolean owner = info.owner().equals(es.user());
    if (refs.isEmpty()) {
      return owner || writesSomewhere(es, info);
    }
    Map<Long, Boolean> readableFolders = new HashMap<>();
    for (BlobReference r : refs) {
      if (!r.storeGuid().equals(info.id().guid())) {
        continue;
      }
      if (owner) {
        return true;
      }
      boolean readable = readableFolders.computeIfAbsent(r.folderId(),
          f -> es.storage.findFolder(f).map(folder -> es.rights(folder).canRead()).orElse(false));
      if (readable) {
        return true;
      }
    }
    return false;
  }

  private static boolean writesSomewhere(EmbeddedSession es, StoreInfo info) {
    Deque<StoredFolder> todo = new ArrayDeque<>();
    es.storage.findFolder(info.rootFolder().value()).ifPresent(todo::add);
    int seen = 0;
    while (!todo.isEmpty() && seen++ < MAX_FOLDERS_SCANNED) {
      StoredFolder f = todo.poll();
      if (es.rights(f).canWrite()) {
        return true;
      }
      todo.addAll(es.storage.childFolders(f.id()));
    }
    return false;
  }

  /**
   * Makes an existing blob the content of an attachment handle, as {@link Attachment#writeContent}
   * would with the same bytes (same rules: NO_ACCESS on a read-only handle, PR_ATTACH_METHOD and
   * size set, any embedded message replaced). The blob is re-read and verified against {@code
   * ref}'s hash (it is stored once, content-addressed); {@code ref.size()} is not trusted.
   *
   * @throws StoreException NOT_FOUND when no blob has that hash
   */
  public static ContentRef useContent(Session s, Attachment a, ContentRef ref) {
    EmbeddedSession es = embedded(s);
    es.checkOpen();
    if (!a.isOpen()) {
      throw new StoreException(MapiError.INVALID_OBJECT, "the handle on attachment " + a.attachNum() + " is closed");
    }
    if (a.accessLevel() != AccessLevel.MODIFY) {
      throw new StoreException(MapiError.NO_ACCESS, "the handle on attachment " + a.attachNum() + " is read-only");
    }
    if (ref.sha256() == null || !ref.sha256().matches("[0-9a-fA-F]{64}")) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "not a SHA-256 content hash: '" + ref.sha256() + "'");
    }
    try (InputStream in = es.storage.openBlob(ref.sha256().toLowerCase(java.util.Locale.ROOT))) {
      return a.writeContent(in);
    } catch (IOException e) {
      throw new StoreException(MapiError.DISK_ERROR, "reading content " + ref.sha256() + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * {@link Session#subscribe(EventScope, Set, long, Consumer)}, and {@code caughtUp} is told the
   * subscription's {@link Subscription#position()} each time delivery has caught up with the
   * journal after it moved (on the delivery thread, after the sink calls for the entries before
   * it), so that a server can pass progress over entries that did not match on to its client.
   * {@code sink} and {@code caughtUp} must return at once (queue and write without blocking): they
   * are called for many subscriptions in turn on one delivery thread.
   */
  public static Subscription subscribe(Session s, EventScope scope, Set<EventType> mask, long afterPosition,
      Consumer<StoreEvent> sink, LongConsumer caughtUp) {
    return embedded(s).subscribe(scope, mask, afterPosition, sink, caughtUp, true);
  }

  /**
   * What a read-only open of a message shows, as far as a rendering of it can differ: the message,
   * its store, its MODSEQ (raised by every journaled change of the message: content, read state,
   * status, delete, restore; ADR 0028), its change number, and the caller's access bits (the only
   * caller-dependent properties). Two read-only views with equal keys render alike, so a server may
   * cache what it rendered for one and answer the other with it.
   */
  public record ViewKey(long messageId, UUID store, long modseq, long cn, int accessBits) {}

  /**
   * The key of what {@code openMessage(id)} (read-only, no flags) would show this caller now;
   * empty whenever that open would not simply succeed (missing, soft-deleted, not readable), so
   * the caller opens it and reports the error as usual. One row read, no decoding.
   */
  public static Optional<ViewKey> viewKey(Session s, MessageId id) {
    EmbeddedSession es = embedded(s);
    es.checkOpen();
    Optional<StoredMessage> m = es.storage.findMessageRow(id.value()).filter(x -> !x.softDeleted());
    if (m.isEmpty()) {
      return Optional.empty();
    }
    FolderRights r = es.rightsOnMessage(m.get());
    return r.canRead()
        ? Optional.of(new ViewKey(m.get().id(), m.get().storeGuid(), m.get().modseq(), m.get().cn(), r.accessBits()))
        : Optional.empty();
  }

  /**
   * The OBJECT_CHANGED a plain save (no FORCE_SAVE, no merge, no resolver) based on {@code base}
   * would end with, found without reading any version: only when this process has seen a newer
   * commit of the message ({@link LatestVersions}, in memory: a save from a fresh base costs
   * nothing here), then confirmed on the message row: present when
   * the message is live, in {@code store}, the caller may modify it, its current version is not
   * {@code base} (R28) and its folder sets no PR_RESOLVE_METHOD (R86: the folder then chooses,
   * on the ordinary path); before it answers, it waits for its turn among the losers of a race on
   * the message ({@link LatestVersions#awaitTurn}, ADR 0039). Empty in every other case, where the
   * caller opens the message as usual and the open or the save reports what applies (NOT_FOUND,
   * OBJECT_DELETED, NO_ACCESS, or success).
   */
  public static Optional<ObjectChangedException> staleBase(Session s, StoreId store, MessageId id, ChangeKey base) {
    EmbeddedSession es = embedded(s);
    es.checkOpen();
    if (!es.store.latest.knownNewerThan(id.value(), base.counter())) {
      return Optional.empty(); // no newer version known in memory: not worth a read (a fresh base is the common case)
    }
    Optional<StoredMessage> m = es.storage.findMessageRow(id.value())
        .filter(x -> !x.softDeleted() && x.storeGuid().equals(store.guid()));
    if (m.isEmpty() || !es.rightsOnMessage(m.get()).canWrite()) {
      return Optional.empty();
    }
    ChangeKey current = ChangeKey.of(new StoreId(m.get().storeGuid()), ChangeNumber.of(m.get().cn()));
    if (current.equals(base)) {
      return Optional.empty();
    }
    if (es.resolveMethod(FolderId.of(m.get().folderId())).isPresent()) {
      return Optional.empty(); // R86: the folder chooses without asking, on the ordinary path
    }
    // A loser of the race like those of the save path: it waits for its turn (ADR 0039).
    es.store.latest.awaitTurn(id.value());
    return Optional.of(new ObjectChangedException("message " + id + " changed since the version the save is based on:"
        + " expected change key " + base + ", current is " + current, base, current, null));
  }

  /** The key of what a read-only handle of the embedded store shows (empty for other handles). */
  public static Optional<ViewKey> viewKey(Message h) {
    return h instanceof MessageHandle m ? m.viewKey() : Optional.empty();
  }

  private static EmbeddedSession embedded(Session s) {
    if (s instanceof EmbeddedSession es) {
      return es;
    }
    throw new StoreException(MapiError.NO_SUPPORT, "server support needs a session of the embedded store, got "
        + (s == null ? "null" : s.getClass().getSimpleName()));
  }
}
