package msgstore.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The training run from which the launcher builds the JVM's ahead-of-time cache (ADR 0026): the
 * commands a user runs most, on a
 * throwaway store in a temporary directory, so that their classes are found loaded and linked at
 * the next start. Prints nothing; exits 0 when every command did.
 *
 * <p>Run by {@code ./msgstore} after each build, with {@code -XX:AOTCacheOutput}; never by a user.
 */
final class AotTraining {
  private static final int MESSAGES = 120;

  private AotTraining() {}

  public static void main(String[] args) throws IOException {
    Path dir = Files.createTempDirectory("msgstore-aot-training");
    try {
      System.exit(train(dir));
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Runs the training commands in {@code dir}; the exit code of the first that failed, else 0. */
  static int train(Path dir) throws IOException {
    Path mbox = dir.resolve("training.mbox");
    Files.write(mbox, mbox());
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
    Io io = Io.of(new ByteArrayInputStream(new byte[0]), quiet, quiet, Map.of("MSGSTORE_PROGRESS", "0"), null);
    String store = dir.resolve("training.db").toString();
    String[][] commands = {
        {"mkstore", "--store", store, "--user", "training", "Training"},
        {"import", "--store", store, "--user", "training", "--folder", "/Inbox", mbox.toString()},
        {"ls", "--store", store, "--user", "training", "/Inbox"},
        {"export", "--store", store, "--user", "training", "/Inbox", "--format", "eml", "--out", dir.resolve("eml").toString()},
        {"export", "--store", store, "--user", "training", "/Inbox", "--format", "mbox", "--out", dir.resolve("out.mbox").toString()},
        {"import", "--store", store, "--user", "training", "--folder", "/Inbox", mbox.toString()},
    };
    for (String[] command : commands) {
      int rc = Main.run(io, command);
      if (rc != Main.EXIT_OK) {
        return rc;
      }
    }
    return Main.EXIT_OK;
  }

  /** An mbox of varied mail: plain and quoted-printable text, text + HTML, encoded subjects, attachments. */
  private static byte[] mbox() {
    StringBuilder out = new StringBuilder();
    byte[] attachment = new byte[6000];
    for (int i = 0; i < attachment.length; i++) {
      attachment[i] = (byte) (i * 31 + 7);
    }
    for (int i = 0; i < MESSAGES; i++) {
      out.append("From training@example.org Sat Dec  5 10:00:00 2026\n");
      out.append("Received: from mx.example.org by store.example.org; Sat, 05 Dec 2026 10:00:").append(i % 60 < 10 ? "0" : "").append(i % 60).append(" +0000\n");
      out.append("From: Training ").append(i % 7).append(" <t").append(i % 7).append("@example.org>\n");
      out.append("To: Store <store@example.org>").append(i % 3 == 0 ? ", =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= <cc@example.org>" : "").append('\n');
      out.append("Subject: ").append(i % 6 == 0 ? "=?UTF-8?B?" + Base64.getEncoder().encodeToString(("Grüße " + i).getBytes(StandardCharsets.UTF_8)) + "?=" : "Training message " + i).append('\n');
      out.append("Date: Sat, 05 Dec 2026 10:00:00 +0000\n");
      out.append("Message-ID: <training-").append(i).append("@example.org>\n");
      if (i % 4 == 1) {
        out.append("In-Reply-To: <training-").append(i - 1).append("@example.org>\n");
      }
      out.append("MIME-Version: 1.0\n");
      String text = "Training text " + i + ", caf\u00e9 and more words to parse.\n";
      if (i % 8 == 3) {
        out.append("Content-Type: multipart/mixed; boundary=\"m").append(i).append("\"\n\n--m").append(i).append('\n');
        out.append("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n").append(text).append("--m").append(i).append('\n');
        out.append("Content-Type: application/pdf; name=\"r").append(i).append(".pdf\"\nContent-Transfer-Encoding: base64\n");
        out.append("Content-Disposition: attachment; filename*=UTF-8''R%C3%A9sum%C3%A9").append(i).append(".pdf\n\n");
        out.append(Base64.getMimeEncoder(76, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(attachment)).append("\n--m").append(i).append("--\n");
      } else if (i % 5 < 2) {
        out.append("Content-Type: multipart/alternative; boundary=\"a").append(i).append("\"\n\n--a").append(i).append('\n');
        out.append("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n");
        out.append("Training text ").append(i).append(", caf=C3=A9.\n--a").append(i).append('\n');
        out.append("Content-Type: text/html; charset=utf-8\n\n<p>Training <b>HTML</b> ").append(i).append("</p>\n--a").append(i).append("--\n");
      } else {
        out.append("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n").append(text);
        if (i % 7 == 0) {
          out.append(">From here the mboxrd quoting is undone.\n");
        }
      }
      out.append('\n');
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }
}
