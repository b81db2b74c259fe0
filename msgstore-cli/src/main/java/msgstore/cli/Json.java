package msgstore.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import msgstore.api.MessageSnapshot;
import msgstore.api.PropValue;
import msgstore.api.Recipient;

/** JSON in the shapes of docs/http-api.md, so {@code show --json} reads like the server's GET. */
final class Json {
  private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Json() {}

  static String write(Object tree) {
    try {
      return MAPPER.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  static Map<String, Object> properties(List<PropValue> props) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (PropValue p : props) {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("tag", p.tag().hex());
      v.put("type", p.tag().type().name());
      v.put("value", value(p.rawValue()));
      out.put(p.tag().displayName(), v);
    }
    return out;
  }

  static Object value(Object raw) {
    if (raw instanceof byte[] b) {
      return Base64.getEncoder().encodeToString(b);
    }
    if (raw instanceof Instant || raw instanceof UUID) {
      return raw.toString();
    }
    if (raw instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      for (Object e : l) {
        out.add(value(e));
      }
      return out;
    }
    return raw;
  }

  static List<Object> recipients(List<Recipient> rows) {
    List<Object> out = new ArrayList<>();
    for (Recipient r : rows) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("rowId", r.rowId());
      m.put("properties", properties(r.props()));
      out.add(m);
    }
    return out;
  }

  static List<Object> attachments(List<MessageSnapshot.AttachmentSnapshot> rows) {
    List<Object> out = new ArrayList<>();
    for (MessageSnapshot.AttachmentSnapshot a : rows) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("attachNum", a.attachNum());
      m.put("properties", properties(a.props()));
      m.put("content", a.content().map(c -> {
        Map<String, Object> ref = new LinkedHashMap<>();
        ref.put("sha256", c.sha256());
        ref.put("size", c.size());
        return (Object) ref;
      }).orElse(null));
      m.put("embedded", a.embedded().map(Json::snapshot).orElse(null));
      out.add(m);
    }
    return out;
  }

  static Map<String, Object> snapshot(MessageSnapshot s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("properties", properties(s.props()));
    m.put("recipients", recipients(s.recipients()));
    m.put("attachments", attachments(s.attachments()));
    return m;
  }
}
