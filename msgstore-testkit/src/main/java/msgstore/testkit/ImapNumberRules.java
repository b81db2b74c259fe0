package msgstore.testkit;

import static msgstore.api.PropTags.FLAG_STATUS;
import static msgstore.api.PropTags.IMAP_MODSEQ;
import static msgstore.api.PropTags.IMAP_UID;
import static msgstore.api.PropTags.MSGFLAG_READ;
import static msgstore.api.PropTags.MSGFLAG_UNSENT;
import static msgstore.api.PropTags.SUBJECT;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import msgstore.api.ChangeNumber;
import msgstore.api.DeleteMode;
import msgstore.api.FlagChange;
import msgstore.api.FlagResult;
import msgstore.api.Folder;
import msgstore.api.MailboxState;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.NamedProperty;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropType;
import msgstore.api.PropValue;
import msgstore.api.Restriction;
import msgstore.api.SortOrder;
import msgstore.api.StoreException;
import msgstore.api.TableRow;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * How IMAP sees the store (ADR 0028, issue 13): per-folder UIDs that change only when content
 * does, MODSEQ raised by every visible change (read state included, R71), HIGHESTMODSEQ raised by
 * expunges and moves out, and STORE as one compare-and-set ({@code UNCHANGEDSINCE}, RFC 7162
 * 3.1.3). Part of {@link MessageStoreContract}.
 */
public abstract class ImapNumberRules extends ContractSupport {

  private long uid(MessageId id) {
    try (Message m = openRo(id)) {
      return m.getProp(IMAP_UID).orElseThrow(() -> new AssertionError("no IMAP UID on " + id)).asInt();
    }
  }

  private long modseq(MessageId id) {
    try (Message m = openRo(id)) {
      return m.getProp(IMAP_MODSEQ).orElseThrow(() -> new AssertionError("no MODSEQ on " + id)).asLong();
    }
  }

  private MailboxState state(Folder f) {
    return f.mailboxState();
  }

  private List<TableRow> rowsByUid(Folder f, Restriction r) {
    return f.contentsTable().setColumns(List.of(PropTags.MID, IMAP_UID, IMAP_MODSEQ))
        .sortBy(List.of(SortOrder.ascending(IMAP_UID))).restrict(r).queryRows(0, 1000);
  }

  @Test
  @DisplayName("RFC 9051 2.3.1.1: UIDs rise in arrival order; UIDNEXT moves only when mail arrives in that folder")
  void uidsShouldRiseInArrivalOrderAndUidNextShouldMoveOnlyForMailArrivingInTheFolder() {
    requires(Capability.IMAP);
    MessageId a = createMessage("a");
    MessageId b = createMessage("b");
    MessageId c = createMessage("c");
    assertThat(uid(a)).isPositive().isLessThan(uid(b));
    assertThat(uid(b)).isLessThan(uid(c));
    MailboxState before = state(inbox());
    assertThat(before.uidNext()).isGreaterThan(uid(c));
    assertThat(before.messages()).isEqualTo(3);
    createMessage(drafts(), "elsewhere");
    owner().setReadFlag(a, true);
    MailboxState after = state(inbox());
    assertThat(after.uidNext()).as("no mail arrived in the Inbox").isEqualTo(before.uidNext());
    assertThat(after.uidValidity()).isEqualTo(before.uidValidity()).isPositive();
    assertThat(after.unseen()).isEqualTo(2);
  }

  @Test
  @DisplayName("R71 + RFC 7162 3.1.1: a read-state change keeps the UID and the version, and raises MODSEQ and HIGHESTMODSEQ")
  void readStateChangeShouldKeepUidAndRaiseModseqWithoutANewVersion() {
    requires(Capability.IMAP);
    MessageId id = createMessage("mail");
    long uid = uid(id);
    long modseq = modseq(id);
    ChangeNumber cn = currentCn(id);
    long highest = state(inbox()).highestModseq();
    assertThat(highest).isGreaterThanOrEqualTo(modseq);
    owner().setReadFlag(id, true);
    assertThat(uid(id)).isEqualTo(uid);
    assertThat(modseq(id)).isGreaterThan(modseq);
    assertThat(currentCn(id)).isEqualTo(cn);
    assertThat(state(inbox()).highestModseq()).isEqualTo(modseq(id)).isGreaterThan(highest);
  }

  @Test
  @DisplayName("ADR 0028: a change of content gives a new UID; a save that changes only flag properties keeps it")
  void contentChangeShouldGiveANewUidAndFlagOnlySaveShouldKeepIt() {
    requires(Capability.IMAP);
    MessageId id = createMessage("first");
    long uid = uid(id);
    commit(id, m -> m.set(FLAG_STATUS, PropTags.FOLLOWUP_FLAGGED));
    assertThat(uid(id)).as("flag-only save").isEqualTo(uid);
    long modseq = modseq(id);
    commitSubject(id, "second");
    long newUid = uid(id);
    assertThat(newUid).as("content changed").isGreaterThan(uid);
    assertThat(modseq(id)).isGreaterThan(modseq);
    assertThat(state(inbox()).uidNext()).isEqualTo(newUid + 1);
  }

  @Test
  @DisplayName("ADR 0028: move gives a new UID in the target; expunge and move out raise the source's HIGHESTMODSEQ; a restored message gets a new UID")
  void moveDeleteAndRestoreShouldGiveNewUidsAndRaiseHighestModseq() {
    requires(Capability.IMAP);
    MessageId moved = createMessage("moved");
    MessageId deleted = createMessage("deleted");
    long deletedUid = uid(deleted);
    long h0 = state(inbox()).highestModseq();
    MessageId target = owner().moveMessage(moved, drafts().id());
    long h1 = state(inbox()).highestModseq();
    assertThat(h1).as("move out").isGreaterThan(h0);
    assertThat(uid(target)).isLessThan(state(drafts()).uidNext());
    assertThat(state(drafts()).highestModseq()).isEqualTo(modseq(target));
    owner().deleteMessages(List.of(deleted), DeleteMode.SOFT);
    assertThat(state(inbox()).highestModseq()).as("expunge").isGreaterThan(h1);
    owner().undeleteMessage(deleted);
    assertThat(uid(deleted)).as("restored under a new UID").isGreaterThan(deletedUid);
  }

  @Test
  @DisplayName("RFC 7162 3.1.3: STORE with UNCHANGEDSINCE at the current MODSEQ succeeds; a stale one fails and writes nothing")
  void storeFlagsShouldSucceedAtCurrentModseqAndFailWithoutWritingWhenStale() {
    requires(Capability.IMAP);
    MessageId id = createMessage("mail");
    long uid = uid(id);
    long m0 = modseq(id);
    FlagResult r = owner().storeFlags(id, FlagChange.none().withSet(List.of(PropValue.of(FLAG_STATUS,
        PropTags.FOLLOWUP_FLAGGED))), m0);
    assertThat(r.uid()).isEqualTo(uid);
    assertThat(r.modseq()).isGreaterThan(m0).isEqualTo(modseq(id));
    assertThat(r.changeKey()).as("a flag property makes a new version").isPresent();
    assertThat(committedProp(id, FLAG_STATUS).orElseThrow().asInt()).isEqualTo(PropTags.FOLLOWUP_FLAGGED);
    assertThat(uid(id)).isEqualTo(uid);

    expectError(MapiError.OBJECT_CHANGED, () -> owner().storeFlags(id, FlagChange.none().withRead(true), m0));
    assertThat(modseq(id)).as("nothing written").isEqualTo(r.modseq());
    try (Message m = openRo(id)) {
      assertThat(messageFlags(m) & MSGFLAG_READ).isZero();
    }
  }

  @Test
  @DisplayName("R71/R74: STORE of \\Seen and \\Deleted makes no new version; \\Draft and keywords do, under the same UID")
  void storeFlagsShouldWriteRowStateWithoutAVersionAndFlagPropertiesAsOne() {
    requires(Capability.IMAP);
    requires(Capability.NAMED_PROPERTIES);
    MessageId id = createMessage("mail");
    ChangeNumber cn = currentCn(id);
    long uid = uid(id);
    FlagResult r = owner().storeFlags(id, FlagChange.none().withRead(true).withDeleteMark(true), -1);
    assertThat(r.changeKey()).isEmpty();
    assertThat(currentCn(id)).isEqualTo(cn);
    try (Message m = openRo(id)) {
      assertThat(messageFlags(m) & MSGFLAG_READ).isEqualTo(MSGFLAG_READ);
      assertThat(m.getProp(PropTags.MESSAGE_STATUS).orElseThrow().asInt() & PropTags.MSGSTATUS_DELMARKED)
          .isEqualTo(PropTags.MSGSTATUS_DELMARKED);
    }
    PropTag keywords = owner().namedPropTag(storeId(), NamedProperty.KEYWORDS, PropType.MV_UNICODE, true);
    owner().storeFlags(id, FlagChange.none().withDraft(true).withSet(List.of(PropValue.of(keywords,
        List.of("$Forwarded", "work")))), -1);
    assertThat(currentCn(id)).isNotEqualTo(cn);
    assertThat(uid(id)).isEqualTo(uid);
    try (Message m = openRo(id)) {
      assertThat(messageFlags(m) & MSGFLAG_UNSENT).isEqualTo(MSGFLAG_UNSENT);
      assertThat(m.getProp(keywords).orElseThrow().value()).isEqualTo(List.of("$Forwarded", "work"));
    }
    assertThat(modseq(id)).isGreaterThan(r.modseq());
  }

  @Test
  @DisplayName("R28: a STORE of a flag property makes handles opened before it stale")
  void storeFlagsOfAPropertyShouldMakeOlderHandlesStale() {
    requires(Capability.IMAP);
    MessageId id = createMessage("mail");
    try (Message h = openRw(id)) {
      h.set(SUBJECT, "edit");
      owner().storeFlags(id, FlagChange.none().withSet(List.of(PropValue.of(FLAG_STATUS, PropTags.FOLLOWUP_FLAGGED))),
          -1);
      expectObjectChanged(h::saveChanges);
    }
  }

  @Test
  @DisplayName("ADR 0028: STORE refuses a property that is not a flag, naming it, and writes nothing")
  void storeFlagsShouldRefuseANonFlagProperty() {
    requires(Capability.IMAP);
    MessageId id = createMessage("mail");
    long modseq = modseq(id);
    StoreException e = expectError(MapiError.INVALID_PARAMETER, () -> owner().storeFlags(id,
        FlagChange.none().withRead(true).withSet(List.of(PropValue.of(SUBJECT, "no"))), -1));
    assertThat(e.getMessage()).contains("PidTagSubject");
    assertThat(modseq(id)).isEqualTo(modseq);
  }

  @Test
  @DisplayName("RFC 7162 3.1.4: contents tables show UID and MODSEQ, sort by UID and restrict to MODSEQ > m (CHANGEDSINCE)")
  void contentsTableShouldSortByUidAndRestrictByModseq() {
    requires(Capability.IMAP);
    MessageId a = createMessage("a");
    MessageId b = createMessage("b");
    MessageId c = createMessage("c");
    long since = state(inbox()).highestModseq();
    owner().setReadFlag(b, true);
    assertThat(rowsByUid(inbox(), null)).extracting(TableRow::messageId).containsExactly(a, b, c);
    List<TableRow> changed = rowsByUid(inbox(), Restriction.compare(Restriction.Relop.GT, IMAP_MODSEQ, since));
    assertThat(changed).extracting(TableRow::messageId).containsExactly(b);
    assertThat(changed.get(0).get(IMAP_UID).orElseThrow().asInt()).isEqualTo((int) uid(b));
  }

  @Test
  @DisplayName("ADR 0028 under load: saves of many messages of one folder at once each take a new UID, and HIGHESTMODSEQ and UIDNEXT end at the newest")
  void concurrentSavesInOneFolderShouldEachTakeANewUidAndEndAtTheNewestNumbers() throws Exception {
    requires(Capability.IMAP);
    int n = 12;
    List<MessageId> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(createMessage("m" + i));
    }
    long oldUidNext = state(inbox()).uidNext();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<?>> saves = new ArrayList<>();
      for (MessageId id : ids) {
        saves.add(pool.submit(() -> {
          start.await();
          for (int round = 0; round < 3; round++) {
            commitSubject(id, "round " + round + " of " + id);
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : saves) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    List<Long> uids = ids.stream().map(this::uid).toList();
    List<Long> modseqs = ids.stream().map(this::modseq).toList();
    MailboxState after = state(inbox());
    assertThat(uids).as("a new UID for each message's last content").doesNotHaveDuplicates()
        .allMatch(u -> u >= oldUidNext, "taken after the saves began");
    assertThat(after.uidNext()).as("UIDNEXT: each of the %d content changes took one", 3 * n)
        .isEqualTo(oldUidNext + 3L * n);
    assertThat(uids.stream().mapToLong(Long::longValue).max().orElseThrow()).isEqualTo(after.uidNext() - 1);
    assertThat(modseqs).doesNotHaveDuplicates();
    assertThat(after.highestModseq()).isEqualTo(modseqs.stream().mapToLong(Long::longValue).max().orElseThrow());
    assertThat(rowsByUid(inbox(), null)).extracting(r -> (long) r.get(IMAP_UID).orElseThrow().asInt())
        .as("the contents table sees the same UIDs").containsAll(uids);
  }

  @Test
  @DisplayName("RFC 7162 3.1.3 under a race: of N concurrent STOREs from one MODSEQ, exactly one succeeds")
  void concurrentStoresFromOneModseqShouldLetExactlyOneThrough() throws Exception {
    requires(Capability.IMAP);
    MessageId id = createMessage("hot");
    long m0 = modseq(id);
    int n = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        boolean read = i % 2 == 0;
        int status = i % 3 == 0 ? PropTags.FOLLOWUP_FLAGGED : PropTags.FOLLOWUP_COMPLETE;
        Callable<Boolean> store = () -> {
          start.await();
          FlagChange change = read ? FlagChange.none().withRead(true)
              : FlagChange.none().withSet(List.of(PropValue.of(FLAG_STATUS, status)));
          try {
            owner().storeFlags(id, change, m0);
            return true;
          } catch (StoreException e) {
            assertThat(e.error()).isEqualTo(MapiError.OBJECT_CHANGED);
            return false;
          }
        };
        results.add(pool.submit(store));
      }
      start.countDown();
      int wins = 0;
      for (Future<Boolean> f : results) {
        wins += f.get() ? 1 : 0;
      }
      assertThat(wins).as("successful STOREs from MODSEQ " + m0).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }
}
