package msgstore.engine;

import java.time.Clock;
import java.time.Duration;
import msgstore.api.MapiError;
import msgstore.api.StoreException;
import msgstore.api.StoreLimits;

/**
 * Configuration of an embedded store, validated on construction and immutable afterwards.
 *
 * @param clock the source of commit times (tests pass a fixed or stepping clock)
 * @param limits the size limits enforced on input
 * @param historyMaxAge versions older than this are pruned (X1: default 30 days) ...
 * @param historyKeepLast ... except the newest this many of each message (default 10)
 * @param maintenanceInterval how often history pruning and blob collection run; zero disables
 * @param blobGrace unreferenced blobs younger than this are kept (a save may be about to use them)
 */
public record EngineOptions(
    Clock clock,
    StoreLimits limits,
    Duration historyMaxAge,
    int historyKeepLast,
    Duration maintenanceInterval,
    Duration blobGrace) {

  public EngineOptions {
    require(clock != null, "clock must not be null");
    require(limits != null, "limits must not be null");
    require(historyMaxAge != null && !historyMaxAge.isNegative(), "historyMaxAge must be >= 0, got " + historyMaxAge);
    require(historyKeepLast >= 1, "historyKeepLast must be >= 1, got " + historyKeepLast);
    require(maintenanceInterval != null && !maintenanceInterval.isNegative(),
        "maintenanceInterval must be >= 0, got " + maintenanceInterval);
    require(blobGrace != null && !blobGrace.isNegative(), "blobGrace must be >= 0, got " + blobGrace);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new StoreException(MapiError.INVALID_PARAMETER, "engine option: " + message);
    }
  }

  public static EngineOptions defaults() {
    return new EngineOptions(Clock.systemUTC(), StoreLimits.DEFAULT, Duration.ofDays(30), 10, Duration.ofHours(1),
        Duration.ofHours(1));
  }

  public EngineOptions withClock(Clock c) {
    return new EngineOptions(c, limits, historyMaxAge, historyKeepLast, maintenanceInterval, blobGrace);
  }

  public EngineOptions withLimits(StoreLimits l) {
    return new EngineOptions(clock, l, historyMaxAge, historyKeepLast, maintenanceInterval, blobGrace);
  }

  public EngineOptions withHistory(Duration maxAge, int keepLast) {
    return new EngineOptions(clock, limits, maxAge, keepLast, maintenanceInterval, blobGrace);
  }

  public EngineOptions withMaintenanceInterval(Duration d) {
    return new EngineOptions(clock, limits, historyMaxAge, historyKeepLast, d, blobGrace);
  }
}
