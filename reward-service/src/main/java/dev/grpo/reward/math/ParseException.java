package dev.grpo.reward.math;

/** The text is not an answer this parser understands. */
final class ParseException extends RuntimeException {
  ParseException(String message) {
    super(message, null, false, false);
  }
}
