package dev.grpo.web;

import java.net.URI;
import org.springframework.http.HttpStatus;

/**
 * A request the service answers with an RFC 9457 problem: the status, a stable problem type and a
 * human-readable detail. Thrown from controllers and services, rendered by {@link
 * ApiExceptionHandler}.
 */
public class ApiException extends RuntimeException {

  private final HttpStatus status;
  private final String type;

  public ApiException(HttpStatus status, String type, String detail) {
    super(detail);
    this.status = status;
    this.type = type;
  }

  public static ApiException notFound(String what, Object id) {
    return new ApiException(HttpStatus.NOT_FOUND, "not-found", what + " " + id + " does not exist");
  }

  public static ApiException conflict(String type, String detail) {
    return new ApiException(HttpStatus.CONFLICT, type, detail);
  }

  public HttpStatus status() {
    return status;
  }

  /** The problem type as a URI relative to the API's problem namespace. */
  public URI type() {
    return URI.create("https://grpo.dev/problems/" + type);
  }
}
