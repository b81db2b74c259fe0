package msgstore.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import msgstore.api.AccessLevel;
import msgstore.api.MapiError;
import msgstore.api.OpenFlag;
import msgstore.api.PropTags;
import msgstore.api.SaveFlag;
import msgstore.api.SaveOptions;
import msgstore.api.StoreException;
import org.junit.jupiter.api.Test;

class HandleStateTest {
  private static HandleState handle(AccessLevel access) {
    return new HandleState(access, false, () -> "message 7", () -> {});
  }

  @Test
  void aClosedHandleRefusesEveryCallWithInvalidObjectNamingTheObject() { // R25
    HandleState h = handle(AccessLevel.MODIFY);
    assertThat(h.markClosed()).isTrue();
    assertThatThrownBy(h::checkOpen).isInstanceOf(StoreException.class)
        .hasMessageEndingWith("the handle on message 7 is closed");
    assertThat(Errors.code(h::checkWritable)).isEqualTo(MapiError.INVALID_OBJECT);
    assertThat(Errors.code(() -> h.checkSavable(SaveOptions.of()))).isEqualTo(MapiError.INVALID_OBJECT);
    assertThat(h.markClosed()).as("Close is idempotent").isFalse();
  }

  @Test
  void theOuterObjectIsCheckedAfterTheHandleItself() {
    AtomicInteger sessionChecks = new AtomicInteger();
    HandleState h = new HandleState(AccessLevel.MODIFY, false, () -> "message 7", sessionChecks::incrementAndGet);
    h.checkOpen();
    assertThat(sessionChecks).hasValue(1);
    h.markClosed();
    assertThat(Errors.code(h::checkOpen)).isEqualTo(MapiError.INVALID_OBJECT);
    assertThat(sessionChecks).as("a closed handle fails before asking its session").hasValue(1);
  }

  @Test
  void aReadOnlyHandleRefusesEditsAndSavesWithNoAccess() { // R17, R26
    HandleState h = handle(AccessLevel.READ_ONLY);
    h.checkOpen();
    assertThatThrownBy(h::checkWritable).hasMessageEndingWith("the handle on message 7 is read-only");
    assertThatThrownBy(() -> h.checkSavable(SaveOptions.of()))
        .hasMessageEndingWith("cannot save message 7: the handle is read-only");
  }

  @Test
  void bothKeepOpenFlagsTogetherAreRefusedBeforeAnySave() { // R21
    HandleState h = handle(AccessLevel.MODIFY);
    assertThat(Errors.code(() -> h.checkSavable(SaveOptions.of(SaveFlag.KEEP_OPEN_READONLY, SaveFlag.KEEP_OPEN_READWRITE))))
        .isEqualTo(MapiError.INVALID_PARAMETER);
    assertThat(h.isOpen()).isTrue();
  }

  @Test
  void afterASaveTheFlagsSayWhetherTheHandleStaysWritableReadOnlyOrCloses() { // R16-R19
    HandleState rw = handle(AccessLevel.MODIFY);
    rw.afterSave(SaveOptions.of(SaveFlag.KEEP_OPEN_READWRITE), () -> { throw new AssertionError(); });
    assertThat(rw.access()).isEqualTo(AccessLevel.MODIFY);

    HandleState ro = handle(AccessLevel.MODIFY);
    ro.afterSave(SaveOptions.of(SaveFlag.KEEP_OPEN_READONLY), () -> { throw new AssertionError(); });
    assertThat(ro.access()).isEqualTo(AccessLevel.READ_ONLY);

    HandleState forced = handle(AccessLevel.MODIFY);
    forced.afterSave(SaveOptions.of(SaveFlag.FORCE_SAVE), () -> { throw new AssertionError(); });
    assertThat(forced.access()).isEqualTo(AccessLevel.MODIFY);

    HandleState closing = handle(AccessLevel.MODIFY);
    closing.afterSave(SaveOptions.of(), closing::markClosed);
    assertThat(closing.isOpen()).isFalse();
  }

  @Test
  void childOpensGetWriteAccessOnlyThroughAWritableHandle() { // R54
    HandleState rw = handle(AccessLevel.MODIFY);
    assertThat(rw.childAccess(Set.of(), "attachment 0")).isEqualTo(AccessLevel.READ_ONLY);
    assertThat(rw.childAccess(Set.of(OpenFlag.MODIFY), "attachment 0")).isEqualTo(AccessLevel.MODIFY);
    assertThat(rw.childAccess(Set.of(OpenFlag.BEST_ACCESS), "attachment 0")).isEqualTo(AccessLevel.MODIFY);

    HandleState ro = handle(AccessLevel.READ_ONLY);
    assertThat(ro.childAccess(Set.of(OpenFlag.BEST_ACCESS), "attachment 0")).isEqualTo(AccessLevel.READ_ONLY);
    assertThatThrownBy(() -> ro.childAccess(Set.of(OpenFlag.MODIFY), "attachment 0"))
        .hasMessageEndingWith("cannot open attachment 0 for writing: the handle is read-only");
  }

  @Test
  void computedPropertiesAreWriteProblemsAndMessageFlagsBecomesOneAfterTheFirstSave() { // R32
    HandleState h = handle(AccessLevel.MODIFY);
    assertThat(h.writeProblem(PropTags.SUBJECT)).isEmpty();
    assertThat(h.writeProblem(PropTags.ENTRYID)).contains(MapiError.COMPUTED);
    assertThat(h.writeProblem(PropTags.MESSAGE_FLAGS)).isEmpty();
    h.markSaved();
    assertThat(h.savedOnce()).isTrue();
    assertThat(h.writeProblem(PropTags.MESSAGE_FLAGS)).contains(MapiError.NO_ACCESS);
    assertThat(h.writeProblem(PropTags.SUBJECT)).isEmpty();
  }
}
