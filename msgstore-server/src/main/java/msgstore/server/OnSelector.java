package msgstore.server;

/**
 * Marks the current thread while a request is tried on Jetty's selector thread (ADR 0037): a cheap
 * read (a message whose rendered body is kept) is answered there, without handing the request to
 * another thread. Code that may wait for something (password hashing, a lock held during a write,
 * a request or response stream, an open and render of a message) calls {@link #mayBlock} first:
 * on the selector it throws {@link MustBlock}, and the server starts the request again from the
 * beginning on a request thread. Until it throws, an attempt must change nothing (no counters of
 * failures, no writes, nothing answered).
 *
 * <p>Per thread, like {@link msgstore.engine.spi.StorageDeadline}: {@link #enter} and {@link
 * #close} bracket one attempt.
 */
public final class OnSelector implements AutoCloseable {
  private static final ThreadLocal<OnSelector> CURRENT = new ThreadLocal<>();

  private OnSelector() {}

  /** Starts an attempt on this thread, until {@link #close}. */
  static OnSelector enter() {
    OnSelector attempt = new OnSelector();
    CURRENT.set(attempt);
    return attempt;
  }

  /** True while this thread runs an attempt on the selector. */
  public static boolean active() {
    return CURRENT.get() != null;
  }

  /**
   * Called before anything that may wait.
   *
   * @throws MustBlock on the selector: the request has to run on a request thread
   */
  public static void mayBlock() {
    if (active()) {
      throw MustBlock.INSTANCE;
    }
  }

  @Override
  public void close() {
    CURRENT.remove();
  }

  /** The request has to wait for something: it starts again on a request thread. Carries no stack trace. */
  public static final class MustBlock extends RuntimeException {
    private static final MustBlock INSTANCE = new MustBlock();

    private MustBlock() {
      super("this request has to run on a request thread", null, false, false);
    }
  }
}
