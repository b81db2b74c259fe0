package msgstore.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
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
 * exports byte-identical in a JVM whose whole heap ({@code -Xmx24m}) is smaller than the message:
 * nothing holds it whole (a peak-heap reading in this JVM counted garbage and was flaky). 200 MB
 * with -Dmsgstore.stress=full, 40 MB in CI.
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

  /** Heap of the child JVM: well below the CI message (40 MB) and its decoded attachment (30 MB). */
  static final String CHILD_HEAP = "-Xmx24m";

  @Test
  void aBigAttachmentImportsAndExportsWithoutBeingHeldInMemory() throws Exception {
    long size = Stress.full() ? 200L << 20 : 40L << 20;
    Path javaExe = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(javaExe.toString(), CHILD_HEAP, "-cp", System.getProperty("java.class.path"),
        LargeAttachmentStreamingTest.class.getName(), dir.toString(), Long.toString(size))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(5, java.util.concurrent.TimeUnit.MINUTES)).as(out).isTrue();
    assertThat(p.exitValue()).as("the child JVM (%s) importing and exporting a %d MB message:%n%s", CHILD_HEAP,
        size >> 20, out).isZero();
    assertThat(out).contains("streaming: ok");
    System.out.print(out);
  }

  /** The child: imports a generated message of {@code args[1]} bytes into a store in {@code args[0]} and exports it. */
  public static void main(String[] args) throws Exception {
    long size = Long.parseLong(args[1]);
    try (TestStore store = new TestStore(Path.of(args[0]))) {
      MailImport.Imported imported = MailImport.importMessage(store.inbox(), message(size),
          MailImport.ImportOptions.defaults().withMaxBytes(size + (1 << 20)));
      MessageDigest want = MessageDigest.getInstance("SHA-256");
      try (InputStream in = message(size)) {
        byte[] buf = new byte[65536];
        int n;
        while ((n = in.read(buf)) > 0) {
          want.update(buf, 0, n);
        }
      }
      check(imported.sha256().equals(HexFormat.of().formatHex(want.digest())), "the imported bytes' hash");
      MessageSnapshot s = store.snapshot(imported.id());
      long decoded = s.attachments().stream().filter(a -> a.get(MimeProps.ORIGINAL_SHA256).isEmpty())
          .mapToLong(a -> a.content().orElseThrow().size()).sum();
      check(decoded > size * 3 / 4 * 76 / 78 - 100, "the decoded attachment's size " + decoded);

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
      check(count[0] == imported.bytes(), "the exported length " + count[0] + " of " + imported.bytes());
      check(HexFormat.of().formatHex(got.digest()).equals(imported.sha256()), "the export is byte-identical");
      System.out.printf("streaming: ok, a %d MB message imported and exported byte-identical with %s%n",
          imported.bytes() >> 20, CHILD_HEAP);
    }
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError("wrong: " + what);
    }
  }
}
