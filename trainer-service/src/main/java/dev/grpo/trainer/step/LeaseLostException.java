package dev.grpo.trainer.step;

/** This trainer no longer holds the run: it stops driving it and leaves the ledger as it is. */
final class LeaseLostException extends RuntimeException {
  LeaseLostException(String message) {
    super(message);
  }
}
