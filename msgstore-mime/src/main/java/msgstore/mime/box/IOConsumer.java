package msgstore.mime.box;

import java.io.IOException;

/** A consumer that may fail with an {@link IOException}. */
@FunctionalInterface
public interface IOConsumer<T> {
  void accept(T value) throws IOException;
}
