package msgstore.engine.spi;

import java.util.List;

/** Operations committed together, atomically, by {@code actor} (the session user). */
public record WriteBatch(String actor, List<WriteOp> ops) {
  public WriteBatch {
    ops = List.copyOf(ops);
  }

  public static WriteBatch of(String actor, WriteOp... ops) {
    return new WriteBatch(actor, List.of(ops));
  }
}
