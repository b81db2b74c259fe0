package msgstore.cli;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import msgstore.api.MapiError;
import msgstore.api.MessageId;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropType;
import msgstore.api.PropValue;
import msgstore.api.StoreException;

/**
 * The text form {@code msgstore edit} hands to the editor: a header block of {@code Name: value}
 * lines (string, integer, boolean and time properties, by canonical name; newlines in values
 * written as {@code \n}), a blank line, then PidTagBody as it is. Lines starting with {@code #}
 * are comments; read-only properties are shown as comments. Deleting a header line deletes the
 * property; adding one (by name or {@code 0x...} tag) sets it.
 */
final class MessageForm {
  private static final Set<PropType> EDITABLE =
      Set.of(PropType.UNICODE, PropType.STRING8, PropType.SHORT, PropType.LONG, PropType.I8, PropType.BOOLEAN,
          PropType.SYSTIME);
  /** Properties the store computes or maintains; shown as comments, never sent back. */
  private static final Set<PropTag> READ_ONLY = Set.of(PropTags.MID, PropTags.FOLDER_ID, PropTags.ACCESS,
      PropTags.ACCESS_LEVEL, PropTags.OBJECT_TYPE, PropTags.MESSAGE_SIZE, PropTags.CHANGE_NUMBER,
      PropTags.LOCAL_COMMIT_TIME, PropTags.LOCAL_COMMIT_TIME_MAX, PropTags.LAST_MODIFIER_NAME,
      PropTags.LAST_MODIFICATION_TIME, PropTags.CREATION_TIME, PropTags.HAS_ATTACHMENTS, PropTags.DISPLAY_TO,
      PropTags.DISPLAY_CC, PropTags.DISPLAY_BCC, PropTags.DELETED_COUNT_TOTAL, PropTags.MESSAGE_STATUS,
      PropTags.READ, PropTags.MESSAGE_FLAGS, PropTags.NORMALIZED_SUBJECT);

  /** A parsed form: header properties in order, and the body (null when there is none). */
  record Form(Map<PropTag, PropValue> headers, String body) {}

  /** What an edit changed. */
  record Changes(List<PropValue> set, List<PropTag> delete) {
    boolean isEmpty() {
      return set.isEmpty() && delete.isEmpty();
    }
  }

  private MessageForm() {}

  static boolean editable(PropTag tag) {
    return EDITABLE.contains(tag.type()) && !tag.equals(PropTags.BODY) && !READ_ONLY.contains(tag);
  }

  /** The form of a message's properties. */
  static Form of(List<PropValue> props) {
    Map<PropTag, PropValue> headers = new LinkedHashMap<>();
    String body = null;
    for (PropValue p : props) {
      if (p.tag().equals(PropTags.BODY)) {
        body = p.asString();
      } else if (editable(p.tag())) {
        headers.put(p.tag(), p);
      }
    }
    return new Form(headers, body);
  }

  static String render(MessageId id, String version, List<PropValue> props) {
    Form form = of(props);
    StringBuilder b = new StringBuilder();
    b.append("# msgstore edit ").append(id).append(" (version ").append(version).append(")\n");
    b.append("# One property per line, \"Name: value\"; delete a line to delete the property, add one to set it.\n");
    b.append("# After the first blank line comes the body (PidTagBody). Lines starting with # are ignored.\n");
    for (PropValue p : props) {
      if (READ_ONLY.contains(p.tag()) && EDITABLE.contains(p.tag().type())) {
        b.append("# ").append(p.tag().displayName()).append(": ").append(format(p)).append("  (read-only)\n");
      }
    }
    for (PropValue p : form.headers().values()) {
      b.append(p.tag().displayName()).append(": ").append(format(p)).append('\n');
    }
    b.append('\n');
    if (form.body() != null) {
      b.append(form.body());
      if (!form.body().endsWith("\n")) {
        b.append('\n');
      }
    }
    return b.toString();
  }

  static String format(PropValue p) {
    Object v = p.rawValue();
    if (v instanceof String s) {
      return s.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n");
    }
    return String.valueOf(v);
  }

  /** Parses an edited form. @throws CliException (usage) naming the line of a malformed header */
  static Form parse(String text) {
    Map<PropTag, PropValue> headers = new LinkedHashMap<>();
    String[] lines = text.split("\n", -1);
    int i = 0;
    for (; i < lines.length; i++) {
      String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
      if (line.startsWith("#")) {
        continue;
      }
      if (line.isBlank()) {
        i++;
        break;
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new CliException(Main.EXIT_USAGE, "line " + (i + 1) + ": expected \"Name: value\", got: " + line);
      }
      String name = line.substring(0, colon).strip();
      String raw = line.substring(colon + 1);
      raw = raw.startsWith(" ") ? raw.substring(1) : raw;
      PropValue v;
      try {
        v = parseValue(name, unescape(raw));
      } catch (CliException | StoreException e) {
        throw new CliException(Main.EXIT_USAGE, "line " + (i + 1) + ": " + e.getMessage());
      }
      if (v.tag().equals(PropTags.BODY)) {
        throw new CliException(Main.EXIT_USAGE, "line " + (i + 1) + ": the body goes after the blank line");
      }
      headers.put(v.tag(), v);
    }
    String body = null;
    if (i < lines.length) {
      body = String.join("\n", java.util.Arrays.asList(lines).subList(i, lines.length));
    }
    return new Form(headers, body == null || body.isEmpty() ? null : body);
  }

  /** A property from its name (PidTag..., PR_..., 0x...) and text value. */
  static PropValue parseValue(String name, String text) {
    PropTag tag;
    try {
      tag = PropTag.parse(name);
    } catch (StoreException e) {
      throw new CliException(Main.EXIT_USAGE, "unknown property '" + name + "' (use a PidTag... name or a 0x... tag)");
    }
    String t = text.strip();
    try {
      Object value = switch (tag.type()) {
        case UNICODE, STRING8 -> text;
        case SHORT -> Short.parseShort(t);
        case LONG -> Integer.parseInt(t);
        case I8 -> Long.parseLong(t);
        case BOOLEAN -> switch (t.toLowerCase(Locale.ROOT)) {
          case "true", "yes", "1" -> Boolean.TRUE;
          case "false", "no", "0" -> Boolean.FALSE;
          default -> throw new IllegalArgumentException("not a boolean");
        };
        case SYSTIME -> Instant.parse(t);
        default -> throw new CliException(Main.EXIT_USAGE, tag.displayName() + " is of type " + tag.type()
            + ", which edit cannot write");
      };
      return PropValue.of(tag, value);
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new StoreException(MapiError.BAD_VALUE, tag.displayName() + " (" + tag.type() + "): bad value '" + t
          + "'" + (tag.type() == PropType.SYSTIME ? " (want an ISO instant such as 2026-11-22T06:00:00Z)" : ""));
    } catch (IllegalArgumentException e) {
      throw new StoreException(MapiError.BAD_VALUE, tag.displayName() + ": bad value '" + t + "' (want true or false)");
    }
  }

  private static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char n = s.charAt(++i);
        switch (n) {
          case 'n' -> b.append('\n');
          case 'r' -> b.append('\r');
          case '\\' -> b.append('\\');
          default -> b.append('\\').append(n);
        }
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** The properties to set and delete to turn {@code before} into {@code after}. */
  static Changes diff(Form before, Form after) {
    List<PropValue> set = new ArrayList<>();
    List<PropTag> delete = new ArrayList<>();
    for (PropValue v : after.headers().values()) {
      if (!v.equals(before.headers().get(v.tag()))) {
        set.add(v);
      }
    }
    for (PropTag tag : before.headers().keySet()) {
      if (!after.headers().containsKey(tag)) {
        delete.add(tag);
      }
    }
    String oldBody = before.body();
    String newBody = after.body();
    // The form ends the body with a newline; editors add one too. Neither is an edit.
    if (newBody != null && oldBody != null && !oldBody.endsWith("\n") && newBody.endsWith("\n")) {
      newBody = newBody.substring(0, newBody.length() - 1);
    } else if (newBody != null && oldBody == null && newBody.endsWith("\n")) {
      newBody = newBody.substring(0, newBody.length() - 1);
    }
    if (!Objects.equals(oldBody, newBody)) {
      if (newBody == null || newBody.isEmpty()) {
        if (oldBody != null) {
          delete.add(PropTags.BODY);
        }
      } else {
        set.add(PropValue.of(PropTags.BODY, newBody));
      }
    }
    return new Changes(set, delete);
  }
}
