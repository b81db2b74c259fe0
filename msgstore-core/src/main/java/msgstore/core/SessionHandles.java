package msgstore.core;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import msgstore.api.MapiError;
import msgstore.api.StoreException;

/**
 * A session's part in the life of its handles, embedded or remote: the handles (and
 * subscriptions) opened through it, closed with it, their pending edits dropped (R12); and a
 * closed session refusing every call with INVALID_OBJECT (R25). Thread-safe.
 */
public final class SessionHandles {
  private final String user;
  private final Set<AutoCloseable> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  public SessionHandles(String user) {
    this.user = user;
  }

  public void checkOpen() {
    if (closed) {
      throw new StoreException(MapiError.INVALID_OBJECT, "session of " + user + " is closed");
    }
  }

  public void track(AutoCloseable handle) {
    open.add(handle);
  }

  public void untrack(AutoCloseable handle) {
    open.remove(handle);
  }

  /** Closes the session and every handle still open through it; false when it was closed already. */
  public boolean close() {
    synchronized (this) {
      if (closed) {
        return false;
      }
      closed = true;
    }
    for (AutoCloseable c : List.copyOf(open)) {
      try {
        c.close();
      } catch (Exception e) {
        // Closing a handle only drops its pending state; nothing to report.
      }
    }
    open.clear();
    return true;
  }
}
