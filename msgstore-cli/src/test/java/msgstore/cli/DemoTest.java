package msgstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoTest {
  @Test
  void demoShouldShowFirstSaveWinsObjectChangedForceAndHistoryAndRunTwiceOnOneFile(@TempDir Path dir) throws Exception {
    for (int run = 0; run < 2; run++) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      new Demo(new PrintStream(buf, true, StandardCharsets.UTF_8)).run(dir.resolve("demo.db"));
      String out = buf.toString(StandardCharsets.UTF_8);
      assertThat(out).contains("saved first: version").contains("lost: MAPI_E_OBJECT_CHANGED (0x80040109)")
          .contains("forced save wrote version").contains("FORCED").contains("restored version")
          .contains("OBJECT_MODIFIED");
    }
  }
}
