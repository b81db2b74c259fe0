package msgstore.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import msgstore.protocol.Wire;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Credentials, options and problem parsing, without a server. */
class CredentialsTest {
  @Test
  @DisplayName("Basic credentials encode user:password in UTF-8 base64")
  void basicShouldEncodeUserAndPasswordWhenTheUserIsKnown() {
    String h = Credentials.of(Map.of("jürgen", "pä:ss")).authorization("jürgen");
    assertThat(h).startsWith("Basic ");
    assertThat(new String(Base64.getDecoder().decode(h.substring(6)), StandardCharsets.UTF_8)).isEqualTo("jürgen:pä:ss");
  }

  @Test
  @DisplayName("unknown users and foreign tokens fail with NO_ACCESS")
  void authorizationShouldFailWithNoAccessWhenThereAreNoCredentials() {
    StoreException e = catchThrowableOfType(StoreException.class, () -> Credentials.of(Map.of()).authorization("x"));
    assertThat(e.error()).isEqualTo(MapiError.NO_ACCESS);
    assertThat(Credentials.token("a", "t").authorization("a")).isEqualTo("Bearer t");
    e = catchThrowableOfType(StoreException.class, () -> Credentials.token("a", "t").authorization("b"));
    assertThat(e.error()).isEqualTo(MapiError.NO_ACCESS);
  }

  @Test
  @DisplayName("client options are validated and name the bad option")
  void optionsShouldFailWithInvalidParameterWhenATimeoutIsNotPositive() {
    StoreException e = catchThrowableOfType(StoreException.class,
        () -> ClientOptions.defaults().withTimeouts(Duration.ZERO, Duration.ofSeconds(1)));
    assertThat(e.error()).isEqualTo(MapiError.INVALID_PARAMETER);
    assertThat(e.getMessage()).contains("connectTimeout");
  }

  @Test
  @DisplayName("a problem body becomes the StoreException of its mapiError, without a repeated prefix")
  void problemShouldCarryTheMapiErrorAndDetailWhenTheBodyIsProblemDetails() throws Exception {
    var body = Wire.mapper().readTree("{\"status\":409,\"mapiError\":\"MAPI_E_COLLISION\","
        + "\"detail\":\"MAPI_E_COLLISION (0x80040604): folder 'x' exists\"}");
    StoreException e = Http.problem(new Http.Response(409, Optional.empty(), body)).toException();
    assertThat(e.error()).isEqualTo(MapiError.COLLISION);
    assertThat(e.detail()).isEqualTo("folder 'x' exists");
  }

  @Test
  @DisplayName("an answer without a problem body gets the error its status implies")
  void problemShouldFallBackToTheStatusWhenTheBodyIsNotAProblem() {
    StoreException e = Http.problem(new Http.Response(503, Optional.empty(), Wire.mapper().createObjectNode()))
        .toException();
    assertThat(e.error()).isEqualTo(MapiError.BUSY);
  }
}
