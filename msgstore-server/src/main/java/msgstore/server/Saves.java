package msgstore.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import msgstore.api.AccessLevel;
import msgstore.api.Attachment;
import msgstore.api.ChangeKey;
import msgstore.api.ConflictChoice;
import msgstore.api.ConflictResolver;
import msgstore.api.ContentRef;
import msgstore.api.Folder;
import msgstore.api.FolderId;
import msgstore.api.MapiError;
import msgstore.api.MergeMode;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.MessageSnapshot;
import msgstore.api.ObjectChangedException;
import msgstore.api.OpenFlag;
import msgstore.api.PropObject;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.RecipientOp;
import msgstore.api.SaveFlag;
import msgstore.api.SaveOptions;
import msgstore.api.SaveResult;
import msgstore.api.Session;
import msgstore.api.StoreException;
import msgstore.api.StoreId;
import msgstore.engine.ServerSupport;
import msgstore.protocol.Json;
import msgstore.protocol.MergePatch;
import msgstore.protocol.MessageBody;
import msgstore.protocol.Op;
import msgstore.protocol.Problem;
import msgstore.protocol.PropCodec;
import msgstore.protocol.SaveRequest;
import msgstore.protocol.SaveRequest.Action;
import msgstore.protocol.SaveRequest.OnConflict;
import msgstore.protocol.WireException;

/**
 * Saving a message over HTTP (docs/http-api.md, "Saving a message"). A PUT (whole view), a PATCH
 * (merge-patch delta or ops body) and a POST create all become the same thing: open an engine
 * handle (at the {@code If-Match} base, or current with FORCE_SAVE for {@code *}), replay the
 * request's edits as API calls, then save. The engine decides every rule; this class only
 * translates requests into calls and results into answers.
 */
final class Saves {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  /** Attachment properties the engine computes or derives from content; not compared or deleted. */
  private static final Set<PropTag> ATTACH_DERIVED = Set.of(PropTags.ATTACH_NUM, PropTags.ATTACH_SIZE,
      PropTags.ATTACH_DATA_BINARY);

  private final Metrics metrics;
  private final RenderedBodies bodies;

  Saves(Metrics metrics, RenderedBodies bodies) {
    this.metrics = metrics;
    this.bodies = bodies;
  }

  enum Kind {
    CREATE,
    PUT,
    PATCH
  }

  /** What a request asks the server to do with the edited handle. */
  private record Plan(Action action, Set<SaveFlag> flags, MergeMode mergeMode, Optional<FolderId> folder,
      OnConflict onConflict) {}

  // ---- entry point

  void save(Req r, Kind kind) {
    long t0 = System.nanoTime();
    StoreId store = r.store();
    boolean ops = isOps(r.ctx().contentType());
    JsonNode body = r.json();
    SaveRequest opsBody = ops ? SaveRequest.fromJson(body) : null;
    MergePatch patch = !ops && kind == Kind.PATCH ? MergePatch.fromJson(body) : null;
    View view = !ops && kind != Kind.PATCH ? View.parse(body, "") : null;
    Plan plan = plan(r, opsBody);
    Session s = r.session();

    Message h;
    boolean force = false;
    MessageId id = null;
    if (kind == Kind.CREATE) {
      Folder f = s.openFolder(r.folder());
      Api.requireStore(f.storeId(), store, "folder " + f.id());
      h = f.createMessage();
    } else {
      id = r.message();
      String ifMatch = r.ctx().header("If-Match");
      if (ifMatch == null || ifMatch.isBlank()) {
        throw new ProblemException(new Problem(428, MapiError.INVALID_PARAMETER, "Precondition required", "a " + r.ctx().method()
            + " of message " + id + " needs If-Match: \"<changeKey>\" (the version the edits are based on), or "
            + "If-Match: * to overwrite whatever version is current (FORCE_SAVE)", "", "", F.objectNode()), Map.of());
      }
      // Both opens answer OBJECT_DELETED (410) for a message deleted or moved since the caller
      // could read it, FORCE_SAVE included (R27, R40, R42-R44), and NOT_FOUND (404) for one that
      // never existed or that the caller may not read (ADR 0009). The engine decides which.
      if (ifMatch.strip().equals("*")) {
        force = true;
        h = ServerSupport.openCurrent(s, id, OpenFlag.MODIFY);
      } else {
        ChangeKey base = Json.ifMatch(ifMatch, "If-Match");
        if (plan.action() == Action.SAVE && plan.mergeMode() == MergeMode.NONE
            && plan.onConflict() instanceof OnConflict.Fail && !plan.flags().contains(SaveFlag.FORCE_SAVE)) {
          // A plain save from a stale base can only end in 412: answered from the row, before the
          // old version is read, decoded and edited (RFC 9110 evaluates If-Match before the method).
          Optional<ObjectChangedException> stale = ServerSupport.staleBase(s, store, id, base);
          if (stale.isPresent()) {
            metrics.conflict();
            ProblemException refused = conflict(r, id, stale.get(), null, null);
            metrics.saveSeconds((System.nanoTime() - t0) / 1e9); // a refused save is a save attempt, as below
            throw refused;
          }
        }
        try {
          h = ServerSupport.openAtBase(s, id, base, OpenFlag.MODIFY);
        } catch (ObjectChangedException e) {
          metrics.conflict();
          throw conflict(r, id, e, null, null);
        }
      }
      Api.requireStore(h.storeId(), store, "message " + id);
    }

    AtomicReference<ConflictResolver.Conflict> seen = new AtomicReference<>();
    try {
      if (opsBody != null) {
        replay(s, h, opsBody.ops());
      } else if (patch != null) {
        applyPatch(s, h, patch);
      } else {
        applyView(s, h, view, kind == Kind.PUT);
        if (kind == Kind.CREATE && view.read().isPresent()) {
          h.setReadFlag(view.read().get());
        }
      }
      // A resolver only when the request asked for the conflict (ASK) or chose its resolution: a
      // plain stale save then fails at once, without building three versions and a merge preview.
      if (!(plan.onConflict() instanceof OnConflict.Fail)) {
        ConflictChoice choice = plan.onConflict() instanceof OnConflict.Choose c ? c.choice() : null;
        s.setConflictResolver(c -> {
          seen.set(c);
          return choice;
        });
      }
      Set<SaveFlag> flags = EnumSet.noneOf(SaveFlag.class);
      flags.addAll(plan.flags());
      if (force) {
        flags.add(SaveFlag.FORCE_SAVE);
      }
      if (!flags.contains(SaveFlag.KEEP_OPEN_READONLY) && !flags.contains(SaveFlag.KEEP_OPEN_READWRITE)) {
        flags.add(SaveFlag.KEEP_OPEN_READONLY); // the handle dies with the request; keep it to answer the new version
      }
      SaveFlag[] fa = flags.toArray(SaveFlag[]::new);
      Optional<ChangeKey> openedAt = h.baseChangeKey();
      SaveResult result = switch (plan.action()) {
        case SAVE -> h.saveChanges(new SaveOptions(flags, plan.mergeMode()));
        case SAVE_AS_COPY -> h.saveAsCopy(plan.folder().orElseThrow(() -> new WireException(
            MapiError.INVALID_PARAMETER, "folderId", "SAVE_AS_COPY needs the target folder")), fa);
        case KEEP_BOTH -> h.saveKeepBoth(fa);
        case PREVIEW_MERGE -> null;
      };
      if (result == null) {
        MergeMode m = plan.mergeMode() == MergeMode.NONE ? MergeMode.AUTO_RESOLVE : plan.mergeMode();
        ObjectNode out = F.objectNode();
        out.set("mergeReport", Json.mergeReport(h.previewMerge(m)));
        r.json(200, out);
        return;
      }
      if (seen.get() != null) {
        metrics.conflict();
      }
      if (result.committed()) {
        metrics.save(flags.contains(SaveFlag.FORCE_SAVE)
            || result.choice().map(c -> c instanceof ConflictChoice.Overwrite).orElse(false));
      }
      ObjectNode out = Json.saveResult(result);
      if (force && result.committed() && result.replaced().isEmpty() && openedAt.isPresent()) {
        // If-Match: * opened the version current at the time, and this save overwrote it (X2).
        out.putObject("replaced").put("changeNumber", openedAt.get().counter())
            .put("changeKey", openedAt.get().toString());
      }
      if (h.isOpen() && (opsBody != null || wantsRepresentation(r))) {
        out.set("message", MessageBody.of(h.snapshot(), h.storeId(), AccessLevel.MODIFY, read(h)).toJson());
      }
      if (result.changeKey() != null) {
        r.ctx().header("ETag", "\"" + result.changeKey() + "\"");
      }
      boolean created = kind == Kind.CREATE || (result.messageId() != null && id != null && !result.messageId().equals(id));
      if (created && result.messageId() != null) {
        r.ctx().header("Location", r.storePath(store) + "/messages/" + result.messageId());
      }
      r.json(kind == Kind.CREATE ? 201 : 200, out);
    } catch (ObjectChangedException e) {
      metrics.conflict();
      throw conflict(r, id, e, seen.get(), plan.onConflict() instanceof OnConflict.Ask ? h : null);
    } finally {
      s.setConflictResolver(null);
      h.close();
      metrics.saveSeconds((System.nanoTime() - t0) / 1e9);
    }
  }

  /**
   * RFC 7240 {@code Prefer: return=representation}: the answer carries the new version as
   * {@code message} (the SDK's ops body always gets it, to rebind its handle). Otherwise the save
   * result and the {@code ETag} are enough and cheaper.
   */
  private static boolean wantsRepresentation(Req r) {
    String prefer = r.ctx().header("Prefer");
    return prefer != null && prefer.toLowerCase(Locale.ROOT).contains("return=representation");
  }

  static boolean isOps(String contentType) {
    return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith(SaveRequest.MEDIA_TYPE);
  }

  private static Plan plan(Req r, SaveRequest ops) {
    OnConflict fromQuery = onConflictQuery(r);
    MergeMode queryMerge = r.query("merge").map(m -> Json.enumOf(MergeMode.class, m, "merge")).orElse(MergeMode.NONE);
    if (ops == null) {
      return new Plan(Action.SAVE, Set.of(), queryMerge, Optional.empty(), fromQuery);
    }
    OnConflict on = ops.onConflict() instanceof OnConflict.Fail ? fromQuery : ops.onConflict();
    MergeMode mode = ops.mergeMode() == MergeMode.NONE ? queryMerge : ops.mergeMode();
    return new Plan(ops.action(), ops.flags(), mode, ops.folderId(), on);
  }

  private static OnConflict onConflictQuery(Req r) {
    Optional<String> q = r.query("onConflict");
    if (q.isEmpty()) {
      return new OnConflict.Fail();
    }
    String v = q.get().strip().toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
    return switch (v) {
      case "ask", "none", "fail" -> new OnConflict.Ask();
      case "overwrite" -> new OnConflict.Choose(ConflictChoice.overwrite());
      case "keepboth" -> new OnConflict.Choose(ConflictChoice.keepBoth());
      case "keeporiginal" -> new OnConflict.Choose(ConflictChoice.keepOriginal());
      case "saveelsewhere" -> new OnConflict.Choose(ConflictChoice.saveElsewhere(
          Json.folderId(r.query("folderId").orElseThrow(() -> new WireException(MapiError.INVALID_PARAMETER,
              "folderId", "onConflict=saveElsewhere needs folderId=<folder>")), "folderId")));
      case "merge" -> new OnConflict.Choose(ConflictChoice.merge(r.query("mergeMode")
          .map(m -> Json.enumOf(MergeMode.class, m, "mergeMode")).orElse(MergeMode.AUTO_RESOLVE)));
      default -> throw new WireException(MapiError.INVALID_PARAMETER, "onConflict", "'" + q.get()
          + "' is not one of ask, overwrite, keepBoth, saveElsewhere, merge");
    };
  }

  static Boolean read(Message h) {
    return h.getProp(PropTags.READ).map(PropValue::asBoolean)
        .orElseGet(() -> h.getProp(PropTags.MESSAGE_FLAGS).map(p -> (p.asInt() & PropTags.MSGFLAG_READ) != 0)
            .orElse(false));
  }

  // ---- the 412 answer

  /**
   * The problem for a stale save: the keys and the current version (also in {@code ETag}); with
   * {@code onConflict=ask} also the conflict's three versions with a merge preview (what a
   * resolver needs). When the engine did not ask the resolver (a merge save under
   * NEVER_OVERWRITE, a base of another store), they are read through the API from {@code h}.
   */
  private ProblemException conflict(Req r, MessageId id, ObjectChangedException e, ConflictResolver.Conflict c,
      Message h) {
    Session s = r.session();
    StoreId store = r.store();
    ObjectNode extras = F.objectNode();
    extras.put("baseChangeKey", e.baseChangeKey() == null ? null : e.baseChangeKey().toString());
    extras.put("currentChangeKey", e.currentChangeKey() == null ? null : e.currentChangeKey().toString());
    e.mergeReport().ifPresent(m -> extras.set("mergeReport", Json.mergeReport(m)));
    Map<String, String> headers = new HashMap<>();
    MessageSnapshot currentSnap = null;
    RenderedBodies.Body cached = c == null && h == null
        ? ServerSupport.viewKey(s, id).filter(k -> k.store().equals(store.guid())).map(bodies::get).orElse(null) : null;
    if (cached != null) { // the current version as a GET rendered it (ADR 0031)
      extras.putRawValue("current", new RawValue(new String(cached.json(), StandardCharsets.UTF_8)));
      headers.put("ETag", cached.etag());
    } else {
      try (Message cur = s.openMessage(id)) {
        currentSnap = cur.snapshot();
        byte[] json = MessageBody.of(currentSnap, store, cur.accessLevel(), read(cur)).toBytes();
        extras.putRawValue("current", new RawValue(new String(json, StandardCharsets.UTF_8)));
        cur.baseChangeKey().ifPresent(k -> headers.put("ETag", "\"" + k + "\""));
        String etag = headers.get("ETag");
        if (etag != null) {
          ServerSupport.viewKey(cur).ifPresent(k -> bodies.put(k, new RenderedBodies.Body(etag, json)));
        }
      } catch (StoreException ex) {
        extras.putNull("current");
      }
    }
    ObjectNode conflict = null;
    if (c != null) {
      conflict = conflictJson(c.view(), c.current(), c.base(), c.mergePreview());
    } else if (h != null && h.isOpen() && currentSnap != null) {
      try {
        MessageSnapshot base = null;
        try {
          base = h.baseChangeNumber().map(cn -> s.readVersion(id, cn)).orElse(null);
        } catch (StoreException ex) {
          // the base is no longer retained: the conflict has no base version
        }
        conflict = conflictJson(h.snapshot(), currentSnap, base, h.previewMerge(MergeMode.AUTO_RESOLVE));
      } catch (StoreException ex) {
        conflict = null;
      }
    }
    if (conflict != null) {
      extras.set("conflict", conflict);
    } else {
      extras.putNull("conflict");
    }
    Problem p = new Problem(412, MapiError.OBJECT_CHANGED, "Object changed", e.detail(),
        r.ctx().path(), "", extras);
    return new ProblemException(p, headers);
  }

  private static ObjectNode conflictJson(MessageSnapshot view, MessageSnapshot current, MessageSnapshot base,
      msgstore.api.MergeReport preview) {
    ObjectNode o = F.objectNode();
    o.set("view", view == null ? F.nullNode() : Json.snapshot(view));
    o.set("current", current == null ? F.nullNode() : Json.snapshot(current));
    o.set("base", base == null ? F.nullNode() : Json.snapshot(base));
    o.set("mergePreview", preview == null ? F.nullNode() : Json.mergeReport(preview));
    return o;
  }

  // ---- ops body: the SDK's calls, replayed on engine handles

  private static void replay(Session s, Message root, List<Op> ops) {
    Map<Integer, PropObject> handles = new HashMap<>();
    handles.put(0, root);
    List<PropObject> opened = new ArrayList<>();
    try {
      for (int i = 0; i < ops.size(); i++) {
        Op op = ops.get(i);
        String field = "ops[" + i + "]";
        PropObject target = handles.get(op.h());
        if (target == null) {
          throw new WireException(MapiError.INVALID_PARAMETER, field + ".h", "no handle " + op.h()
              + " has been opened by an earlier op");
        }
        try {
          PropObject result = apply(s, target, op, field);
          if (result != null) {
            handles.put(resultOf(op), result);
            opened.add(result);
          }
        } catch (WireException e) {
          throw e;
        } catch (ObjectChangedException e) {
          throw e;
        } catch (StoreException e) {
          throw new WireException(e.error(), field, e.detail());
        }
      }
    } finally {
      for (PropObject o : opened) {
        o.close();
      }
    }
  }

  private static int resultOf(Op op) {
    return switch (op) {
      case Op.CreateAttachment c -> c.result();
      case Op.OpenAttachment a -> a.result();
      case Op.OpenEmbeddedMessage e -> e.result();
      default -> throw new IllegalStateException("op opens no handle: " + op);
    };
  }

  private static PropObject apply(Session s, PropObject t, Op op, String field) {
    switch (op) {
      case Op.SetProps p -> t.setProps(p.props());
      case Op.DeleteProps d -> t.deleteProps(d.tags());
      case Op.ModifyRecipients m -> message(t, field).modifyRecipients(m.kind(), m.rows());
      case Op.RemoveAllRecipients x -> message(t, field).removeAllRecipients();
      case Op.CreateAttachment c -> {
        return message(t, field).createAttachment();
      }
      case Op.OpenAttachment a -> {
        return message(t, field).openAttachment(a.attachNum(), a.flags().toArray(OpenFlag[]::new));
      }
      case Op.DeleteAttachment d -> message(t, field).deleteAttachment(d.attachNum());
      case Op.WriteContent w -> ServerSupport.useContent(s, attachment(t, field), w.content());
      case Op.OpenEmbeddedMessage e -> {
        return attachment(t, field).openEmbeddedMessage(e.flags().toArray(OpenFlag[]::new));
      }
      case Op.SaveChanges sc -> {
        if (op.h() == 0) {
          throw new WireException(MapiError.INVALID_PARAMETER, field, "handle 0 is saved by the body's action, "
              + "not by an op");
        }
        SaveFlag[] f = sc.flags().toArray(SaveFlag[]::new);
        if (t instanceof Attachment a) {
          a.saveChanges(f);
        } else {
          ((Message) t).saveChanges(f);
        }
      }
      case Op.Close c -> {
        if (op.h() == 0) {
          throw new WireException(MapiError.INVALID_PARAMETER, field, "handle 0 cannot be closed before its save");
        }
        t.close();
      }
    }
    return null;
  }

  private static Message message(PropObject t, String field) {
    if (t instanceof Message m) {
      return m;
    }
    throw new WireException(MapiError.INVALID_PARAMETER, field + ".h", "handle is an attachment, not a message");
  }

  private static Attachment attachment(PropObject t, String field) {
    if (t instanceof Attachment a) {
      return a;
    }
    throw new WireException(MapiError.INVALID_PARAMETER, field + ".h", "handle is a message, not an attachment");
  }

  // ---- merge-patch delta

  private static void applyPatch(Session s, Message h, MergePatch p) {
    if (!p.set().isEmpty()) {
      h.setProps(p.set());
    }
    if (!p.delete().isEmpty()) {
      h.deleteProps(p.delete());
    }
    p.replaceRecipients().ifPresent(rows -> h.modifyRecipients(RecipientOp.REPLACE_ALL, rows));
    if (!p.addRecipients().isEmpty()) {
      h.modifyRecipients(RecipientOp.ADD, p.addRecipients());
    }
    if (!p.modifyRecipients().isEmpty()) {
      h.modifyRecipients(RecipientOp.MODIFY, p.modifyRecipients());
    }
    if (!p.removeRecipients().isEmpty()) {
      h.removeRecipients(p.removeRecipients().stream().mapToInt(Integer::intValue).toArray());
    }
    for (MergePatch.AttachmentPatch a : p.modifyAttachments()) {
      try (Attachment att = h.openAttachment(a.attachNum(), OpenFlag.MODIFY)) {
        if (!a.set().isEmpty()) {
          att.setProps(a.set());
        }
        if (!a.delete().isEmpty()) {
          att.deleteProps(a.delete());
        }
        att.saveChanges();
      }
    }
    for (int n : p.deleteAttachments()) {
      h.deleteAttachment(n);
    }
    for (MergePatch.NewAttachment a : p.addAttachments()) {
      addAttachment(s, h, new ViewAttachment(null, a.props(), a.content(), a.inline(),
          a.embedded().map(e -> View.of(e.snapshot()))));
    }
    p.read().ifPresent(h::setReadFlag);
  }

  // ---- whole view (PUT, POST create)

  /** A Message body as the target state of a handle's view. */
  record View(List<PropValue> props, List<Recipient> recipients, List<ViewAttachment> attachments,
      Optional<Boolean> read) {
    private static final Set<String> FIELDS = Set.of("id", "storeId", "folderId", "changeNumber", "changeKey",
        "accessLevel", "read", "properties", "recipients", "attachments");

    static View parse(JsonNode n, String field) {
      if (n == null || !n.isObject()) {
        throw new WireException(MapiError.INVALID_PARAMETER, field, "expected a message object");
      }
      for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        if (!FIELDS.contains(k)) {
          throw new WireException(MapiError.INVALID_PARAMETER, join(field, k), "unknown field of a message");
        }
      }
      List<PropValue> props = PropCodec.parseObject(n.get("properties"), join(field, "properties"));
      List<Recipient> rec = new ArrayList<>();
      JsonNode rs = n.get("recipients");
      if (rs != null && !rs.isNull()) {
        if (!rs.isArray()) {
          throw new WireException(MapiError.INVALID_PARAMETER, join(field, "recipients"), "expected an array");
        }
        for (int i = 0; i < rs.size(); i++) {
          rec.add(Json.recipient(rs.get(i), join(field, "recipients") + "[" + i + "]"));
        }
      }
      List<ViewAttachment> atts = new ArrayList<>();
      JsonNode as = n.get("attachments");
      if (as != null && !as.isNull()) {
        if (!as.isArray()) {
          throw new WireException(MapiError.INVALID_PARAMETER, join(field, "attachments"), "expected an array");
        }
        for (int i = 0; i < as.size(); i++) {
          String f = join(field, "attachments") + "[" + i + "]";
          JsonNode a = as.get(i);
          if (!a.isObject()) {
            throw new WireException(MapiError.INVALID_PARAMETER, f, "expected an attachment object");
          }
          Integer num = null;
          if (a.hasNonNull("attachNum")) {
            if (!a.get("attachNum").isIntegralNumber()) {
              throw new WireException(MapiError.INVALID_PARAMETER, f + ".attachNum", "expected an integer");
            }
            num = a.get("attachNum").intValue();
          }
          ObjectNode rest = ((ObjectNode) a).deepCopy();
          rest.remove("attachNum");
          JsonNode emb = rest.remove("embedded");
          MergePatch.NewAttachment na = MergePatch.newAttachment(rest, f);
          Optional<View> embedded = emb == null || emb.isNull() ? Optional.empty()
              : Optional.of(View.parse(emb, f + ".embedded"));
          atts.add(new ViewAttachment(num, na.props(), na.content(), na.inline(), embedded));
        }
      }
      Optional<Boolean> read = Optional.ofNullable(n.get("read")).filter(JsonNode::isBoolean).map(JsonNode::booleanValue);
      return new View(props, rec, atts, read);
    }

    static View of(MessageSnapshot s) {
      List<ViewAttachment> atts = new ArrayList<>();
      for (MessageSnapshot.AttachmentSnapshot a : s.attachments()) {
        atts.add(new ViewAttachment(a.attachNum(), a.props(), a.content(), Optional.empty(), a.embedded().map(View::of)));
      }
      return new View(s.props(), s.recipients(), atts, Optional.empty());
    }

    private static String join(String field, String name) {
      return field.isEmpty() ? name : field + "." + name;
    }
  }

  /** An attachment of a whole view; {@code attachNum} null for a new one. */
  record ViewAttachment(Integer attachNum, List<PropValue> props, Optional<ContentRef> content,
      Optional<byte[]> inline, Optional<View> embedded) {}

  /**
   * Turns a handle's view into {@code v} with the fewest calls: properties that differ are set,
   * absent ones deleted ({@code replace}; computed ones the engine refuses are left), recipient rows
   * matched by row id are modified, others added or removed, attachments matched by number are
   * changed only where they differ, others created or deleted. An unchanged body therefore makes a
   * no-op save (R31).
   */
  static void applyView(Session s, Message h, View v, boolean replace) {
    Map<PropTag, PropValue> cur = byTag(h.getProps());
    List<PropValue> set = new ArrayList<>();
    Set<PropTag> wanted = new HashSet<>();
    for (PropValue p : v.props()) {
      wanted.add(p.tag());
      if (!p.equals(cur.get(p.tag()))) {
        set.add(p);
      }
    }
    if (!set.isEmpty()) {
      h.setProps(set);
    }
    if (replace) {
      List<PropTag> del = cur.keySet().stream().filter(t -> !wanted.contains(t)).toList();
      if (!del.isEmpty()) {
        h.deleteProps(del);
      }
    }
    // recipients, by row id
    Map<Integer, Recipient> rows = new LinkedHashMap<>();
    for (Recipient r : h.recipients()) {
      rows.put(r.rowId(), r);
    }
    List<Recipient> add = new ArrayList<>();
    List<Recipient> modify = new ArrayList<>();
    Set<Integer> keptRows = new HashSet<>();
    for (Recipient r : v.recipients()) {
      Recipient old = r.rowId() > 0 ? rows.get(r.rowId()) : null;
      if (old == null) {
        add.add(r);
      } else {
        keptRows.add(r.rowId());
        if (!byTag(withoutRowId(old.props())).equals(byTag(withoutRowId(r.props())))) {
          modify.add(new Recipient(r.rowId(), withoutRowId(r.props())));
        }
      }
    }
    List<Recipient> remove = rows.keySet().stream().filter(n -> !keptRows.contains(n))
        .map(n -> new Recipient(n, List.of())).toList();
    if (!remove.isEmpty() && replace) {
      h.modifyRecipients(RecipientOp.REMOVE, remove);
    }
    if (!modify.isEmpty()) {
      h.modifyRecipients(RecipientOp.MODIFY, modify);
    }
    if (!add.isEmpty()) {
      h.modifyRecipients(RecipientOp.ADD, add);
    }
    // attachments, by number
    Map<Integer, MessageSnapshot.AttachmentSnapshot> atts = new LinkedHashMap<>();
    for (MessageSnapshot.AttachmentSnapshot a : h.snapshot().attachments()) {
      atts.put(a.attachNum(), a);
    }
    Set<Integer> keptAtts = new HashSet<>();
    List<ViewAttachment> added = new ArrayList<>();
    for (ViewAttachment a : v.attachments()) {
      MessageSnapshot.AttachmentSnapshot old = a.attachNum() == null ? null : atts.get(a.attachNum());
      if (old == null) {
        added.add(a);
        continue;
      }
      keptAtts.add(old.attachNum());
      changeAttachment(s, h, old, a);
    }
    if (replace) {
      for (int n : atts.keySet()) {
        if (!keptAtts.contains(n)) {
          h.deleteAttachment(n);
        }
      }
    }
    for (ViewAttachment a : added) {
      addAttachment(s, h, a);
    }
  }

  private static void changeAttachment(Session s, Message h, MessageSnapshot.AttachmentSnapshot old, ViewAttachment a) {
    Map<PropTag, PropValue> cur = byTag(old.props());
    ATTACH_DERIVED.forEach(cur::remove);
    List<PropValue> set = new ArrayList<>();
    Set<PropTag> wanted = new HashSet<>();
    for (PropValue p : a.props()) {
      if (ATTACH_DERIVED.contains(p.tag())) {
        continue;
      }
      wanted.add(p.tag());
      if (!p.equals(cur.get(p.tag()))) {
        set.add(p);
      }
    }
    List<PropTag> del = cur.keySet().stream().filter(t -> !wanted.contains(t)).toList();
    boolean newContent = a.inline().isPresent()
        || a.content().map(c -> !c.sha256().equals(old.content().map(ContentRef::sha256).orElse(null))).orElse(false);
    boolean newEmbedded = a.embedded().isPresent() && (old.embedded().isEmpty()
        || !Json.snapshot(old.embedded().get()).equals(Json.snapshot(asSnapshot(a.embedded().get()))));
    if (set.isEmpty() && del.isEmpty() && !newContent && !newEmbedded) {
      return;
    }
    try (Attachment att = h.openAttachment(old.attachNum(), OpenFlag.MODIFY)) {
      if (!set.isEmpty()) {
        att.setProps(set);
      }
      if (!del.isEmpty()) {
        att.deleteProps(del);
      }
      fill(s, att, a, newContent, newEmbedded, true);
      att.saveChanges();
    }
  }

  private static void addAttachment(Session s, Message h, ViewAttachment a) {
    try (Attachment att = h.createAttachment()) {
      List<PropValue> props = a.props().stream().filter(p -> !ATTACH_DERIVED.contains(p.tag())).toList();
      if (!props.isEmpty()) {
        att.setProps(props);
      }
      fill(s, att, a, true, a.embedded().isPresent(), false);
      att.saveChanges();
    }
  }

  private static void fill(Session s, Attachment att, ViewAttachment a, boolean content, boolean embedded,
      boolean replaceEmbedded) {
    if (content) {
      if (a.inline().isPresent()) {
        att.writeContent(new ByteArrayInputStream(a.inline().get()));
      } else if (a.content().isPresent()) {
        ServerSupport.useContent(s, att, a.content().get());
      }
    }
    if (embedded && a.embedded().isPresent()) {
      try (Message e = att.openEmbeddedMessage(OpenFlag.MODIFY)) {
        applyView(s, e, a.embedded().get(), replaceEmbedded);
        e.saveChanges(SaveFlag.KEEP_OPEN_READONLY);
      }
    }
  }

  private static MessageSnapshot asSnapshot(View v) {
    List<MessageSnapshot.AttachmentSnapshot> atts = new ArrayList<>();
    for (ViewAttachment a : v.attachments()) {
      atts.add(new MessageSnapshot.AttachmentSnapshot(a.attachNum() == null ? -1 : a.attachNum(), a.props(),
          a.content(), a.embedded().map(Saves::asSnapshot)));
    }
    return new MessageSnapshot(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), v.props(),
        v.recipients(), atts);
  }

  private static List<PropValue> withoutRowId(List<PropValue> props) {
    return props.stream().filter(p -> p.tag().id() != PropTags.ROWID.id()).toList();
  }

  private static Map<PropTag, PropValue> byTag(List<PropValue> props) {
    Map<PropTag, PropValue> m = new HashMap<>();
    for (PropValue p : props) {
      m.put(p.tag(), p);
    }
    return m;
  }
}
