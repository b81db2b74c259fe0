package msgstore.testkit;

import static msgstore.api.MapiError.OBJECT_DELETED;
import static msgstore.api.MapiError.USER_CANCEL;
import static msgstore.api.PropTags.BODY;
import static msgstore.api.PropTags.IMPORTANCE;
import static msgstore.api.PropTags.SUBJECT;
import static msgstore.api.SaveFlag.FORCE_SAVE;
import static msgstore.api.SaveFlag.KEEP_OPEN_READWRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import msgstore.api.ConflictChoice;
import msgstore.api.ConflictResolver.Conflict;
import msgstore.api.MergeMode;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.MessageSnapshot;
import msgstore.api.OpenFlag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.SaveResult;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Spec section 12, the conflict resolver (EXT R81-R86) and the merge choice (X6). Part of {@link
 * MessageStoreContract}.
 */
public abstract class ConflictChoiceRules extends ContractSupport {

  private final List<Conflict> asked = new CopyOnWriteArrayList<>();

  @BeforeEach
  void requireResolver() {
    requires(Capability.CONFLICT_RESOLVER);
    asked.clear();
  }

  private void resolveWith(ConflictChoice choice) {
    owner().setConflictResolver(c -> {
      asked.add(c);
      return choice;
    });
  }

  /** A message "base" and a handle on it made stale by a commit of "theirs"; the handle's subject is "mine". */
  private record Stale(MessageId id, Message handle, SaveResult theirs) {}

  private Stale staleHandle() {
    MessageId id = createMessage(inbox(), PropValue.of(SUBJECT, "base"), PropValue.of(BODY, "base body"));
    Message h = fx().track(openRw(id));
    SaveResult theirs = commitSubject(id, "theirs");
    h.set(SUBJECT, "mine");
    return new Stale(id, h, theirs);
  }

  @Test
  @DisplayName("R81: the resolver is asked once, with the handle's view, the current version and the base")
  void resolverShouldBeAskedOnceWithTheThreeVersionsWhenSaveIsStale() {
    resolveWith(ConflictChoice.keepOriginal());
    Stale s = staleHandle();
    expectError(USER_CANCEL, () -> s.handle().saveChanges(KEEP_OPEN_READWRITE));
    assertThat(asked).hasSize(1);
    Conflict c = asked.getFirst();
    assertThat(string(c.view(), SUBJECT)).isEqualTo("mine");
    assertThat(string(c.current(), SUBJECT)).isEqualTo("theirs");
    assertThat(string(c.base(), SUBJECT)).isEqualTo("base");
    assertThat(c.current().changeNumber()).contains(s.theirs().changeNumber());
    assertThat(c.base().changeNumber()).isEqualTo(s.handle().baseChangeNumber());
    assertThat(c.mergePreview()).isNotNull();
    assertThat(c.mergePreview().conflicts()).anyMatch(u -> u.unit().equals(new msgstore.api.MergeReport.PropertyUnit(SUBJECT)));
  }

  @Test
  @DisplayName("R81: the resolver is not asked for a current handle, a FORCE_SAVE, or a deleted message")
  void resolverShouldNotBeAskedWhenTheSaveIsNotAPlainConflict() {
    resolveWith(ConflictChoice.keepOriginal());
    MessageId id = createMessage("v1");
    try (Message current = openRw(id)) {
      current.set(SUBJECT, "v2");
      current.saveChanges(KEEP_OPEN_READWRITE);
    }
    Stale s = staleHandle();
    s.handle().saveChanges(FORCE_SAVE, KEEP_OPEN_READWRITE);
    assertThat(committedSubject(s.id())).isEqualTo("mine");
    try (Message doomed = openRw(id)) {
      owner().deleteMessage(id);
      doomed.set(SUBJECT, "mine");
      expectError(OBJECT_DELETED, () -> doomed.saveChanges(KEEP_OPEN_READWRITE));
    }
    assertThat(asked).isEmpty();
  }

  @Test
  @DisplayName("R82: KEEP_ORIGINAL leaves the message unchanged, fails with USER_CANCEL and keeps the edits")
  void keepOriginalShouldFailWithUserCancelAndKeepEditsWhenChosen() {
    resolveWith(ConflictChoice.keepOriginal());
    Stale s = staleHandle();
    var base = s.handle().baseChangeNumber();
    long journal = journalPosition();
    expectError(USER_CANCEL, () -> s.handle().saveChanges(KEEP_OPEN_READWRITE));
    assertThat(s.handle().isOpen()).isTrue();
    assertThat(subject(s.handle())).isEqualTo("mine");
    assertThat(s.handle().baseChangeNumber()).isEqualTo(base);
    assertThat(committedSubject(s.id())).isEqualTo("theirs");
    assertThat(currentCn(s.id())).isEqualTo(s.theirs().changeNumber());
    assertThat(journalPosition()).isEqualTo(journal);
  }

  @Test
  @DisplayName("R83, X2: OVERWRITE is FORCE_SAVE: the whole view wins and the replaced version is named")
  void overwriteShouldActLikeForceSaveWhenChosen() {
    resolveWith(ConflictChoice.overwrite());
    MessageId id = createMessage(inbox(), PropValue.of(SUBJECT, "base"), PropValue.of(BODY, "base body"));
    try (Message h = openRw(id)) {
      SaveResult theirs = commit(id, m -> m.set(BODY, "their body"));
      h.set(SUBJECT, "mine");
      SaveResult r = h.saveChanges(KEEP_OPEN_READWRITE);
      assertThat(r.committed()).isTrue();
      assertThat(r.choice()).contains(ConflictChoice.overwrite());
      if (fx().has(Capability.HISTORY)) {
        assertThat(r.replaced()).contains(theirs.changeNumber());
      }
      assertThat(h.baseChangeNumber()).contains(r.changeNumber());
    }
    MessageSnapshot s = committed(id);
    assertThat(string(s, SUBJECT)).isEqualTo("mine");
    assertThat(string(s, BODY)).as("R36: whole view").isEqualTo("base body");
  }

  @Test
  @DisplayName("R84: SAVE_ELSEWHERE stores the view as a new message and re-binds the handle to it")
  void saveElsewhereShouldCreateACopyAndRebindTheHandleWhenChosen() {
    resolveWith(ConflictChoice.saveElsewhere(drafts().id()));
    Stale s = staleHandle();
    SaveResult r = s.handle().saveChanges(KEEP_OPEN_READWRITE);
    assertThat(r.messageId()).isNotEqualTo(s.id());
    assertThat(r.choice()).contains(ConflictChoice.saveElsewhere(drafts().id()));
    assertThat(s.handle().id()).contains(r.messageId());
    assertThat(s.handle().baseChangeNumber()).contains(r.changeNumber());
    assertThat(committedSubject(s.id())).isEqualTo("theirs");
    MessageSnapshot copy = committed(r.messageId());
    assertThat(string(copy, SUBJECT)).isEqualTo("mine");
    assertThat(string(copy, BODY)).isEqualTo("base body");
    assertThat(copy.folderId()).contains(drafts().id());
    try (Message fresh = openRo(r.messageId())) {
      assertThat(binary(s.handle(), PropTags.ENTRYID)).isEqualTo(binary(fresh, PropTags.ENTRYID));
    }
    s.handle().set(IMPORTANCE, 2);
    s.handle().saveChanges(KEEP_OPEN_READWRITE);
    assertThat(committedProp(r.messageId(), IMPORTANCE)).contains(PropValue.of(IMPORTANCE, 2));
    assertThat(asked).hasSize(1);
  }

  @Test
  @DisplayName("R85: KEEP_BOTH makes a conflict message holding both versions as embedded messages")
  void keepBothShouldMakeAConflictMessageWhenChosen() {
    requires(Capability.KEEP_BOTH);
    resolveWith(ConflictChoice.keepBoth());
    Stale s = staleHandle();
    SaveResult r = s.handle().saveChanges(KEEP_OPEN_READWRITE);
    assertConflictMessage(s, r);
  }

  @Test
  @DisplayName("R85: saveKeepBoth makes the conflict message directly")
  void saveKeepBothShouldMakeAConflictMessageWhenCalled() {
    requires(Capability.KEEP_BOTH);
    owner().setConflictResolver(null);
    Stale s = staleHandle();
    SaveResult r = s.handle().saveKeepBoth(KEEP_OPEN_READWRITE);
    assertConflictMessage(s, r);
  }

  private void assertConflictMessage(Stale s, SaveResult r) {
    assertThat(r.messageId()).isEqualTo(s.id());
    try (Message m = openRo(s.id())) {
      int status = integer(m, PropTags.MESSAGE_STATUS);
      assertThat(status & PropTags.MS_IN_CONFLICT).isEqualTo(PropTags.MS_IN_CONFLICT);
      assertThat(subject(m)).isIn("mine", "theirs");
      List<String> versions = new java.util.ArrayList<>();
      for (var row : m.attachments()) {
        if (row.get(PropTags.ATTACH_METHOD).map(PropValue::asInt).orElse(0) != PropTags.ATTACH_EMBEDDED_MSG) {
          continue;
        }
        try (var a = m.openAttachment(row.attachNum()); Message e = a.openEmbeddedMessage()) {
          assertThat(e.getProp(PropTags.IN_CONFLICT)).contains(PropValue.of(PropTags.IN_CONFLICT, true));
          versions.add(subject(e));
        }
      }
      assertThat(versions).containsExactlyInAnyOrder("mine", "theirs");
    }
  }

  @Test
  @DisplayName("R86: PR_RESOLVE_METHOD = last writer wins overwrites without asking")
  void lastWriterWinsFolderShouldOverwriteWithoutAskingWhenSaveIsStale() {
    requires(Capability.RESOLVE_METHOD);
    resolveWith(ConflictChoice.keepOriginal());
    inbox().setProp(PropValue.of(PropTags.RESOLVE_METHOD, PropTags.RESOLVE_METHOD_LAST_WRITER_WINS));
    Stale s = staleHandle();
    SaveResult r = s.handle().saveChanges(KEEP_OPEN_READWRITE);
    assertThat(r.committed()).isTrue();
    assertThat(committedSubject(s.id())).isEqualTo("mine");
    assertThat(asked).isEmpty();
  }

  @Test
  @DisplayName("R86: a change of the folder's PR_RESOLVE_METHOD applies to the very next conflict, in every session")
  void resolveMethodChangeShouldApplyToTheNextConflictWhenSetBetweenTwoConflicts() {
    requires(Capability.RESOLVE_METHOD);
    Stale first = staleHandle();
    expectObjectChanged(() -> first.handle().saveChanges(KEEP_OPEN_READWRITE)); // no method, no resolver: R28

    inbox().setProp(PropValue.of(PropTags.RESOLVE_METHOD, PropTags.RESOLVE_METHOD_LAST_WRITER_WINS));
    Stale second = staleHandle();
    SaveResult overwritten = second.handle().saveChanges(KEEP_OPEN_READWRITE);
    assertThat(overwritten.committed()).isTrue();
    assertThat(committedSubject(second.id())).isEqualTo("mine");

    inbox().setProp(PropValue.of(PropTags.RESOLVE_METHOD, PropTags.RESOLVE_METHOD_DEFAULT));
    MessageId id = createMessage("base");
    var other = fx().openSession(StoreFixture.OWNER);
    try (Message h = other.openMessage(id, OpenFlag.MODIFY)) {
      commitSubject(id, "theirs");
      h.set(SUBJECT, "mine");
      SaveResult r = h.saveChanges(KEEP_OPEN_READWRITE);
      assertThat(r.choice()).as("RESOLVE_METHOD_DEFAULT in another session").contains(ConflictChoice.keepBoth());
    }
    assertThat(asked).isEmpty();
  }

  @Test
  @DisplayName("X6: MERGE merges non-conflicting edits of both sides")
  void mergeChoiceShouldKeepBothSidesEditsWhenTheyDoNotConflict() {
    requires(Capability.MERGE);
    resolveWith(ConflictChoice.merge(MergeMode.AUTO_RESOLVE));
    MessageId id = createMessage(inbox(), PropValue.of(SUBJECT, "base"), PropValue.of(BODY, "base body"));
    try (Message h = openRw(id)) {
      commit(id, m -> m.set(BODY, "their body"));
      h.set(SUBJECT, "my subject");
      SaveResult r = h.saveChanges(KEEP_OPEN_READWRITE);
      assertThat(r.mergeReport()).isPresent();
      assertThat(r.choice()).contains(ConflictChoice.merge(MergeMode.AUTO_RESOLVE));
    }
    MessageSnapshot s = committed(id);
    assertThat(string(s, SUBJECT)).isEqualTo("my subject");
    assertThat(string(s, BODY)).isEqualTo("their body");
  }

  @Test
  @DisplayName("R81: removing the resolver restores plain OBJECT_CHANGED (R28)")
  void saveShouldFailWithObjectChangedWhenTheResolverWasRemoved() {
    resolveWith(ConflictChoice.overwrite());
    owner().setConflictResolver(null);
    Stale s = staleHandle();
    expectObjectChanged(() -> s.handle().saveChanges(KEEP_OPEN_READWRITE));
    assertThat(asked).isEmpty();
  }

  @Test
  @DisplayName("R81: a resolver of one session is not asked for another session's saves")
  void resolverShouldOnlyApplyToItsSessionWhenRegistered() {
    resolveWith(ConflictChoice.overwrite());
    MessageId id = createMessage("base");
    var other = fx().openSession(StoreFixture.OWNER);
    try (Message h = other.openMessage(id, OpenFlag.MODIFY)) {
      commitSubject(id, "theirs");
      h.set(SUBJECT, "mine");
      expectObjectChanged(() -> h.saveChanges(KEEP_OPEN_READWRITE));
    }
    assertThat(asked).isEmpty();
  }
}
