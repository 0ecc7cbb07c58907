package dev.grpo.trainer.train;

/** A checkpoint could not be written, or is missing, incomplete or altered. */
public final class CheckpointException extends RuntimeException {

  public CheckpointException(String message) {
    super(message);
  }

  public CheckpointException(String message, Throwable cause) {
    super(message, cause);
  }
}
