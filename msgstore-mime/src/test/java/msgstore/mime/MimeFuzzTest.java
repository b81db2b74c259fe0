package msgstore.mime;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import msgstore.api.MapiError;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.StoreException;

/**
 * Coverage-guided fuzzing (Jazzer, ADR 0016) of the MIME parser, the entry point for untrusted
 * mail. Oracle: any bytes either map (every attachment stream reads to its end) or fail with a
 * {@link StoreException} INVALID_PARAMETER; any other throwable (NPE, StackOverflowError,
 * IllegalArgumentException from a library, ...) is a finding. Plain {@code mvn verify} replays the
 * committed inputs under {@code src/test/resources/msgstore/mime/MimeFuzzTestInputs/}; the build's
 * {@code fuzz-mime} execution fuzzes for {@code msgstore.fuzz.duration}.
 */
class MimeFuzzTest {
  /** Records what the parser maps; drains attachment content as a store would. */
  static final class RecordingSink implements MessageSink {
    final List<PropValue> props = new ArrayList<>();
    final List<Recipient> recipients = new ArrayList<>();
    long attachmentBytes;

    @Override
    public void setProps(List<PropValue> p) {
      props.addAll(p);
    }

    @Override
    public void addRecipients(List<Recipient> rows) {
      recipients.addAll(rows);
    }

    @Override
    public void addAttachment(List<PropValue> p, InputStream content) throws IOException {
      attachmentBytes += content.transferTo(java.io.OutputStream.nullOutputStream());
    }

    @Override
    public MessageSink addEmbedded(List<PropValue> attachProps) {
      return new RecordingSink();
    }

    @Override
    public void finish() {}
  }

  @DictionaryEntries({"Content-Type: ", "multipart/mixed; boundary=", "--", "message/rfc822",
      "Content-Transfer-Encoding: base64", "quoted-printable", "=?utf-8?B?", "=?iso-8859-1?q?", "?=", "filename*0*=",
      "filename*=utf-8''", "Content-Disposition: attachment", "charset=", "From: ", "To: ", "Subject: ", "Date: ",
      "text/html", "multipart/related", "Content-ID: <"})
  @FuzzTest(maxDuration = "10s")
  void anyBytesParseOrFailWithAStoreException(byte[] input) {
    try {
      MimeParser.parse(new ByteArrayInputStream(input), new RecordingSink(), Optional.of(Instant.EPOCH));
    } catch (StoreException e) {
      if (e.error() != MapiError.INVALID_PARAMETER) {
        throw new AssertionError("unexpected MAPI error " + e.error() + ": " + e.getMessage(), e);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading a byte array cannot fail: " + e.getMessage(), e);
    }
  }
}
