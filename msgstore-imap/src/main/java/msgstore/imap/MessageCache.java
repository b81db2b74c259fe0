package msgstore.imap;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import msgstore.api.Message;
import msgstore.api.Session;
import msgstore.mime.MailExport;

/**
 * The RFC 5322 bytes of the selected mailbox's messages, as {@link MailExport} writes them (the
 * original bytes of an unchanged imported message, ADR 0017), and their parsed structure. A UID's
 * content never changes (ADR 0028), so an entry stays right; a few are kept, and every size.
 */
final class MessageCache {
  private static final int ENTRIES = 16;
  private final Map<Long, MimePart> parsed = new LinkedHashMap<>(32, 0.75f, true) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, MimePart> eldest) {
      return size() > ENTRIES;
    }
  };
  private final Map<Long, Long> sizes = new java.util.HashMap<>();

  /** The message's bytes and structure. */
  MimePart get(Session session, Selected.Msg m) throws IOException {
    MimePart p = parsed.get(m.uid());
    if (p == null) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (Message h = session.openMessage(m.id())) {
        MailExport.write(h, out);
      }
      p = MimePart.parse(out.toByteArray());
      parsed.put(m.uid(), p);
      sizes.put(m.uid(), (long) p.bytes().length);
    }
    return p;
  }

  /** RFC822.SIZE: the exported size, remembered after the first export. */
  long size(Session session, Selected.Msg m) throws IOException {
    Long s = sizes.get(m.uid());
    return s != null ? s : get(session, m).bytes().length;
  }

  void clear() {
    parsed.clear();
    sizes.clear();
  }
}
