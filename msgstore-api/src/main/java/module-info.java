/** The public API of msgstore; depends on java.base only. */
module msgstore.api {
  exports msgstore.api;
}
