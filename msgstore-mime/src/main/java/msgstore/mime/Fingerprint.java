package msgstore.mime;

import java.io.ByteArrayOutputStream;
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
 *
 * <p>Two encodings of the same items, told apart by the stored value: version 2 ({@code "2:"} and
 * the hex digest, written since 2026-12-06) hashes binary values as they are and every item in one
 * pass over a buffer; version 1 (a bare hex digest) hashed binary values as hex text, one digest
 * call per field, which made the fingerprint a tenth of an import's CPU. Messages imported before
 * keep their version 1 value and are still compared with it, so their originals are still exported.
 */
final class Fingerprint {
  private static final String V2 = "2:";

  private Fingerprint() {}

  /** The fingerprint to store at import (version 2). */
  static String of(MessageSnapshot m) {
    Items items = new Items(true);
    items.message(m);
    return V2 + HexFormat.of().formatHex(sha256().digest(items.bytes()));
  }

  /** Whether {@code m} still maps to what was imported: {@code stored} recomputed in its own version. */
  static boolean matches(String stored, MessageSnapshot m) {
    return stored.equals(stored.startsWith(V2) ? of(m) : version1(m));
  }

  /** The version 1 value of {@code m}: what imports stored before version 2. */
  static String version1(MessageSnapshot m) {
    Items items = new Items(false);
    items.message(m);
    return HexFormat.of().formatHex(sha256().digest(items.bytes()));
  }

  /** The length-prefixed items hashed, in order; {@code raw}: version 2 (binary as it is) or 1 (binary as hex). */
  private static final class Items extends ByteArrayOutputStream {
    private final boolean raw;

    Items(boolean raw) {
      super(4096);
      this.raw = raw;
    }

    byte[] bytes() {
      return count == buf.length ? buf : toByteArray();
    }

    void message(MessageSnapshot m) {
      put("message");
      props(m.props(), MimeParser.MESSAGE_TAGS);
      for (Recipient r : m.recipients()) {
        put("recipient");
        props(r.props(), MimeParser.RECIPIENT_TAGS);
      }
      for (MessageSnapshot.AttachmentSnapshot a : m.attachments().stream()
          .sorted(Comparator.comparingInt(MessageSnapshot.AttachmentSnapshot::attachNum)).toList()) {
        if (a.get(MimeProps.ORIGINAL_SHA256).isPresent()) {
          continue;
        }
        put("attachment");
        props(a.props(), MimeParser.ATTACHMENT_TAGS);
        put(a.content().map(c -> c.sha256()).orElse("-"));
        Optional<MessageSnapshot> e = a.embedded();
        if (e.isPresent()) {
          message(e.get());
        }
      }
    }

    /** The values of {@code tags}, in the order of {@code tags} (one pass over {@code props}, not one per tag). */
    private void props(List<PropValue> props, List<PropTag> tags) {
      Map<PropTag, List<PropValue>> byTag = new HashMap<>();
      for (PropValue v : props) {
        byTag.computeIfAbsent(v.tag(), t -> new ArrayList<>(1)).add(v);
      }
      for (PropTag t : tags) {
        for (PropValue v : byTag.getOrDefault(t, List.of())) {
          put(t.hex());
          Object value = v.rawValue();
          if (value instanceof byte[] b) {
            put(raw ? b : HexFormat.of().formatHex(b).getBytes(StandardCharsets.UTF_8));
          } else {
            put(String.valueOf(value));
          }
        }
      }
    }

    private void put(String s) {
      put(s.getBytes(StandardCharsets.UTF_8));
    }

    private void put(byte[] b) {
      write(b.length >>> 24);
      write(b.length >>> 16);
      write(b.length >>> 8);
      write(b.length);
      write(b, 0, b.length);
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
