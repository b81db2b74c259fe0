package msgstore.engine.spi;

import java.util.List;

/** Per operation of the batch, in order: what it produced. */
public record CommitResult(List<OpResult> results) {
  public CommitResult {
    results = List.copyOf(results);
  }

  public OpResult get(int i) {
    return results.get(i);
  }

  /**
   * @param id the id created or written (message, folder, named property), 0 when none
   * @param cn the change number allocated, 0 when none
   * @param previousCn the version replaced, 0 when none
   * @param position the last journal position written by the op, 0 when none
   */
  public record OpResult(long id, long cn, long previousCn, long position) {
    public static final OpResult NONE = new OpResult(0, 0, 0, 0);
  }
}
