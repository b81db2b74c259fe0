package msgstore.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The claims of conditional saves on their way to the storage (R28 answered without a write): what
 * a second save of the same message learns from the one holding the claim, on real threads.
 */
class LatestVersionsTest {
  private static final long MSG = 42;
  private final LatestVersions latest = new LatestVersions();

  @Test
  void aSaveFromTheSameBaseShouldWaitForTheHolderAndLearnItsChangeNumberWhenTheHolderCommits() throws Exception {
    LatestVersions.Claim first = latest.claim(MSG, 5);
    assertThat(first).isNotNull();
    assertThat(latest.claim(MSG, 5)).isNull();
    CompletableFuture<Long> second = CompletableFuture.supplyAsync(() -> latest.newerThanBase(MSG, 5));
    assertThat(waitsMoreThan100Ms(second)).as("waits while the first save is being written").isTrue();
    first.settle(9);
    assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(9);
    assertThat(latest.knownNewerThan(MSG, 5)).as("a settled commit is known before its journal entry").isTrue();
  }

  @Test
  void aSaveFromTheSameBaseShouldWriteAsUsualWhenTheHolderDidNotCommit() throws Exception {
    LatestVersions.Claim first = latest.claim(MSG, 5);
    CompletableFuture<Long> second = CompletableFuture.supplyAsync(() -> latest.newerThanBase(MSG, 5));
    first.settle(0);
    assertThat(second.get(10, TimeUnit.SECONDS)).isZero();
    assertThat(latest.knownNewerThan(MSG, 5)).isFalse();
    assertThat(latest.claim(MSG, 5)).as("the claim is free again").isNotNull();
  }

  @Test
  void aSaveFromAnOlderBaseShouldBeStaleAtOnceWhenANewerBaseHoldsTheClaim() {
    LatestVersions.Claim holder = latest.claim(MSG, 7);
    assertThat(latest.claim(MSG, 6)).isNull();
    assertThat(latest.newerThanBase(MSG, 6)).isEqualTo(7); // no wait: base 7 is a committed version above 6
    holder.settle(0);
  }

  @Test
  void aSaveFromANewerBaseShouldTakeTheClaimFromAStaleHolderWhoseSettleThenLeavesItAlone() throws Exception {
    LatestVersions.Claim stale = latest.claim(MSG, 6);
    LatestVersions.Claim fresh = latest.claim(MSG, 7);
    assertThat(fresh).as("the holder from base 6 is stale: the claim passes").isNotNull();
    stale.settle(0); // the stale save lost in the storage
    assertThat(latest.claim(MSG, 7)).as("still held by the fresh save").isNull();
    CompletableFuture<Long> waiter = CompletableFuture.supplyAsync(() -> latest.newerThanBase(MSG, 7));
    assertThat(waitsMoreThan100Ms(waiter)).isTrue();
    fresh.settle(8);
    assertThat(waiter.get(10, TimeUnit.SECONDS)).isEqualTo(8);
  }

  // ---- losers take turns (ADR 0039)

  private static final long LONG = TimeUnit.SECONDS.toNanos(30);

  /** Real threads of their own: the common pool may have one thread on a small machine. */
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  private CompletableFuture<Void> loser() {
    return CompletableFuture.runAsync(() -> latest.awaitTurn(MSG, LONG), threads);
  }

  private void awaitWaiting(int n) {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (latest.waitingTurns(MSG) != n) {
      assertThat(System.nanoTime()).as(n + " losers wait within 30 s").isLessThan(until);
      Thread.onSpinWait();
    }
  }

  @Test
  void losersOfARaceShouldTakeTurnsOneForEachSettledSave() throws Exception {
    LatestVersions.Claim winner = latest.claim(MSG, 5);
    winner.settle(6);
    latest.awaitTurn(MSG, LONG); // the first loser to report goes at once, and tries again
    CompletableFuture<Void> second = loser();
    awaitWaiting(1);
    CompletableFuture<Void> third = loser();
    awaitWaiting(2);
    assertThat(second).isNotDone();

    latest.claim(MSG, 6).settle(7); // the first loser's new try settles: the second's turn
    second.get(10, TimeUnit.SECONDS);
    awaitWaiting(1);
    assertThat(third).as("one turn for each settled save").isNotDone();

    latest.claim(MSG, 7).settle(0); // a save that did not commit passes the turn on as well
    third.get(10, TimeUnit.SECONDS);
    assertThat(latest.waitingTurns(MSG)).isZero();
  }

  @Test
  void aLoserShouldReportItsConflictAfterItsLongestWaitWhenNoSaveSettles() {
    latest.awaitTurn(MSG, LONG); // goes at once
    long t0 = System.nanoTime();
    latest.awaitTurn(MSG, TimeUnit.MILLISECONDS.toNanos(50));
    assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
    assertThat(latest.waitingTurns(MSG)).isZero();
  }

  @Test
  void aConflictOnAMessageNobodyElseIsSavingShouldBeReportedAtOnce() {
    long t0 = System.nanoTime();
    latest.awaitTurn(MSG, LONG);
    latest.awaitTurn(MSG + 1, LONG);
    assertThat(System.nanoTime() - t0).as("no turn to wait for").isLessThan(TimeUnit.SECONDS.toNanos(5));
    latest.claim(MSG, 5).settle(6); // the loser's try settled, nobody waits: the turn is over
    t0 = System.nanoTime();
    latest.awaitTurn(MSG, LONG);
    assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(5));
  }

  @Test
  void noHolderShouldProveNothing() {
    assertThat(latest.newerThanBase(MSG, 5)).isZero();
    assertThat(latest.knownNewerThan(MSG, 5)).isFalse();
  }

  private static boolean waitsMoreThan100Ms(CompletableFuture<Long> f) throws Exception {
    try {
      f.get(100, TimeUnit.MILLISECONDS);
      return false;
    } catch (java.util.concurrent.TimeoutException e) {
      return true;
    }
  }
}
