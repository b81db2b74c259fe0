package msgstore.engine;

import static msgstore.api.PropTags.*;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import msgstore.core.MessageCore;
import msgstore.core.PendingProps;
import msgstore.api.AccessLevel;
import msgstore.api.Attachment;
import msgstore.api.ChangeKey;
import msgstore.api.ChangeNumber;
import msgstore.api.ConflictChoice;
import msgstore.api.ConflictResolver;
import msgstore.api.EventType;
import msgstore.api.FolderId;
import msgstore.api.FolderRights;
import msgstore.api.MapiError;
import msgstore.api.MergeMode;
import msgstore.api.MergeReport;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.MessageSnapshot;
import msgstore.api.ObjectChangedException;
import msgstore.api.OpenFlag;
import msgstore.api.PredecessorChangeList;
import msgstore.api.PropProblem;
import msgstore.api.PropTag;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.RecipientOp;
import msgstore.api.SaveFlag;
import msgstore.api.SaveOptions;
import msgstore.api.SaveResult;
import msgstore.api.StoreException;
import msgstore.api.StoreId;
import msgstore.api.VersionInfo.VersionKind;
import msgstore.engine.spi.CommitResult;
import msgstore.engine.spi.PreconditionFailedException;
import msgstore.engine.spi.StoredMessage;
import msgstore.engine.spi.WriteOp;

/**
 * A message handle: one open, one transaction (R9).
 *
 * <p>State: the <em>base</em> (the committed content and change number the handle was opened on
 * or last wrote, R6, R29), the <em>pending</em> view (base plus this handle's edits, R10), the
 * access level (R3, R16-R19) and whether it is closed (R18, R25): msgstore-core's {@link
 * MessageCore}, shared with the SDK's handle (ADR 0023). This class reads bases from storage and
 * commits saves.
 *
 * <p>Saving: the pending view is encoded on the caller's thread; the storage writer then checks
 * the precondition (the message's current change number equals the base's, R28, R33, or, for
 * FORCE_SAVE, only that it is live, R27, R40) and commits, in one transaction. There is no
 * read-then-write in Java: the only reads before a write are for no-op saves (R30, R31), which
 * write nothing, and for merges, whose write is again conditional on the version they read.
 *
 * <p>Embedded messages (R57-R60) are handles of this class whose "store" is their parent
 * attachment handle's pending state.
 *
 * <p>All public methods hold the handle's monitor: calls on one handle are serialised (R97).
 */
final class MessageHandle extends MessageCore<Content.Attach> {
  private static final int MAX_MERGE_ATTEMPTS = 100;
  private final EmbeddedSession session;
  private final FolderRights rights;
  private final AttachmentHandle parent;
  private Content base;
  private int readFlags;
  private int status;
  private Instant localCommitTime;
  /** IMAP UID and MODSEQ of the row (ADR 0028); uid 0 after a save that gave the message a new one, until reread. */
  private long uid;
  private long modseq;
  private boolean dirty;

  private MessageHandle(EmbeddedSession session, StoreId storeId, FolderId folderId, FolderRights rights,
      AttachmentHandle parent, int depth, AccessLevel access) {
    super(storeId, folderId, parent == null ? -1 : parent.attachNum(), depth, access, session::checkOpen,
        Content.Attach::num, Content.Attach::props);
    this.session = session;
    this.rights = rights;
    this.parent = parent;
    session.track(this);
  }

  /** A handle on a committed message (R6), of content {@code content} (its current version, decoded). */
  static MessageHandle open(EmbeddedSession session, StoredMessage m, Content content, AccessLevel access,
      FolderRights rights) {
    MessageHandle h = new MessageHandle(session, new StoreId(m.storeGuid()), FolderId.of(m.folderId()), rights, null, 0,
        access);
    h.id = MessageId.of(m.id());
    h.readFlags = m.readFlags();
    h.status = m.status();
    h.localCommitTime = m.localCommitTime();
    h.uid = m.uid();
    h.modseq = m.modseq();
    h.st.markSaved();
    h.rebase(content, m.cn());
    return h;
  }

  /** CreateMessage (R14): nothing is stored until the first save. */
  static MessageHandle create(EmbeddedSession session, FolderId folder, StoreId store) {
    MessageHandle h = new MessageHandle(session, store, folder, FolderRights.OWNER, null, 0, AccessLevel.MODIFY);
    h.readFlags = 0;
    Content initial = new Content(List.of(PropValue.of(MESSAGE_CLASS, "IPM.Note"),
        PropValue.of(MESSAGE_FLAGS, MSGFLAG_UNSENT | MSGFLAG_UNMODIFIED)), List.of(), List.of());
    h.rebase(Content.EMPTY, 0);
    h.props = new PendingProps(initial.props());
    return h;
  }

  /** An embedded message of an attachment handle (R57); {@code content} null for a new one. */
  static MessageHandle embedded(AttachmentHandle parent, MessageHandle outer, Content content, AccessLevel access) {
    checkNesting(outer.depth, outer.session.options().limits());
    MessageHandle h = new MessageHandle(outer.session, outer.storeId, outer.folderId, outer.rights, parent,
        outer.depth + 1, access);
    if (content != null) {
      h.st.markSaved();
    }
    h.rebase(content == null ? Content.EMPTY : content, 0);
    if (content == null) {
      h.props = new PendingProps(List.of(PropValue.of(MESSAGE_CLASS, "IPM.Note")));
    }
    return h;
  }

  private void rebase(Content c, long cn) {
    this.base = c;
    rebaseView(c.props(), c.recipients(), c.attachments(), cn);
    this.dirty = false;
  }

  /** {@link ServerSupport.ViewKey} of a read-only handle on a committed message, as opened (no save since). */
  synchronized Optional<ServerSupport.ViewKey> viewKey() {
    return id != null && parent == null && st.access() == AccessLevel.READ_ONLY && uid > 0 && !dirty
        ? Optional.of(new ServerSupport.ViewKey(id.value(), storeId.guid(), modseq, baseCn, rights.accessBits()))
        : Optional.empty();
  }

  EmbeddedSession session() {
    return session;
  }

  // ---- properties

  /** The view's transacted content. */
  synchronized Content view() {
    return new Content(props.values(), recipients.rows(), attachments.rows());
  }

  @Override
  public synchronized List<PropValue> getProps() {
    st.checkOpen();
    return handleProps(readFlags, rights.accessBits(), id == null ? List.of()
        : Computed.rowProps(storeId.guid(), id.value(), folderId.value(), st.access(), rights.accessBits(),
            localCommitTime, status, readFlags, uid, modseq));
  }

  @Override
  public synchronized List<PropProblem> setProps(Collection<PropValue> values) {
    st.checkWritable();
    List<PropProblem> p = props.set(values, session.options().limits(), st::writeProblem, what());
    dirty |= p.size() < values.size();
    return p;
  }

  @Override
  public synchronized List<PropProblem> deleteProps(Collection<PropTag> tags) {
    st.checkWritable();
    List<PropProblem> p = props.delete(tags, st::writeProblem);
    dirty |= p.size() < tags.size();
    return p;
  }

  @Override
  public synchronized MessageSnapshot snapshot() {
    st.checkOpen();
    return view().withProps(getProps()).snapshot(ids());
  }

  private Content.SnapshotIds ids() {
    return new Content.SnapshotIds(id, folderId, baseCn == 0 ? null : ChangeNumber.of(baseCn),
        baseCn == 0 ? null : ChangeKey.of(storeId, ChangeNumber.of(baseCn)));
  }

  // ---- recipients

  @Override
  public synchronized void modifyRecipients(RecipientOp op, Collection<Recipient> rows) {
    st.checkWritable();
    recipients.modify(op, rows, session.options().limits());
    dirty = true;
  }

  @Override
  public synchronized void removeAllRecipients() {
    st.checkWritable();
    recipients.removeAll();
    dirty = true;
  }

  // ---- attachments

  @Override
  protected List<PropValue> attachmentView(Content.Attach a) {
    return AttachmentHandle.viewProps(a);
  }

  @Override
  public synchronized Attachment createAttachment() {
    st.checkWritable();
    return new AttachmentHandle(this, new Content.Attach(attachments.allocate(), List.of(), null, null),
        AccessLevel.MODIFY);
  }

  @Override
  public synchronized Attachment openAttachment(int attachNum, OpenFlag... flags) {
    st.checkOpen();
    Content.Attach a = attachments.require(attachNum);
    return new AttachmentHandle(this, a, st.childAccess(Set.of(flags), "attachment " + attachNum + " of " + what()));
  }

  @Override
  public synchronized void deleteAttachment(int attachNum) {
    st.checkWritable();
    attachments.delete(attachNum);
    dirty = true;
  }

  /** Attachment SaveChanges lands here (R51): into the pending state, never the store. */
  synchronized void putAttachment(Content.Attach a) {
    st.checkOpen();
    attachments.put(a, session.options().limits().maxAttachments());
    dirty = true;
  }

  // ---- read state (R71-R74)

  @Override
  public synchronized void setReadFlag(boolean read) {
    st.checkOpen();
    if (id == null) {
      setPendingReadFlag(read);
      dirty = true;
      return;
    }
    session.setReadState(id, MSGFLAG_READ, read ? MSGFLAG_READ : 0, 0, 0, MESSAGE_FLAGS);
    readFlags = read ? readFlags | MSGFLAG_READ : readFlags & ~MSGFLAG_READ;
    refreshRowState();
  }

  @Override
  public synchronized void setMessageStatus(int newStatus, int mask) {
    st.checkOpen();
    checkStatusSettable();
    session.setReadState(id, 0, 0, mask, newStatus, MESSAGE_STATUS);
    status = (status & ~mask) | (newStatus & mask);
    refreshRowState();
  }

  private void refreshRowState() {
    session.storage.findMessageRow(id.value()).ifPresent(m -> {
      readFlags = m.readFlags();
      status = m.status();
      localCommitTime = m.localCommitTime();
      uid = m.uid();
      modseq = m.modseq();
    });
  }

  // ---- save

  @Override
  public synchronized SaveResult saveChanges(SaveOptions o) {
    st.checkSavable(o); // R25, R26, R21
    SaveResult r;
    if (parent != null) {
      parent.putEmbedded(view());
      rebase(view(), 0);
      st.markSaved();
      r = SAVED_INTO_ATTACHMENT;
    } else if (id == null) {
      r = commitNew(folderId, view(), Optional.empty(), session.delivery ? EventType.NEW_MAIL : EventType.OBJECT_CREATED);
    } else if (o.has(SaveFlag.FORCE_SAVE)) {
      r = commitForced(Optional.empty());
    } else if (o.mergeMode() != MergeMode.NONE) {
      r = commitMerge(o.mergeMode(), Optional.empty());
    } else {
      r = commitNormal();
    }
    afterSuccess(o);
    return r;
  }

  /** Handle state after a successful save (R16-R19). */
  private void afterSuccess(SaveOptions o) {
    st.afterSave(o, this::close);
  }

  private SaveResult commitNormal() {
    if (!dirty) {
      StoredMessage cur = current();
      if (cur.cn() != baseCn) {
        return onConflict(cur.cn()); // R30
      }
      return noOp(); // R31
    }
    if (session.store.latest.knownNewerThan(id.value(), baseCn)) {
      // Known stale: decide between R27 and R28 with a read instead of a write that would lose.
      StoredMessage cur = current();
      if (cur.cn() != baseCn) {
        return onConflict(cur.cn(), true);
      }
    }
    LatestVersions.Claim claim = session.store.latest.claim(id.value(), baseCn);
    if (claim == null) {
      long won = session.store.latest.newerThanBase(id.value(), baseCn);
      if (won > baseCn) {
        return onConflict(won, true); // R28: a newer version committed, or a save from the same base committed first
      }
    }
    SaveResult r = null;
    PreconditionFailedException failed;
    try {
      r = commit(new WriteOp.Expect.AtVersion(baseCn), view(), VersionKind.SAVED, Optional.empty());
      failed = null;
    } catch (PreconditionFailedException e) {
      failed = e;
    } finally {
      if (claim != null) { // before a conflict choice below, which may write again
        claim.settle(r == null ? 0 : r.changeNumber().value());
      }
    }
    if (failed == null) {
      return r;
    }
    if (failed.reason() == PreconditionFailedException.Reason.CHANGED) {
      return onConflict(failed.currentCn(), true); // R28
    }
    throw gone(failed); // R27
  }

  private SaveResult noOp() {
    ChangeNumber cn = ChangeNumber.of(baseCn);
    return new SaveResult(id, cn, ChangeKey.of(storeId, cn), false, Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** The current row of this handle's message; OBJECT_DELETED when it is gone (R27, R42-R44). */
  private StoredMessage current() {
    StoredMessage m = session.storage.findMessage(id.value()).orElse(null);
    if (m == null || m.softDeleted()) {
      throw new StoreException(MapiError.OBJECT_DELETED, what() + " was deleted or moved since the handle opened it");
    }
    return m;
  }

  private StoreException gone(PreconditionFailedException e) {
    return switch (e.reason()) {
      case NOT_FOUND, DELETED -> new StoreException(MapiError.OBJECT_DELETED,
          what() + " was deleted or moved since the handle opened it");
      default -> e;
    };
  }

  private SaveResult onConflict(long currentCn) {
    return onConflict(currentCn, false);
  }

  /**
   * R28 with the EXT choices of sections 12 and 13 (R81-R86). {@code raced}: a dirty save lost to
   * another save of the message; when it reports OBJECT_CHANGED, it first waits for its turn
   * among the other losers ({@link LatestVersions#awaitTurn}).
   */
  private SaveResult onConflict(long currentCn, boolean raced) {
    Optional<ConflictChoice> byFolder = session.resolveMethod(folderId);
    ConflictResolver resolver = session.resolver();
    if (byFolder.isEmpty() && resolver == null) {
      if (raced) {
        session.store.latest.awaitTurn(id.value());
      }
      throw changed(currentCn, null);
    }
    ConflictChoice choice;
    if (byFolder.isPresent()) {
      choice = byFolder.get();
    } else {
      StoredMessage cur = current();
      Content theirs = session.store.decoded.get(cur.id(), cur.cn(), cur.content());
      MergeReport preview = Merger.merge(base, view(), theirs, MergeMode.AUTO_RESOLVE).report();
      choice = resolver.resolve(new ConflictResolver.Conflict(view().snapshot(ids()),
          theirs.snapshot(new Content.SnapshotIds(id, FolderId.of(cur.folderId()), ChangeNumber.of(cur.cn()),
              ChangeKey.of(storeId, ChangeNumber.of(cur.cn())))),
          base.snapshot(ids()), preview));
      if (choice == null) {
        throw changed(cur.cn(), null);
      }
    }
    Optional<ConflictChoice> c = Optional.of(choice);
    return switch (choice) {
      case ConflictChoice.KeepOriginal k -> throw new StoreException(MapiError.USER_CANCEL,
          "the conflict on " + what() + " was resolved by keeping the original; the handle keeps its edits");
      case ConflictChoice.Overwrite ow -> commitForced(c);
      case ConflictChoice.SaveElsewhere se -> saveCopy(se.folder(), c);
      case ConflictChoice.KeepBoth kb -> keepBoth(c);
      case ConflictChoice.Merge m -> commitMerge(m.mode() == MergeMode.NONE ? MergeMode.AUTO_RESOLVE : m.mode(), c);
    };
  }

  private ObjectChangedException changed(long currentCn, MergeReport report) {
    ChangeKey b = ChangeKey.of(storeId, ChangeNumber.of(baseCn));
    ChangeKey c = ChangeKey.of(storeId, ChangeNumber.of(currentCn));
    return new ObjectChangedException(what() + " changed since the handle's base version: expected change key " + b
        + " (cn " + baseCn + "), current is " + c + " (cn " + currentCn + ")"
        + (report == null ? "" : "; " + report.conflicts().size() + " conflicting unit(s)"), b, c, report);
  }

  /** FORCE_SAVE (R35-R40): the whole view replaces the message; the PCL descends from the base (R64). */
  private SaveResult commitForced(Optional<ConflictChoice> choice) {
    if (!dirty) {
      StoredMessage cur = current();
      if (cur.cn() == baseCn) {
        return noOp(); // R37: no conflict, no edits: as a normal no-op save
      }
    }
    try {
      return commit(new WriteOp.Expect.Live(), view(), VersionKind.FORCED, choice);
    } catch (PreconditionFailedException e) {
      throw gone(e);
    }
  }

  private SaveResult commit(WriteOp.Expect expect, Content view, VersionKind kind, Optional<ConflictChoice> choice) {
    Versions.Built built = new Versions.Built();
    Instant created = base.get(CREATION_TIME).map(PropValue::asInstant).orElse(null);
    List<Integer> changed = Computed.changedTags(base, view);
    boolean keepUid = ImapFlags.keepsUid(session.storage, storeId.guid(), changed);
    WriteOp op = new WriteOp.PutMessage(id.value(), folderId.value(), expect,
        Versions.factory(storeId, session.user(), view, created, Versions.pcl(base),
            session.options().limits().maxMessageBytes(), built),
        kind.name(), baseCn, EventType.OBJECT_MODIFIED, changed, keepUid, -1);
    CommitResult.OpResult r = session.commit(op).get(0);
    uid = keepUid ? uid : 0;
    Optional<ChangeNumber> replaced = kind == VersionKind.FORCED && r.previousCn() != baseCn
        ? Optional.of(ChangeNumber.of(r.previousCn())) : Optional.empty();
    adopt(built, r);
    ChangeNumber cn = ChangeNumber.of(r.cn());
    return new SaveResult(id, cn, ChangeKey.of(storeId, cn), true, replaced, Optional.empty(), choice);
  }

  /**
   * The handle's base becomes the version it committed. A new version of an existing message is
   * kept decoded for the next open (another client's, or this one's next save); a message's first
   * version is not: most are never opened again soon (an import, a delivery).
   */
  private void adopt(Versions.Built built, CommitResult.OpResult r) {
    Content committed = built.content();
    if (id != null && baseCn > 0) {
      session.store.decoded.remember(id.value(), r.cn(), committed, built.encodedBytes);
    }
    rebase(committed, r.cn());
    modseq = r.position();
    localCommitTime = built.commitTime;
    st.markSaved();
  }

  private SaveResult commitNew(FolderId folder, Content content, Optional<ConflictChoice> choice) {
    return commitNew(folder, content, choice, EventType.OBJECT_CREATED);
  }

  /** {@code event}: OBJECT_CREATED, or NEW_MAIL for the first save of a message in a delivery session (journaled after an OBJECT_CREATED, R77, ADR 0019). */
  private SaveResult commitNew(FolderId folder, Content content, Optional<ConflictChoice> choice, EventType event) {
    Content view = content;
    if (view.get(SEARCH_KEY).isEmpty()) { // R67: a new message gets a search key
      List<PropValue> p = new ArrayList<>(view.props());
      byte[] key = new byte[16];
      java.util.concurrent.ThreadLocalRandom.current().nextBytes(key);
      p.add(PropValue.of(SEARCH_KEY, key));
      view = view.withProps(p);
    }
    Versions.Built built = new Versions.Built();
    CommitResult.OpResult r;
    try {
      r = session.commit(new WriteOp.PutMessage(0, folder.value(), new WriteOp.Expect.New(),
          Versions.factory(storeId, session.user(), view, null, PredecessorChangeList.EMPTY,
              session.options().limits().maxMessageBytes(), built),
          VersionKind.CREATED.name(), 0, event, List.of())).get(0);
    } catch (PreconditionFailedException e) {
      throw new StoreException(MapiError.OBJECT_DELETED, "cannot save " + what() + ": folder " + folder
          + " was deleted (" + e.detail() + ")");
    }
    id = MessageId.of(r.id());
    folderId = folder;
    readFlags = view.get(MESSAGE_FLAGS).map(PropValue::asInt).orElse(0) & MSGFLAG_READ;
    status = 0;
    uid = 0;
    adopt(built, r);
    ChangeNumber cn = ChangeNumber.of(r.cn());
    return new SaveResult(id, cn, ChangeKey.of(storeId, cn), true, Optional.empty(), Optional.empty(), choice);
  }

  /** Merge save (R87-R92): three-way merge onto the current version, written conditionally on it. */
  private SaveResult commitMerge(MergeMode mode, Optional<ConflictChoice> choice) {
    for (int attempt = 0; attempt < MAX_MERGE_ATTEMPTS; attempt++) {
      StoredMessage cur = current();
      if (cur.cn() == baseCn) { // R92: not stale, a normal save
        if (!dirty) {
          return noOp();
        }
        try {
          return commit(new WriteOp.Expect.AtVersion(baseCn), view(), VersionKind.SAVED, choice);
        } catch (PreconditionFailedException e) {
          if (e.reason() != PreconditionFailedException.Reason.CHANGED) {
            throw gone(e);
          }
          continue;
        }
      }
      Content theirs = session.store.decoded.get(cur.id(), cur.cn(), cur.content());
      Merger.Result m = Merger.merge(base, view(), theirs, mode);
      if (mode == MergeMode.NEVER_OVERWRITE && m.report().hasConflicts()) {
        throw changed(cur.cn(), m.report()); // R89
      }
      Versions.Built built = new Versions.Built();
      Instant created = theirs.get(CREATION_TIME).map(PropValue::asInstant).orElse(null);
      PredecessorChangeList pcl = Versions.pcl(base).merge(Versions.pcl(theirs)); // R90
      try {
        CommitResult.OpResult r = session.commit(new WriteOp.PutMessage(id.value(), folderId.value(),
            new WriteOp.Expect.AtVersion(cur.cn()),
            Versions.factory(storeId, session.user(), m.merged(), created, pcl,
                session.options().limits().maxMessageBytes(), built),
            VersionKind.MERGED.name(), cur.cn(), EventType.OBJECT_MODIFIED, Computed.changedTags(theirs, m.merged()))).get(0);
        uid = 0;
        adopt(built, r);
        ChangeNumber cn = ChangeNumber.of(r.cn());
        return new SaveResult(id, cn, ChangeKey.of(storeId, cn), true, Optional.empty(), Optional.of(m.report()), choice);
      } catch (PreconditionFailedException e) {
        if (e.reason() != PreconditionFailedException.Reason.CHANGED) {
          throw gone(e);
        }
      }
    }
    throw new StoreException(MapiError.BUSY, "merge save of " + what() + " kept losing to concurrent saves after "
        + MAX_MERGE_ATTEMPTS + " attempts");
  }

  @Override
  public synchronized MergeReport previewMerge(MergeMode mode) {
    st.checkOpen();
    if (id == null || parent != null) {
      return Merger.merge(base, view(), base, mode).report();
    }
    StoredMessage cur = current();
    return Merger.merge(base, view(), session.store.decoded.get(cur.id(), cur.cn(), cur.content()), mode).report();
  }

  @Override
  public synchronized SaveResult saveAsCopy(FolderId folder, SaveFlag... flags) {
    st.checkOpen();
    SaveOptions o = SaveOptions.of(flags);
    SaveResult r = saveCopy(folder, Optional.empty());
    afterSuccess(o);
    return r;
  }

  /** R84, R46: the whole view as a new message in {@code folder}; the handle is re-bound to it. */
  private SaveResult saveCopy(FolderId folder, Optional<ConflictChoice> choice) {
    checkSaveElsewhere();
    session.writableFolder(folder);
    return commitNew(folder, Computed.freshCopy(view()), choice);
  }

  @Override
  public synchronized SaveResult saveKeepBoth(SaveFlag... flags) {
    st.checkWritable();
    checkKeepBoth();
    SaveResult r = keepBoth(Optional.empty());
    afterSuccess(SaveOptions.of(flags));
    return r;
  }

  /**
   * R85: the message becomes a conflict message. Its content is the last writer's (this handle's
   * view, committed now, unless the current version's modification time is later); each competing
   * version is attached as an embedded message with PR_IN_CONFLICT; PR_MSG_STATUS gets
   * msInConflict; the PCL merges both histories.
   */
  private SaveResult keepBoth(Optional<ConflictChoice> choice) {
    for (int attempt = 0; attempt < MAX_MERGE_ATTEMPTS; attempt++) {
      StoredMessage cur = current();
      Content theirs = session.store.decoded.get(cur.id(), cur.cn(), cur.content());
      Content ours = view();
      Content conflict = Merger.keepBoth(theirs, ours, attachments.nextNum(), session.options().clock().instant());
      Versions.Built built = new Versions.Built();
      Instant created = theirs.get(CREATION_TIME).map(PropValue::asInstant).orElse(null);
      PredecessorChangeList pcl = Versions.pcl(base).merge(Versions.pcl(theirs));
      try {
        CommitResult r = session.commit(
            new WriteOp.PutMessage(id.value(), folderId.value(), new WriteOp.Expect.AtVersion(cur.cn()),
                Versions.factory(storeId, session.user(), conflict, created, pcl,
                    session.options().limits().maxMessageBytes(), built),
                VersionKind.CONFLICT.name(), cur.cn(), EventType.OBJECT_MODIFIED, Computed.changedTags(theirs, conflict)),
            new WriteOp.SetReadState(id.value(), 0, 0, MS_IN_CONFLICT, MS_IN_CONFLICT, List.of(MESSAGE_STATUS.value())));
        uid = 0;
        adopt(built, r.get(0));
        modseq = r.get(1).position();
        status |= MS_IN_CONFLICT;
        ChangeNumber cn = ChangeNumber.of(r.get(0).cn());
        return new SaveResult(id, cn, ChangeKey.of(storeId, cn), true, Optional.empty(), Optional.empty(), choice);
      } catch (PreconditionFailedException e) {
        if (e.reason() != PreconditionFailedException.Reason.CHANGED) {
          throw gone(e);
        }
      }
    }
    throw new StoreException(MapiError.BUSY, "keep-both save of " + what() + " kept losing to concurrent saves");
  }

  @Override
  public void copyTo(Message target) {
    Content mine;
    synchronized (this) {
      st.checkOpen();
      mine = view();
    }
    if (!(target instanceof MessageHandle t)) {
      throw copyToOtherStore();
    }
    t.receiveCopy(Computed.freshCopy(mine));
  }

  private synchronized void receiveCopy(Content c) {
    st.checkWritable();
    for (PropValue p : c.props()) {
      props.put(p);
    }
    for (Recipient r : c.recipients()) {
      recipients.append(r);
    }
    for (Content.Attach a : c.attachments()) {
      attachments.putCopy(new Content.Attach(attachments.allocate(), a.props(), a.content(), a.embedded()));
    }
    dirty = true;
  }

  @Override
  public synchronized void close() {
    if (!st.markClosed()) {
      return;
    }
    session.untrack(this);
    if (parent != null) {
      parent.embeddedClosed(this);
    }
  }
}
