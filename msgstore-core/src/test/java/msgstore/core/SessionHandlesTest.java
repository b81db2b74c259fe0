package msgstore.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import msgstore.api.StoreException;
import org.junit.jupiter.api.Test;

class SessionHandlesTest {
  @Test
  void closingTheSessionClosesEveryHandleStillOpenOnceAndRefusesLaterCalls() { // R12, R25
    SessionHandles s = new SessionHandles("alice");
    List<String> closed = new ArrayList<>();
    AutoCloseable a = () -> closed.add("a");
    AutoCloseable b = () -> closed.add("b");
    AutoCloseable failing = () -> {
      throw new IllegalStateException("already broken");
    };
    s.track(a);
    s.track(b);
    s.track(failing);
    s.untrack(b);
    s.checkOpen();
    assertThat(s.close()).isTrue();
    assertThat(closed).as("b was closed before the session").containsExactly("a");
    assertThat(s.close()).isFalse();
    assertThat(closed).hasSize(1);
    assertThatThrownBy(s::checkOpen).isInstanceOf(StoreException.class)
        .hasMessageEndingWith("session of alice is closed");
  }
}
