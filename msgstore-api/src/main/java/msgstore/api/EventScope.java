package msgstore.api;

/** What a subscription listens to (R75): a whole store, one folder's messages, or one message. */
public sealed interface EventScope {
  record Store(StoreId store) implements EventScope {}

  record Folder(FolderId folder) implements EventScope {}

  record Message(MessageId message) implements EventScope {}

  static EventScope store(StoreId s) {
    return new Store(s);
  }

  static EventScope folder(FolderId f) {
    return new Folder(f);
  }

  static EventScope message(MessageId m) {
    return new Message(m);
  }
}
