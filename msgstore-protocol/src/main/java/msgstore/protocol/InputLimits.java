package msgstore.protocol;

import msgstore.api.MapiError;
import msgstore.api.StoreException;

/**
 * Limits on what a request may send, checked while it is read so that hostile input costs little
 * and is refused with a 4xx naming the limit (docs/configuration.md, "Input limits"). Request
 * bodies must also be well-formed UTF-8 ({@link Wire#parse(byte[], InputLimits)}).
 *
 * @param maxDepth the deepest nesting of JSON arrays and objects ({@code json.max.depth}); a
 *     restriction nests at most half as deep
 * @param maxNumberLength the most characters of one JSON number ({@code json.max.number.length})
 * @param maxStringLength the most characters of one JSON string ({@code json.max.string.length})
 * @param maxNameLength the most characters of one JSON object key ({@code json.max.name.length})
 * @param maxHeaderBytes the most bytes of the request line and headers together ({@code
 *     http.max.header.bytes}); over it the server answers 431 (or 414 for the URI alone)
 */
public record InputLimits(int maxDepth, int maxNumberLength, int maxStringLength, int maxNameLength,
    int maxHeaderBytes) {
  public static final InputLimits DEFAULTS = new InputLimits(64, 100, 64 << 20, 1024, 16 << 10);

  public InputLimits {
    check(maxDepth >= 16 && maxDepth <= 1000, "json.max.depth must be 16 to 1000, got " + maxDepth);
    check(maxNumberLength >= 24 && maxNumberLength <= 100_000,
        "json.max.number.length must be 24 to 100000, got " + maxNumberLength);
    check(maxStringLength >= 1024, "json.max.string.length must be at least 1024, got " + maxStringLength);
    check(maxNameLength >= 64 && maxNameLength <= 1 << 20,
        "json.max.name.length must be 64 to 1048576, got " + maxNameLength);
    check(maxHeaderBytes >= 4096 && maxHeaderBytes <= 1 << 20,
        "http.max.header.bytes must be 4096 to 1048576, got " + maxHeaderBytes);
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "server configuration: " + message);
    }
  }
}
