package dev.grpo.localstack;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * How often a service may be started again after dying: at most {@code maxRestarts} within any
 * {@code window}, counted per service. Beyond that the fault is persistent and restarting would
 * only hide it. Times are {@link System#nanoTime} readings, passed in so the rule can be tested.
 */
final class RestartBudget {

  private final int maxRestarts;
  private final long windowNanos;
  private final Map<String, Deque<Long>> restarts = new HashMap<>();

  RestartBudget(int maxRestarts, Duration window) {
    if (maxRestarts < 0 || window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("needs maxRestarts >= 0 and a positive window");
    }
    this.maxRestarts = maxRestarts;
    this.windowNanos = window.toNanos();
  }

  /** Records a restart of {@code service} at {@code nowNanos} if the budget allows one. */
  synchronized boolean tryRestart(String service, long nowNanos) {
    Deque<Long> recent = restarts.computeIfAbsent(service, s -> new ArrayDeque<>());
    while (!recent.isEmpty() && nowNanos - recent.peekFirst() >= windowNanos) {
      recent.removeFirst();
    }
    if (recent.size() >= maxRestarts) {
      return false;
    }
    recent.addLast(nowNanos);
    return true;
  }
}
