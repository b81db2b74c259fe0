package msgstore.cli;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import msgstore.api.PropValue;

/** Plain-text rendering shared by the commands: values, times, aligned tables. */
final class Text {
  private static final DateTimeFormatter SHORT_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneId.systemDefault());

  private Text() {}

  /** A value for people: strings as they are, times as ISO instants, binary as (shortened) hex. */
  static String value(Object v) {
    if (v instanceof PropValue p) {
      return value(p.rawValue());
    }
    if (v instanceof byte[] b) {
      return "0x" + HexFormat.of().formatHex(b, 0, Math.min(b.length, 32)) + (b.length > 32 ? "... (" + b.length
          + " bytes)" : "");
    }
    if (v instanceof List<?> l) {
      List<String> parts = new ArrayList<>();
      for (Object e : l) {
        parts.add(value(e));
      }
      return parts.toString();
    }
    return String.valueOf(v);
  }

  /** A value on one line, quoted when it is a string, for diffs. */
  static String quoted(Object v) {
    if (v == null) {
      return "(none)";
    }
    Object raw = v instanceof PropValue p ? p.rawValue() : v;
    if (raw instanceof String s) {
      return "\"" + oneLine(s, 60) + "\"";
    }
    return oneLine(value(raw), 60);
  }

  static String oneLine(String s, int max) {
    String t = s.replace("\r", "").replace("\n", "\\n").replace("\t", " ");
    return t.length() <= max ? t : t.substring(0, Math.max(0, max - 3)) + "...";
  }

  static String shortTime(Instant t) {
    return t == null ? "" : SHORT_TIME.format(t);
  }

  /** Prints rows as aligned columns; the last column is not padded. */
  static void table(PrintStream out, List<String> header, List<List<String>> rows) {
    int n = header.size();
    int[] width = new int[n];
    for (int i = 0; i < n; i++) {
      width[i] = header.get(i).length();
    }
    for (List<String> r : rows) {
      for (int i = 0; i < n; i++) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    printRow(out, header, width);
    for (List<String> r : rows) {
      printRow(out, r, width);
    }
  }

  private static void printRow(PrintStream out, List<String> cells, int[] width) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      if (i == cells.size() - 1) {
        b.append(cells.get(i));
      } else {
        b.append(String.format("%-" + width[i] + "s  ", cells.get(i)));
      }
    }
    out.println(b.toString().stripTrailing());
  }
}
