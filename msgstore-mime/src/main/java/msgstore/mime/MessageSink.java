package msgstore.mime;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import msgstore.api.Attachment;
import msgstore.api.Message;
import msgstore.api.OpenFlag;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.RecipientOp;

/**
 * Where the parser puts what it maps: a message handle's pending state (the real target), or a
 * recorder (fuzzing, tests). Nothing reaches a store before the caller's SaveChanges.
 */
interface MessageSink {
  void setProps(List<PropValue> props);

  void addRecipients(List<Recipient> rows);

  /** A by-value attachment whose content is streamed from {@code content}. */
  void addAttachment(List<PropValue> props, InputStream content) throws IOException;

  /** An embedded-message attachment; fill the returned sink, then {@link #finish()} it. */
  MessageSink addEmbedded(List<PropValue> attachProps);

  /** For an embedded sink: saves the embedded message and its attachment into the parent. */
  void finish();

  /** A sink writing into the pending state of a message handle through the msgstore API. */
  static MessageSink of(Message message) {
    return new HandleSink(message, null);
  }

  /** Writes into a message handle; for an embedded message, {@code attachment} is its attachment. */
  final class HandleSink implements MessageSink {
    private final Message message;
    private final Attachment attachment;

    HandleSink(Message message, Attachment attachment) {
      this.message = message;
      this.attachment = attachment;
    }

    @Override
    public void setProps(List<PropValue> props) {
      message.setProps(props);
    }

    @Override
    public void addRecipients(List<Recipient> rows) {
      if (!rows.isEmpty()) {
        message.modifyRecipients(RecipientOp.ADD, rows);
      }
    }

    @Override
    public void addAttachment(List<PropValue> props, InputStream content) throws IOException {
      try (Attachment a = message.createAttachment()) {
        a.setProps(props);
        a.writeContent(content);
        a.saveChanges();
      }
    }

    @Override
    public MessageSink addEmbedded(List<PropValue> attachProps) {
      Attachment a = message.createAttachment();
      a.setProps(attachProps);
      return new HandleSink(a.openEmbeddedMessage(OpenFlag.MODIFY), a);
    }

    @Override
    public void finish() {
      if (attachment != null) {
        try {
          message.saveChanges();
          attachment.saveChanges();
        } finally {
          message.close();
          attachment.close();
        }
      }
    }
  }
}
