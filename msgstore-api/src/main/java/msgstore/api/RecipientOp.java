package msgstore.api;

/** ModifyRecipients operations (R47, R48). REPLACE_ALL is MAPI's flags = 0. */
public enum RecipientOp {
  ADD,
  MODIFY,
  REMOVE,
  REPLACE_ALL
}
