package dev.grpo.reward.math;

/**
 * Wall-clock budget for one verification. Checked inside every loop that grows with the input, so
 * hostile answers end with TIMEOUT instead of holding a reward worker.
 */
final class Deadline {

  private final long endNanos;

  private Deadline(long endNanos) {
    this.endNanos = endNanos;
  }

  static Deadline after(java.time.Duration budget) {
    long nanos = budget.toNanos();
    return new Deadline(System.nanoTime() + Math.max(0, nanos));
  }

  static Deadline none() {
    return new Deadline(Long.MAX_VALUE);
  }

  void check() {
    if (endNanos != Long.MAX_VALUE && System.nanoTime() - endNanos >= 0) {
      throw new Exceeded();
    }
  }

  /** The time budget ran out. */
  static final class Exceeded extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Exceeded() {
      super("time budget exceeded", null, false, false);
    }
  }
}
