package dev.grpo.reward.runcode;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.reward.config.SandboxProperties;
import dev.grpo.reward.sandbox.Language;
import dev.grpo.reward.sandbox.SandboxBusyException;
import dev.grpo.reward.sandbox.SandboxService;
import dev.grpo.web.ApiException;
import dev.grpo.web.InvalidRequestException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * SandboxFusion's {@code run_code}, so trainers built for SandboxFusion (verl, open-r1) can point
 * at this service: same request fields, same response shape.
 */
@RestController
class SandboxController {

  private final SandboxService service;
  private final SandboxProperties properties;
  private volatile SandboxFusionFacade facade;

  SandboxController(SandboxService service, SandboxProperties properties) {
    this.service = service;
    this.properties = properties;
  }

  /** The run_code operation on the service's sandbox; throws when there is none. */
  private SandboxFusionFacade facade() {
    SandboxFusionFacade f = facade;
    if (f == null) {
      f = new SandboxFusionFacade(service.sandbox(), service.executor());
      facade = f;
    }
    return f;
  }

  @PostMapping("/api/v1/sandbox/run")
  RunCodeResponse run(@RequestBody RunCodeRequest request) throws InterruptedException {
    if (!service.availability().available()) {
      throw new ApiException(
          HttpStatus.SERVICE_UNAVAILABLE,
          "sandbox-unavailable",
          "the code sandbox is not available: " + service.availability().reason());
    }
    if (request.code() == null) {
      throw new InvalidRequestException(List.of(new FieldProblem("code", "is required")));
    }
    if (request.language() == null || Language.parse(request.language()).isEmpty()) {
      throw new InvalidRequestException(
          List.of(
              new FieldProblem("language", "must be one of: python, c, cpp, java, javascript")));
    }
    try {
      return facade()
          .submit(request)
          .get(properties.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (IllegalArgumentException e) {
      // the facade's messages start with the field they are about
      String message = e.getMessage() == null ? "invalid" : e.getMessage();
      int colon = message.indexOf(':');
      String field =
          colon > 0 && message.substring(0, colon).matches("[a-z_A-Z]+")
              ? message.substring(0, colon)
              : "files";
      throw new InvalidRequestException(List.of(new FieldProblem(field, message)));
    } catch (ExecutionException e) {
      return new RunCodeResponse(
          RunCodeResponse.SANDBOX_ERROR, String.valueOf(e.getCause()), null, null);
    } catch (TimeoutException e) {
      throw new ApiException(
          HttpStatus.GATEWAY_TIMEOUT, "sandbox-timeout", "the run did not finish in time");
    }
  }

  @ExceptionHandler(SandboxBusyException.class)
  ResponseEntity<ProblemDetail> busy(SandboxBusyException e) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS, e.getMessage());
    long seconds = Math.max(1, (e.retryAfter().toMillis() + 999) / 1000);
    return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
        .header(HttpHeaders.RETRY_AFTER, Long.toString(seconds))
        .body(problem);
  }
}
