package msgstore.mime.box;

import java.io.IOException;

/** A supplier that may fail with an {@link IOException}. */
@FunctionalInterface
public interface IOSupplier<T> {
  T get() throws IOException;
}
