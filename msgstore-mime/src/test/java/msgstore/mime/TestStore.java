package msgstore.mime;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import msgstore.api.Folder;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.MessageSnapshot;
import msgstore.api.PropTag;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.Session;
import msgstore.api.StoreInfo;
import msgstore.engine.EmbeddedMessageStore;
import msgstore.storage.sqlite.SqliteMessageStore;

/** A real SQLite store in a temporary directory with one user and an Inbox. */
final class TestStore implements AutoCloseable {
  final EmbeddedMessageStore store;
  final Session session;
  final StoreInfo info;

  TestStore(Path dir) {
    store = SqliteMessageStore.open(dir.resolve("store.db"));
    session = store.openSession("alice");
    info = session.createStore("Mail");
  }

  Folder inbox() {
    return session.rootFolder(info.id()).subfolder("Inbox").orElseThrow();
  }

  MailImport.Imported importBytes(byte[] raw) throws IOException {
    return MailImport.importMessage(inbox(), new ByteArrayInputStream(raw), MailImport.ImportOptions.defaults());
  }

  byte[] export(MessageId id) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Message m = session.openMessage(id)) {
      MailExport.write(m, out);
    }
    return out.toByteArray();
  }

  MessageSnapshot snapshot(MessageId id) {
    try (Message m = session.openMessage(id)) {
      return m.snapshot();
    }
  }

  /** The mapped content of a message (what a render and re-parse must keep), as comparable text. */
  static Map<String, Object> mapped(MessageSnapshot s) {
    Map<String, Object> out = new TreeMap<>();
    props(out, "", s.props(), MimeParser.MESSAGE_TAGS);
    List<Object> rcpts = new ArrayList<>();
    for (Recipient r : s.recipients()) {
      Map<String, Object> m = new TreeMap<>();
      props(m, "", r.props(), MimeParser.RECIPIENT_TAGS);
      rcpts.add(m);
    }
    out.put("recipients", rcpts);
    List<Object> atts = new ArrayList<>();
    for (MessageSnapshot.AttachmentSnapshot a : s.attachments()) {
      if (a.get(MimeProps.ORIGINAL_SHA256).isPresent()) {
        continue;
      }
      Map<String, Object> m = new TreeMap<>();
      props(m, "", a.props(), MimeParser.ATTACHMENT_TAGS);
      m.put("content", a.content().map(c -> c.sha256() + "/" + c.size()).orElse("-"));
      a.embedded().ifPresent(e -> m.put("embedded", mapped(e)));
      atts.add(m);
    }
    out.put("attachments", atts);
    return out;
  }

  private static void props(Map<String, Object> out, String prefix, List<PropValue> props, List<PropTag> tags) {
    for (PropValue v : props) {
      if (tags.contains(v.tag())) {
        Object raw = v.rawValue();
        out.put(prefix + v.tag().displayName(), raw instanceof byte[] b ? java.util.HexFormat.of().formatHex(b) : raw);
      }
    }
  }

  static byte[] readAll(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  @Override
  public void close() {
    session.close();
    store.close();
  }
}
