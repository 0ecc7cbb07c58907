package dev.grpo.rollout.backend;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.web.ApiException;
import dev.grpo.web.InvalidRequestException;
import java.util.List;
import org.springframework.http.HttpStatus;

/** How a backend failure reads at the HTTP edge. */
public final class BackendProblems {

  private BackendProblems() {}

  public static ApiException toProblem(BackendException e) {
    return switch (e.kind()) {
      case REJECTED -> new ApiException(HttpStatus.BAD_GATEWAY, "backend-rejected", e.getMessage());
      case FAILED -> new ApiException(HttpStatus.BAD_GATEWAY, "backend-failed", e.getMessage());
      case BAD_RESPONSE ->
          new ApiException(HttpStatus.BAD_GATEWAY, "backend-bad-response", e.getMessage());
      case UNAVAILABLE ->
          new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "backend-unavailable", e.getMessage());
      case CONFLICT -> ApiException.conflict("policy-version-conflict", e.getMessage());
      case UNSUPPORTED -> ApiException.conflict("weight-sync-unsupported", e.getMessage());
    };
  }

  /** The backend a request names, or the default; an unknown name is the caller's mistake. */
  public static InferenceBackend require(BackendRegistry registry, String name) {
    return registry
        .find(name)
        .orElseThrow(
            () ->
                name == null
                    ? new ApiException(
                        HttpStatus.SERVICE_UNAVAILABLE,
                        "no-backend",
                        "no inference backend is configured (grpo.rollout.backends)")
                    : new InvalidRequestException(
                        List.of(
                            new FieldProblem(
                                "backend",
                                "unknown backend '%s'; configured: %s"
                                    .formatted(name, registry.names())))));
  }
}
