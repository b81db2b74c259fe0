package msgstore.api;

import java.util.EnumSet;
import java.util.Set;

/** Notification event types with their MAPI fnev* bits (R75-R78). */
public enum EventType {
  NEW_MAIL(0x02),
  OBJECT_CREATED(0x04),
  OBJECT_DELETED(0x08),
  OBJECT_MODIFIED(0x10),
  OBJECT_MOVED(0x20),
  OBJECT_COPIED(0x40);

  private final int bit;

  EventType(int bit) {
    this.bit = bit;
  }

  public int bit() {
    return bit;
  }

  public static Set<EventType> all() {
    return EnumSet.allOf(EventType.class);
  }

  public static Set<EventType> fromMask(int mask) {
    EnumSet<EventType> s = EnumSet.noneOf(EventType.class);
    for (EventType t : values()) {
      if ((mask & t.bit) != 0) {
        s.add(t);
      }
    }
    return s;
  }
}
