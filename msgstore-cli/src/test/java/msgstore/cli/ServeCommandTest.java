package msgstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.MessageStore;
import msgstore.api.OpenFlag;
import msgstore.api.PropTags;
import msgstore.api.Session;
import msgstore.client.Credentials;
import msgstore.client.RemoteMessageStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code msgstore serve} on port 0, then the mail commands against it with {@code --server}. */
class ServeCommandTest {
  private static final Editor NO_EDITOR = (file, interactive, log) -> {
    throw new AssertionError("no editor expected");
  };
  private static final Pattern SERVING = Pattern.compile("msgstore serving (http://127\\.0\\.0\\.1:\\d+)/api/v1");
  private static final Pattern ADMIN = Pattern.compile("created user admin, password: (\\S+); try: curl -u admin:\\1 "
      + "http://127\\.0\\.0\\.1:\\d+/api/v1/stores");

  @TempDir
  Path data;

  @Test
  void serveShouldPrintTheUrlAndAdminPasswordServeLsOverHttpAndStopGracefully() throws Exception {
    AwaitedOutput out = new AwaitedOutput();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Io io = Io.of(new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), Map.of(), NO_EDITOR);
    CompletableFuture<Integer> serve = CompletableFuture.supplyAsync(
        () -> Main.run(io, "serve", "--data", data.toString(), "--port", "0"));
    Optional<Matcher[]> started = out.await(Duration.ofSeconds(60), serve, SERVING, ADMIN);
    String url = started.map(m -> m[0].group(1)).orElse(null);
    String password = started.map(m -> m[1].group(1)).orElse(null);
    assertThat(url).as("stdout: %s%nstderr: %s", out, err).isNotNull();
    try {
      Map<String, String> asAdmin = Map.of("MSGSTORE_PASSWORD", password);
      CliRun ls = CliRun.run(asAdmin, "", NO_EDITOR, "ls", "--server", url, "--user", "admin");
      assertThat(ls.code()).as(ls.toString()).isZero();
      assertThat(ls.out()).contains("/Inbox");

      CliRun created = CliRun.run(asAdmin, "", NO_EDITOR, "new", "/Inbox", "--subject", "Over HTTP", "--body", "hi",
          "--server", url, "--user", "admin");
      assertThat(created.code()).as(created.toString()).isZero();
      String id = created.out().strip();

      // A token issued by `user token` while the server runs works at once, through MSGSTORE_SERVER.
      CliRun token = CliRun.run(Map.of(), "", NO_EDITOR, "user", "--data", data.toString(), "token", "admin");
      assertThat(token.code()).as(token.toString()).isZero();
      Map<String, String> withToken = Map.of("MSGSTORE_SERVER", url, "MSGSTORE_TOKEN", token.out().strip(),
          "MSGSTORE_USER", "admin");
      CliRun inbox = CliRun.run(withToken, "", NO_EDITOR, "ls", "/Inbox");
      assertThat(inbox.code()).as(inbox.toString()).isZero();
      assertThat(inbox.out()).contains(id).contains("Over HTTP");
      CliRun show = CliRun.run(withToken, "", NO_EDITOR, "show", id);
      assertThat(show.out()).containsPattern("PidTagBody\\s+hi");

      // edit over HTTP: another client saves while the editor is open; "m" merges both edits.
      String tokenValue = token.out().strip();
      String serverUrl = url;
      Editor editWhileOtherSaves = (file, interactive, log) -> {
        try {
          java.nio.file.Files.writeString(file, java.nio.file.Files.readString(file).replace("\nhi", "\nhello"));
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        try (MessageStore other = RemoteMessageStore.connect(java.net.URI.create(serverUrl),
                Credentials.token("admin", tokenValue));
            Session s = other.openSession("admin");
            Message m = s.openMessage(MessageId.parse(id), OpenFlag.MODIFY)) {
          m.set(PropTags.SUBJECT, "Renamed elsewhere");
          m.saveChanges();
        }
      };
      CliRun edit = CliRun.run(withToken, "m\n", editWhileOtherSaves, "edit", id);
      assertThat(edit.code()).as(edit.toString()).isZero();
      assertThat(edit.err()).contains("MAPI_E_OBJECT_CHANGED").contains("\"Over HTTP\" -> \"Renamed elsewhere\"");
      assertThat(edit.out()).contains("merged: saved " + id);
      CliRun merged = CliRun.run(withToken, "", NO_EDITOR, "show", id);
      assertThat(merged.out()).containsPattern("PidTagSubject\\s+Renamed elsewhere").containsPattern("PidTagBody\\s+hello");

      CliRun wrong = CliRun.run(Map.of("MSGSTORE_PASSWORD", "wrong"), "", NO_EDITOR, "ls", "--server", url,
          "--user", "admin");
      assertThat(wrong.code()).as(wrong.toString()).isEqualTo(1);
      assertThat(wrong.err()).startsWith("msgstore: MAPI_E_");

      CliRun busy = CliRun.run(Map.of(), "", NO_EDITOR, "ls", "--store", data.resolve("msgstore.db").toString(),
          "--user", "admin");
      assertThat(busy.code()).isEqualTo(1);
      assertThat(busy.err()).contains("MAPI_E_BUSY").contains("--server");
    } finally {
      io.stop().complete(null);
    }
    assertThat(serve.get(60, TimeUnit.SECONDS)).isZero();
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("msgstore: stopped");
  }

  @Test
  void aServerThatIsNotThereShouldExitWithThree() {
    CliRun r = CliRun.run(Map.of("MSGSTORE_PASSWORD", "x"), "", NO_EDITOR, "ls", "--server", "http://127.0.0.1:1",
        "--user", "admin");
    assertThat(r.code()).as(r.toString()).isEqualTo(3);
    assertThat(r.err()).startsWith("msgstore: cannot connect");
    CliRun noCredentials = CliRun.run(Map.of(), "", NO_EDITOR, "ls", "--server", "http://127.0.0.1:1", "--user", "a");
    assertThat(noCredentials.code()).isEqualTo(2);
    assertThat(noCredentials.err()).contains("MSGSTORE_PASSWORD");
  }
}
