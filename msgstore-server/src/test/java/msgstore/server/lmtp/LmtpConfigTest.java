package msgstore.server.lmtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import msgstore.api.StoreException;
import msgstore.server.ServerConfig;
import org.junit.jupiter.api.Test;

/** {@code lmtp.*} keys: off by default, read from options, environment and file like every key, checked by name. */
class LmtpConfigTest {
  @Test
  void lmtpShouldBeOffUnlessAPortIsGiven() {
    assertThat(ServerConfig.load(Optional.empty(), Map.of(), Map.of()).lmtp().enabled()).isFalse();
  }

  @Test
  void lmtpKeysShouldComeFromTheCommandLineAndTheEnvironment() {
    LmtpConfig c = ServerConfig.load(Optional.empty(), Map.of("MSGSTORE_LMTP_MAX_MESSAGE_BYTES", "1000",
        "MSGSTORE_LMTP_IDLE_TIMEOUT_SECONDS", "7"), Map.of("lmtp.port", "2424", "lmtp.bind", "0.0.0.0",
        "lmtp.domains", " A.example, b.example ,")).lmtp();
    assertThat(c.port()).isEqualTo(2424);
    assertThat(c.bind()).isEqualTo("0.0.0.0");
    assertThat(c.domains()).isEqualTo(Set.of("a.example", "b.example"));
    assertThat(c.isLocal("B.EXAMPLE")).isTrue();
    assertThat(c.isLocal("c.example")).isFalse();
    assertThat(c.maxMessageBytes()).isEqualTo(1000);
    assertThat(c.idleTimeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(LmtpConfig.on(0).isLocal("anything.example")).as("no domains: any is local").isTrue();
  }

  @Test
  void badLmtpValuesShouldBeRefusedNamingTheKey() {
    assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of(), Map.of("lmtp.port", "70000")))
        .isInstanceOf(StoreException.class).hasMessageContaining("lmtp.port");
    assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of(), Map.of("lmtp.port", "24",
        "lmtp.max.message.bytes", "0"))).hasMessageContaining("lmtp.max.message.bytes");
    assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of(), Map.of("lmtp.domains", "a@b")))
        .hasMessageContaining("lmtp.domains");
    assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of(), Map.of("lmtp.prot", "24")))
        .hasMessageContaining("unknown configuration key 'lmtp.prot'");
  }
}
