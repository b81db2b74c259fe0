package msgstore.api;

import java.time.Instant;
import java.util.Optional;

/**
 * Typed reads of properties, shared by handles ({@link PropObject}: {@link Message}, {@link
 * Attachment}) and the immutable views ({@link MessageSnapshot}, {@link TableRow}, {@link
 * Recipient}, {@link AttachmentRow}). Every getter returns the value of {@link #getProp}, or empty
 * when the property is absent:
 *
 * <pre>{@code
 * String subject = m.getString(PropTags.SUBJECT).orElse("");
 * int flags = m.getInt(PropTags.MESSAGE_FLAGS).orElse(0);
 * }</pre>
 *
 * @throws StoreException UNEXPECTED_TYPE (from each getter) when the tag's type does not hold that
 *     Java type, for example {@code getInt} on a PT_UNICODE tag; nothing is read then
 */
public interface PropReader {
  /** One property, or empty when it is absent. */
  Optional<PropValue> getProp(PropTag tag);

  /** A PT_UNICODE or PT_STRING8 property. */
  default Optional<String> getString(PropTag tag) {
    return typed(tag, String.class, "a string").map(PropValue::asString);
  }

  /** A PT_LONG (32-bit) or PT_ERROR property. */
  default Optional<Integer> getInt(PropTag tag) {
    return typed(tag, Integer.class, "an int").map(PropValue::asInt);
  }

  /** A PT_I8 or PT_CURRENCY property. */
  default Optional<Long> getLong(PropTag tag) {
    return typed(tag, Long.class, "a long").map(PropValue::asLong);
  }

  /** A PT_BOOLEAN property. */
  default Optional<Boolean> getBoolean(PropTag tag) {
    return typed(tag, Boolean.class, "a boolean").map(PropValue::asBoolean);
  }

  /** A PT_SYSTIME property. */
  default Optional<Instant> getInstant(PropTag tag) {
    return typed(tag, Instant.class, "an instant").map(PropValue::asInstant);
  }

  /** A PT_BINARY property (a copy). */
  default Optional<byte[]> getBytes(PropTag tag) {
    return typed(tag, byte[].class, "bytes").map(PropValue::asBytes);
  }

  private Optional<PropValue> typed(PropTag tag, Class<?> want, String what) {
    if (tag.type().isMultiValued() || tag.type().elementClass() != want) {
      throw new StoreException(MapiError.UNEXPECTED_TYPE, tag.displayName() + " is of type " + tag.type()
          + ", which does not hold " + what);
    }
    return getProp(tag);
  }
}
