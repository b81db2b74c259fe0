/** What the embedded and the remote handle share (ADR 0023); depends on msgstore-api only. */
module msgstore.core {
  requires transitive msgstore.api;

  exports msgstore.core;
}
