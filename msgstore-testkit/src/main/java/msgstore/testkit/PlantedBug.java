package msgstore.testkit;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import msgstore.api.Folder;
import msgstore.api.FolderId;
import msgstore.api.MapiError;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.MessageStore;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.RecipientOp;
import msgstore.api.SaveFlag;
import msgstore.api.SaveResult;
import msgstore.api.Session;
import msgstore.api.StoreException;

/**
 * Defects planted in front of a real store, to prove that {@link ModelBasedContract} catches
 * them: each one wraps the store's {@link MessageStore}, {@link Session}, {@link Folder} and
 * {@link Message} objects (dynamic proxies) and changes one behaviour the way a bug in the engine
 * would show through the API. {@code PlantedBugCheck} tests assert that the model-based property
 * finds a counterexample for every constant; a bug it no longer catches means the generator or
 * the model has lost strength.
 */
public enum PlantedBug {
  /** FORCE_SAVE is ignored: a forced save over a newer version fails with OBJECT_CHANGED (R36). */
  FORCE_SAVE_IGNORED,
  /** Every save is forced: a stale save overwrites the newer version (a lost update, R28). */
  CONFLICT_CHECK_SKIPPED,
  /** A handle that already saved once with keep-open skips the conflict check on later saves (R29). */
  CONFLICT_CHECK_SKIPPED_AFTER_FIRST_SAVE,
  /** KEEP_OPEN_READWRITE is ignored: every save closes the handle (R19). */
  KEEP_OPEN_IGNORED,
  /** A save without keep-open flags leaves the handle open (R18). */
  PLAIN_SAVE_LEAVES_HANDLE_OPEN,
  /** Setting ORIGINAL_SUBJECT writes SUBJECT instead. */
  PROPERTY_WRITTEN_TO_WRONG_TAG,
  /** Setting BODY is accepted and silently dropped. */
  BODY_SET_DROPPED,
  /** Adding a recipient is accepted and silently dropped. */
  RECIPIENT_ADD_DROPPED,
  /** A soft delete is accepted and does nothing (R41). */
  DELETE_IGNORED,
  /** A move copies: the message also stays in its old folder under its old id (R43). */
  MOVE_LEAVES_ORIGINAL,
  /** Saving a message deleted since it was opened answers NOT_FOUND, not OBJECT_DELETED (R27, R42). */
  DELETED_SAVE_ANSWERS_NOT_FOUND,
  /** Setting a property on a handle closed by a save is silently accepted (R18). */
  SET_ON_CLOSED_HANDLE_ACCEPTED,
  /** A committing save reports the old change number instead of a new one (R61). */
  CHANGE_NUMBER_NOT_ADVANCED;

  private static final Set<Class<?>> WRAPPED = Set.of(MessageStore.class, Session.class, Folder.class, Message.class);

  /** {@code store} with this bug planted in front of it; {@link #unwrap} gives the real store back. */
  public MessageStore plantIn(MessageStore store) {
    return (MessageStore) wrap(store, MessageStore.class);
  }

  /** The real store behind {@code store} if a bug was planted in front of it, else {@code store}. */
  public static MessageStore unwrap(MessageStore store) {
    if (Proxy.isProxyClass(store.getClass()) && Proxy.getInvocationHandler(store) instanceof Planted p) {
      return (MessageStore) p.target;
    }
    return store;
  }

  private Object wrap(Object target, Class<?> type) {
    return Proxy.newProxyInstance(PlantedBug.class.getClassLoader(), new Class<?>[] {type}, new Planted(this, target));
  }

  /** The handler of one wrapped object. */
  private static final class Planted implements InvocationHandler {
    private final PlantedBug bug;
    private final Object target;
    private boolean savedWithKeepOpen;

    Planted(PlantedBug bug, Object target) {
      this.bug = bug;
      this.target = target;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      if (method.getDeclaringClass() == Object.class) {
        return switch (method.getName()) {
          case "equals" -> proxy == args[0];
          case "hashCode" -> System.identityHashCode(proxy);
          default -> "planted " + bug + " in " + target;
        };
      }
      Object result = switch (target) {
        case Message m -> onMessage(m, method, args);
        case Session s -> onSession(s, method, args);
        default -> call(method, args);
      };
      if (result != null && WRAPPED.contains(method.getReturnType())) {
        return bug.wrap(result, method.getReturnType());
      }
      return result;
    }

    private Object call(Method method, Object[] args) throws Throwable {
      try {
        return method.invoke(target, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }

    private Object onMessage(Message m, Method method, Object[] args) throws Throwable {
      String name = method.getName();
      if (name.equals("saveChanges") && args.length == 1 && args[0] instanceof SaveFlag[] given) {
        return save(m, given);
      }
      if (name.equals("set") && args.length == 2) {
        if (bug == PROPERTY_WRITTEN_TO_WRONG_TAG && PropTags.ORIGINAL_SUBJECT.equals(args[0])) {
          return m.setProps(PropValue.of(PropTags.SUBJECT, args[1]));
        }
        if (bug == BODY_SET_DROPPED && PropTags.BODY.equals(args[0])) {
          return List.of();
        }
        if (bug == SET_ON_CLOSED_HANDLE_ACCEPTED && !m.isOpen()) {
          return List.of();
        }
      }
      if (name.equals("modifyRecipients") && bug == RECIPIENT_ADD_DROPPED && args[0] == RecipientOp.ADD) {
        return null;
      }
      return call(method, args);
    }

    private Object onSession(Session s, Method method, Object[] args) throws Throwable {
      String name = method.getName();
      if (bug == DELETE_IGNORED && (name.equals("deleteMessage") || name.equals("deleteMessages"))) {
        return null;
      }
      if (bug == MOVE_LEAVES_ORIGINAL && name.equals("moveMessage")) {
        return s.copyMessage((MessageId) args[0], (FolderId) args[1]);
      }
      return call(method, args);
    }

    private SaveResult save(Message m, SaveFlag[] given) {
      EnumSet<SaveFlag> flags = given.length == 0 ? EnumSet.noneOf(SaveFlag.class) : EnumSet.copyOf(Arrays.asList(given));
      boolean keepOpen = flags.contains(SaveFlag.KEEP_OPEN_READWRITE) || flags.contains(SaveFlag.KEEP_OPEN_READONLY);
      switch (bug) {
        case FORCE_SAVE_IGNORED -> flags.remove(SaveFlag.FORCE_SAVE);
        case CONFLICT_CHECK_SKIPPED -> flags.add(SaveFlag.FORCE_SAVE);
        case CONFLICT_CHECK_SKIPPED_AFTER_FIRST_SAVE -> {
          if (savedWithKeepOpen) {
            flags.add(SaveFlag.FORCE_SAVE);
          }
        }
        case KEEP_OPEN_IGNORED -> {
          flags.remove(SaveFlag.KEEP_OPEN_READWRITE);
          flags.remove(SaveFlag.KEEP_OPEN_READONLY);
        }
        case PLAIN_SAVE_LEAVES_HANDLE_OPEN -> {
          if (!keepOpen) {
            flags.add(SaveFlag.KEEP_OPEN_READWRITE);
          }
        }
        default -> { }
      }
      var base = m.baseChangeNumber();
      SaveResult r;
      try {
        r = m.saveChanges(flags.toArray(SaveFlag[]::new));
      } catch (StoreException e) {
        if (bug == DELETED_SAVE_ANSWERS_NOT_FOUND && e.error() == MapiError.OBJECT_DELETED) {
          throw new StoreException(MapiError.NOT_FOUND, "planted bug: " + e.getMessage());
        }
        throw e;
      }
      if (keepOpen) {
        savedWithKeepOpen = true;
      }
      if (bug == CHANGE_NUMBER_NOT_ADVANCED && r.committed() && base.isPresent()) {
        return new SaveResult(r.messageId(), base.get(), r.changeKey(), r.committed(), r.replaced(), r.mergeReport(), r.choice());
      }
      return r;
    }
  }

}
