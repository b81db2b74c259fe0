package msgstore.imap;

import java.net.InetAddress;
import msgstore.api.Session;

/**
 * Checks a user name and password (LOGIN, AUTHENTICATE PLAIN) the way the HTTP API does (same
 * accounts, login throttle and password-hashing bound) and opens a session of that user.
 */
@FunctionalInterface
public interface ImapAuthenticator {
  /**
   * @return a session of the user, whose mailbox store exists
   * @throws msgstore.api.StoreException NO_ACCESS for credentials not accepted, BUSY while the user
   *     name or address is locked out or no password check could start
   */
  Session login(String user, String password, InetAddress from);
}
