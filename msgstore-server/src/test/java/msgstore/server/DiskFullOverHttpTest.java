package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import msgstore.server.TestServer.Resp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disk full during saves over HTTP (issue 7, spec R99): the data directory is a small tmpfs mounted
 * by the test (as root: CI runs as root); a filler file takes the rest of the space. Saves and blob
 * uploads then answer 507 Problem Details with MAPI_E_NOT_ENOUGH_DISK and write nothing (the
 * journal position stays where it was), the store stays consistent ({@code checkIntegrity()}) and
 * keeps serving reads, and once the filler is deleted saves and uploads work again.
 */
class DiskFullOverHttpTest {
  private static final int TMPFS_KIB = 4096;

  @TempDir Path dir;

  @Test
  void savesAndUploadsShouldAnswer507WhenTheDiskIsFullAndWorkAgainWhenSpaceIsFreed() throws Exception {
    Path mnt = dir.resolve("tmpfs");
    Files.createDirectories(mnt);
    assumeTrue(mount(mnt), "mounting a tmpfs needs root (mount -t tmpfs); CI runs as root");
    try {
      run(mnt.resolve("data"), mnt.resolve("filler"));
    } finally {
      umount(mnt);
    }
  }

  private void run(Path data, Path filler) throws Exception {
    try (TestServer t = TestServer.start(data)) {
      String store = t.mailbox("alice");
      String inbox = t.folder("alice", store, "Inbox");
      String messages = "/stores/" + store + "/folders/" + inbox + "/messages";
      Resp before = t.post("alice", messages, TestServer.message("written before the disk filled"));
      assertThat(before.status()).as(before.toString()).isEqualTo(201);
      String path = "/stores/" + store + "/messages/" + before.json().get("messageId").asText();

      fill(filler);
      // SQLite may still find room in pages its files already hold: save bigger and bigger messages until refused.
      Resp refused = null;
      List<String> acked = new ArrayList<>();
      for (int i = 0; i < 200 && refused == null; i++) {
        long position = journalPosition(t, store);
        Resp r = t.post("alice", messages, big("while full " + i, 64 * 1024));
        if (r.status() == 201) {
          acked.add(r.json().get("messageId").asText());
        } else {
          refused = r;
          assertThat(journalPosition(t, store)).as("journal position after a refused save").isEqualTo(position);
        }
      }
      assertThat(refused).as("a save on a full disk").isNotNull();
      assertProblem(refused, 507, "MAPI_E_NOT_ENOUGH_DISK");

      Resp forced = t.patch("alice", path, big("forced while full", 256 * 1024), "*");
      assertProblem(forced, 507, "MAPI_E_NOT_ENOUGH_DISK");
      Resp upload = t.send("alice", "POST", "/stores/" + store + "/content", bytes(512 * 1024, 7),
          java.util.Map.of("Content-Type", "application/octet-stream"));
      assertProblem(upload, 507, "MAPI_E_NOT_ENOUGH_DISK");

      // Consistent, and reads still served.
      assertThat(t.server.store().checkIntegrity()).as("checkIntegrity on a full disk").isEmpty();
      Resp read = t.get("alice", path);
      assertThat(read.status()).as(read.toString()).isEqualTo(200);
      assertThat(TestServer.subject(read.json())).isEqualTo("written before the disk filled");
      for (String id : acked) {
        assertThat(t.get("alice", "/stores/" + store + "/messages/" + id).status()).isEqualTo(200);
      }
      assertThat(t.get("alice", messages).status()).isEqualTo(200);

      // Space freed: saves and uploads work again, without a restart.
      Files.delete(filler);
      Resp again = t.patch("alice", path, big("after space was freed", 256 * 1024), "*");
      assertThat(again.status()).as(again.toString()).isEqualTo(200);
      Resp created = t.post("alice", messages, big("created after space was freed", 64 * 1024));
      assertThat(created.status()).as(created.toString()).isEqualTo(201);
      byte[] blob = bytes(512 * 1024, 9);
      Resp up = t.send("alice", "POST", "/stores/" + store + "/content", blob,
          java.util.Map.of("Content-Type", "application/octet-stream"));
      assertThat(up.status()).as(up.toString()).isEqualTo(201);
      Resp back = t.get("alice", "/stores/" + store + "/content/" + up.json().get("sha256").asText());
      assertThat(back.status()).isEqualTo(200);
      assertThat(t.server.store().checkIntegrity()).as("checkIntegrity after space was freed").isEmpty();
      System.out.printf("[disk-full] %d saves fitted after the filler, then 507 %s; reads served; saves work again%n",
          acked.size(), refused.json().path("detail").asText());
    }
  }

  private static void assertProblem(Resp r, int status, String mapiError) {
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
    assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    assertThat(r.json().path("mapiError").asText()).as(r.toString()).isEqualTo(mapiError);
    // Clear to the client, and nothing of the server's files or driver (those go to the log).
    assertThat(r.json().path("detail").asText()).as(r.toString()).contains("disk is full", "nothing was written")
        .doesNotContain("/", "SQLITE", "Exception");
  }

  private static com.fasterxml.jackson.databind.node.ObjectNode big(String subject, int bodyChars) {
    com.fasterxml.jackson.databind.node.ObjectNode m = TestServer.message(subject);
    char[] body = new char[bodyChars];
    Arrays.fill(body, 'x');
    ((com.fasterxml.jackson.databind.node.ObjectNode) m.get("properties")).put("PidTagBody", new String(body));
    return m;
  }

  private static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }

  private static long journalPosition(TestServer t, String store) {
    return t.get("alice", "/stores/" + store + "/journal/position").json().get("position").asLong();
  }

  /** Writes the filler until the file system is full. */
  private static void fill(Path filler) throws IOException {
    byte[] chunk = new byte[16 * 1024];
    try (OutputStream out = Files.newOutputStream(filler)) {
      while (true) {
        out.write(chunk);
      }
    } catch (IOException e) {
      if (!String.valueOf(e.getMessage()).contains("No space left")) {
        throw e;
      }
    }
  }

  private static boolean mount(Path mnt) throws Exception {
    if (!"root".equals(System.getProperty("user.name"))) {
      return false;
    }
    return exec("mount", "-t", "tmpfs", "-o", "size=" + TMPFS_KIB + "k", "tmpfs", mnt.toString()) == 0;
  }

  private static void umount(Path mnt) throws Exception {
    assertThat(exec("umount", "-l", mnt.toString())).as("umount " + mnt).isZero();
  }

  private static int exec(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    if (p.exitValue() != 0) {
      System.out.println("[disk-full] " + String.join(" ", cmd) + ": " + out.strip());
    }
    return p.exitValue();
  }
}
