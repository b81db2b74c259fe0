package msgstore.imap;

/** A command that is not valid IMAP syntax, or not valid in this state: answered {@code BAD}, connection kept. */
final class BadCommand extends RuntimeException {
  private static final long serialVersionUID = 1L;

  BadCommand(String message) {
    super(message, null, false, false);
  }
}
