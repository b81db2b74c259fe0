package msgstore.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import org.junit.jupiter.api.Test;

/** Request bodies are strict UTF-8 JSON within {@link InputLimits}; each refusal names the problem. */
class WireParseLimitsTest {
  private static final InputLimits SMALL = new InputLimits(16, 24, 1024, 64, 4096);

  private static void refused(byte[] body, InputLimits limits, MapiError error, String detail) {
    assertThatThrownBy(() -> Wire.parse(body, limits)).isInstanceOfSatisfying(StoreException.class, e -> {
      assertThat(e.error()).isEqualTo(error);
      assertThat(e.getMessage()).contains(detail);
    });
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void overlongEncodedSurrogateAndTruncatedSequencesAreRefusedWithTheirOffset() {
    refused(new byte[] {'"', (byte) 0xC0, (byte) 0xAF, '"'}, InputLimits.DEFAULTS, MapiError.INVALID_PARAMETER,
        "offset 1 (C0)");
    refused(new byte[] {'"', 'a', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'}, InputLimits.DEFAULTS,
        MapiError.INVALID_PARAMETER, "offset 2");
    refused(new byte[] {'"', (byte) 0xE2, (byte) 0x82}, InputLimits.DEFAULTS, MapiError.INVALID_PARAMETER, "UTF-8");
    refused(new byte[] {'"', (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '"'}, InputLimits.DEFAULTS,
        MapiError.INVALID_PARAMETER, "UTF-8"); // above U+10FFFF
  }

  @Test
  void aBodyInUtf16IsRefusedNotGuessed() {
    refused("{\"a\":1}".getBytes(StandardCharsets.UTF_16LE), InputLimits.DEFAULTS, MapiError.INVALID_PARAMETER,
        "NUL byte at offset 1");
  }

  @Test
  void wellFormedUtf8IsRead() {
    assertThat(Wire.parse(utf8("{\"s\":\"Grüße 😀 日本\"}"), InputLimits.DEFAULTS).get("s").asText())
        .isEqualTo("Grüße 😀 日本");
  }

  @Test
  void eachLimitIsNamedByItsConfigurationKey() {
    refused(utf8("[".repeat(17) + "]".repeat(17)), SMALL, MapiError.INVALID_PARAMETER, "json.max.depth");
    assertThat(Wire.parse(utf8("[".repeat(16) + "]".repeat(16)), SMALL)).isNotNull();
    refused(utf8("[" + "1".repeat(25) + "]"), SMALL, MapiError.INVALID_PARAMETER, "json.max.number.length");
    refused(utf8("{\"" + "k".repeat(65) + "\":1}"), SMALL, MapiError.INVALID_PARAMETER, "json.max.name.length");
    refused(utf8("[\"" + "s".repeat(1025) + "\"]"), SMALL, MapiError.TOO_BIG, "json.max.string.length");
  }

  @Test
  void theDefaultsRefuseTheIssuesExamplesWithoutA500() {
    refused(utf8("[".repeat(100_000)), InputLimits.DEFAULTS, MapiError.INVALID_PARAMETER, "json.max.depth");
    refused(utf8("[" + "9".repeat(100_000) + "]"), InputLimits.DEFAULTS, MapiError.INVALID_PARAMETER,
        "json.max.number.length");
    refused(utf8("{\"" + "n".repeat(100_000) + "\":1}"), InputLimits.DEFAULTS, MapiError.INVALID_PARAMETER,
        "json.max.name.length");
  }

  @Test
  void aDoubleBeyondItsRangeIsRefusedAndTheSpecialValuesHaveAStringForm() {
    var tag = msgstore.api.PropTag.of(0x6001, msgstore.api.PropType.DOUBLE);
    assertThatThrownBy(() -> PropCodec.parseValue(tag, Wire.parse(utf8("1e400")), "v"))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.INVALID_TYPE))
        .hasMessageContaining("out of the range");
    var inf = PropCodec.parseValue(tag, Wire.parse(utf8("\"Infinity\"")), "v");
    assertThat(inf.value()).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(PropCodec.parseValue(tag, Wire.parse(Wire.bytes(PropCodec.value(inf))), "v")).isEqualTo(inf);
  }
}
