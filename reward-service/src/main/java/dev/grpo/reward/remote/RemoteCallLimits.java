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
 * @param bulkheadWait how long a call waits for a free slot before it answers TIMEOUT
 */
record RemoteCallLimits(
    long maxResponseBytes, double maxAbsScore, int maxConcurrentCalls, Duration bulkheadWait) {

  static final RemoteCallLimits DEFAULTS =
      new RemoteCallLimits(4L << 20, 1e6, 1, Duration.ofMillis(50));

  RemoteCallLimits {
    if (maxResponseBytes < 1 || !(maxAbsScore > 0) || maxConcurrentCalls < 1) {
      throw new IllegalArgumentException("remote call limits must be positive");
    }
  }
}
