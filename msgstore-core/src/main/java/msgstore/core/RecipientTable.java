package msgstore.core;

import static msgstore.api.PropTags.ROWID;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import msgstore.api.MapiError;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.RecipientOp;
import msgstore.api.StoreException;
import msgstore.api.StoreLimits;

/**
 * A handle's recipient table (R47-R49): the base's rows with the handle's ModifyRecipients
 * applied. Row ids are the table's own: ADD numbers new rows after the highest id the handle has
 * given out (a removed row's id is never given again while the handle lives), REPLACE_ALL numbers
 * from 1; MODIFY and REMOVE name rows by id. PR_ROWID is not stored in a row; {@link #view()}
 * adds it.
 *
 * <p>Not thread-safe: the owning handle serialises calls (R97).
 */
public final class RecipientTable {
  private final Supplier<String> what;
  private TreeMap<Integer, Recipient> rows = new TreeMap<>();
  private int nextRowId = 1;

  /** {@code what} names the message in messages. */
  public RecipientTable(Collection<Recipient> base, Supplier<String> what) {
    this.what = what;
    rebase(base);
  }

  /** Starts again from a (new) base: after a save, the committed rows (R29). */
  public void rebase(Collection<Recipient> base) {
    rows = new TreeMap<>();
    for (Recipient r : base) {
      rows.put(r.rowId(), r);
    }
    nextRowId = rows.isEmpty() ? 1 : rows.lastKey() + 1;
  }

  /** The rows as stored (without PR_ROWID), in row-id order. */
  public List<Recipient> rows() {
    return new ArrayList<>(rows.values());
  }

  public int size() {
    return rows.size();
  }

  /** The rows as the handle shows them: each with its PR_ROWID. */
  public List<Recipient> view() {
    List<Recipient> out = new ArrayList<>(rows.size());
    for (Recipient r : rows.values()) {
      List<PropValue> p = new ArrayList<>(r.props());
      p.add(PropValue.of(ROWID, r.rowId()));
      out.add(new Recipient(r.rowId(), Props.sorted(p)));
    }
    return out;
  }

  /** A checked ModifyRecipients, applied by {@link Edit#apply()}. */
  public final class Edit {
    private final TreeMap<Integer, Recipient> next;
    private final int nextId;
    private final List<Recipient> clean;

    private Edit(TreeMap<Integer, Recipient> next, int nextId, List<Recipient> clean) {
      this.next = next;
      this.nextId = nextId;
      this.clean = clean;
    }

    /** Makes the edit the table's state; returns the rows given, checked and without PR_ROWID. */
    public List<Recipient> apply() {
      rows = next;
      nextRowId = Math.max(nextId, nextRowId);
      return clean;
    }
  }

  /**
   * ModifyRecipients (R47, R48), checked and computed but not applied: a failing call changes
   * nothing.
   *
   * @throws StoreException TOO_BIG (a row or the table over {@code limits}), NOT_FOUND (MODIFY or
   *     REMOVE of a row id the table does not hold)
   */
  public Edit prepare(RecipientOp op, Collection<Recipient> given, StoreLimits limits) {
    List<Recipient> clean = new ArrayList<>(given.size());
    for (Recipient r : given) {
      limits.checkPropertyCount(r.props().size(), "a recipient of " + what.get());
      List<PropValue> p = new ArrayList<>();
      for (PropValue v : r.props()) {
        limits.checkProperty(v, "a recipient of " + what.get());
        if (v.tag().id() != ROWID.id()) {
          p.add(v);
        }
      }
      clean.add(new Recipient(r.rowId(), Props.sorted(p)));
    }
    TreeMap<Integer, Recipient> next = new TreeMap<>(op == RecipientOp.REPLACE_ALL ? Map.of() : rows);
    int rowId = op == RecipientOp.REPLACE_ALL ? 1 : nextRowId;
    for (Recipient r : clean) {
      switch (op) {
        case ADD, REPLACE_ALL -> next.put(rowId, r.withRowId(rowId++));
        case MODIFY -> {
          if (!next.containsKey(r.rowId())) {
            throw notFound(r.rowId());
          }
          next.put(r.rowId(), r);
        }
        case REMOVE -> {
          if (next.remove(r.rowId()) == null) {
            throw notFound(r.rowId());
          }
        }
      }
    }
    int max = limits.maxRecipients();
    if (next.size() > max) {
      throw new StoreException(MapiError.TOO_BIG, what.get() + " would have " + next.size()
          + " recipients, over the limit of " + max);
    }
    return new Edit(next, rowId, clean);
  }

  /** ModifyRecipients, checked and applied; returns the rows given, checked and without PR_ROWID. */
  public List<Recipient> modify(RecipientOp op, Collection<Recipient> given, StoreLimits limits) {
    return prepare(op, given, limits).apply();
  }

  private StoreException notFound(int rowId) {
    return new StoreException(MapiError.NOT_FOUND, "recipient row " + rowId + " not found in " + what.get());
  }

  /** RemoveAllRecipients (R49). Row ids given out stay given out. */
  public void removeAll() {
    rows = new TreeMap<>();
  }

  /** CopyTo's target side (R13): {@code r} added as a new row; returns it with its new row id. */
  public Recipient append(Recipient r) {
    Recipient added = r.withRowId(nextRowId++);
    rows.put(added.rowId(), added);
    return added;
  }
}
