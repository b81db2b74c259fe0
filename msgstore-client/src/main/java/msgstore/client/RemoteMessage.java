package msgstore.client;

import static msgstore.api.PropTags.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import msgstore.api.AccessLevel;
import msgstore.api.Attachment;
import msgstore.api.ChangeKey;
import msgstore.api.ChangeNumber;
import msgstore.api.ConflictChoice;
import msgstore.api.ConflictResolver;
import msgstore.api.FolderId;
import msgstore.api.MapiError;
import msgstore.api.MergeMode;
import msgstore.api.MergeReport;
import msgstore.api.Message;
import msgstore.api.MessageSnapshot;
import msgstore.api.MessageSnapshot.AttachmentSnapshot;
import msgstore.api.OpenFlag;
import msgstore.api.PropProblem;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.RecipientOp;
import msgstore.api.SaveFlag;
import msgstore.api.SaveOptions;
import msgstore.api.SaveResult;
import msgstore.api.StoreException;
import msgstore.api.StoreId;
import msgstore.core.MessageCore;
import msgstore.core.RecipientTable;
import msgstore.core.PendingProps;
import msgstore.core.Props;
import msgstore.protocol.MessageBody;
import msgstore.protocol.Op;
import msgstore.protocol.Problem;
import msgstore.protocol.SaveRequest;

/**
 * A message handle of the remote store: a client-side transaction (R9).
 *
 * <p>State: the <em>base</em> (the Message body the server answered for the open or for this
 * handle's last save, with its change key, R6, R29), the <em>pending</em> view (base plus this
 * handle's edits, R10), kept here so reads never go to the server, and the {@link OpLog}: the
 * calls this handle and the attachment and embedded-message handles opened through it received,
 * in order. {@link #saveChanges} sends the log as the ops body (PATCH with {@code If-Match: "<base
 * key>"}, or POST to the folder for a new message); the server opens an engine handle on that
 * base, replays the calls and saves, so the engine decides every rule (X5). The checks an engine
 * handle makes at once (closed, read-only, limits, flags, computed properties, attachment and
 * embedded-message rules) are the engine's own code, msgstore-core's {@link MessageCore} (ADR
 * 0023), so errors come from the same call, with the same text, as embedded.
 *
 * <p>Embedded messages (R57-R60) are handles of this class whose parent is an attachment handle;
 * their saves are local (and logged), like the engine's.
 *
 * <p>Every public method runs under the tree's lock (the {@link OpLog}); calls on one handle tree
 * are serialised (R97).
 */
final class RemoteMessage extends MessageCore<AttachmentSnapshot> {
  /** What CreateMessage starts from (R14, R67). */
  static final MessageSnapshot NEW_MESSAGE = Sync.content(Props.sorted(List.of(
      PropValue.of(MESSAGE_CLASS, "IPM.Note"), PropValue.of(MESSAGE_FLAGS, MSGFLAG_UNSENT | MSGFLAG_UNMODIFIED))),
      List.of(), List.of());
  private final RemoteSession session;
  private final RemoteAttachment parent;
  final OpLog log;
  private int wire;
  private int epoch;
  private MessageSnapshot base;
  private TreeMap<PropTag, PropValue> row = new TreeMap<>();
  private int accessBits;
  private final int[] serverNextAttachNum = new int[1];

  private RemoteMessage(RemoteSession session, StoreId storeId, FolderId folderId, RemoteAttachment parent, int depth,
      AccessLevel access, OpLog log, int accessBits) {
    super(storeId, folderId, parent == null ? -1 : parent.attachNum(), depth, access, session::checkOpen,
        AttachmentSnapshot::attachNum, AttachmentSnapshot::props);
    this.session = session;
    this.parent = parent;
    this.log = log;
    this.accessBits = accessBits;
    this.epoch = log.epoch();
  }

  /** A handle on a committed message, from the Message body of GET /messages/{m} (R6). */
  static RemoteMessage opened(RemoteSession session, MessageBody body) {
    MessageSnapshot s = body.snapshot();
    RemoteMessage h = new RemoteMessage(session, body.storeId().orElseThrow(), s.folderId().orElseThrow(), null, 0,
        body.accessLevel().orElse(AccessLevel.READ_ONLY), new OpLog(), 0);
    h.id = s.id().orElseThrow();
    h.st.markSaved();
    h.adoptCommitted(s);
    h.accessBits = h.row.containsKey(ACCESS) ? h.row.get(ACCESS).asInt() : 0;
    session.track(h);
    return h;
  }

  /** CreateMessage (R14): nothing is stored until the first save. */
  static RemoteMessage created(RemoteSession session, FolderId folder, StoreId store) {
    RemoteMessage h = new RemoteMessage(session, store, folder, null, 0, AccessLevel.MODIFY, new OpLog(), 0x7);
    h.rebase(Sync.content(List.of(), List.of(), List.of()), 0);
    h.props = new PendingProps(NEW_MESSAGE.props());
    session.track(h);
    return h;
  }

  /** An embedded message of an attachment handle (R57); {@code content} null for a new one. */
  static RemoteMessage embedded(RemoteAttachment parent, RemoteMessage outer, MessageSnapshot content,
      AccessLevel access) {
    checkNesting(outer.depth, outer.session.limits());
    RemoteMessage h = new RemoteMessage(outer.session, outer.storeId, outer.folderId, parent, outer.depth + 1, access,
        outer.log, outer.accessBits);
    if (content != null) {
      h.st.markSaved();
    }
    h.rebase(content == null ? Sync.NEW_EMBEDDED : content, 0);
    outer.session.track(h);
    return h;
  }

  /** Takes a committed version (props split into the transacted ones and the row ones) as the base. */
  private void adoptCommitted(MessageSnapshot s) {
    List<PropValue> transacted = new ArrayList<>();
    TreeMap<PropTag, PropValue> r = new TreeMap<>();
    for (PropValue p : s.props()) {
      if (PropTags.COMPUTED_FROM_ROW.contains(p.tag())) {
        r.put(p.tag(), p);
      } else {
        transacted.add(p);
      }
    }
    row = r;
    List<Recipient> rows = s.recipients().stream().map(LocalRules::withoutRowIdProp).toList();
    rebase(Sync.content(Props.sorted(transacted), rows, s.attachments()),
        s.changeNumber().map(ChangeNumber::value).orElse(0L));
  }

  private void rebase(MessageSnapshot c, long cn) {
    this.base = c;
    rebaseView(c.props(), c.recipients(), c.attachments(), cn);
    int fresh = c.attachments().stream().mapToInt(AttachmentSnapshot::attachNum).max().orElse(-1) + 1;
    this.serverNextAttachNum[0] = Math.max(parent == null ? 0 : serverNextAttachNum[0], fresh);
  }

  RemoteSession session() {
    return session;
  }

  /**
   * This handle's number in the current epoch of the log. An embedded message handle that
   * outlived a save of the outer message is opened again on the server and brought to its state.
   */
  int bind() {
    if (parent == null) {
      return 0;
    }
    if (epoch == log.epoch()) {
      return wire;
    }
    int a = parent.bind();
    MessageSnapshot start = parent.serverEmbedded().orElse(Sync.NEW_EMBEDDED);
    wire = log.alloc();
    epoch = log.epoch();
    log.add(new Op.OpenEmbeddedMessage(a, Set.of(OpenFlag.MODIFY), wire));
    serverNextAttachNum[0] = Sync.nextAttachNum(start);
    Sync.message(log, wire, start, content(), serverNextAttachNum);
    return wire;
  }

  /** Numbers this (writable, freshly opened) embedded handle as {@code w} in the current epoch. */
  void boundAs(int w) {
    wire = w;
    epoch = log.epoch();
  }

  boolean boundNow() {
    return parent == null || epoch == log.epoch();
  }

  @Override
  protected Object lock() {
    return log;
  }

  // ---- properties

  /** The view's transacted content. */
  MessageSnapshot content() {
    return Sync.content(props.values(), recipients.rows(), attachments.rows());
  }

  private int readFlags() {
    return row.containsKey(READ) && row.get(READ).asBoolean() ? MSGFLAG_READ : 0;
  }

  private List<PropValue> viewProps() {
    return handleProps(readFlags(), accessBits, row.values());
  }

  @Override
  public List<PropValue> getProps() {
    synchronized (log) {
      st.checkOpen();
      return viewProps();
    }
  }

  @Override
  public List<PropProblem> setProps(Collection<PropValue> values) {
    synchronized (log) {
      st.checkWritable();
      return log.setProps(this::bind, props, List.copyOf(values), session.limits(), st, what());
    }
  }

  @Override
  public List<PropProblem> deleteProps(Collection<PropTag> tags) {
    synchronized (log) {
      st.checkWritable();
      List<PropTag> t = List.copyOf(tags);
      return log.deleteProps(bind(), props, t, st);
    }
  }

  @Override
  public MessageSnapshot snapshot() {
    synchronized (log) {
      st.checkOpen();
      return new MessageSnapshot(Optional.ofNullable(id), Optional.ofNullable(folderId), baseChangeNumber(),
          baseChangeKey(), viewProps(), recipients.rows(), attachments.rows());
    }
  }

  // ---- recipients

  @Override
  public void modifyRecipients(RecipientOp op, Collection<Recipient> rows) {
    synchronized (log) {
      st.checkWritable();
      RecipientTable.Edit edit = recipients.prepare(op, List.copyOf(rows), session.limits());
      int w = bind();
      log.add(new Op.ModifyRecipients(w, op, edit.apply()));
    }
  }

  @Override
  public void removeAllRecipients() {
    synchronized (log) {
      st.checkWritable();
      int w = bind();
      recipients.removeAll();
      log.add(new Op.RemoveAllRecipients(w));
    }
  }

  // ---- attachments

  @Override
  protected List<PropValue> attachmentView(AttachmentSnapshot a) {
    return LocalRules.attachmentViewProps(a);
  }

  @Override
  public Attachment createAttachment() {
    synchronized (log) {
      st.checkWritable();
      int w = bind();
      int num = attachments.allocate();
      Sync.burn(log, w, serverNextAttachNum, num);
      int a = log.alloc();
      log.add(new Op.CreateAttachment(w, a));
      serverNextAttachNum[0]++;
      return new RemoteAttachment(this, Sync.emptyAttachment(num), AccessLevel.MODIFY, a);
    }
  }

  @Override
  public Attachment openAttachment(int attachNum, OpenFlag... flags) {
    synchronized (log) {
      st.checkOpen();
      AttachmentSnapshot a = attachments.require(attachNum);
      Set<OpenFlag> f = Set.of(flags);
      AccessLevel level = st.childAccess(f, "attachment " + attachNum + " of " + what());
      int w = -1;
      if (level == AccessLevel.MODIFY) {
        int me = bind();
        w = log.alloc();
        log.add(new Op.OpenAttachment(me, attachNum, f, w));
      }
      return new RemoteAttachment(this, a, level, w);
    }
  }

  @Override
  public void deleteAttachment(int attachNum) {
    synchronized (log) {
      st.checkWritable();
      attachments.require(attachNum);
      int w = bind();
      attachments.delete(attachNum);
      log.add(new Op.DeleteAttachment(w, attachNum));
    }
  }

  /** This handle's pending copy of attachment {@code num} (what the server's handle holds too). */
  AttachmentSnapshot pendingAttachment(int num) {
    return attachments.get(num);
  }

  int[] serverNextAttachNum() {
    return serverNextAttachNum;
  }

  /** Attachment SaveChanges lands here (R51): into the pending state, never the store. */
  void putAttachment(AttachmentSnapshot a) {
    st.checkOpen();
    attachments.put(a, session.limits().maxAttachments());
  }

  // ---- read state (R71-R74)

  @Override
  public void setReadFlag(boolean read) {
    synchronized (log) {
      st.checkOpen();
      if (id == null || parent != null) {
        boolean logged = st.access() == AccessLevel.MODIFY;
        int w = logged ? bind() : -1;
        PropValue v = setPendingReadFlag(read);
        if (logged) {
          log.add(new Op.SetProps(w, List.of(v)));
        }
        return;
      }
      session.setReadFlag(id, read);
      row.put(READ, PropValue.of(READ, read));
      refreshRowState();
    }
  }

  @Override
  public void setMessageStatus(int newStatus, int mask) {
    synchronized (log) {
      st.checkOpen();
      checkStatusSettable();
      session.setMessageStatus(storeId, id, newStatus, mask);
      int status = row.containsKey(MESSAGE_STATUS) ? row.get(MESSAGE_STATUS).asInt() : 0;
      row.put(MESSAGE_STATUS, PropValue.of(MESSAGE_STATUS, (status & ~mask) | (newStatus & mask)));
      refreshRowState();
    }
  }

  /** Re-reads the row properties (read state, status, local commit time) the engine re-reads too. */
  private void refreshRowState() {
    try {
      MessageBody b = session.fetchMessage(storeId, id, Set.of(OpenFlag.SHOW_SOFT_DELETES));
      for (PropValue p : b.snapshot().props()) {
        if (p.tag().equals(READ) || p.tag().equals(MESSAGE_STATUS) || p.tag().equals(LOCAL_COMMIT_TIME)) {
          row.put(p.tag(), p);
        }
      }
    } catch (StoreException e) {
      // The message is gone or unreadable now; the handle keeps what it knows (as the engine does).
    }
  }

  // ---- save

  @Override
  public SaveResult saveChanges(SaveOptions o) {
    synchronized (log) {
      st.checkSavable(o); // R25, R26, R21
      SaveResult r;
      if (parent != null) {
        int w = bind();
        parent.putEmbedded(content());
        log.add(new Op.SaveChanges(w, o.flags()));
        rebase(content(), 0);
        st.markSaved();
        r = SAVED_INTO_ATTACHMENT;
      } else {
        boolean ask = session.resolver() != null && !o.has(SaveFlag.FORCE_SAVE);
        r = remoteSave(SaveRequest.Action.SAVE, o, Optional.empty(), ask);
      }
      afterSuccess(o);
      return r;
    }
  }

  /** Handle state after a successful save (R16-R19). */
  private void afterSuccess(SaveOptions o) {
    st.afterSave(o, this::closeLocked);
  }

  /**
   * Sends the log (R15-R40, R81-R93). A 412 is the engine's OBJECT_CHANGED; with a resolver the
   * request asks for the conflict, the resolver chooses on this thread, and the choice is sent
   * with the same ops (R81-R84). On any failure the base and the log stay (R22).
   */
  private SaveResult remoteSave(SaveRequest.Action action, SaveOptions o, Optional<FolderId> target, boolean ask) {
    SaveRequest.OnConflict on = ask ? new SaveRequest.OnConflict.Ask() : new SaveRequest.OnConflict.Fail();
    Http.Response resp = send(action, o, target, on);
    if (resp.status() == 412 && ask) {
      Problem p = Http.problem(resp);
      Optional<JsonNode> c = p.extra("conflict");
      if (c.isEmpty()) {
        throw p.toException();
      }
      ConflictResolver resolver = session.resolver();
      ConflictChoice choice = resolver == null ? null : resolver.resolve(SaveWire.conflict(c.get(), what()));
      if (choice == null) {
        throw p.toException();
      }
      if (choice instanceof ConflictChoice.KeepOriginal) {
        throw new StoreException(MapiError.USER_CANCEL,
            "the conflict on " + what() + " was resolved by keeping the original; the handle keeps its edits");
      }
      resp = send(action, o, target, new SaveRequest.OnConflict.Choose(choice));
    }
    if (!resp.ok()) {
      throw Http.problem(resp).toException();
    }
    return adopt(resp.body());
  }

  private Http.Response send(SaveRequest.Action action, SaveOptions o, Optional<FolderId> target,
      SaveRequest.OnConflict on) {
    if (action == SaveRequest.Action.SAVE_AS_COPY) {
      // R84, R46: the view becomes a new message in the target folder, whatever became of this
      // one (it may be deleted: the server could not replay edits on it). A new handle there,
      // brought to this view, is exactly what the engine's saveAsCopy commits.
      List<Op> ops = log.ops();
      if (id != null) {
        OpLog copy = new OpLog();
        Sync.message(copy, 0, NEW_MESSAGE, LocalRules.freshCopy(content()), new int[] {0});
        ops = copy.ops();
      }
      SaveRequest req = new SaveRequest(SaveRequest.Action.SAVE, o.flags(), MergeMode.NONE, Optional.empty(), on, ops);
      return session.postNew(storeId, target.orElseThrow(), req);
    }
    SaveRequest req = new SaveRequest(action, o.flags(), o.mergeMode(), Optional.empty(), on, log.ops());
    if (id == null) {
      return session.postNew(storeId, folderId, req);
    }
    return session.patch(storeId, id, ChangeKey.of(storeId, ChangeNumber.of(baseCn)), req);
  }

  /** Re-binds the handle to the version the server committed (R23, R24, R29, R84). */
  private SaveResult adopt(JsonNode body) {
    SaveWire.Saved saved = SaveWire.saved(body, what());
    SaveResult r = saved.result();
    MessageBody m = saved.message();
    if (m != null) {
      id = m.snapshot().id().orElse(r.messageId());
      folderId = m.snapshot().folderId().orElse(folderId);
      adoptCommitted(m.snapshot());
      if (row.containsKey(ACCESS)) {
        accessBits = row.get(ACCESS).asInt();
      }
    } else if (r.messageId() != null) {
      id = r.messageId();
      baseCn = r.changeNumber().value();
    }
    st.markSaved();
    log.reset();
    return r;
  }

  @Override
  public SaveResult saveAsCopy(FolderId folder, SaveFlag... flags) {
    synchronized (log) {
      st.checkOpen();
      checkSaveElsewhere();
      SaveOptions o = SaveOptions.of(flags);
      SaveResult r = remoteSave(SaveRequest.Action.SAVE_AS_COPY, o, Optional.of(folder), false);
      afterSuccess(o);
      return r;
    }
  }

  @Override
  public SaveResult saveKeepBoth(SaveFlag... flags) {
    synchronized (log) {
      st.checkWritable();
      checkKeepBoth();
      SaveOptions o = SaveOptions.of(flags);
      SaveResult r = remoteSave(SaveRequest.Action.KEEP_BOTH, o, Optional.empty(), false);
      afterSuccess(o);
      return r;
    }
  }

  @Override
  public MergeReport previewMerge(MergeMode mode) {
    synchronized (log) {
      st.checkOpen();
      if (id == null || parent != null) {
        return LocalMerge.oursOnly(base, content(), mode);
      }
      Http.Response resp = session.patch(storeId, id, ChangeKey.of(storeId, ChangeNumber.of(baseCn)),
          new SaveRequest(SaveRequest.Action.PREVIEW_MERGE, Set.of(), mode, Optional.empty(),
              new SaveRequest.OnConflict.Fail(), log.ops()));
      if (!resp.ok()) {
        throw Http.problem(resp).toException();
      }
      return SaveWire.mergeReport(resp.body());
    }
  }

  @Override
  public void copyTo(Message target) {
    MessageSnapshot mine;
    synchronized (log) {
      st.checkOpen();
      mine = content();
    }
    if (!(target instanceof RemoteMessage t) || t.session.store() != session.store()) {
      throw copyToOtherStore();
    }
    t.receiveCopy(LocalRules.freshCopy(mine));
  }

  /**
   * CopyTo's target side (R13, R46): the properties as SetProps, the recipients as ADD, each
   * attachment as a new attachment saved into this handle, all logged as those calls.
   */
  private void receiveCopy(MessageSnapshot c) {
    synchronized (log) {
      st.checkWritable();
      int w = bind();
      List<PropValue> settable = new ArrayList<>();
      for (PropValue p : c.props()) {
        if (st.writeProblem(p.tag()).isEmpty()) {
          props.put(p);
          settable.add(p);
        }
      }
      if (!settable.isEmpty()) {
        log.add(new Op.SetProps(w, settable));
      }
      if (!c.recipients().isEmpty()) {
        List<Recipient> added = new ArrayList<>();
        for (Recipient r : c.recipients()) {
          recipients.append(r);
          added.add(r.withRowId(0));
        }
        log.add(new Op.ModifyRecipients(w, RecipientOp.ADD, added));
      }
      for (AttachmentSnapshot a : c.attachments()) {
        int n = attachments.allocate();
        Sync.burn(log, w, serverNextAttachNum, n);
        int aw = log.alloc();
        log.add(new Op.CreateAttachment(w, aw));
        serverNextAttachNum[0]++;
        AttachmentSnapshot copy = new AttachmentSnapshot(n, a.props(), a.content(), a.embedded());
        Sync.attachment(log, aw, Sync.emptyAttachment(n), copy);
        log.add(new Op.SaveChanges(aw, Set.of()));
        attachments.putCopy(copy);
      }
    }
  }

  @Override
  public void close() {
    synchronized (log) {
      closeLocked();
    }
  }

  private void closeLocked() {
    if (!st.markClosed()) {
      return;
    }
    session.untrack(this);
    if (parent != null) {
      if (st.access() == AccessLevel.MODIFY && boundNow()) {
        log.add(new Op.Close(wire));
      }
      parent.embeddedClosed(this);
    }
  }
}
