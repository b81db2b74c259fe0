package msgstore.api;

/** How a message is deleted (X3): SOFT keeps it recoverable for the retention period. */
public enum DeleteMode {
  SOFT,
  HARD
}
