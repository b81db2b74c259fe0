package msgstore.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.MessageSnapshot;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "show", description = "A message: its properties by canonical name, recipients and attachments.")
final class ShowCommand implements Callable<Integer> {
  private final Io io;

  @Mixin
  TargetOptions target;

  @Option(names = "--json", description = "Print JSON in the HTTP API's message shape.")
  boolean json;

  @Parameters(paramLabel = "MESSAGE", description = "A message id (m-5).")
  String message;

  ShowCommand(Io io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    MessageId id = MessageId.parse(message);
    try (Target t = Target.open(target, io); Message m = t.session.openMessage(id)) {
      MessageSnapshot snap = m.snapshot();
      List<PropValue> props = m.getProps();
      if (json) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id.toString());
        out.put("storeId", m.storeId().toString());
        out.put("folderId", m.folderId().toString());
        out.put("changeNumber", m.baseChangeNumber().map(c -> (Object) c.value()).orElse(null));
        out.put("changeKey", m.baseChangeKey().map(Object::toString).orElse(null));
        out.put("accessLevel", m.accessLevel().name());
        out.put("properties", Json.properties(props));
        out.put("recipients", Json.recipients(m.recipients()));
        out.put("attachments", Json.attachments(snap.attachments()));
        io.out().println(Json.write(out));
        return Main.EXIT_OK;
      }
      io.out().printf("%s in %s (%s), version %s, change key %s%n", id, t.path(m.folderId()), m.folderId(),
          m.baseChangeNumber().map(c -> Long.toString(c.value())).orElse("-"),
          m.baseChangeKey().map(Object::toString).orElse("-"));
      io.out().println("Properties:");
      List<List<String>> rows = new ArrayList<>();
      for (PropValue p : props) {
        rows.add(List.of("  " + p.tag().displayName(), p.tag().equals(PropTags.BODY) ? Text.oneLine(p.asString(), 200)
            : Text.oneLine(Text.value(p), 200)));
      }
      Text.table(io.out(), List.of("  NAME", "VALUE"), rows);
      List<Recipient> recipients = m.recipients();
      if (!recipients.isEmpty()) {
        io.out().println("Recipients:");
        for (Recipient r : recipients) {
          io.out().printf("  %d  %-3s %s <%s>%n", r.rowId(), recipientType(r),
              r.getString(PropTags.DISPLAY_NAME).orElse(""),
              r.getString(PropTags.SMTP_ADDRESS).or(() -> r.getString(PropTags.EMAIL_ADDRESS)).orElse(""));
        }
      }
      if (!snap.attachments().isEmpty()) {
        io.out().println("Attachments:");
        for (MessageSnapshot.AttachmentSnapshot a : snap.attachments()) {
          String name = a.getString(PropTags.ATTACH_LONG_FILENAME).or(() -> a.getString(PropTags.ATTACH_FILENAME))
              .orElse(a.embedded().isPresent() ? "(embedded message)" : "(no name)");
          String size = a.content().map(c -> c.size() + " bytes")
              .or(() -> a.get(PropTags.ATTACH_SIZE).map(v -> v.asInt() + " bytes")).orElse("");
          String mime = a.getString(PropTags.ATTACH_MIME_TAG).orElse("");
          io.out().println(("  " + a.attachNum() + "  " + name + "  " + size + "  " + mime).stripTrailing());
        }
      }
    }
    return Main.EXIT_OK;
  }

  private static String recipientType(Recipient r) {
    int type = r.getInt(PropTags.RECIPIENT_TYPE).orElse(0);
    return switch (type) {
      case PropTags.MAPI_TO -> "To";
      case PropTags.MAPI_CC -> "Cc";
      case PropTags.MAPI_BCC -> "Bcc";
      default -> "?";
    };
  }
}
