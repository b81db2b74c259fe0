package msgstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's class-cache training (ADR 0026) fails silently by design (msgstore then runs
 * without a cache), so a command it runs that stops working would only show as a slower start:
 * this test is where it shows.
 */
class AotTrainingTest {
  @TempDir Path dir;

  @Test
  void everyTrainingCommandSucceedsOnAThrowawayStore() throws Exception {
    assertThat(AotTraining.train(dir)).isZero();
    assertThat(dir.resolve("eml")).isDirectory();
    assertThat(dir.resolve("out.mbox")).isNotEmptyFile();
  }
}
