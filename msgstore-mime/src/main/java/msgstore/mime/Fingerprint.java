package msgstore.mime;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import msgstore.api.MessageSnapshot;
import msgstore.api.PropTag;
import msgstore.api.PropValue;
import msgstore.api.Recipient;

/**
 * A SHA-256 over what the mapping produced: the mapped message properties, the recipient rows, and
 * each attachment's mapped properties with its content hash (embedded messages recursively), the
 * hidden original left out. Stored at import, compared at export: equal means unchanged since
 * import, so the original bytes are exported (ADR 0017). Properties the store computes (change
 * key, times, flags, read state) are not part of it, so reading or flagging does not count as a change.
 */
final class Fingerprint {
  private Fingerprint() {}

  static String of(MessageSnapshot m) {
    MessageDigest d = sha256();
    add(d, m);
    return HexFormat.of().formatHex(d.digest());
  }

  private static void add(MessageDigest d, MessageSnapshot m) {
    put(d, "message");
    props(d, m.props(), MimeParser.MESSAGE_TAGS);
    for (Recipient r : m.recipients()) {
      put(d, "recipient");
      props(d, r.props(), MimeParser.RECIPIENT_TAGS);
    }
    for (MessageSnapshot.AttachmentSnapshot a : m.attachments().stream()
        .sorted(Comparator.comparingInt(MessageSnapshot.AttachmentSnapshot::attachNum)).toList()) {
      if (a.get(MimeProps.ORIGINAL_SHA256).isPresent()) {
        continue;
      }
      put(d, "attachment");
      props(d, a.props(), MimeParser.ATTACHMENT_TAGS);
      put(d, a.content().map(c -> c.sha256()).orElse("-"));
      Optional<MessageSnapshot> e = a.embedded();
      if (e.isPresent()) {
        add(d, e.get());
      }
    }
  }

  /** The values of {@code tags}, in the order of {@code tags} (one pass over {@code props}, not one per tag). */
  private static void props(MessageDigest d, List<PropValue> props, List<PropTag> tags) {
    Map<PropTag, List<PropValue>> byTag = new HashMap<>();
    for (PropValue v : props) {
      byTag.computeIfAbsent(v.tag(), t -> new ArrayList<>(1)).add(v);
    }
    for (PropTag t : tags) {
      for (PropValue v : byTag.getOrDefault(t, List.of())) {
        put(d, t.hex());
        Object raw = v.rawValue();
        put(d, raw instanceof byte[] b ? HexFormat.of().formatHex(b) : String.valueOf(raw));
      }
    }
  }

  private static void put(MessageDigest d, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    d.update((byte) (b.length >>> 24));
    d.update((byte) (b.length >>> 16));
    d.update((byte) (b.length >>> 8));
    d.update((byte) b.length);
    d.update(b);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
