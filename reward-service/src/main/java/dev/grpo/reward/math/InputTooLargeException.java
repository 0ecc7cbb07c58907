package dev.grpo.reward.math;

/** An answer whose exact evaluation or parse would cost more than the guards allow. */
final class InputTooLargeException extends RuntimeException {
  InputTooLargeException(String message) {
    super(message, null, false, false);
  }
}
