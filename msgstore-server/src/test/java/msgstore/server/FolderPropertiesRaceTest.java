package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7: two clients PATCHing different properties of one folder at once both keep their
 * value. The store merges each property inside its write, so neither PATCH overwrites the
 * other's property with an older value.
 */
class FolderPropertiesRaceTest {
  @TempDir Path dir;

  @Test
  void concurrentPatchesOfDifferentFolderPropertiesShouldNeverLoseAnAcknowledgedValue() throws Exception {
    int rounds = "full".equals(System.getProperty("msgstore.stress")) ? 400 : 40;
    try (TestServer t = TestServer.start(dir);
        ExecutorService clients = Executors.newFixedThreadPool(2)) {
      String store = t.mailbox("alice");
      String inbox = t.folder("alice", store, "Inbox");
      String path = "/stores/" + store + "/folders/" + inbox + "/properties";
      List<String> lost = new ArrayList<>();
      for (int round = 0; round < rounds; round++) {
        CyclicBarrier together = new CyclicBarrier(2);
        String comment = "comment " + round;
        String subject = "subject " + round;
        CompletableFuture<Integer> a = patchAt(clients, t, path, together, "PidTagComment", comment);
        CompletableFuture<Integer> b = patchAt(clients, t, path, together, "PidTagOriginalSubject", subject);
        assertThat(a.get(30, TimeUnit.SECONDS)).as("round %d, comment", round).isEqualTo(200);
        assertThat(b.get(30, TimeUnit.SECONDS)).as("round %d, original subject", round).isEqualTo(200);
        JsonNode props = t.get("alice", path + "?tags=PidTagComment,PidTagOriginalSubject").json().get("properties");
        String gotComment = text(props, "PidTagComment");
        String gotSubject = text(props, "PidTagOriginalSubject");
        if (!comment.equals(gotComment) || !subject.equals(gotSubject)) {
          lost.add("round " + round + ": comment " + gotComment + ", original subject " + gotSubject);
        }
      }
      assertThat(lost).as("rounds (of %d) where an acknowledged folder property was overwritten by an older value",
          rounds).isEmpty();
    }
  }

  /** Two clients: each PATCH goes out on its own HTTP/1.1 client, released with the other by the barrier. */
  private static CompletableFuture<Integer> patchAt(ExecutorService clients, TestServer t, String path,
      CyclicBarrier together, String tag, String value) {
    HttpClient client = tag.equals("PidTagComment") ? FIRST : SECOND;
    HttpRequest request = HttpRequest.newBuilder(URI.create(t.base + path)).timeout(Duration.ofSeconds(30))
        .header("Authorization", TestServer.basic("alice")).header("Content-Type", "application/json")
        .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"properties\":{\"" + tag + "\":\"" + value + "\"}}"))
        .build();
    return CompletableFuture.supplyAsync(() -> {
      try {
        together.await(30, TimeUnit.SECONDS);
        return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, clients);
  }

  private static final HttpClient FIRST = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final HttpClient SECOND = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private static String text(JsonNode props, String tag) {
    JsonNode p = props.get(tag);
    return p == null ? null : p.get("value").asText();
  }
}
