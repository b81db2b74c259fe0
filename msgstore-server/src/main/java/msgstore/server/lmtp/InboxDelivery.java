package msgstore.server.lmtp;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import msgstore.api.Folder;
import msgstore.api.FolderId;
import msgstore.api.MapiError;
import msgstore.api.Session;
import msgstore.api.StoreException;
import msgstore.api.StoreInfo;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.mime.MailImport;

/**
 * Delivery into the recipient's Inbox: the store that user owns (their mailbox, created on first
 * use like on their first HTTP request), its top-level folder {@code Inbox}, through {@link
 * MailImport} in an engine delivery session of that user, so the commit journals fnevNewMail (R77,
 * ADR 0019). The Inbox found is remembered per user and looked up again when it has gone.
 */
public final class InboxDelivery implements Delivery {
  private final EmbeddedMessageStore store;
  private final Predicate<String> userExists;
  private final BiConsumer<String, Session> ensureMailbox;
  private final long maxBytes;
  private final ConcurrentHashMap<String, FolderId> inboxes = new ConcurrentHashMap<>();

  /**
   * @param userExists whether an account of that name exists
   * @param ensureMailbox creates the user's mailbox store when it is still pending (in a session of theirs)
   * @param maxBytes the largest message given to MailImport (the LMTP limit plus the trace headers)
   */
  public InboxDelivery(EmbeddedMessageStore store, Predicate<String> userExists,
      BiConsumer<String, Session> ensureMailbox, long maxBytes) {
    this.store = store;
    this.userExists = userExists;
    this.ensureMailbox = ensureMailbox;
    this.maxBytes = maxBytes;
  }

  @Override
  public Check check(String user) {
    if (user.isBlank() || user.length() > store.limits().maxNameLength() || !userExists.test(user)) {
      return Check.UNKNOWN_USER;
    }
    try (Session s = store.openSession(user)) {
      ensureMailbox.accept(user, s);
      return inbox(s, user).isPresent() ? Check.OK : Check.NO_MAILBOX;
    }
  }

  @Override
  public void deliver(String user, InputStream message, long size) throws IOException {
    try (Session s = store.openDeliverySession(user)) {
      ensureMailbox.accept(user, s);
      Folder inbox = inbox(s, user).orElseThrow(() -> new StoreException(MapiError.NOT_FOUND,
          "user " + user + " has no mailbox with an Inbox"));
      MailImport.importMessage(inbox, message, MailImport.ImportOptions.defaults()
          .withSkipIfPresent(false).withDeliveryTime(Instant.now()).withMaxBytes(Math.max(maxBytes, size)));
    }
  }

  /** The Inbox of the store {@code user} owns (their mailbox, {@code "<user>'s mailbox"}, first). */
  private Optional<Folder> inbox(Session s, String user) {
    FolderId known = inboxes.get(user);
    if (known != null) {
      try {
        return Optional.of(s.openFolder(known));
      } catch (StoreException e) {
        if (e.error() != MapiError.NOT_FOUND && e.error() != MapiError.OBJECT_DELETED) {
          throw e;
        }
        inboxes.remove(user, known);
      }
    }
    Optional<Folder> found = s.stores().stream()
        .filter(st -> user.equals(st.owner()))
        .sorted((a, b) -> Boolean.compare(!isMailbox(a, user), !isMailbox(b, user)))
        .map(st -> s.rootFolder(st.id()).subfolder("Inbox"))
        .flatMap(Optional::stream)
        .findFirst();
    found.ifPresent(f -> inboxes.put(user, f.id()));
    return found;
  }

  private static boolean isMailbox(StoreInfo st, String user) {
    return st.displayName().equals(user + "'s mailbox");
  }
}
