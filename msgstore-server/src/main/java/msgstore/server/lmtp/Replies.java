package msgstore.server.lmtp;

import msgstore.api.StoreException;

/**
 * The one place where a delivery failure becomes an LMTP reply (RFC 2033, RFC 3463 codes): a
 * message the store refuses for good is a 5xx, storage trouble a 4xx the MTA retries. Server-side
 * details (files, driver errors) go to the log only, as over HTTP.
 */
final class Replies {
  private Replies() {}

  static String of(StoreException e) {
    return switch (e.error()) {
      case TOO_BIG -> "552 5.3.4 message too big for this mailbox: " + oneLine(e.detail());
      case INVALID_PARAMETER -> "554 5.6.0 message content not accepted: " + oneLine(e.detail());
      case NOT_ENOUGH_DISK -> "452 4.3.1 mail system full; try again later";
      case BUSY -> "451 4.3.0 mailbox busy (" + e.error().mapiName() + "); try again later";
      default -> "451 4.3.0 temporary storage failure (" + e.error().mapiName() + "); try again later";
    };
  }

  /** Replies are single lines of printable ASCII. */
  static String oneLine(String s) {
    StringBuilder b = new StringBuilder(Math.min(s.length(), 200));
    for (int i = 0; i < s.length() && b.length() < 200; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : ' ');
    }
    return b.toString();
  }
}
