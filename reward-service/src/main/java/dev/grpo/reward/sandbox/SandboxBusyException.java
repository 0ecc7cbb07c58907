package dev.grpo.reward.sandbox;

import java.time.Duration;

/** The sandbox queue is full; retry after the hint (HTTP 429 with Retry-After). */
public final class SandboxBusyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Duration retryAfter;

  public SandboxBusyException(int queued, Duration retryAfter) {
    super("sandbox busy: " + queued + " submissions queued; retry after " + retryAfter);
    this.retryAfter = retryAfter;
  }

  public Duration retryAfter() {
    return retryAfter;
  }
}
