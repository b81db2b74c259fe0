package msgstore.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import msgstore.api.ChangeNumber;
import msgstore.api.Folder;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.MessageStore;
import msgstore.api.OpenFlag;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.RecipientOp;
import msgstore.api.SaveFlag;
import msgstore.api.SaveResult;
import msgstore.api.Session;
import msgstore.api.StoreException;
import msgstore.testkit.property.Gen;
import msgstore.testkit.property.PropertyCheck;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Model-based contract: random scripts of actions by three clients on two messages (open,
 * set a property, add a recipient, save with and without FORCE_SAVE and keep-open flags, delete,
 * move, close) run against the store and against a small reference model written in
 * plain Java. After every action the store's outcome (success or MAPI error code) must equal the
 * model's, and so must the committed contents (reopened and compared), every open handle's view,
 * and whether a new change number was made. Scripts come from {@link #scripts()} and run under
 * {@link PropertyCheck}, which shrinks a failing script (whole steps deleted, then each choice
 * simplified) and prints the seed that replays it ({@code -Dmsgstore.seed=SEED}; ADR 0015).
 *
 * <p>Each try opens its own store in a fresh temporary directory, checks {@link
 * #integrityProblems} and deletes the directory. Tries: 25 by default, 500 with {@code
 * -Dmsgstore.stress=full}. {@link #hunt} runs the same property with a {@link PlantedBug} in front
 * of the store, to prove the property catches it.
 *
 * <p>The model encodes R4, R6, R10-R12, R16, R18, R19, R22, R25, R27-R31, R36-R38, R41-R43, R45,
 * R47 and R61.
 */
@Tag("model")
public abstract class ModelBasedContract {

  /** Opens the implementation on an empty directory, once per try. */
  protected abstract MessageStore openStore(Path dir);

  /** The implementation's invariant check, run after every try; empty when sound. */
  protected List<String> integrityProblems(MessageStore store) {
    return List.of();
  }

  // ---- the script

  static final List<PropTag> PROPS = List.of(PropTags.SUBJECT, PropTags.BODY, PropTags.ORIGINAL_SUBJECT);
  static final int CLIENTS = 3;
  static final int SLOTS = 2;

  /** How a Save step saves. */
  public enum SaveKind {
    KEEP_OPEN_READWRITE(SaveFlag.KEEP_OPEN_READWRITE),
    PLAIN(),
    FORCE_KEEP_OPEN_READWRITE(SaveFlag.FORCE_SAVE, SaveFlag.KEEP_OPEN_READWRITE),
    FORCE(SaveFlag.FORCE_SAVE);

    private final SaveFlag[] flags;

    SaveKind(SaveFlag... flags) {
      this.flags = flags;
    }

    boolean forced() {
      return this == FORCE || this == FORCE_KEEP_OPEN_READWRITE;
    }
  }

  /** One action of a script. */
  public sealed interface Step {}

  /**
   * The client opens a slot's message read/write (closing the handle it held). When the slot's
   * message is deleted, the open must fail with NOT_FOUND, and the owner then creates a new message
   * for the slot, which the client opens.
   */
  public record Open(int client, int slot) implements Step {}

  /** The client sets property {@code PROPS[prop]} on its handle to a fresh value. */
  public record SetProp(int client, int prop) implements Step {}

  /** The client adds a fresh recipient on its handle. */
  public record AddRecipient(int client) implements Step {}

  /** The client saves its handle. */
  public record Save(int client, SaveKind kind) implements Step {}

  /** The client soft-deletes a slot's message. */
  public record Delete(int client, int slot) implements Step {}

  /** The client moves a slot's message to the other folder. */
  public record Move(int client, int slot) implements Step {}

  /** The client closes its handle. */
  public record Close(int client) implements Step {}

  /** The number of tries: 25, or 500 with {@code -Dmsgstore.stress=full}. */
  public static int tries() {
    return Stress.scale(25, 500);
  }

  /**
   * Scripts of 1 to 60 steps (120 in the full campaign), lengths uniform. Weights: open 8, set 16,
   * add recipient 4, save 16 (plain-with-keep-open 5 of 8, no flags 1, forced 2), delete 1, move 1,
   * close 2. Slot 0 is hot (3 of 4), so clients often share a message and plain saves often
   * conflict. Every step draws the same five choices, so the shrinker can simplify one step
   * without disturbing the others.
   */
  public static Gen<List<Step>> scripts() {
    Gen<Step> step = c -> {
      int what = c.below(48);
      int client = c.below(CLIENTS);
      int slot = c.below(4) < 3 ? 0 : 1;
      int prop = c.below(PROPS.size());
      int saveDraw = c.below(8);
      SaveKind kind = saveDraw < 5 ? SaveKind.KEEP_OPEN_READWRITE
          : saveDraw == 5 ? SaveKind.PLAIN : saveDraw == 6 ? SaveKind.FORCE_KEEP_OPEN_READWRITE : SaveKind.FORCE;
      if (what < 8) {
        return new Open(client, slot);
      } else if (what < 24) {
        return new SetProp(client, prop);
      } else if (what < 28) {
        return new AddRecipient(client);
      } else if (what < 44) {
        return new Save(client, kind);
      } else if (what < 45) {
        return new Delete(client, slot);
      } else if (what < 46) {
        return new Move(client, slot);
      } else {
        return new Close(client);
      }
    };
    return step.list(1, Stress.scale(60, 120));
  }

  @Test
  void storeShouldAgreeWithTheModelWhenThreeClientsActInRandomOrder() {
    PropertyCheck.forAll(scripts()).named("storeShouldAgreeWithTheModelWhenThreeClientsActInRandomOrder")
        .tries(tries()).check(script -> runScript(script, this::openStore, this::integrityProblems));
  }

  /**
   * Runs the model-based property with {@code bug} planted in front of this store, for up to
   * {@code tries} scripts and {@code shrinkLimit} of shrinking; the shrunk counterexample, if the
   * property caught the bug.
   */
  public Optional<PropertyCheck.Failure<List<Step>>> hunt(PlantedBug bug, int tries, java.time.Duration shrinkLimit) {
    return PropertyCheck.forAll(scripts()).named("model-based contract with " + bug).tries(tries)
        .shrinkLimits(shrinkLimit.isZero() ? 0 : 5_000, shrinkLimit)
        .run(script -> runScript(script, dir -> bug.plantIn(openStore(dir)),
            store -> integrityProblems(PlantedBug.unwrap(store))));
  }

  /** One try: a fresh store in a temporary directory, the script against it and the model, the integrity check. */
  static void runScript(List<Step> script, Function<Path, MessageStore> opener, Function<MessageStore, List<String>> integrity) {
    Path dir;
    try {
      dir = Files.createTempDirectory("msgstore-model-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      StoreFixture fx = StoreFixture.create(dir, opener, EnumSet.noneOf(Capability.class));
      Throwable failure = null;
      try {
        new Run(fx).execute(script);
      } catch (RuntimeException | AssertionError e) {
        failure = e;
      }
      List<String> problems;
      try {
        problems = fx.closeAndCheck(integrity);
      } catch (RuntimeException e) {
        if (failure != null) {
          failure.addSuppressed(e);
          problems = List.of();
        } else {
          throw e;
        }
      }
      if (failure instanceof RuntimeException r) {
        throw r;
      }
      if (failure instanceof AssertionError a) {
        throw a;
      }
      assertThat(problems).as("store integrity after the script").isEmpty();
    } finally {
      deleteRecursively(dir);
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete " + dir, e);
    }
  }

  // ---- the reference model

  /** A slot: one message as the model knows it. */
  static final class ModelMessage {
    MessageId id;
    int identity;
    boolean deleted;
    int version;
    ChangeNumber cn;
    int folder;
    Map<PropTag, String> props = new HashMap<>();
    List<String> recipients = new ArrayList<>();

    @Override
    public String toString() {
      return id + (deleted ? " deleted" : "") + " v" + version + " " + cn + " " + props + " " + recipients;
    }
  }

  /** A client's handle as the model knows it. */
  static final class ModelHandle {
    final int slot;
    final int identity;
    final Message real;
    int baseVersion;
    Map<PropTag, String> baseProps;
    List<String> baseRecipients;
    final Map<PropTag, String> pendingProps = new LinkedHashMap<>();
    final List<String> pendingRecipients = new ArrayList<>();
    boolean closed;

    ModelHandle(int slot, ModelMessage m, Message real) {
      this.slot = slot;
      this.identity = m.identity;
      this.real = real;
      rebase(m);
    }

    void rebase(ModelMessage m) {
      baseVersion = m.version;
      baseProps = new HashMap<>(m.props);
      baseRecipients = new ArrayList<>(m.recipients);
      pendingProps.clear();
      pendingRecipients.clear();
    }

    boolean dirty() {
      return !pendingProps.isEmpty() || !pendingRecipients.isEmpty();
    }

    Map<PropTag, String> viewProps() {
      Map<PropTag, String> v = new HashMap<>(baseProps);
      v.putAll(pendingProps);
      return v;
    }

    List<String> viewRecipients() {
      List<String> v = new ArrayList<>(baseRecipients);
      v.addAll(pendingRecipients);
      return v;
    }
  }

  /** One script run: the store under test and the model side by side. */
  static final class Run {
    private final StoreFixture fx;
    private final List<Session> sessions = new ArrayList<>();
    private final List<Folder> folders = new ArrayList<>();
    private final ModelMessage[] slots = new ModelMessage[SLOTS];
    private final ModelHandle[] handles = new ModelHandle[CLIENTS];
    private int stepIndex;
    private Step step;

    Run(StoreFixture fx) {
      this.fx = fx;
    }

    void execute(List<Step> script) {
      for (int c = 0; c < CLIENTS; c++) {
        sessions.add(fx.openSession(StoreFixture.OWNER));
      }
      folders.add(fx.topFolder("Inbox"));
      folders.add(fx.topFolder("Drafts"));
      for (int s = 0; s < SLOTS; s++) {
        slots[s] = new ModelMessage();
        create(s);
      }
      verify();
      for (stepIndex = 0; stepIndex < script.size(); stepIndex++) {
        step = script.get(stepIndex);
        apply(step);
        verify();
      }
    }

    private String where() {
      StringBuilder b = new StringBuilder("after step ").append(stepIndex).append(' ').append(step).append("; model:");
      for (int s = 0; s < SLOTS; s++) {
        b.append("\n  slot ").append(s).append(": ").append(slots[s]);
      }
      for (int c = 0; c < CLIENTS; c++) {
        ModelHandle h = handles[c];
        b.append("\n  client ").append(c).append(": ");
        b.append(h == null ? "no handle"
            : "slot " + h.slot + " base v" + h.baseVersion + (h.closed ? " closed" : "") + " pending " + h.pendingProps + " " + h.pendingRecipients);
      }
      return b.toString();
    }

    private void create(int s) {
      ModelMessage m = slots[s];
      String subject = "slot " + s + " created at " + stepIndex;
      Message h = folders.get(0).createMessage();
      try {
        h.set(PropTags.SUBJECT, subject);
        SaveResult r = h.saveChanges();
        m.id = r.messageId();
        m.cn = r.changeNumber();
      } finally {
        h.close();
      }
      m.identity++;
      m.deleted = false;
      m.version = 1;
      m.folder = 0;
      m.props = new HashMap<>(Map.of(PropTags.SUBJECT, subject));
      m.recipients = new ArrayList<>();
    }

    /** Runs {@code action}; its outcome must be {@code expected} (null: success). Returns the action's value. */
    private <T> T expect(MapiError expected, java.util.function.Supplier<T> action) {
      T value;
      try {
        value = action.get();
      } catch (StoreException e) {
        if (e.error() != expected) {
          throw new AssertionError("store said " + e.getMessage() + ", model expected " + (expected == null ? "success" : expected) + "\n" + where(), e);
        }
        return null;
      }
      if (expected != null) {
        throw new AssertionError("store succeeded, model expected " + expected + "\n" + where());
      }
      return value;
    }

    private void apply(Step s) {
      switch (s) {
        case Open o -> open(o);
        case SetProp p -> setProp(p);
        case AddRecipient a -> addRecipient(a);
        case Save v -> save(v);
        case Delete d -> delete(d);
        case Move m -> move(m);
        case Close c -> dropHandle(c.client());
      }
    }

    private void dropHandle(int client) {
      if (handles[client] != null) {
        handles[client].real.close();
        handles[client] = null;
      }
    }

    /** Opens the slot's message; a deleted one is first shown to be NOT_FOUND (R4), then replaced by a new message. */
    private void open(Open o) {
      dropHandle(o.client());
      ModelMessage m = slots[o.slot()];
      if (m.deleted) {
        expect(MapiError.NOT_FOUND, () -> sessions.get(o.client()).openMessage(m.id, OpenFlag.MODIFY));
        create(o.slot());
      }
      Message real = expect(null, () -> sessions.get(o.client()).openMessage(m.id, OpenFlag.MODIFY));
      handles[o.client()] = new ModelHandle(o.slot(), m, real);
      assertThat(real.baseChangeNumber()).as("R7 %s", where()).contains(m.cn);
    }

    private void setProp(SetProp p) {
      ModelHandle h = handles[p.client()];
      if (h == null) {
        return;
      }
      PropTag tag = PROPS.get(p.prop());
      String value = "value " + stepIndex;
      expect(h.closed ? MapiError.INVALID_OBJECT : null, () -> h.real.set(tag, value));
      if (!h.closed) {
        h.pendingProps.put(tag, value);
      }
    }

    private void addRecipient(AddRecipient a) {
      ModelHandle h = handles[a.client()];
      if (h == null) {
        return;
      }
      String name = "Recipient " + stepIndex;
      expect(h.closed ? MapiError.INVALID_OBJECT : null, () -> {
        h.real.modifyRecipients(RecipientOp.ADD, List.of(Recipient.of(PropTags.MAPI_TO, name, "r" + stepIndex + "@example.com")));
        return null;
      });
      if (!h.closed) {
        h.pendingRecipients.add(name);
      }
    }

    private void save(Save v) {
      ModelHandle h = handles[v.client()];
      if (h == null) {
        return;
      }
      ModelMessage m = slots[h.slot];
      MapiError expected;
      boolean commits = false;
      if (h.closed) {
        expected = MapiError.INVALID_OBJECT;
      } else if (m.deleted || m.identity != h.identity) {
        expected = MapiError.OBJECT_DELETED;
      } else if (m.version != h.baseVersion && !v.kind().forced()) {
        expected = MapiError.OBJECT_CHANGED;
      } else {
        expected = null;
        commits = m.version != h.baseVersion || h.dirty();
      }
      SaveResult r = expect(expected, () -> h.real.saveChanges(v.kind().flags));
      if (r == null) {
        return;
      }
      assertThat(r.committed()).as("committed? %s", where()).isEqualTo(commits);
      if (commits) {
        assertThat(r.changeNumber()).as("R61 %s", where()).isGreaterThan(m.cn);
        m.props = h.viewProps();
        m.recipients = h.viewRecipients();
        m.version++;
        m.cn = r.changeNumber();
      } else {
        assertThat(r.changeNumber()).as("R31 %s", where()).isEqualTo(m.cn);
      }
      h.rebase(m);
      if (v.kind() == SaveKind.PLAIN) {
        h.closed = true;
      }
    }

    private void delete(Delete d) {
      ModelMessage m = slots[d.slot()];
      if (m.deleted) {
        return;
      }
      expect(null, () -> {
        sessions.get(d.client()).deleteMessage(m.id);
        return null;
      });
      m.deleted = true;
    }

    private void move(Move mv) {
      ModelMessage m = slots[mv.slot()];
      if (m.deleted) {
        return;
      }
      int target = 1 - m.folder;
      MessageId newId = expect(null, () -> sessions.get(mv.client()).moveMessage(m.id, folders.get(target).id()));
      assertThat(newId).as("R43 %s", where()).isNotEqualTo(m.id);
      m.id = newId;
      m.identity++;
      m.version++;
      m.folder = target;
      ChangeNumber before = m.cn;
      try (Message fresh = fx.owner().openMessage(newId)) {
        m.cn = fresh.baseChangeNumber().orElseThrow();
      }
      assertThat(m.cn).as("R61 move %s", where()).isGreaterThan(before);
    }

    private static Map<PropTag, String> props(Message h) {
      Map<PropTag, String> out = new HashMap<>();
      for (PropTag t : PROPS) {
        h.getProp(t).map(PropValue::asString).ifPresent(v -> out.put(t, v));
      }
      return out;
    }

    private static List<String> recipientNames(Message h) {
      return h.recipients().stream().map(r -> r.get(PropTags.DISPLAY_NAME).map(PropValue::asString).orElse("?")).toList();
    }

    private void verify() {
      for (int s = 0; s < SLOTS; s++) {
        ModelMessage m = slots[s];
        if (m.deleted) {
          expect(MapiError.NOT_FOUND, () -> fx.owner().openMessage(m.id));
          continue;
        }
        try (Message fresh = fx.owner().openMessage(m.id)) {
          assertThat(props(fresh)).as("committed properties of slot %d %s", s, where()).isEqualTo(m.props);
          assertThat(recipientNames(fresh)).as("committed recipients of slot %d %s", s, where())
              .containsExactlyInAnyOrderElementsOf(m.recipients);
          assertThat(fresh.baseChangeNumber()).as("current version of slot %d %s", s, where()).contains(m.cn);
          assertThat(fresh.folderId()).isEqualTo(folders.get(m.folder).id());
        }
      }
      for (int c = 0; c < CLIENTS; c++) {
        ModelHandle h = handles[c];
        if (h == null) {
          continue;
        }
        if (h.closed) {
          assertThat(h.real.isOpen()).as("R18 %s", where()).isFalse();
          continue;
        }
        assertThat(h.real.isOpen()).as("open handle of client %d %s", c, where()).isTrue();
        assertThat(props(h.real)).as("view of client %d %s", c, where()).isEqualTo(h.viewProps());
        assertThat(recipientNames(h.real)).as("view recipients of client %d %s", c, where())
            .containsExactlyInAnyOrderElementsOf(h.viewRecipients());
        ModelMessage m = slots[h.slot];
        if (!m.deleted && m.identity == h.identity && m.version == h.baseVersion) {
          assertThat(h.real.baseChangeNumber()).as("R29 base of client %d %s", c, where()).contains(m.cn);
        } else {
          Objects.requireNonNull(h.real.baseChangeNumber().orElse(null), "a saved message's handle has a base");
        }
      }
    }
  }
}
