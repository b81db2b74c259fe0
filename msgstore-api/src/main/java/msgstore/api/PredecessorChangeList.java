package msgstore.api;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;

/**
 * PR_PREDECESSOR_CHANGE_LIST (R63, R69): at most one XID per namespace GUID (the largest), sorted
 * ascending by GUID bytes, serialised as (1-byte size, XID) entries with no padding.
 */
public record PredecessorChangeList(List<ChangeKey> entries) {
  public PredecessorChangeList {
    TreeMap<byte[], ChangeKey> byGuid = new TreeMap<>(Arrays::compareUnsigned);
    for (ChangeKey k : entries) {
      byGuid.merge(ChangeKey.guidBytes(k.namespace()), k, (a, b) -> a.counter() >= b.counter() ? a : b);
    }
    entries = List.copyOf(byGuid.values());
  }

  public static PredecessorChangeList of(ChangeKey... keys) {
    return new PredecessorChangeList(List.of(keys));
  }

  public static final PredecessorChangeList EMPTY = new PredecessorChangeList(List.of());

  /** The merge of this list with others: one XID per GUID, the larger counter (R63). */
  public PredecessorChangeList merge(Collection<ChangeKey> more) {
    List<ChangeKey> all = new ArrayList<>(entries);
    all.addAll(more);
    return new PredecessorChangeList(all);
  }

  public PredecessorChangeList merge(PredecessorChangeList other) {
    return merge(other.entries);
  }

  /** True when, for every XID of {@code other}, this list has one of the same GUID with an equal or larger counter. */
  public boolean includes(PredecessorChangeList other) {
    for (ChangeKey k : other.entries) {
      boolean found = false;
      for (ChangeKey m : entries) {
        if (m.namespace().equals(k.namespace()) && m.counter() >= k.counter()) {
          found = true;
          break;
        }
      }
      if (!found) {
        return false;
      }
    }
    return true;
  }

  public byte[] toBytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (ChangeKey k : entries) {
      out.write(ChangeKey.SIZE);
      out.writeBytes(k.toBytes());
    }
    return out.toByteArray();
  }

  public static PredecessorChangeList fromBytes(byte[] b) {
    List<ChangeKey> keys = new ArrayList<>();
    int i = 0;
    while (i < b.length) {
      int size = b[i] & 0xFF;
      if (size != ChangeKey.SIZE || i + 1 + size > b.length) {
        throw new StoreException(MapiError.CORRUPT_DATA, "malformed predecessor change list at byte " + i);
      }
      keys.add(ChangeKey.fromBytes(Arrays.copyOfRange(b, i + 1, i + 1 + size)));
      i += 1 + size;
    }
    return new PredecessorChangeList(keys);
  }

  /** The XID for one namespace, if present. */
  public java.util.Optional<ChangeKey> forNamespace(UUID ns) {
    return entries.stream().filter(k -> k.namespace().equals(ns)).findFirst();
  }
}
