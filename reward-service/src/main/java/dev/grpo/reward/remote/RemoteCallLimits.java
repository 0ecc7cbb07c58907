package dev.grpo.reward.remote;

import java.time.Duration;

/**
 * What one remote rule may cost this service.
 *
 * @param maxResponseBytes the largest answer read; a longer one is an ERROR
 * @param maxAbsScore the largest score magnitude accepted; beyond it the result is an ERROR, so a
 *     remote score of 1e308 never turns a total into Infinity
 * @param maxConcurrentCalls the rule's bulkhead: calls in flight at once, across all requests, so a
 *     hung rule holds at most this many scoring threads
 * @param bulkheadWait how long a call waits for a free slot once the rule looks stuck, before it
 *     answers TIMEOUT
 * @param stuckAfter when the oldest call in flight has run this long, the rule looks stuck: until
 *     then a call finding the bulkhead full waits for a slot (up to the rule's timeout), so the
 *     groups of one request to a slow but healthy rule queue instead of timing out
 */
record RemoteCallLimits(
    long maxResponseBytes,
    double maxAbsScore,
    int maxConcurrentCalls,
    Duration bulkheadWait,
    Duration stuckAfter) {

  static final RemoteCallLimits DEFAULTS =
      new RemoteCallLimits(4L << 20, 1e6, 1, Duration.ofMillis(50), Duration.ofSeconds(1));

  RemoteCallLimits {
    if (maxResponseBytes < 1 || !(maxAbsScore > 0) || maxConcurrentCalls < 1) {
      throw new IllegalArgumentException("remote call limits must be positive");
    }
    if (!positive(bulkheadWait) || !positive(stuckAfter)) {
      throw new IllegalArgumentException(
          "bulkhead-wait and stuck-after must be positive, got %s and %s"
              .formatted(bulkheadWait, stuckAfter));
    }
  }

  private static boolean positive(Duration d) {
    return !d.isNegative() && !d.isZero();
  }
}
