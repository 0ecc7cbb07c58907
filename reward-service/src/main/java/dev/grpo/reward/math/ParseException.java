package dev.grpo.reward.math;

/** The text is not an answer this parser understands. */
final class ParseException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ParseException(String message) {
    super(message, null, false, false);
  }
}
