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

  @Test
  void abuseLimitsShouldDefaultAsDocumentedAndLoadFromFileAndEnvironment() throws Exception {
    AbuseLimits d = ServerConfig.load(Optional.empty(), Map.of(), Map.of()).abuse();
    assertThat(d).isEqualTo(AbuseLimits.DEFAULTS);
    assertThat(d.loginFailuresPerUser()).isEqualTo(5);
    assertThat(d.loginBackoffMax()).isEqualTo(Duration.ofMinutes(5));
    assertThat(d.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(d.maxEventStreamsPerUser()).isEqualTo(16);

    Path file = dir.resolve("msgstore.properties");
    Files.writeString(file, "login.max.failures.per.user=3\nmax.event.streams.per.user=2\n");
    AbuseLimits a = ServerConfig.load(Optional.of(file),
        Map.of("MSGSTORE_REQUEST_IDLE_TIMEOUT_SECONDS", "60", "MSGSTORE_PASSWORD_HASHING_WAIT_MILLIS", "100"),
        Map.of("max.connections", "10")).abuse();
    assertThat(a.loginFailuresPerUser()).isEqualTo(3);
    assertThat(a.maxEventStreamsPerUser()).isEqualTo(2);
    assertThat(a.idleTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(a.hashingWait()).isEqualTo(Duration.ofMillis(100));
    assertThat(a.maxConnections()).isEqualTo(10);
  }

  @Test
  void badAbuseLimitsShouldBeRefusedNamingTheKey() {
    assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of(), Map.of("max.event.streams.per.user", "0")))
        .hasMessageContaining("max.event.streams.per.user").extracting(e -> ((StoreException) e).error())
        .isEqualTo(MapiError.INVALID_PARAMETER);
    assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of(), Map.of("max.connections", "99999999999")))
        .hasMessageContaining("max.connections");
    assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of(),
        Map.of("login.backoff.initial.seconds", "10", "login.backoff.max.seconds", "5")))
        .hasMessageContaining("login.backoff.max.seconds");
    assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of(),
        Map.of("heartbeat.seconds", "30", "request.idle.timeout.seconds", "30")))
        .as("an idle event stream would be cut between heartbeats").hasMessageContaining("request.idle.timeout.seconds");
  }

  @Test
  void inputLimitsShouldDefaultAsDocumentedLoadFromEnvironmentAndRefuseBadValues() {
    msgstore.protocol.InputLimits d = ServerConfig.load(Optional.empty(), Map.of(), Map.of()).input();
    assertThat(d).isEqualTo(msgstore.protocol.InputLimits.DEFAULTS);
    assertThat(d.maxDepth()).isEqualTo(64);
    assertThat(d.maxNumberLength()).isEqualTo(100);
    assertThat(d.maxNameLength()).isEqualTo(1024);
    assertThat(d.maxHeaderBytes()).isEqualTo(16384);
    msgstore.protocol.InputLimits l = ServerConfig.load(Optional.empty(),
        Map.of("MSGSTORE_JSON_MAX_DEPTH", "32", "MSGSTORE_HTTP_MAX_HEADER_BYTES", "8192"),
        Map.of("json.max.number.length", "50")).input();
    assertThat(l.maxDepth()).isEqualTo(32);
    assertThat(l.maxHeaderBytes()).isEqualTo(8192);
    assertThat(l.maxNumberLength()).isEqualTo(50);
    assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of(), Map.of("json.max.depth", "5")))
        .hasMessageContaining("json.max.depth").extracting(e -> ((StoreException) e).error())
        .isEqualTo(MapiError.INVALID_PARAMETER);
  }
}
