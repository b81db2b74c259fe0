package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import msgstore.server.TestServer.Resp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user added with a mailbox gets it on their first request; when the accounts cannot be written
 * at that moment (here: another process holds the write lock of accounts.db), that request fails
 * with a Problem and a later one creates the mailbox, instead of the user staying without one.
 */
class MailboxCreationRetryTest {
  @TempDir
  Path dir;

  @Test
  void aFirstRequestThatCannotTakeTheMailboxFlagFailsAndTheNextOneCreatesTheMailbox() throws Exception {
    try (TestServer t = TestServer.start(dir)) {
      t.server.accounts().addUser("dave", "secret-dave".toCharArray(), true);
      try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(ServerConfig.ACCOUNTS_FILE))) {
        try (Statement s = other.createStatement()) {
          s.execute("BEGIN EXCLUSIVE");
        }
        Resp blocked = t.get("dave", "/stores");
        assertThat(blocked.status()).as(blocked.toString()).isEqualTo(503);
        assertThat(blocked.json().path("mapiError").asText()).as(blocked.toString()).isNotEmpty();
        assertThat(blocked.body()).doesNotContain("at msgstore.");
        try (Statement s = other.createStatement()) {
          s.execute("ROLLBACK");
        }
      }
      Resp later = t.get("dave", "/stores");
      assertThat(later.status()).as(later.toString()).isEqualTo(200);
      int owned = 0;
      for (JsonNode store : later.json()) {
        owned += store.get("owner").asText().equals("dave") ? 1 : 0;
      }
      assertThat(owned).as("dave's stores in " + later).isEqualTo(1);
    }
  }
}
