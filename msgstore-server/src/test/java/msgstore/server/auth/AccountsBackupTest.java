package msgstore.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Accounts#backup}: a private, consistent copy taken beside other users of the file (issue 7). */
class AccountsBackupTest {
  private static final PasswordHasher CHEAP = PasswordHasher.of(1024, 1, 1);

  @TempDir
  Path dir;

  @Test
  void aBackupShouldHoldTheUsersAndTokensAndBeReadableByItsOwnerOnly() throws Exception {
    Path copy = dir.resolve("backup/accounts.db");
    Files.createDirectories(copy.getParent());
    String token;
    try (Accounts server = Accounts.open(dir.resolve("accounts.db"), CHEAP);
        Accounts cli = Accounts.open(dir.resolve("accounts.db"), CHEAP)) {
      server.addUser("alice", "secret-alice".toCharArray(), true);
      token = server.createToken("alice", "laptop").token().orElseThrow();
      cli.backup(copy);
      server.addUser("bob", "secret-bob".toCharArray(), true); // after the copy: not in it
    }

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copy))).isEqualTo("rw-------");
    try (Accounts restored = Accounts.open(copy, CHEAP)) {
      assertThat(restored.users()).containsExactly("alice");
      assertThat(restored.authenticate("Bearer " + token)).contains("alice");
    }
  }

  @Test
  void aBackupShouldRefuseAnExistingTarget() throws Exception {
    Files.writeString(dir.resolve("taken.db"), "x");
    try (Accounts a = Accounts.open(dir.resolve("accounts.db"), CHEAP)) {
      assertThatThrownBy(() -> a.backup(dir.resolve("taken.db")))
          .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.error()).isEqualTo(MapiError.COLLISION));
    }
    assertThat(Files.readString(dir.resolve("taken.db"))).isEqualTo("x");
  }
}
