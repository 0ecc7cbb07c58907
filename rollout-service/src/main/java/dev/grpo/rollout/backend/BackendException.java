package dev.grpo.rollout.backend;

/** A backend could not do what was asked; {@link #kind()} says whether asking again may help. */
public class BackendException extends RuntimeException {

  /** Why a backend call failed. */
  public enum Kind {
    /** The backend answered 4xx: the request itself is wrong, retrying cannot help. */
    REJECTED,
    /** Retries on 5xx, timeouts or connection errors were used up. */
    FAILED,
    /** No endpoint is healthy. */
    UNAVAILABLE,
    /** The backend answered 2xx with a body this service cannot use. */
    BAD_RESPONSE,
    /** A weight update older than, or conflicting with, what the backend serves. */
    CONFLICT,
    /** The backend has no way to update its weights. */
    UNSUPPORTED
  }

  private final Kind kind;

  public BackendException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public BackendException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
