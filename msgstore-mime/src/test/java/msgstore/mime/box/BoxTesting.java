package msgstore.mime.box;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads a whole source for assertions. */
final class BoxTesting {
  private BoxTesting() {}

  record Read(SourceMessage message, byte[] bytes) {
    String text() {
      return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
  }

  static List<Read> readAll(Path path, MailSource.Options options) throws IOException {
    List<Read> out = new ArrayList<>();
    try (MailSource s = MailSource.open(path, options)) {
      for (Optional<SourceMessage> m = s.next(); m.isPresent(); m = s.next()) {
        try (InputStream in = m.get().open().get()) {
          out.add(new Read(m.get(), in.readAllBytes()));
        } catch (IOException e) {
          out.add(new Read(m.get(), null));
        }
      }
    }
    return out;
  }

  static List<Read> readAll(Path path) throws IOException {
    return readAll(path, MailSource.Options.defaults());
  }

  static void write(MailSink sink, List<String> folder, java.util.Set<Flag> flags, byte[] bytes) {
    try {
      sink.add(folder, flags, java.time.Instant.parse("2026-11-22T10:00:00Z"), "alice@example.com", o -> o.write(bytes));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
