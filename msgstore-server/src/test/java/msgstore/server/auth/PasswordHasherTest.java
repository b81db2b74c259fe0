package msgstore.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import msgstore.api.MapiError;
import msgstore.api.StoreException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PasswordHasherTest {
  private static final PasswordHasher CHEAP = PasswordHasher.of(1024, 1, 1);

  @Test
  void verifyShouldAcceptTheHashedPasswordAndRejectAnother() {
    String phc = CHEAP.hash("correct horse".toCharArray());

    assertThat(CHEAP.verify("correct horse".toCharArray(), phc)).isTrue();
    assertThat(CHEAP.verify("correct horsE".toCharArray(), phc)).isFalse();
    assertThat(CHEAP.verify(new char[] {'x'}, phc)).isFalse();
  }

  @Test
  void hashShouldProduceAnUnpaddedPhcStringWithTheConfiguredCosts() {
    String phc = CHEAP.hash("pw".toCharArray());

    assertThat(phc).matches("\\$argon2id\\$v=19\\$m=1024,t=1,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}");
  }

  @Test
  void defaultsShouldBeTheOwaspSetting() {
    String phc = PasswordHasher.defaults().hash("pw".toCharArray());

    assertThat(phc).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
    assertThat(PasswordHasher.defaults().verify("pw".toCharArray(), phc)).isTrue();
  }

  @Test
  void verifyShouldMatchTheReferenceImplementationsTestVector() {
    // phc-winner-argon2 src/test.c: argon2id v=19, t=2, m=2^16, p=1, "password", "somesalt"
    String reference = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";

    assertThat(CHEAP.verify("password".toCharArray(), reference)).isTrue();
    assertThat(CHEAP.verify("passwore".toCharArray(), reference)).isFalse();
  }

  @Test
  void hashShouldUseAFreshSaltEachTime() {
    assertThat(CHEAP.hash("pw".toCharArray())).isNotEqualTo(CHEAP.hash("pw".toCharArray()));
  }

  @Test
  void verifyShouldRejectATamperedHashSaltOrCost() {
    String phc = CHEAP.hash("pw".toCharArray());
    int hashStart = phc.lastIndexOf('$') + 1;
    int saltStart = phc.lastIndexOf('$', hashStart - 2) + 1;

    assertThat(CHEAP.verify("pw".toCharArray(), flip(phc, hashStart + 5))).isFalse();
    assertThat(CHEAP.verify("pw".toCharArray(), flip(phc, saltStart + 3))).isFalse();
    assertThat(CHEAP.verify("pw".toCharArray(), phc.replace("t=1", "t=2"))).isFalse();
    assertThat(CHEAP.verify("pw".toCharArray(), phc.replace("m=1024", "m=2048"))).isFalse();
    assertThat(CHEAP.verify("pw".toCharArray(), phc.substring(0, phc.length() - 4))).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "$argon2i$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$9qWtwbpyPd3vm1rB1GThgPzZ3/ydHL92zKL+15XZypg",
      "$argon2id$v=16$m=1024,t=1,p=1$c29tZXNhbHQ$9qWtwbpyPd3vm1rB1GThgPzZ3/ydHL92zKL+15XZypg",
      "$argon2id$v=19$m=1024,t=1$c29tZXNhbHQ$9qWtwbpyPd3vm1rB1GThgPzZ3/ydHL92zKL+15XZypg",
      "$argon2id$v=19$m=999999999,t=1,p=1$c29tZXNhbHQ$9qWtwbpyPd3vm1rB1GThgPzZ3/ydHL92zKL+15XZypg",
      "$argon2id$v=19$m=1024,t=0,p=1$c29tZXNhbHQ$9qWtwbpyPd3vm1rB1GThgPzZ3/ydHL92zKL+15XZypg",
      "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ=$9qWtwbpyPd3vm1rB1GThgPzZ3/ydHL92zKL+15XZypg",
      "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$!!!",
      "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$9qWtwbpyPd3vm1rB1GThgPzZ3/ydHL92zKL+15XZypg$extra",
      "$argon2id$v=19$m=x,t=1,p=1$c29tZXNhbHQ$9qWtwbpyPd3vm1rB1GThgPzZ3/ydHL92zKL+15XZypg"})
  void verifyShouldReturnFalseWhenThePhcStringIsMalformed(String phc) {
    assertThat(CHEAP.verify("password".toCharArray(), phc)).isFalse();
    assertThat(CHEAP.needsRehash(phc)).isTrue();
  }

  @Test
  void verifyShouldUseTheCostsNamedInTheStringAndNeedsRehashShouldTellThemApart() {
    PasswordHasher other = PasswordHasher.of(2048, 2, 1);
    String phc = CHEAP.hash("pw".toCharArray());

    assertThat(other.verify("pw".toCharArray(), phc)).isTrue();
    assertThat(other.needsRehash(phc)).isTrue();
    assertThat(CHEAP.needsRehash(phc)).isFalse();
  }

  @Test
  void hashShouldRoundTripNonAsciiPasswordsAndLeaveTheArrayIntact() {
    char[] password = "pässwörd 🔑".toCharArray();
    String phc = CHEAP.hash(password);

    assertThat(password).isEqualTo("pässwörd 🔑".toCharArray());
    assertThat(CHEAP.verify("pässwörd 🔑".toCharArray(), phc)).isTrue();
    assertThat(CHEAP.verify("passwort 🔑".toCharArray(), phc)).isFalse();
  }

  @Test
  void ofShouldRejectCostsOutOfRange() {
    assertThatThrownBy(() -> PasswordHasher.of(1024, 0, 1))
        .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.INVALID_PARAMETER))
        .hasMessageContaining("iterations");
    assertThatThrownBy(() -> PasswordHasher.of(4, 1, 1)).hasMessageContaining("memory");
    assertThatThrownBy(() -> PasswordHasher.of(1024, 1, 0)).hasMessageContaining("parallelism");
  }

  private static String flip(String s, int index) {
    char c = s.charAt(index);
    return s.substring(0, index) + (c == 'A' ? 'B' : 'A') + s.substring(index + 1);
  }
}
