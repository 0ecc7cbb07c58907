package dev.grpo.dataset;

/**
 * A dataset file that cannot be read as the spec says: the spec field at fault (for example {@code
 * data.path} or {@code data.fields.prompt}) and a reason that never quotes the file's content, so
 * an error message cannot leak what a path points at.
 */
public final class DatasetException extends RuntimeException {

  private final String field;

  public DatasetException(String field, String reason) {
    super(reason);
    this.field = field;
  }

  public DatasetException(String field, String reason, Throwable cause) {
    super(reason, cause);
    this.field = field;
  }

  /** The run-spec field the problem is reported against. */
  public String field() {
    return field;
  }
}
