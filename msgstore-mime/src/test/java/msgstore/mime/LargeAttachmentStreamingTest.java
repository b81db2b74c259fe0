package msgstore.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import msgstore.api.Message;
import msgstore.api.MessageSnapshot;
import msgstore.testkit.Stress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A message with a big base64 attachment, generated on the fly (never a byte array), imports and
 * exports byte-identical while the heap's peak use stays far below the attachment's size: nothing
 * holds it whole. 200 MB with -Dmsgstore.stress=full, 40 MB in CI.
 */
class LargeAttachmentStreamingTest {
  @TempDir Path dir;

  /** {@code size} bytes of a deterministic base64 body (76-character lines). */
  static InputStream base64Body(long size) {
    return new InputStream() {
      long pos;

      @Override
      public int read() {
        if (pos >= size) {
          return -1;
        }
        long p = pos++;
        long inLine = p % 78;
        if (inLine == 76) {
          return '\r';
        }
        if (inLine == 77) {
          return '\n';
        }
        return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".charAt((int) ((p * 31 + p / 78) % 64));
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (pos >= size) {
          return -1;
        }
        int n = (int) Math.min(len, size - pos);
        for (int i = 0; i < n; i++) {
          b[off + i] = (byte) read();
        }
        return n;
      }
    };
  }

  static InputStream message(long attachmentBase64Bytes) {
    String head = "From: big@example.com\r\nSubject: big\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        + "Content-Type: text/plain\r\n\r\nsee attached\r\n--b\r\nContent-Type: application/octet-stream\r\n"
        + "Content-Disposition: attachment; filename=big.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    String tail = "\r\n--b--\r\n";
    return new SequenceInputStream(new SequenceInputStream(
        new java.io.ByteArrayInputStream(head.getBytes(StandardCharsets.US_ASCII)), base64Body(attachmentBase64Bytes)),
        new java.io.ByteArrayInputStream(tail.getBytes(StandardCharsets.US_ASCII)));
  }

  static long peakHeap() {
    long sum = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        sum += p.getPeakUsage().getUsed();
      }
    }
    return sum;
  }

  static void resetPeaks() {
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      p.resetPeakUsage();
    }
  }

  @Test
  void aBigAttachmentImportsAndExportsWithoutBeingHeldInMemory() throws Exception {
    long size = Stress.full() ? 200L << 20 : 40L << 20;
    try (TestStore store = new TestStore(dir)) {
      System.gc();
      resetPeaks();
      long before = peakHeap();
      MailImport.Imported imported = MailImport.importMessage(store.inbox(), message(size),
          MailImport.ImportOptions.defaults().withMaxBytes(size + (1 << 20)));
      long importPeak = peakHeap() - before;

      MessageDigest want = MessageDigest.getInstance("SHA-256");
      try (InputStream in = message(size)) {
        byte[] buf = new byte[65536];
        int n;
        while ((n = in.read(buf)) > 0) {
          want.update(buf, 0, n);
        }
      }
      assertThat(imported.sha256()).isEqualTo(HexFormat.of().formatHex(want.digest()));
      MessageSnapshot s = store.snapshot(imported.id());
      long decoded = s.attachments().stream().filter(a -> a.get(MimeProps.ORIGINAL_SHA256).isEmpty())
          .mapToLong(a -> a.content().orElseThrow().size()).sum();
      assertThat(decoded).isGreaterThan(size * 3 / 4 * 76 / 78 - 100);

      MessageDigest got = MessageDigest.getInstance("SHA-256");
      long[] count = {0};
      try (Message m = store.session.openMessage(imported.id())) {
        MailExport.write(m, new OutputStream() {
          @Override
          public void write(int b) {
            got.update((byte) b);
            count[0]++;
          }

          @Override
          public void write(byte[] b, int off, int len) {
            got.update(b, off, len);
            count[0] += len;
          }
        });
      }
      assertThat(count[0]).isEqualTo(imported.bytes());
      assertThat(HexFormat.of().formatHex(got.digest())).as("export is byte-identical").isEqualTo(imported.sha256());
      System.out.printf("streaming: %d MB message, import heap peak growth %d MB%n", imported.bytes() >> 20, importPeak >> 20);
      assertThat(importPeak).as("heap peak growth while importing a %d MB message", size >> 20).isLessThan(size / 2);
    }
  }
}
