package msgstore.mime;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import org.apache.poi.poifs.filesystem.POIFSFileSystem;

/**
 * Coverage-guided fuzzing (Jazzer, ADR 0016) of the Outlook .msg reader, an entry point for
 * untrusted files (`msgstore import`, HTTP POST with {@code application/vnd.ms-outlook}). {@link
 * MsgImport} answers every IOException and RuntimeException of Apache POI and of {@link MsgReader}
 * with INVALID_PARAMETER, so what this target hunts is what it cannot answer: an Error (an
 * allocation sized by a crafted length field, a recursion without end) or a hang, and a
 * StoreException with any other code. Seeded with two real .msg files; plain {@code mvn verify}
 * replays the inputs under {@code src/test/resources/msgstore/mime/MsgFuzzTestInputs/}, the build's
 * {@code fuzz-msg} execution fuzzes for {@code msgstore.fuzz.duration}.
 */
class MsgFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void anyBytesReadAsMsgOrFailCleanly(byte[] input) {
    try (POIFSFileSystem fs = new POIFSFileSystem(new ByteArrayInputStream(input))) {
      MsgReader.read(fs.getRoot());
    } catch (StoreException e) {
      if (e.error() != MapiError.INVALID_PARAMETER) {
        throw new AssertionError("unexpected MAPI error " + e.error() + ": " + e.getMessage(), e);
      }
    } catch (IOException | RuntimeException e) {
      // MsgImport.unreadable: INVALID_PARAMETER "not a valid Outlook .msg file"
    }
  }
}
