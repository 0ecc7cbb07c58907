package dev.grpo.reward.math;

/** An answer whose exact evaluation or parse would cost more than the guards allow. */
final class InputTooLargeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  InputTooLargeException(String message) {
    super(message, null, false, false);
  }
}
