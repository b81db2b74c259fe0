package msgstore.storage.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --db postgresql://USER@HOST:PORT/DB}: the password comes from anywhere but the URL. */
class PostgresUrlTest {
  @TempDir Path dir;

  @Test
  void urlShouldBecomeAJdbcUrlWithTheUserAndTheDefaultPort() {
    PostgresStorage.Options o = PostgresUrl.options("postgresql://msg@db.example/mail", Map.<String, String>of()::get);
    assertThat(o.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:5432/mail");
    assertThat(o.user()).isEqualTo("msg");
    assertThat(o.password()).isNull();
  }

  @Test
  void passwordInTheUrlShouldBeRefusedWithInvalidParameter() {
    assertThatThrownBy(() -> PostgresUrl.options("postgresql://msg:secret@db/mail", Map.<String, String>of()::get))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.INVALID_PARAMETER))
        .hasMessageContaining("must not carry a password").hasMessageNotContaining("secret");
  }

  @Test
  void urlWithoutUserOrDatabaseShouldBeRefusedNamingWhatIsMissing() {
    assertThatThrownBy(() -> PostgresUrl.options("postgresql://db/mail", Map.<String, String>of()::get))
        .hasMessageContaining("names no user");
    assertThatThrownBy(() -> PostgresUrl.options("postgresql://msg@db", Map.<String, String>of()::get))
        .hasMessageContaining("must name a host and a database");
    assertThatThrownBy(() -> PostgresUrl.options("mysql://msg@db/mail", Map.<String, String>of()::get))
        .hasMessageContaining("postgresql://");
  }

  @Test
  void passwordShouldComeFromThePasswordFileThenPgpasswordThenPgpass() throws Exception {
    Path file = Files.writeString(dir.resolve("pw"), "from-file\n");
    Path pgpass = Files.writeString(dir.resolve("pgpass"), "# comment\nother:5432:mail:msg:wrong\n"
        + "db:*:mail:msg:from\\:pgpass\n");
    String url = "postgresql://msg@db/mail";
    assertThat(PostgresUrl.options(url, Map.of("MSGSTORE_DB_PASSWORD_FILE", file.toString(), "PGPASSWORD", "env",
        "PGPASSFILE", pgpass.toString())::get).password()).isEqualTo("from-file");
    assertThat(PostgresUrl.options(url, Map.of("PGPASSWORD", "env", "PGPASSFILE", pgpass.toString())::get).password())
        .isEqualTo("env");
    assertThat(PostgresUrl.options(url, Map.of("PGPASSFILE", pgpass.toString())::get).password())
        .isEqualTo("from:pgpass");
    assertThat(PostgresUrl.options("postgresql://msg@elsewhere/mail", Map.of("PGPASSFILE", pgpass.toString())::get)
        .password()).isNull();
  }
}
