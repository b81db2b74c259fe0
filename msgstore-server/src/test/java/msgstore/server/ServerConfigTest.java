package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import msgstore.storage.sqlite.SqliteStorage.Durability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigTest {
  @TempDir
  Path dir;

  @Test
  void defaultsWhenNothingIsGiven() {
    ServerConfig c = ServerConfig.load(Optional.empty(), Map.of(), Map.of());
    assertThat(c.dataDir()).isEqualTo(Path.of("data"));
    assertThat(c.bind()).isEqualTo("127.0.0.1");
    assertThat(c.port()).isEqualTo(8080);
    assertThat(c.tls()).isFalse();
    assertThat(c.heartbeat()).isEqualTo(Duration.ofSeconds(15));
    assertThat(c.maxJsonBytes()).isEqualTo(64L << 20);
    assertThat(c.durability()).isEqualTo(Durability.FULL);
  }

  @Test
  void commandLineBeatsEnvironmentBeatsFileBeatsDefaults() throws Exception {
    Path file = dir.resolve("msgstore.properties");
    Files.writeString(file, "data=/from/file\nbind=0.0.0.0\nport=1111\nheartbeat.seconds=5\ndurability=RELAXED\n");
    ServerConfig c = ServerConfig.load(Optional.empty(),
        Map.of("MSGSTORE_CONFIG", file.toString(), "MSGSTORE_PORT", "2222", "MSGSTORE_DATA", "/from/env"),
        Map.of("port", "3333"));
    assertThat(c.port()).isEqualTo(3333);
    assertThat(c.dataDir()).isEqualTo(Path.of("/from/env"));
    assertThat(c.bind()).isEqualTo("0.0.0.0");
    assertThat(c.heartbeat()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.durability()).isEqualTo(Durability.RELAXED_MAY_LOSE_RECENT_COMMITS_ON_POWER_LOSS);
  }

  @Test
  void badValuesAndUnknownKeysAreNamed() throws Exception {
    assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of("MSGSTORE_PORT", "http"), Map.of()))
        .hasMessageContaining("port").extracting(e -> ((StoreException) e).error())
        .isEqualTo(MapiError.INVALID_PARAMETER);
    assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of(), Map.of("prot", "1")))
        .hasMessageContaining("prot");
    assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of("MSGSTORE_TLS_CERT", "/c.pem"), Map.of()))
        .hasMessageContaining("tls.key");
    assertThatThrownBy(() -> ServerConfig.load(Optional.of(dir.resolve("missing")), Map.of(), Map.of()))
        .extracting(e -> ((StoreException) e).error()).isEqualTo(MapiError.NOT_FOUND);
  }
}
