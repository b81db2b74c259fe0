package msgstore.server;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.function.IntSupplier;

/**
 * A tiny hand-written metrics registry rendered in the Prometheus text exposition format (0.0.4).
 * Thread-safe; counters are lock-free.
 */
public final class Metrics {
  private static final double[] SAVE_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private final AtomicLong saves = new AtomicLong();
  private final AtomicLong conflicts = new AtomicLong();
  private final AtomicLong forcedSaves = new AtomicLong();
  private final ConcurrentHashMap<String, AtomicLong> requests = new ConcurrentHashMap<>();
  private final AtomicLongArray saveBuckets = new AtomicLongArray(SAVE_BUCKETS.length);
  private final AtomicLong saveCount = new AtomicLong();
  private final DoubleAdder saveSum = new DoubleAdder();
  private final IntSupplier subscribers;
  private final AtomicLong loginFailures = new AtomicLong();
  private final AtomicLong loginLockouts = new AtomicLong();
  private final AtomicLong loginThrottled = new AtomicLong();
  private final AtomicLong hashingRejected = new AtomicLong();
  private final AtomicLong eventStreamsRefused = new AtomicLong();
  private final AtomicLong answeredOnSelector = new AtomicLong();

  /** @param subscribers the current number of event-stream subscribers */
  public Metrics(IntSupplier subscribers) {
    this.subscribers = subscribers;
  }

  /** A committed save (normal, forced, merged, copy, keep-both). */
  public void save(boolean forced) {
    saves.incrementAndGet();
    if (forced) {
      forcedSaves.incrementAndGet();
    }
  }

  /** A save that hit OBJECT_CHANGED (whether or not a conflict choice then resolved it). */
  public void conflict() {
    conflicts.incrementAndGet();
  }

  /** The duration of one save request, in seconds. */
  public void saveSeconds(double seconds) {
    for (int i = 0; i < SAVE_BUCKETS.length; i++) {
      if (seconds <= SAVE_BUCKETS[i]) {
        saveBuckets.incrementAndGet(i);
        break;
      }
    }
    saveCount.incrementAndGet();
    saveSum.add(seconds);
  }

  /** One answered HTTP request. */
  public void request(String method, int status) {
    requests.computeIfAbsent(method + " " + status, k -> new AtomicLong()).incrementAndGet();
  }

  /** A request whose credentials were refused (401). */
  public void loginFailure() {
    loginFailures.incrementAndGet();
  }

  /** A user name or client address locked out after too many failures. */
  public void loginLockout() {
    loginLockouts.incrementAndGet();
  }

  /** A login refused with 429 because its user name or address is locked out. */
  public void loginThrottled() {
    loginThrottled.incrementAndGet();
  }

  /** A login answered 503 because every password-hashing slot stayed busy. */
  public void hashingRejected() {
    hashingRejected.incrementAndGet();
  }

  /** A request answered on the selector thread that read it, without a hand-off (ADR 0037). */
  public void answeredOnSelector() {
    answeredOnSelector.incrementAndGet();
  }

  /** An event stream refused by the per-user or per-server cap. */
  public void eventStreamRefused() {
    eventStreamsRefused.incrementAndGet();
  }

  public long saves() {
    return saves.get();
  }

  public long conflicts() {
    return conflicts.get();
  }

  public long forcedSaves() {
    return forcedSaves.get();
  }

  /** The registry in Prometheus text format. */
  public String render() {
    return render(null);
  }

  /** The registry in Prometheus text format, with the LMTP listener's counters when it runs. */
  public String render(msgstore.server.lmtp.LmtpServer.Counters lmtp) {
    StringBuilder b = new StringBuilder(2048);
    if (lmtp != null) {
      counter(b, "msgstore_lmtp_delivered_total", "LMTP recipients delivered (250 after the message was durable).",
          lmtp.delivered());
      counter(b, "msgstore_lmtp_failed_total", "LMTP deliveries that failed after DATA (per recipient; permanent or temporary).", lmtp.failed());
      counter(b, "msgstore_lmtp_too_big_total", "LMTP messages refused as over the SIZE limit.", lmtp.tooBig());
      b.append("# HELP msgstore_lmtp_store_seconds_total Time spent storing delivered messages.\n");
      b.append("# TYPE msgstore_lmtp_store_seconds_total counter\n");
      b.append("msgstore_lmtp_store_seconds_total ").append(fmt(lmtp.storing().toNanos() / 1e9)).append('\n');
    }
    counter(b, "msgstore_saves_total", "Message saves committed over HTTP.", saves.get());
    counter(b, "msgstore_conflicts_total", "Saves that found the message changed since their base (OBJECT_CHANGED).",
        conflicts.get());
    counter(b, "msgstore_forced_saves_total", "Forced saves (If-Match: * or an overwrite choice).", forcedSaves.get());
    counter(b, "msgstore_login_failures_total", "Requests whose credentials were refused (401).",
        loginFailures.get());
    counter(b, "msgstore_login_lockouts_total", "User names or client addresses locked out after failed logins.",
        loginLockouts.get());
    counter(b, "msgstore_login_throttled_total", "Logins refused with 429 during a lockout.", loginThrottled.get());
    counter(b, "msgstore_password_hashing_rejected_total",
        "Logins answered 503 because every password-hashing slot stayed busy.", hashingRejected.get());
    counter(b, "msgstore_event_streams_refused_total", "Event streams refused by the per-user or server cap.",
        eventStreamsRefused.get());
    counter(b, "msgstore_http_answered_on_selector_total",
        "HTTP requests answered on the selector thread that read them (cheap reads, ADR 0037).", answeredOnSelector.get());
    b.append("# HELP msgstore_http_requests_total HTTP requests answered, by method and status.\n");
    b.append("# TYPE msgstore_http_requests_total counter\n");
    Map<String, Long> sorted = new TreeMap<>();
    requests.forEach((k, v) -> sorted.put(k, v.get()));
    sorted.forEach((k, v) -> {
      int sp = k.indexOf(' ');
      b.append("msgstore_http_requests_total{method=\"").append(k, 0, sp).append("\",status=\"")
          .append(k.substring(sp + 1)).append("\"} ").append(v).append('\n');
    });
    b.append("# HELP msgstore_save_seconds Duration of save requests.\n");
    b.append("# TYPE msgstore_save_seconds histogram\n");
    long cumulative = 0;
    for (int i = 0; i < SAVE_BUCKETS.length; i++) {
      cumulative += saveBuckets.get(i);
      b.append("msgstore_save_seconds_bucket{le=\"").append(fmt(SAVE_BUCKETS[i])).append("\"} ").append(cumulative)
          .append('\n');
    }
    long count = saveCount.get();
    b.append("msgstore_save_seconds_bucket{le=\"+Inf\"} ").append(count).append('\n');
    b.append("msgstore_save_seconds_sum ").append(fmt(saveSum.sum())).append('\n');
    b.append("msgstore_save_seconds_count ").append(count).append('\n');
    b.append("# HELP msgstore_event_subscribers Open event streams.\n");
    b.append("# TYPE msgstore_event_subscribers gauge\n");
    b.append("msgstore_event_subscribers ").append(subscribers.getAsInt()).append('\n');
    return b.toString();
  }

  private static void counter(StringBuilder b, String name, String help, long value) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(" counter\n");
    b.append(name).append(' ').append(value).append('\n');
  }

  private static String fmt(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.format(Locale.ROOT, "%.1f", d) : Double.toString(d);
  }
}
