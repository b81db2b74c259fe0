package msgstore.bench;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The SSE delivery measurement shared by the in-process HTTP load ({@link HttpLoad}) and the
 * separate-process fan-out ({@link SseFanout}): {@code subscribers} raw-socket streams on one
 * selector thread ({@link SseSubscribers}), probe saves until every stream has read an event (then
 * every subscription is live), {@code warmup} saves at {@code rate} per second that are not
 * measured (the server's JIT compiles the delivery path during the first few dozen: the first
 * events of a fresh server take 2-3 times as long), then {@code events} saves at that rate; the latency of
 * each (event, subscriber) is from the moment the save call returned to the moment the subscriber
 * read the event, joined by the event's change key. An event read before its save returned counts
 * as 0 ms and is reported.
 */
final class SseDelivery {
  /** Commits one save and returns its new change key; called on the measuring thread. */
  @FunctionalInterface
  interface Saver {
    String save(String subject) throws Exception;
  }

  /** Called once every subscription is live, before the measured saves (for memory and thread figures). */
  @FunctionalInterface
  interface Live {
    void reached(int streaming) throws Exception;
  }

  record Result(int subscribers, int streaming, String firstFailure, int events, int rate, Samples latencies,
      long missing, long early, long duplicates) {
    boolean clean() {
      return missing == 0 && duplicates == 0 && streaming == subscribers;
    }

    String summary() {
      return String.format(java.util.Locale.ROOT, "%,d deliveries, %s, max %s ms; %,d missing, %,d duplicated, %,d read"
          + " before the save returned", latencies.size(), latencies.p50p99(), Samples.ms(latencies.maxMillis()), missing,
          duplicates, early);
    }
  }

  private record Pending(int subscriber, String key, long nanos) {}

  private SseDelivery() {}

  static Result measure(InetSocketAddress address, String eventsPath, String token, int subs, int warmup, int events,
      int rate, Saver saver, Live live) throws Exception {
    long[][] received = new long[subs][events];
    for (long[] r : received) {
      Arrays.fill(r, Long.MIN_VALUE);
    }
    long[] committed = new long[events];
    Map<String, Integer> keyIndex = new ConcurrentHashMap<>(events * 2);
    ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
    boolean[] seenAny = new boolean[subs];
    AtomicInteger ready = new AtomicInteger();
    AtomicLong delivered = new AtomicLong();
    AtomicLong duplicates = new AtomicLong();
    AtomicBoolean armed = new AtomicBoolean(); // set just before the measured saves; probes come before
    Set<String> probeKeys = ConcurrentHashMap.newKeySet(); // a probe's event read after arming is not a measured one
    SseSubscribers.Listener listener = (sub, data, now) -> { // selector thread
      if (!seenAny[sub]) {
        seenAny[sub] = true;
        ready.incrementAndGet();
      }
      String key = HttpLoad.eventChangeKey(data);
      if (key == null || !armed.get() || probeKeys.contains(key)) {
        return;
      }
      Integer i = keyIndex.get(key);
      if (i == null) { // read before its save returned (or a late probe): resolved at the end
        pending.add(new Pending(sub, key, now));
        delivered.incrementAndGet();
      } else if (received[sub][i] != Long.MIN_VALUE) {
        duplicates.incrementAndGet();
      } else {
        received[sub][i] = now;
        delivered.incrementAndGet();
      }
    };

    System.out.printf("# SSE: connecting %,d subscribers%n", subs);
    SseSubscribers fleet = new SseSubscribers(address, eventsPath, token, subs, listener);
    int streaming;
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (fleet.streaming() + fleet.failed() < subs && System.nanoTime() < deadline) {
        Thread.sleep(50); // polls the selector thread's counters until every subscriber answered
      }
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      int probes = 0;
      while (ready.get() < subs - fleet.failed() && System.nanoTime() < deadline) {
        probeKeys.add(saver.save("sse probe " + probes++));
        Thread.sleep(300); // the probe rate: a few per second while subscriptions go live
      }
      streaming = fleet.streaming();
      System.out.printf("# SSE: %,d streaming, %,d ready after %d probe save(s), %d failed%s%n", streaming, ready.get(),
          probes, fleet.failed(), fleet.firstFailure() == null ? "" : " (" + fleet.firstFailure() + ")");
      live.reached(streaming);
      long interval = 1_000_000_000L / rate;
      long t0 = System.nanoTime();
      for (int i = 0; i < warmup; i++) {
        pace(t0 + i * interval);
        probeKeys.add(saver.save("sse warm-up " + i));
      }
      armed.set(true); // probe and warm-up events still in flight are recognised by their keys and ignored

      t0 += warmup * interval;
      for (int i = 0; i < events; i++) {
        pace(t0 + i * interval);
        String key = saver.save("sse " + i);
        committed[i] = System.nanoTime();
        keyIndex.put(key, i);
      }
      long expected = (long) streaming * events;
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); // then what has not arrived is missing
      while (delivered.get() < expected && System.nanoTime() < deadline) {
        Thread.sleep(20); // polls the selector thread's counter until every delivery arrived or the deadline
      }
    } finally {
      fleet.close(); // joins the selector thread: its writes are visible from here
    }

    long early = 0;
    for (Pending x : pending) {
      Integer i = keyIndex.get(x.key());
      if (i != null && received[x.subscriber()][i] == Long.MIN_VALUE) {
        received[x.subscriber()][i] = x.nanos();
      }
    }
    Samples lat = new Samples();
    long missing = 0;
    for (int sub = 0; sub < subs; sub++) {
      for (int i = 0; i < events; i++) {
        long r = received[sub][i];
        if (r == Long.MIN_VALUE) {
          missing++;
          continue;
        }
        long d = r - committed[i];
        if (d < 0) {
          early++;
          d = 0;
        }
        lat.add(d);
      }
    }
    Result res = new Result(subs, streaming, fleet.firstFailure(), events, rate, lat, missing, early, duplicates.get());
    System.out.println("# SSE: " + res.summary());
    return res;
  }

  /** Waits until {@code due} ({@link System#nanoTime}). */
  private static void pace(long due) {
    for (long left = due - System.nanoTime(); left > 0; left = due - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
  }
}
