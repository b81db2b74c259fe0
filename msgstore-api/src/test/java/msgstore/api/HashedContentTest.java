package msgstore.api;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class HashedContentTest {
  @Test
  void theDigestShouldBeTheSha256OfTheBytesAndSurviveAReopen() throws Exception {
    byte[] bytes = "Subject: hi\r\n\r\nbody".getBytes(UTF_8);
    HashedContent c = HashedContent.of(bytes);
    String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    assertThat(c.sha256()).isEqualTo(expected);
    assertThat(c.length()).isEqualTo(bytes.length);
    assertThat(c.readAllBytes()).isEqualTo(bytes);
    HashedContent again = c.reopen();
    assertThat(again.sha256()).isEqualTo(expected);
    assertThat(again.readAllBytes()).isEqualTo(bytes);
  }

  @Test
  void theBytesShouldBeHandedOverOnlyWhileNothingWasRead() throws Exception {
    HashedContent c = HashedContent.of(new byte[] {1, 2, 3});
    assertThat(c.untouchedBytes()).containsExactly(1, 2, 3);
    assertThat(c.read()).isEqualTo(1);
    assertThat(c.untouchedBytes()).as("a reader that started must go on reading").isNull();
    assertThat(c.reopen().untouchedBytes()).containsExactly(1, 2, 3);
  }
}
