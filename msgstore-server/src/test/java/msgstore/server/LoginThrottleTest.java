package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import msgstore.testkit.MutableClock;
import org.junit.jupiter.api.Test;

/** The backoff policy of {@link LoginThrottle}, stepped with a clock that only moves when told (ADR 0011). */
class LoginThrottleTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T08:00:00Z"));
  private final Metrics metrics = new Metrics(() -> 0);
  private final AbuseLimits limits = AbuseLimits.DEFAULTS.withLogin(3, 10, Duration.ofSeconds(1), Duration.ofSeconds(8))
      .withThrottleEntries(100);
  private final LoginThrottle throttle = new LoginThrottle(limits, clock, metrics);

  @Test
  void userShouldBeLockedForTheInitialBackoffWhenFailuresReachTheThreshold() {
    throttle.failed("alice", "10.0.0.1");
    throttle.failed("alice", "10.0.0.2");
    assertThat(throttle.blocked("alice", "10.0.0.3")).isEmpty();
    throttle.failed("alice", "10.0.0.3");
    assertThat(throttle.blocked("alice", "10.0.0.4")).contains(Duration.ofSeconds(1));
    assertThat(throttle.blocked("bob", "10.0.0.4")).isEmpty();
    clock.advance(Duration.ofSeconds(1));
    assertThat(throttle.blocked("alice", "10.0.0.4")).isEmpty();
  }

  @Test
  void lockoutShouldDoubleWithEachFurtherFailureUpToTheCap() {
    for (int i = 0; i < 3; i++) {
      throttle.failed("alice", "10.0.0." + i);
    }
    long[] expected = {1, 2, 4, 8, 8, 8};
    for (long seconds : expected) {
      Optional<Duration> left = throttle.blocked("alice", "10.0.1.1");
      assertThat(left).contains(Duration.ofSeconds(seconds));
      clock.advance(left.orElseThrow());
      assertThat(throttle.blocked("alice", "10.0.1.1")).isEmpty();
      throttle.failed("alice", "10.0.1." + seconds);
    }
    assertThat(metrics.render()).contains("msgstore_login_lockouts_total 7");
  }

  @Test
  void failuresOfRequestsInFlightDuringALockoutShouldNotExtendIt() {
    for (int i = 0; i < 6; i++) {
      throttle.failed("alice", "10.0.0." + i);
    }
    assertThat(throttle.blocked("alice", "10.0.1.1")).contains(Duration.ofSeconds(1));
    assertThat(metrics.render()).contains("msgstore_login_lockouts_total 1");
  }

  @Test
  void successShouldClearTheUsersFailuresButNotTheAddresses() {
    throttle.failed("alice", "10.0.0.1");
    throttle.failed("alice", "10.0.0.1");
    throttle.succeeded("alice");
    throttle.failed("alice", "10.0.0.1");
    throttle.failed("alice", "10.0.0.1");
    assertThat(throttle.blocked("alice", "10.0.0.2")).isEmpty();
    for (int i = 0; i < 6; i++) {
      throttle.failed("u" + i, "10.0.0.1");
    }
    assertThat(throttle.blocked("carol", "10.0.0.1")).as("10 failures from one address").isPresent();
    assertThat(throttle.blocked("carol", "10.0.0.2")).isEmpty();
  }

  @Test
  void failuresShouldBeForgottenAfterAQuietWindow() {
    throttle.failed("alice", "10.0.0.1");
    throttle.failed("alice", "10.0.0.1");
    clock.advance(limits.loginFailureWindow());
    throttle.failed("alice", "10.0.0.1");
    assertThat(throttle.blocked("alice", "10.0.0.2")).isEmpty();
  }

  @Test
  void unknownAndKnownUserNamesShouldBeThrottledAlike() {
    for (int i = 0; i < 3; i++) {
      throttle.failed("no-such-user", "10.0.0." + i);
      throttle.failed("alice", "10.0.1." + i);
    }
    assertThat(throttle.blocked("no-such-user", "10.0.2.1")).isEqualTo(throttle.blocked("alice", "10.0.2.1"));
  }

  @Test
  void memoryShouldStayBoundedWhenAnAttackerSpraysUserNamesAndAddresses() {
    for (int i = 0; i < 20_000; i++) {
      throttle.failed("user" + i, "10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255));
    }
    assertThat(throttle.size()).isLessThanOrEqualTo(2 * limits.loginThrottleEntries());
    assertThat(metrics.render()).contains("msgstore_login_failures_total 20000");
  }

  @Test
  void lockoutAndItsEndShouldBeLoggedWithKeyValues() {
    ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(LoginThrottle.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> seen =
        new ch.qos.logback.core.read.ListAppender<>();
    seen.start();
    log.addAppender(seen);
    try {
      for (int i = 0; i < 3; i++) {
        throttle.failed("alice", "10.0.0.1");
      }
      clock.advance(Duration.ofSeconds(1));
      assertThat(throttle.blocked("alice", "10.0.0.1")).isEmpty();
    } finally {
      log.detachAppender(seen);
    }
    assertThat(seen.list).extracting(e -> e.getLevel() + " " + e.getMessage() + " " + e.getKeyValuePairs())
        .containsExactly("WARN login lockout [kind=\"user\", key=\"alice\", address=\"10.0.0.1\", failures=\"3\", seconds=\"1\"]",
            "INFO login lockout ended [kind=\"user\", key=\"alice\", failures=\"3\", reason=\"expired\"]");
  }

  @Test
  void retryAfterShouldRoundUpToWholeSecondsAndBeAtLeastOne() {
    assertThat(LoginThrottle.seconds(Duration.ofMillis(1))).isEqualTo(1);
    assertThat(LoginThrottle.seconds(Duration.ofMillis(1001))).isEqualTo(2);
    assertThat(LoginThrottle.seconds(Duration.ofSeconds(300))).isEqualTo(300);
  }
}
