package msgstore.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import msgstore.api.Attachment;
import msgstore.api.AttachmentRow;
import msgstore.api.ChangeNumber;
import msgstore.api.EventScope;
import msgstore.api.EventType;
import msgstore.api.Folder;
import msgstore.api.MapiError;
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
import msgstore.api.SaveResult;
import msgstore.api.Session;
import msgstore.api.StoreEvent;
import msgstore.api.StoreException;
import msgstore.api.StoreId;
import msgstore.api.Subscription;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * Helpers shared by the contract suites: creating, opening and committing messages through the
 * public API only, reading committed state through fresh read-only opens, and asserting MAPI error
 * codes. Subclasses provide the {@link StoreFixture} of the running test.
 */
public abstract class ContractSupport {

  /** The fixture of the running test. */
  protected abstract StoreFixture fx();

  // ---- the store under test

  protected final Session owner() {
    return fx().owner();
  }

  protected final StoreId storeId() {
    return fx().storeId();
  }

  protected final Folder root() {
    return owner().openFolder(fx().rootFolderId());
  }

  protected final Folder inbox() {
    return fx().topFolder("Inbox");
  }

  protected final Folder drafts() {
    return fx().topFolder("Drafts");
  }

  protected final Folder sentItems() {
    return fx().topFolder("Sent Items");
  }

  /** A new session of {@link StoreFixture#OTHER_USER}, who has no rights until granted. */
  protected final Session otherUser() {
    return fx().openSession(StoreFixture.OTHER_USER);
  }

  /** Skips the test unless the implementation offers {@code c}. */
  protected final void requires(Capability c) {
    assumeTrue(fx().has(c), () -> "implementation does not offer " + c);
  }

  // ---- creating and committing

  /** Creates and saves a message with this subject in the Inbox. */
  protected final MessageId createMessage(String subject) {
    return createMessage(inbox(), subject);
  }

  protected final MessageId createMessage(Folder folder, String subject) {
    return createMessage(folder, m -> m.set(PropTags.SUBJECT, subject));
  }

  protected final MessageId createMessage(Folder folder, PropValue... props) {
    return createMessage(folder, m -> m.setProps(props));
  }

  /** Creates a message in {@code folder}, lets {@code init} fill it, and saves it (handle closed). */
  protected final MessageId createMessage(Folder folder, Consumer<Message> init) {
    Message m = folder.createMessage();
    try {
      init.accept(m);
      SaveResult r = m.saveChanges();
      assertThat(r.committed()).as("first save of a new message commits").isTrue();
      return r.messageId();
    } finally {
      m.close();
    }
  }

  /** The owner's read/write handle on {@code id}. */
  protected final Message openRw(MessageId id) {
    return owner().openMessage(id, OpenFlag.MODIFY);
  }

  /** The owner's read-only handle on {@code id}. */
  protected final Message openRo(MessageId id) {
    return owner().openMessage(id);
  }

  /** Opens {@code id} read/write in a new handle, applies {@code edit}, saves and closes. */
  protected final SaveResult commit(MessageId id, Consumer<Message> edit) {
    try (Message m = openRw(id)) {
      edit.accept(m);
      return m.saveChanges();
    }
  }

  protected final SaveResult commitSubject(MessageId id, String subject) {
    return commit(id, m -> m.set(PropTags.SUBJECT, subject));
  }

  /** The committed version of {@code id}, read through a fresh read-only open. */
  protected final MessageSnapshot committed(MessageId id) {
    try (Message m = openRo(id)) {
      return m.snapshot();
    }
  }

  protected final Optional<PropValue> committedProp(MessageId id, PropTag tag) {
    try (Message m = openRo(id)) {
      return m.getProp(tag);
    }
  }

  protected final String committedSubject(MessageId id) {
    return committedProp(id, PropTags.SUBJECT).map(PropValue::asString).orElse(null);
  }

  /** The change number of the current version of {@code id} (the base of a new open, R7). */
  protected final ChangeNumber currentCn(MessageId id) {
    try (Message m = openRo(id)) {
      return m.baseChangeNumber().orElseThrow(() -> new AssertionError("saved message " + id + " has no base change number"));
    }
  }

  protected final List<String> committedRecipientNames(MessageId id) {
    try (Message m = openRo(id)) {
      return recipientNames(m.recipients());
    }
  }

  protected final List<String> committedAttachmentNames(MessageId id) {
    try (Message m = openRo(id)) {
      return attachmentNames(m.attachments());
    }
  }

  /** True when {@code id} cannot be opened (R4). */
  protected final void assertNotFound(MessageId id) {
    expectError(MapiError.NOT_FOUND, () -> owner().openMessage(id).close());
  }

  // ---- reading a handle's view

  protected static String subject(PropObject h) {
    return string(h, PropTags.SUBJECT);
  }

  protected static String string(PropObject h, PropTag tag) {
    return h.getString(tag).orElse(null);
  }

  protected static Integer integer(PropObject h, PropTag tag) {
    return h.getInt(tag).orElse(null);
  }

  protected static byte[] binary(PropObject h, PropTag tag) {
    return h.getBytes(tag).orElse(null);
  }

  /** PR_MESSAGE_FLAGS of the view (0 when absent). */
  protected static int messageFlags(PropObject h) {
    return h.getInt(PropTags.MESSAGE_FLAGS).orElse(0);
  }

  protected static String string(MessageSnapshot s, PropTag tag) {
    return s.getString(tag).orElse(null);
  }

  protected static List<String> recipientNames(List<Recipient> rows) {
    return rows.stream().map(r -> r.getString(PropTags.DISPLAY_NAME).orElse("?")).toList();
  }

  protected static List<String> recipientNames(Message m) {
    return recipientNames(m.recipients());
  }

  protected static List<String> attachmentNames(List<AttachmentRow> rows) {
    return rows.stream().map(r -> r.getString(PropTags.ATTACH_LONG_FILENAME).orElse("?")).toList();
  }

  protected static List<String> attachmentNames(Message m) {
    return attachmentNames(m.attachments());
  }

  protected static List<String> snapshotAttachmentNames(MessageSnapshot s) {
    return s.attachments().stream()
        .map(a -> a.getString(PropTags.ATTACH_LONG_FILENAME).orElse("?"))
        .toList();
  }

  // ---- recipients and attachments

  protected static Recipient to(String name) {
    return Recipient.of(PropTags.MAPI_TO, name, name.toLowerCase(java.util.Locale.ROOT).replace(' ', '.') + "@example.com");
  }

  protected static Recipient cc(String name) {
    return Recipient.of(PropTags.MAPI_CC, name, name.toLowerCase(java.util.Locale.ROOT).replace(' ', '.') + "@example.com");
  }

  /** The row of the recipient with this display name in a handle's view. */
  protected static Recipient recipientNamed(Message m, String name) {
    return m.recipients().stream()
        .filter(r -> r.getString(PropTags.DISPLAY_NAME).filter(name::equals).isPresent())
        .findFirst()
        .orElseThrow(() -> new AssertionError("no recipient '" + name + "' in " + recipientNames(m)));
  }

  protected static void addRecipients(Message m, Recipient... rows) {
    m.modifyRecipients(msgstore.api.RecipientOp.ADD, List.of(rows));
  }

  /**
   * Creates an attachment named {@code filename} with {@code content}, saves it into the message
   * handle (R51; the attachment handle is closed, R18) and returns its number.
   */
  protected static int addAttachment(Message m, String filename, byte[] content) {
    Attachment a = m.createAttachment();
    try {
      a.set(PropTags.ATTACH_LONG_FILENAME, filename);
      a.writeContent(new ByteArrayInputStream(content));
      a.saveChanges();
      return a.attachNum();
    } finally {
      a.close();
    }
  }

  protected static int addAttachment(Message m, String filename) {
    return addAttachment(m, filename, bytes("content of " + filename));
  }

  /** The number of the attachment named {@code filename} in a handle's view. */
  protected static int attachNum(Message m, String filename) {
    return m.attachments().stream()
        .filter(r -> r.get(PropTags.ATTACH_LONG_FILENAME).map(PropValue::asString).filter(filename::equals).isPresent())
        .findFirst()
        .map(AttachmentRow::attachNum)
        .orElseThrow(() -> new AssertionError("no attachment '" + filename + "' in " + attachmentNames(m)));
  }

  protected static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  protected static byte[] readAll(InputStream in) {
    try (InputStream i = in) {
      return i.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  protected static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  protected static String repeat(char c, int n) {
    char[] a = new char[n];
    Arrays.fill(a, c);
    return new String(a);
  }

  // ---- errors

  /**
   * Runs {@code call} and asserts that it throws a {@link StoreException} with {@code code};
   * returns it. Any other outcome fails with the actual exception as the cause.
   */
  protected static StoreException expectError(MapiError code, ThrowingCallable call) {
    Throwable t = catchThrowable(call);
    if (t == null) {
      throw new AssertionError("expected " + code + " but the call succeeded");
    }
    if (!(t instanceof StoreException e)) {
      throw new AssertionError("expected StoreException " + code + " but got " + t, t);
    }
    if (e.error() != code) {
      throw new AssertionError("expected " + code + " but got " + e.error() + ": " + e.getMessage(), e);
    }
    return e;
  }

  /** Like {@link #expectError} for OBJECT_CHANGED, which must be an {@link ObjectChangedException} (R28). */
  protected static ObjectChangedException expectObjectChanged(ThrowingCallable call) {
    StoreException e = expectError(MapiError.OBJECT_CHANGED, call);
    assertThat(e).as("OBJECT_CHANGED is reported as ObjectChangedException").isInstanceOf(ObjectChangedException.class);
    return (ObjectChangedException) e;
  }

  /** Asserts that {@code call} throws some {@link StoreException}; returns it. */
  protected static StoreException expectAnyStoreError(ThrowingCallable call) {
    Throwable t = catchThrowable(call);
    if (!(t instanceof StoreException e)) {
      throw new AssertionError("expected a StoreException but got " + t, t);
    }
    return e;
  }

  // ---- journal and events

  protected final long journalPosition() {
    return owner().journalPosition(storeId());
  }

  /** Subscribes the owner to new events (after the current journal head), by the "from now" form. */
  protected final EventRecorder subscribe(EventScope scope, Set<EventType> mask) {
    EventRecorder r = new EventRecorder();
    Subscription sub = owner().subscribe(scope, mask, r);
    r.attach(sub);
    fx().track(sub);
    return r;
  }

  protected final EventRecorder subscribe(Session s, EventScope scope, Set<EventType> mask, long afterPosition) {
    EventRecorder r = new EventRecorder();
    Subscription sub = s.subscribe(scope, mask, afterPosition, r);
    r.attach(sub);
    fx().track(sub);
    return r;
  }

  protected static Predicate<StoreEvent> event(EventType type, MessageId id) {
    return e -> e.type() == type && e.messageId().filter(id::equals).isPresent();
  }

  protected static Predicate<StoreEvent> modifiedTo(MessageId id, ChangeNumber cn) {
    return event(EventType.OBJECT_MODIFIED, id).and(e -> e.changeNumber().filter(cn::equals).isPresent());
  }

  /** Events of {@code events} about message {@code id}. */
  protected static List<StoreEvent> about(List<StoreEvent> events, MessageId id) {
    List<StoreEvent> out = new ArrayList<>();
    for (StoreEvent e : events) {
      if (e.concerns(id)) {
        out.add(e);
      }
    }
    return out;
  }
}
