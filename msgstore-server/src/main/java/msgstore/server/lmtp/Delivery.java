package msgstore.server.lmtp;

import java.io.IOException;
import java.io.InputStream;

/** Where LMTP puts mail: {@link InboxDelivery} in the server; anything in tests of the protocol alone. */
public interface Delivery {
  /** The answer to RCPT for a local part whose domain is local. */
  enum Check {
    /** Deliverable. */
    OK,
    /** No such user (550 5.1.1). */
    UNKNOWN_USER,
    /** The user exists but has no mailbox (550 5.1.1 too, with its own text). */
    NO_MAILBOX
  }

  /**
   * Whether mail for {@code user} can be delivered.
   *
   * @throws msgstore.api.StoreException for storage trouble (answered as a temporary failure)
   */
  Check check(String user);

  /**
   * Stores one message in {@code user}'s Inbox, returning only once it is durable.
   *
   * @param message the whole message, trace headers included; read to its end
   * @throws msgstore.api.StoreException with the MAPI code of the failure (see {@link Replies})
   * @throws IOException reading the spooled message failed
   */
  void deliver(String user, InputStream message, long size) throws IOException;
}
