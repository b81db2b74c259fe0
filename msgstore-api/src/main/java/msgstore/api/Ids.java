package msgstore.api;

final class Ids {
  private Ids() {}

  static long parse(String text, String prefix, String what) {
    String s = text.strip();
    if (s.startsWith(prefix)) {
      s = s.substring(prefix.length());
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new StoreException(MapiError.INVALID_ENTRYID, "not a " + what + " id: '" + text + "'");
    }
  }
}
